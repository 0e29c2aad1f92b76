"""The state of the loopback world: users, chats, members, messages, files and the update queue."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import itertools
import time
from dataclasses import dataclass
from typing import Any

from .models import FakeChat, FakeUser, StoredFile, image_size

__all__ = ["DEFAULT_STICKER", "DEFAULT_VIDEO", "DEFAULT_VOICE", "Pulse", "WorldState"]

JSONDict = dict[str, Any]

_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "video/mp4": "mp4",
    "audio/ogg": "oga",
    "audio/mpeg": "mp3",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
_FOLDERS = {
    "photo": "photos",
    "document": "documents",
    "video": "videos",
    "voice": "voice",
    "sticker": "stickers",
    "audio": "music",
    "animation": "animations",
}
DEFAULT_VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 32
DEFAULT_VOICE = b"OggS\x00\x02" + b"\x00" * 40
DEFAULT_STICKER = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 28


TELEGRAM_SERVICE = FakeUser(777000, "Telegram")


class Pulse:
    """Wake every waiter when something changed (single event loop)."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def fire(self) -> None:
        """Wake every current waiter."""
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, seconds: float) -> None:
        """Wait for the next fire, or at most `seconds`."""
        if self._event is None:
            self._event = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), max(seconds, 0))


@dataclass
class _Pending:
    update: JSONDict
    delivered: bool = False
    forced: bool = False

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


class WorldState:
    """Users, chats, members, messages, files and the update queue."""

    def __init__(self, bot_user: FakeUser) -> None:
        self.bot_user = bot_user
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self.members: dict[tuple[int, int], str] = {}
        self.blocked: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.photo_sets: dict[str, list[JSONDict]] = {}
        self.updates: dict[int, JSONDict] = {}
        self.pending: list[_Pending] = []
        self.callback_queries: dict[str, JSONDict] = {}
        self.answered: set[str] = set()
        self.commands: dict[str, list[JSONDict]] = {}
        self.deleted: dict[int, dict[int, JSONDict]] = {}
        self._messages: dict[int, dict[int, JSONDict]] = {}
        self._next_message: dict[int, int] = {}
        self._user_ids = itertools.count(1001)
        self._group_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._media_groups = itertools.count(1)
        self.update_pulse = Pulse()
        self.last_delivery = 0.0
        # Bumped (and `activity_pulse` fired) whenever the queue or a request changes, so that a
        # test can wait for the bot to be idle without polling (LoopbackBotApi.busy).
        self.activity = 0
        self.activity_pulse = Pulse()

    # -- building the world -------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
        user_id: int | None = None,
    ) -> FakeUser:
        """Create a user with a private chat to the bot (ids auto-increment from 1001)."""
        uid = user_id if user_id is not None else next(self._user_ids)
        while user_id is None and uid in self.users:
            uid = next(self._user_ids)
        user = FakeUser(uid, first_name, last_name, username, language_code)
        self.users[uid] = user
        self.chats[uid] = user.private_chat()
        return user

    def add_supergroup(
        self, title: str, *, chat_id: int | None = None, username: str | None = None
    ) -> FakeChat:
        """Create a supergroup where the bot is an administrator."""
        cid = chat_id if chat_id is not None else -1001000000000 - next(self._group_ids)
        return self._add_chat(FakeChat(cid, "supergroup", title=title, username=username))

    def add_group(self, title: str, *, chat_id: int | None = None) -> FakeChat:
        """Create a basic group (which migrate_chat can upgrade) where the bot is an admin."""
        cid = chat_id if chat_id is not None else -4000000000 - next(self._group_ids)
        return self._add_chat(FakeChat(cid, "group", title=title))

    def _add_chat(self, chat: FakeChat) -> FakeChat:
        self.chats[chat.id] = chat
        self.members[(chat.id, self.bot_user.id)] = "administrator"
        return chat

    def set_member(self, chat_id: int, user: FakeUser, status: str = "member") -> None:
        """Set a user's status in a chat: creator/administrator/member/restricted/left/kicked."""
        if status not in {"creator", "administrator", "member", "restricted", "left", "kicked"}:
            raise ValueError(f"unknown chat member status {status!r}")
        self.users.setdefault(user.id, user)
        self.members[(chat_id, user.id)] = status

    def member_status(self, chat_id: int, user_id: int) -> str:
        """Return a user's status in a chat ("left" when unknown)."""
        chat = self.chats.get(chat_id)
        if chat is not None and chat.type == "private" and user_id in (chat.id, self.bot_user.id):
            return "member"
        return self.members.get((chat_id, user_id), "left")

    def block_bot(self, user: FakeUser) -> None:
        """Make the user block the bot: sends to their private chat fail with 403."""
        self.blocked.add(user.id)

    def unblock_bot(self, user: FakeUser) -> None:
        """Undo block_bot."""
        self.blocked.discard(user.id)

    def migrate_chat(self, old_chat_id: int, new_chat_id: int, *, announce: bool = True) -> None:
        """Upgrade a group to a supergroup with a new id; sends to the old id fail with 400."""
        old = self.chats.get(old_chat_id)
        title = old.title if old is not None else "Migrated group"
        if new_chat_id not in self.chats:
            self.chats[new_chat_id] = FakeChat(new_chat_id, "supergroup", title=title)
        for (cid, uid), status in list(self.members.items()):
            if cid == old_chat_id:
                self.members.setdefault((new_chat_id, uid), status)
        self.members.setdefault((new_chat_id, self.bot_user.id), "administrator")
        self.migrated[old_chat_id] = new_chat_id
        if announce and old is not None:
            owners = [
                self.users[uid]
                for (cid, uid), status in self.members.items()
                if cid == old_chat_id and status == "creator" and uid in self.users
            ]
            actor = owners[0] if owners else TELEGRAM_SERVICE
            new = self.chats[new_chat_id]
            self._store_and_queue(
                self._new_message(old, actor, {"migrate_to_chat_id": new_chat_id})
            )
            self._store_and_queue(
                self._new_message(new, actor, {"migrate_from_chat_id": old_chat_id})
            )

    # -- messages and files ---------------------------------------------------------------------

    def next_message_id(self, chat_id: int) -> int:
        """Allocate the next message id in a chat."""
        value = self._next_message.get(chat_id, 1)
        self._next_message[chat_id] = value + 1
        return value

    def store_message(self, message: JSONDict) -> None:
        """Store (or replace) a message under its chat and id."""
        self._messages.setdefault(message["chat"]["id"], {})[message["message_id"]] = message

    def get_message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """Return the stored (live, mutable) message, or None."""
        return self._messages.get(chat_id, {}).get(message_id)

    def remove_message(self, chat_id: int, message_id: int) -> None:
        """Delete a message, keeping it in `deleted` for inspection."""
        message = self._messages.get(chat_id, {}).pop(message_id)
        self.deleted.setdefault(chat_id, {})[message_id] = message

    def messages_in(self, chat_id: int) -> list[JSONDict]:
        """Return copies of the current state of every message in a chat, in order."""
        return [copy.deepcopy(m) for m in self._messages.get(chat_id, {}).values()]

    def bot_messages(self, chat_id: int) -> list[JSONDict]:
        """Return copies of the messages the bot sent in a chat (current state), in order."""
        return [m for m in self.messages_in(chat_id) if m["from"]["id"] == self.bot_user.id]

    def last_bot_message(self, chat_id: int) -> JSONDict:
        """Return the last message the bot sent in a chat; raise LookupError if none."""
        messages = self.bot_messages(chat_id)
        if not messages:
            raise LookupError(f"the bot sent no message (still present) in chat {chat_id}")
        return messages[-1]

    def new_message(self, chat: FakeChat, sender: FakeUser, content: JSONDict) -> JSONDict:
        """Build a Message dict with a fresh id (not stored yet)."""
        return self._new_message(chat, sender, content)

    def _new_message(self, chat: FakeChat, sender: FakeUser, content: JSONDict) -> JSONDict:
        return {
            "message_id": self.next_message_id(chat.id),
            "from": sender.to_api(),
            "chat": chat.to_api(),
            "date": int(time.time()),
            **content,
        }

    def add_file(
        self, data: bytes, kind: str, *, mime_type: str | None = None, file_name: str | None = None
    ) -> StoredFile:
        """Store file bytes and return the new StoredFile."""
        number = next(self._file_ids)
        digest = hashlib.sha1(data + kind.encode(), usedforsecurity=False).hexdigest()
        ext = _EXTENSIONS.get(mime_type or "")
        if ext is None and file_name and "." in file_name:
            ext = file_name.rsplit(".", 1)[1]
        path = f"{_FOLDERS.get(kind, 'documents')}/file_{number}.{ext or 'bin'}"
        stored = StoredFile(
            file_id=f"LB{kind[:2].upper()}{number:06d}{digest[:18]}",
            file_unique_id=f"U{digest[:15]}",
            data=data,
            file_path=path,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[path] = stored
        return stored

    def photo_sizes(self, data: bytes) -> list[JSONDict]:
        """Store a photo and return its two PhotoSize dicts (thumbnail first)."""
        width, height = image_size(data) or (800, 600)
        scale = min(1.0, 90 / max(width, height, 1))
        sizes: list[JSONDict] = []
        for w, h in (
            (max(1, round(width * scale)), max(1, round(height * scale))),
            (width, height),
        ):
            stored = self.add_file(data, "photo", mime_type="image/jpeg")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id + f"{w}",
                    "file_size": stored.size,
                    "width": w,
                    "height": h,
                }
            )
        for size in sizes:
            self.photo_sets[size["file_id"]] = sizes
        return sizes

    def media_content(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        duration: int = 3,
    ) -> JSONDict:
        """Store a file and return the message content for it ({kind: ...})."""
        if kind == "photo":
            return {"photo": self.photo_sizes(data)}
        defaults = {
            "video": "video/mp4",
            "voice": "audio/ogg",
            "sticker": "image/webp",
            "audio": "audio/mpeg",
            "animation": "video/mp4",
        }
        mime = mime_type or defaults.get(kind) or "application/octet-stream"
        stored = self.add_file(data, kind, mime_type=mime, file_name=file_name)
        media: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        if kind == "sticker":
            media.update(
                type="regular",
                width=512,
                height=512,
                is_animated=False,
                is_video=False,
                emoji="\N{THUMBS UP SIGN}",
            )
            return {kind: media}
        if kind in ("video", "animation"):
            media.update(width=640, height=360, duration=duration)
        elif kind in ("voice", "audio"):
            media["duration"] = duration
        media["mime_type"] = mime
        if file_name is not None and kind != "voice":
            media["file_name"] = file_name
        return {kind: media}

    def media_group_id(self) -> str:
        """Return a fresh media_group_id."""
        return f"1{next(self._media_groups):017d}"

    # -- updates ----------------------------------------------------------------------------------

    def inject_raw(self, update: JSONDict) -> int:
        """Queue any raw update dict for getUpdates (assigning update_id if missing)."""
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        else:
            self._update_ids = itertools.count(max(next(self._update_ids), update["update_id"] + 1))
        update_id = int(update["update_id"])
        self.updates[update_id] = update
        self.pending.append(_Pending(update))
        self.pending.sort(key=lambda p: p.update_id)
        self.update_pulse.fire()
        self.touch()
        return update_id

    def update_id_of(self, message: JSONDict) -> int:
        """Return the id of the update that delivered a user's message (for redelivery)."""
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        for update_id, update in self.updates.items():
            inner = update.get("message") or update.get("edited_message") or {}
            if inner.get("message_id") == message_id and inner.get("chat", {}).get("id") == chat_id:
                return update_id
        raise LookupError(f"no update delivered message {message_id} in chat {chat_id}")

    def redeliver(self, update_id: int) -> None:
        """Queue an already delivered update again, with the same update_id."""
        update = self.updates[update_id]
        for entry in self.pending:
            if entry.update_id == update_id:
                entry.forced = True
                entry.delivered = False
                break
        else:
            self.pending.append(_Pending(update, forced=True))
            self.pending.sort(key=lambda p: p.update_id)
        self.update_pulse.fire()
        self.touch()

    def confirm(self, offset: int | None) -> None:
        """Forget the updates an offset confirms (negative: keep only the last -offset)."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [p for p in self.pending if p.update_id >= offset or p.forced]
        self.touch()

    def available(self, offset: int | None, limit: int) -> list[_Pending]:
        """Return the pending updates a getUpdates call with this offset would get."""
        ready = [
            p for p in self.pending if not offset or offset < 0 or p.update_id >= offset or p.forced
        ]
        return ready[:limit]

    def mark_delivered(self, batch: list[_Pending]) -> None:
        """Note that these updates were handed out by getUpdates."""
        for entry in batch:
            entry.delivered = True
            entry.forced = False
        if batch:
            self.last_delivery = time.monotonic()

    def unconfirmed_count(self) -> int:
        """Return how many queued updates a later getUpdates offset has not confirmed yet.

        PTB puts the updates of one answer into its update queue before it asks again with a
        higher offset, so an unconfirmed update may still be on its way into the application.
        """
        return len(self.pending)

    def touch(self) -> None:
        """Note that something the bot may react to, or that it does, has changed."""
        self.activity += 1
        self.activity_pulse.fire()

    def undelivered_count(self) -> int:
        """Return how many queued updates getUpdates has not handed out yet."""
        return sum(1 for p in self.pending if not p.delivered)

    def _store_and_queue(self, message: JSONDict, key: str = "message") -> JSONDict:
        self.store_message(message)
        self.inject_raw({key: copy.deepcopy(message)})
        return copy.deepcopy(message)
