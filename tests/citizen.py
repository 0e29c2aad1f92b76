"""A citizen talking to the bot through the loopback Bot API, one message at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loopback import FakeUser, LoopbackBotApi


@dataclass
class Citizen:
    """Send what a person would send and return what the bot answered."""

    api: LoopbackBotApi
    user: FakeUser

    @property
    def chat_id(self) -> int:
        """Return the private chat's id."""
        return self.user.id

    def _count(self) -> int:
        return len(self.api.calls("sendMessage", chat_id=self.chat_id))

    async def _answer(self, before: int, replies: int = 1) -> str:
        await self.api.wait_for("sendMessage", chat_id=self.chat_id, count=before + replies)
        return str(self.api.last_bot_message(self.chat_id).get("text", ""))

    async def says(self, text: str, *, replies: int = 1) -> str:
        """Send a text (typed or a keyboard button) and return the bot's last answer."""
        before = self._count()
        self.api.send_text(self.user, text)
        return await self._answer(before, replies)

    async def sends_photo(self, *, caption: str | None = None) -> str:
        """Send a photo and return the answer."""
        before = self._count()
        self.api.send_photo(self.user, caption=caption)
        return await self._answer(before)

    async def sends_document(self, data: bytes, name: str, mime: str) -> str:
        """Send a document and return the answer."""
        before = self._count()
        self.api.send_document(self.user, data, file_name=name, mime_type=mime)
        return await self._answer(before)

    async def sends(self, kind: str, **kwargs: Any) -> str:
        """Send any other kind of message (sticker, contact, location, voice, video)."""
        before = self._count()
        getattr(self.api, f"send_{kind}")(self.user, **kwargs)
        return await self._answer(before)

    def buttons(self) -> list[str]:
        """Return the labels of the keyboard on the bot's last message."""
        params = self.api.calls("sendMessage", chat_id=self.chat_id)[-1].params
        markup = params.get("reply_markup") or {}
        rows = markup.get("keyboard") or markup.get("inline_keyboard") or []
        return [b["text"] if isinstance(b, dict) else b for row in rows for b in row]

    def last_html(self) -> str:
        """Return the HTML the bot sent last (before Telegram strips the tags)."""
        return str(self.api.calls("sendMessage", chat_id=self.chat_id)[-1].params["text"])
