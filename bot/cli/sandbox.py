"""Sandbox mode: the whole bot against the loopback Bot API, driven from the terminal.

Try the bot without Telegram: you type as a citizen (or as a staff member in the staff group),
and the bot's answers print as they arrive, with their buttons. The database is a scratch file
unless DATABASE_URL says otherwise.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, TextIO

from pydantic import SecretStr

from bot.settings import Settings
from bot.telegram import lifecycle
from loopback import FakeChat, FakeUser, LoopbackBotApi

HELP = (
    "Type a message as the current person. Commands of the sandbox itself:\n"
    "  :press N       press inline button N (1, 2, ...) of the last bot message shown\n"
    "  :photo [text]  send a photo (with a caption)\n"
    "  :citizen       talk as the citizen in a private chat\n"
    "  :staff         talk as the supervisor in the staff group\n"
    "  :staffdm       talk as the supervisor in a private chat with the bot\n"
    "  :help, :quit"
)


@dataclass
class Seat:
    """Who is typing, and where."""

    user: FakeUser
    chat: FakeChat | None  # None: the user's private chat with the bot

    @property
    def chat_id(self) -> int:
        """Return the id of the chat the person types in."""
        return self.chat.id if self.chat is not None else self.user.id


class Sandbox:
    """Run the application against a loopback server and relay a terminal to it."""

    def __init__(self, settings: Settings, out: TextIO = sys.stdout) -> None:
        self.base = settings
        self.out = out
        self.api = LoopbackBotApi()
        self.shown = 0
        self.last: dict[int, dict[str, Any]] = {}

    def say(self, text: str) -> None:
        """Print a line for the person at the terminal."""
        print(text, file=self.out, flush=True)

    async def run(self, lines: asyncio.Queue[str | None]) -> None:
        """Start everything and relay lines until :quit or the end of input."""
        from bot.app import build_application

        await self.api.start()
        group = self.api.add_supergroup("Staf Pengaduan (sandbox)")
        citizen = self.api.add_user("Warga", username="warga_sandbox")
        head = self.api.add_user("Kepala", username="kepala_sandbox")
        self.api.set_member(group.id, head, "administrator")
        settings = self.base.model_copy(
            update={
                "telegram_bot_token": SecretStr(self.api.token),
                "telegram_base_url": self.api.base_url,
                "telegram_base_file_url": self.api.base_file_url,
                "staff_chat_id": group.id,
                "admin_user_ids": frozenset({head.id}),
                "poll_timeout_seconds": 1,
            }
        )
        app = build_application(settings)
        await lifecycle.start(app, poll_timeout=1)
        seats = {
            ":citizen": Seat(citizen, None),
            ":staff": Seat(head, group),
            ":staffdm": Seat(head, None),
        }
        seat = seats[":citizen"]
        watched = {citizen.id, head.id, group.id}
        self.say(f"Aduan sandbox on {self.api.base_url} (no Telegram needed).\n{HELP}")
        self.say(f"You are {seat.user.first_name} in a private chat. Try /start or /lapor.")
        try:
            while True:
                line = await lines.get()
                if line is None or line.strip() == ":quit":
                    break
                seat = self.handle(line.rstrip("\n"), seat, seats)
                await self.api.settle(quiet=0.3, timeout=10)
                self.show_new(watched)
        finally:
            await lifecycle.stop(app)
            await self.api.stop()

    def handle(self, line: str, seat: Seat, seats: dict[str, Seat]) -> Seat:
        """Act on one typed line; return who types next."""
        word, _, rest = line.partition(" ")
        if word in seats:
            chosen = seats[word]
            where = "the staff group" if chosen.chat else "a private chat"
            self.say(f"(you are {chosen.user.first_name} in {where})")
            return chosen
        if word == ":help":
            self.say(HELP)
        elif word == ":photo":
            self.api.send_photo(seat.user, caption=rest or None, chat=seat.chat)
        elif word == ":press":
            self.press(seat, rest)
        elif line.strip():
            self.api.send_text(seat.user, line, chat=seat.chat)
        return seat

    def press(self, seat: Seat, which: str) -> None:
        """Press an inline button of the last message with buttons in this chat."""
        message = self.last.get(seat.chat_id)
        if message is None:
            self.say("(no buttons to press here)")
            return
        stored = self.api.get_message(seat.chat_id, message["message_id"]) or message
        buttons = [
            b for row in stored.get("reply_markup", {}).get("inline_keyboard", []) for b in row
        ]
        try:
            button = buttons[int(which) - 1]
        except (ValueError, IndexError):
            self.say(f"(choose a button from 1 to {len(buttons)})")
            return
        self.api.press_button(seat.user, stored, button["callback_data"], chat=seat.chat)

    def show_new(self, watched: set[int]) -> None:
        """Print every message the bot sent or edited in the watched chats since last time."""
        calls = self.api.requests[self.shown :]
        self.shown = len(self.api.requests)
        for call in calls:
            if call.method not in ("sendMessage", "editMessageText", "sendPhoto", "copyMessage"):
                continue
            chat_id = call.chat_id
            if not isinstance(chat_id, int) or chat_id not in watched or not call.ok:
                continue
            result = call.result if isinstance(call.result, dict) else {}
            text = result.get("text") or result.get("caption") or f"[{call.method}]"
            verb = "edited" if call.method == "editMessageText" else "bot"
            self.say(f"\n{verb}> {text}")
            markup = call.params.get("reply_markup") or {}
            rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
            labels = [b["text"] if isinstance(b, dict) else str(b) for row in rows for b in row]
            if markup.get("inline_keyboard"):
                self.last[chat_id] = result
                self.say("   " + "  ".join(f"[{n}] {t}" for n, t in enumerate(labels, 1)))
            elif labels:
                self.say("   keyboard: " + " | ".join(labels))


def scratch_database() -> str:
    """Return a database URL in a new temporary folder."""
    folder = tempfile.mkdtemp(prefix="aduan-sandbox-")
    return f"sqlite+aiosqlite:///{folder}/sandbox.db"


async def run_sandbox(settings: Settings, source: TextIO = sys.stdin) -> None:
    """Run the sandbox, reading lines from `source` (a terminal, or a pipe in tests)."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in source:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    loop.run_in_executor(None, read)
    await Sandbox(settings).run(lines)
