"""The outbox sender: delivers queued messages in order per chat, with retries.

Messages are written to the outbox in the same transaction as the change that causes them, so a
message is never lost when Telegram is down or the bot restarts; it is delivered at least once.
A crash between Telegram's answer and `mark_sent` can send one message twice; that is the price
of never losing one.

Several replicas (PostgreSQL) drain one outbox: each chat's messages are sent by one replica at a
time, under the chat's advisory lock (storage/repo/operations.py `cluster_lock`), read again
once the lock is held, so nothing is sent twice and each chat's order is kept; a chat another
replica holds is skipped until the next round. SQLite runs one process: the lock is granted.

Edits are idempotent (a repeated edit is "not modified"); new messages are
not (the Bot API has no idempotency key).

Only a refusal that can never succeed fails a row: a blocked reporter (403 in a private chat), a
malformed message. Everything else (timeouts, 5xx, 429, the bot removed from the staff group, a
bug in an expander) is retried with backoff up to `MAX_BACKOFF`, for as long as it takes;
after `max_attempts` such a row counts as stuck and shows in `python -m bot outbox list`, in
/kotakkeluar and in the daily report.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    MessageId,
    ReplyKeyboardMarkup,
    ReplyParameters,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from storage.models import OutboxFile, OutboxItem
from storage.repository import Repository

log = logging.getLogger(__name__)

# Builds a message's arguments at send time from the row (a card from its report's state).
Expander = Callable[[OutboxItem], Awaitable[dict[str, Any]]]

MAX_BACKOFF = timedelta(minutes=5)
# Chats served at once; the rate limiter still holds the bot to Telegram's limits.
PARALLEL_CHATS = 8
# A card deleted by hand in the group is posted again instead of failing its refreshes.
_CARD_GONE = ("message to edit not found", "message can't be edited")
# Telegram's answers to a file_id it does not know (the file is uploaded again).
_FILE_GONE = ("wrong file identifier", "file reference", "invalid file_id", "wrong remote file")
# Called when a group becomes a supergroup, so that the running bot follows at once.
OnMigrated = Callable[[int, int], None]


class OutboxSender:
    """Drain the outbox: one chat's messages in order, different chats side by side."""

    def __init__(
        self,
        repo: Repository,
        bot: Bot,
        *,
        batch_size: int,
        max_attempts: int,
        backoff: timedelta = timedelta(seconds=2),
        expanders: Mapping[str, Expander] | None = None,
        on_migrated: OnMigrated | None = None,
    ) -> None:
        self.repo = repo
        self.expanders = dict(expanders or {})
        self.on_migrated = on_migrated
        self.bot = bot
        self.backoff = backoff
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self._lock = asyncio.Lock()
        # One upload per stored file at a time: the chats served at once that share a file wait
        # for the first upload's file_id instead of uploading it too.
        self._uploads: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._again = False
        self._finished = asyncio.Event()
        self.rounds = 0

    # -- observing: the tests wait for the bot to be idle; the product never needs these -----

    @property
    def draining(self) -> bool:
        """Return True while a drain is sending (or reading what is due)."""
        return self._lock.locked()

    async def next_round(self) -> None:
        """Wait until the running drain, or else the next one to start, has finished."""
        await self._finished.wait()

    async def drain(self) -> int:
        """Send everything that is due; return how many messages were delivered."""
        if self._lock.locked():
            self._again = True  # the running drain picks the new rows up
            return 0
        delivered = 0
        try:
            async with self._lock:
                while True:
                    self._again = False
                    items = await self.repo.due_outbox(self.batch_size)
                    if not items:
                        break
                    sent, elsewhere = await self._send_batch(items)
                    delivered += sent
                    if not sent and elsewhere:
                        break  # what is due belongs to chats other replicas are sending to
                    if not self._again and len(items) < self.batch_size:
                        break
        finally:
            self.rounds += 1
            finished, self._finished = self._finished, asyncio.Event()
            finished.set()
        return delivered

    async def _send_batch(self, items: list[OutboxItem]) -> tuple[int, int]:
        """Send a batch chat by chat; return (delivered, chats another replica holds)."""
        by_chat: dict[int, list[OutboxItem]] = defaultdict(list)
        for item in items:
            by_chat[item.chat_id].append(item)
        gate = asyncio.Semaphore(PARALLEL_CHATS)
        elsewhere = 0

        async def one_chat(queue: list[OutboxItem]) -> int:
            nonlocal elsewhere
            async with gate, self.repo.cluster_lock("outbox", queue[0].chat_id) as mine:
                if not mine:
                    elsewhere += 1
                    return 0
                if not self.repo.db.is_sqlite:
                    # Read again under the chat's lock: another replica may have sent some.
                    queue = await self.repo.due_outbox(self.batch_size, chat_id=queue[0].chat_id)
                sent = 0
                for item in queue:
                    try:
                        done = await self._deliver(item)
                    except Exception:  # the database itself: the row is retried next round
                        log.exception("outbox %s could not be recorded", item.id)
                        done = False
                    if not done:
                        break  # keep the chat's order: the rest wait for this one
                    sent += 1
                return sent

        results = await asyncio.gather(*(one_chat(q) for q in by_chat.values()))
        return sum(results), elsewhere

    async def _deliver(self, item: OutboxItem) -> bool:
        """Send one item; True when it is done with (sent, or failed for good)."""
        try:
            message_id = await self._call(item)
        except RetryAfter as exc:
            delay = exc.retry_after
            wait = delay if isinstance(delay, timedelta) else timedelta(seconds=delay)
            await self._retry(item, wait, f"429 retry after {wait.total_seconds():.0f}s")
            return False
        except ChatMigrated as exc:
            log.warning("chat %s became supergroup %s", item.chat_id, exc.new_chat_id)
            await self.repo.retarget_chat(item.chat_id, exc.new_chat_id)
            if self.on_migrated is not None:
                self.on_migrated(item.chat_id, exc.new_chat_id)
            return False
        except Forbidden as exc:
            if item.chat_id < 0:
                # The bot was removed from a group (or lost its rights): every card waits
                # there until it is added back, instead of failing for good.
                log.error("outbox %s: no access to group %s: %s", item.id, item.chat_id, exc)
                await self._retry(item, MAX_BACKOFF, f"forbidden: {exc.message}")
                return False
            await self.repo.mark_failed(item, f"forbidden: {exc.message}")
            await self.repo.mark_chat_blocked(item.chat_id)
            return True
        except BadRequest as exc:
            if "not modified" in exc.message:
                await self.repo.mark_sent(item, None)
                return True
            log.error("outbox %s (%s) refused: %s", item.id, item.kind, exc.message)
            await self.repo.mark_failed(item, f"bad request: {exc.message}")
            return True
        except NetworkError as exc:
            await self._retry(item, self._backoff(item), f"network: {exc.message}")
            return False
        except Exception as exc:  # a bug (an expander's assertion, a TypeError): back off
            log.exception("outbox %s (%s) failed in the bot", item.id, item.kind)
            await self._retry(item, self._backoff(item), f"bot error: {exc!r}"[:500])
            return False
        await self.repo.mark_sent(item, message_id)
        return True

    def _backoff(self, item: OutboxItem) -> timedelta:
        return min(self.backoff * 2 ** min(item.attempts, 16), MAX_BACKOFF)

    async def _retry(self, item: OutboxItem, delay: timedelta, error: str) -> None:
        # Never given up: a stuck row keeps trying every MAX_BACKOFF and is shown to operators.
        if item.attempts + 1 == self.max_attempts:
            log.error("outbox %s stuck after %s attempts: %s", item.id, item.attempts + 1, error)
        await self.repo.mark_retry(item, delay=delay, error=error)

    async def _call(self, item: OutboxItem) -> int | None:
        kind = item.kind
        p: dict[str, Any] = {k: v for k, v in item.payload.items() if not k.startswith("_")}
        if kind in self.expanders:
            # Rendered now, from the current state: a card edited five times is sent once.
            # An expander may ask for a new message instead of an edit ("_send_as").
            p = await self.expanders[kind](item)
            kind = str(p.pop("_send_as", "edit_linked"))
        markup = p.pop("reply_markup", None)
        if markup and "keyboard" in markup and kind == "send_message":
            # A citizen's menu keyboard (the receipt of a filed report brings it back).
            menu = ReplyKeyboardMarkup.de_json(markup, self.bot)
            return (await self.bot.send_message(item.chat_id, reply_markup=menu, **p)).message_id
        reply_markup = InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None
        result: Message | MessageId | bool
        if kind == "send_message":
            result = await self.bot.send_message(item.chat_id, reply_markup=reply_markup, **p)
        elif kind == "edit_message_text":
            result = await self.bot.edit_message_text(
                chat_id=item.chat_id, reply_markup=reply_markup, **p
            )
        elif kind == "edit_linked":
            return await self._edit_linked(item, p, reply_markup)
        elif kind in ("copy_to_thread", "send_to_thread"):
            return await self._to_thread(item, kind, p, reply_markup)
        elif kind == "copy_message":
            result = await self.bot.copy_message(
                chat_id=item.chat_id, reply_markup=reply_markup, **p
            )
        elif kind == "send_document":
            if item.document_id is not None:
                return await self._send_stored_document(item, p, reply_markup)
            if "document_text" in p:
                # A file built from text in the payload (queued before outbox_files).
                data = str(p.pop("document_text")).encode("utf-8")
                p["document"] = InputFile(data, filename=str(p.pop("filename", "daftar.txt")))
            result = await self.bot.send_document(item.chat_id, reply_markup=reply_markup, **p)
        elif kind == "send_photo":  # an expander's picture (the morning report's chart)
            result = await self.bot.send_photo(item.chat_id, reply_markup=reply_markup, **p)
        else:
            raise BadRequest(f"unknown outbox kind {item.kind!r}")
        return result.message_id if isinstance(result, Message | MessageId) else None

    async def _send_stored_document(
        self, item: OutboxItem, p: dict[str, Any], markup: InlineKeyboardMarkup | None
    ) -> int | None:
        """Send a file stored once for many chats: uploaded the first time, then by file_id.

        A file_id Telegram no longer knows (another bot's, after a token change) is forgotten
        and the file uploaded again.
        """
        assert item.document_id is not None
        stored = await self.repo.outbox_file(item.document_id)
        if stored is not None and stored.telegram_file_id is None:
            lock = self._uploads.setdefault(stored.id, asyncio.Lock())
            async with lock:
                # Another chat's upload of the same file may have finished meanwhile.
                stored = await self.repo.outbox_file(item.document_id)
                if stored is not None and stored.telegram_file_id is None:
                    return await self._upload(item, stored, p, markup)
        if stored is None:
            raise BadRequest("the queued document is no longer stored")
        assert stored.telegram_file_id is not None
        try:
            sent = await self.bot.send_document(
                item.chat_id,
                stored.telegram_file_id,
                reply_markup=markup,
                **{k: v for k, v in p.items() if k != "filename"},
            )
            return sent.message_id
        except BadRequest as exc:
            if not any(gone in exc.message.lower() for gone in _FILE_GONE):
                raise
            log.warning("outbox %s: file_id of file %s refused; uploading", item.id, stored.id)
        return await self._upload(item, stored, p, markup)

    async def _upload(
        self,
        item: OutboxItem,
        stored: OutboxFile,
        p: dict[str, Any],
        markup: InlineKeyboardMarkup | None,
    ) -> int | None:
        """Upload a stored file and record the file_id Telegram gives it."""
        args = dict(p)
        upload = InputFile(stored.content, filename=str(args.pop("filename", "daftar.txt")))
        sent = await self.bot.send_document(item.chat_id, upload, reply_markup=markup, **args)
        await self.repo.remember_telegram_file(
            stored.id, sent.document.file_id if sent.document is not None else None
        )
        return sent.message_id

    async def _to_thread(
        self, item: OutboxItem, kind: str, p: dict[str, Any], markup: InlineKeyboardMarkup | None
    ) -> int | None:
        """Send or copy a message as a reply to the report's card, so it reads as a thread."""
        assert item.report_id is not None, "a thread message names its report"
        card = await self.repo.linked_message(item.report_id, "card", item.chat_id)
        reply = ReplyParameters(card, allow_sending_without_reply=True) if card else None
        if kind == "copy_to_thread":
            copied = await self.bot.copy_message(
                chat_id=item.chat_id, reply_markup=markup, reply_parameters=reply, **p
            )
            return copied.message_id
        sent = await self.bot.send_message(
            item.chat_id, reply_markup=markup, reply_parameters=reply, **p
        )
        return sent.message_id

    async def _edit_linked(
        self, item: OutboxItem, p: dict[str, Any], markup: InlineKeyboardMarkup | None
    ) -> int | None:
        """Edit a message recorded under a link slot (a card), or send it when there is none."""
        slot = str(item.payload.get("_link", "card"))
        assert item.report_id is not None, "edit_linked needs a report"
        message_id = await self.repo.linked_message(item.report_id, slot, item.chat_id)
        if message_id is not None:
            try:
                await self.bot.edit_message_text(
                    chat_id=item.chat_id, message_id=message_id, reply_markup=markup, **p
                )
                return message_id
            except BadRequest as exc:
                if not any(gone in exc.message.lower() for gone in _CARD_GONE):
                    raise
                log.warning(
                    "outbox %s: %s %s was deleted; posting it again", item.id, slot, message_id
                )
        sent = await self.bot.send_message(item.chat_id, reply_markup=markup, **p)
        return sent.message_id
