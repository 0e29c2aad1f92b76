"""The actions users take in the loopback world: sending messages, media, pressing buttons."""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from .models import DEFAULT_PHOTO, FakeChat, FakeUser
from .state import DEFAULT_STICKER, DEFAULT_VIDEO, DEFAULT_VOICE, WorldState

__all__ = ["World"]

JSONDict = dict[str, Any]

_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


class World(WorldState):
    """The world state plus everything a user can do in it (each action queues an update)."""

    # -- user actions -------------------------------------------------------------------------

    def _chat_for(self, user: FakeUser, chat: FakeChat | None) -> FakeChat:
        self.users.setdefault(user.id, user)
        if chat is None:
            return self.chats.setdefault(user.id, user.private_chat())
        return chat

    def _user_message(
        self, user: FakeUser, chat: FakeChat | None, content: JSONDict, reply_to: int | None = None
    ) -> JSONDict:
        target = self._chat_for(user, chat)
        message = self._new_message(target, user, content)
        if reply_to is not None:
            replied = self.get_message(target.id, reply_to)
            if replied is None:
                raise LookupError(f"no message {reply_to} in chat {target.id}")
            message["reply_to_message"] = {
                k: v for k, v in replied.items() if k != "reply_to_message"
            }
        return self._store_and_queue(message)

    def _captioned(self, content: JSONDict, caption: str | None) -> JSONDict:
        if caption is not None:
            content["caption"] = caption
        return content

    def send_text(
        self,
        user: FakeUser,
        text: str,
        *,
        chat: FakeChat | None = None,
        reply_to: int | None = None,
    ) -> JSONDict:
        """Make the user send a text message (a leading /command gets a bot_command entity)."""
        content: JSONDict = {"text": text}
        match = _COMMAND_RE.match(text)
        if match:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": match.end()}]
        return self._user_message(user, chat, content, reply_to)

    def send_photo(
        self,
        user: FakeUser,
        data: bytes = DEFAULT_PHOTO,
        *,
        caption: str | None = None,
        chat: FakeChat | None = None,
        reply_to: int | None = None,
        media_group_id: str | None = None,
    ) -> JSONDict:
        """Make the user send a photo (two PhotoSize entries of the uploaded bytes)."""
        content = self._captioned(self.media_content("photo", data), caption)
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        return self._user_message(user, chat, content, reply_to)

    def send_document(
        self,
        user: FakeUser,
        data: bytes,
        *,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        chat: FakeChat | None = None,
        reply_to: int | None = None,
    ) -> JSONDict:
        """Make the user send a document."""
        content = self.media_content("document", data, file_name=file_name, mime_type=mime_type)
        return self._user_message(user, chat, self._captioned(content, caption), reply_to)

    def send_video(
        self,
        user: FakeUser,
        data: bytes = DEFAULT_VIDEO,
        *,
        caption: str | None = None,
        duration: int = 3,
        chat: FakeChat | None = None,
    ) -> JSONDict:
        """Make the user send a video."""
        content = self.media_content("video", data, duration=duration, file_name="video.mp4")
        return self._user_message(user, chat, self._captioned(content, caption))

    def send_voice(
        self,
        user: FakeUser,
        data: bytes = DEFAULT_VOICE,
        *,
        duration: int = 2,
        chat: FakeChat | None = None,
    ) -> JSONDict:
        """Make the user send a voice note."""
        return self._user_message(user, chat, self.media_content("voice", data, duration=duration))

    def send_sticker(
        self, user: FakeUser, data: bytes = DEFAULT_STICKER, *, chat: FakeChat | None = None
    ) -> JSONDict:
        """Make the user send a sticker."""
        return self._user_message(user, chat, self.media_content("sticker", data))

    def send_contact(
        self,
        user: FakeUser,
        phone_number: str,
        *,
        own: bool = True,
        first_name: str | None = None,
        chat: FakeChat | None = None,
    ) -> JSONDict:
        """Make the user share a contact (their own by default, with user_id)."""
        contact: JSONDict = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
        }
        if own:
            if user.last_name:
                contact["last_name"] = user.last_name
            contact["user_id"] = user.id
        return self._user_message(user, chat, {"contact": contact})

    def send_location(
        self, user: FakeUser, latitude: float, longitude: float, *, chat: FakeChat | None = None
    ) -> JSONDict:
        """Make the user share a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(user, chat, {"location": location})

    def forward_text(
        self,
        user: FakeUser,
        text: str,
        *,
        origin: FakeUser | None = None,
        hidden_name: str | None = None,
        chat: FakeChat | None = None,
    ) -> JSONDict:
        """Make the user forward a text written by `origin` (or by a hidden user)."""
        date = int(time.time()) - 3600
        forward_origin: JSONDict
        if origin is not None:
            forward_origin = {"type": "user", "date": date, "sender_user": origin.to_api()}
        else:
            forward_origin = {
                "type": "hidden_user",
                "date": date,
                "sender_user_name": hidden_name or "Hidden",
            }
        content = {"text": text, "forward_origin": forward_origin}
        return self._user_message(user, chat, content)

    def edit_text(self, user: FakeUser, message: JSONDict, text: str) -> JSONDict:
        """Make the user edit their text message (an edited_message update)."""
        stored = self.get_message(message["chat"]["id"], message["message_id"])
        if stored is None or stored["from"]["id"] != user.id:
            raise LookupError("the user can only edit a present message of their own")
        stored["text"] = text
        stored.pop("entities", None)
        stored["edit_date"] = int(time.time())
        self.inject_raw({"edited_message": copy.deepcopy(stored)})
        return copy.deepcopy(stored)

    def press_button(
        self,
        user: FakeUser,
        message: JSONDict,
        data: str,
        *,
        chat: FakeChat | None = None,
        forge: bool = False,
    ) -> str:
        """Make the user press an inline button of a bot message; return the callback query id."""
        chat_id = chat.id if chat is not None else message["chat"]["id"]
        stored = self.get_message(chat_id, message["message_id"])
        if stored is None:
            raise LookupError(f"message {message['message_id']} is not in chat {chat_id}")
        if not forge:
            rows = stored.get("reply_markup", {}).get("inline_keyboard", [])
            offered = [b.get("callback_data") for row in rows for b in row]
            if data not in offered:
                raise LookupError(
                    f"no button with callback_data {data!r} on message {stored['message_id']}"
                    f" (it offers {offered}); pass forge=True to send it anyway"
                )
        query_id = f"{next(self._callback_ids) + 4_000_000_000_000_000}"
        query = {
            "id": query_id,
            "from": user.to_api(),
            "message": copy.deepcopy(stored),
            "chat_instance": str(abs(chat_id) * 31 + 7),
            "data": data,
        }
        self.callback_queries[query_id] = query
        self.inject_raw({"callback_query": query})
        return query_id
