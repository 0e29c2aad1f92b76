"""Durable updates: each one stored before Telegram is told it arrived, marked once handled.

python-telegram-bot's Updater confirms a batch (the next getUpdates offset) before the handlers
run, so a crash mid-handler lost the update for good. Here the fetch loop stores the raw batch in
one transaction first, then confirms it; `DurableApplication.process_update` marks each update
handled right after its handlers; on start, stored updates never marked run again. Telegram's
own redelivery of a stored update is not queued twice, and the redelivery guard
(handlers/common.py) drops one whose handlers already ran.

What the guard reads for a fetched update (not handled, its private sender's reporter row and
drafts) is read in the batch's store transaction, a statement per update, instead of a read
transaction of its own in the guard (~0.25 ms of CPU per update). Only for an update whose
sender has no earlier update queued or running, in this batch or before: such an update's
handlers could change the sender's draft between the store and the guard. The others, and
replayed and webhook updates, are read by the guard as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.domain import intake
from bot.services.container import get_services
from storage.models import UpdateView
from storage.repo.drafts import APPLYING_UPDATE

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
MAX_BACKOFF = 30.0
# Extra seconds on top of the long poll before a silent connection counts as lost.
READ_MARGIN = 10.0


class DurableApplication(Application):
    """The application, marking each update handled once its handlers have run."""

    fetcher: UpdateFetcher | None = None
    marks: HandledMarks | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Make the application, with no update queued yet."""
        super().__init__(*args, **kwargs)
        # Queued updates not yet handled: how many per sender, and whose each one is.
        self.pending_senders: Counter[int] = Counter()
        self._sender_of: dict[int, int] = {}
        # Fetched updates' views read with their store: update id -> (private sender, view).
        self.fetched_views: dict[int, tuple[int | None, UpdateView]] = {}

    def queued(self, update_id: int, raw: dict[str, Any]) -> None:
        """Count an update queued for its sender until its handlers have run."""
        sender = from_user(raw)
        if sender is not None:
            self.pending_senders[sender] += 1
            self._sender_of[update_id] = sender

    def _handled(self, update_id: int) -> None:
        self.fetched_views.pop(update_id, None)
        sender = self._sender_of.pop(update_id, None)
        if sender is not None:
            self.pending_senders[sender] -= 1
            if self.pending_senders[sender] <= 0:
                del self.pending_senders[sender]

    async def process_update(self, update: object) -> None:
        """Run the handlers, then record the update as handled (not before: a crash replays it)."""
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        # A draft saved by these handlers records the update (storage/repo/drafts.py).
        token = APPLYING_UPDATE.set(update.update_id)
        try:
            await super().process_update(update)
        finally:
            APPLYING_UPDATE.reset(token)
            self._handled(update.update_id)
        if self.marks is None:
            self.marks = HandledMarks(self)
        await self.marks.mark(update.update_id)


class HandledMarks:
    """Marks of handled updates: those that end while one is written go in the next write.

    Group commit: the first mark starts a writer task; updates whose handlers end while it
    writes wait and are written together in its next transaction. Each `mark` returns once its
    own update is recorded (or raises what the write raised), so an update is still marked
    before its `process_update` returns; alone, an update waits for no one.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []
        self._batch: list[tuple[int, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.writes = 0  # transactions written (observed by the bench and the tests)

    @property
    def unwritten(self) -> int:
        """Return how many marks wait for their transaction (the one in flight included)."""
        return len(self._batch) + len(self._waiting)

    async def mark(self, update_id: int) -> None:
        """Record one update as handled, together with those that end meanwhile."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((update_id, done))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="update-marks")
        await done

    async def _write(self) -> None:
        repo = get_services(self.app.bot_data).repo
        try:
            while self._waiting:
                self._batch, self._waiting = self._waiting, []
                batch = self._batch
                try:
                    await repo.mark_updates_handled(self.app.bot.id, [u for u, _ in batch])
                except Exception as exc:  # each waiter's process_update raises it
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for _, done in batch:
                        if not done.done():
                            done.set_result(None)
                self.writes += 1
                self._batch = []
        finally:
            # Cancelled (shutdown): no waiter is left waiting for ever (unmarked updates
            # run again at the next start).
            for _, done in self._batch + self._waiting:
                if not done.done():
                    done.cancel()
            self._batch, self._waiting = [], []
            self._writer = None


class UpdateFetcher:
    """Long polling that stores each batch before it acknowledges it."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        *,
        timeout: int,
        allowed_updates: Sequence[str],
    ) -> None:
        self.app = app
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.offset: int | None = None
        self.replayed = 0
        self.skipped = 0  # replays a draft showed were applied before the crash
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Tell whether the fetch loop runs."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Queue the stored updates a crash left unhandled, then start fetching."""
        repo = get_services(self.app.bot_data).repo
        self.replayed, self.skipped = await replay(
            self.app, await repo.unhandled_updates(self.app.bot.id)
        )
        self._task = asyncio.create_task(self._loop(), name="update-fetcher")

    async def stop(self) -> None:
        """Stop fetching (what is stored but unhandled runs at the next start)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        failures = 0
        while True:
            try:
                raws = await self._fetch()
                await self._keep(raws)
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                log.warning("getUpdates: Telegram asks to wait %.0fs", wait)
            except (NetworkError, TelegramError) as exc:
                failures += 1
                wait = min(2.0 ** (failures - 1), MAX_BACKOFF)
                log.warning("getUpdates failed (%s); again in %.0fs", _brief(exc), wait)
            except Exception:  # the database, say: nothing is confirmed, so nothing is lost
                failures += 1
                wait = min(2.0 ** (failures - 1), MAX_BACKOFF)
                log.exception("storing updates failed; again in %.0fs", wait)
            else:
                failures = 0
                continue
            await asyncio.sleep(wait)

    async def _fetch(self) -> list[dict[str, Any]]:
        data: dict[str, Any] = {"timeout": self.timeout, "allowed_updates": self.allowed_updates}
        if self.offset is not None:
            data["offset"] = self.offset
        # Bot.get_updates parses the batch as a whole (one unreadable update fails all of
        # them, logged with every text at CRITICAL); the raw items are stored one by one.
        result = await self.app.bot._post(
            "getUpdates", data, read_timeout=self.timeout + READ_MARGIN
        )
        return list(result) if isinstance(result, list) else []

    async def _keep(self, raws: list[dict[str, Any]]) -> None:
        """Store a batch, then queue what was new; the next getUpdates acknowledges it."""
        if not raws:
            return
        repo = get_services(self.app.bot_data).repo
        app = self.app
        if not isinstance(app, DurableApplication):
            fresh = set(await repo.store_updates(app.bot.id, raws))
            views: dict[int, UpdateView] = {}
            senders: dict[int, int | None] = {}
        else:
            senders = self._readable(app, raws)
            stored, views = await repo.store_fetched_updates(app.bot.id, raws, senders)
            fresh = set(stored)
        self.offset = max(int(raw["update_id"]) for raw in raws) + 1
        for raw in raws:
            update_id = int(raw["update_id"])
            if update_id in fresh:
                if update_id in views and isinstance(app, DurableApplication):
                    app.fetched_views[update_id] = (senders[update_id], views[update_id])
                await self._queue(raw)

    @staticmethod
    def _readable(app: DurableApplication, raws: list[dict[str, Any]]) -> dict[int, int | None]:
        """Return the updates whose view can be read with the store, with their private sender.

        Not one whose sender has an earlier update queued or running, or earlier in the batch.
        """
        readable: dict[int, int | None] = {}
        seen: set[int] = set()
        for raw in raws:
            sender = from_user(raw)
            if sender is not None:
                earlier = sender in seen or app.pending_senders.get(sender)
                seen.add(sender)
                if earlier:
                    continue
            readable[int(raw["update_id"])] = private_sender(raw)
        return readable

    async def _queue(self, raw: dict[str, Any]) -> bool:
        return await queue_update(self.app, raw)


async def replay(app: App, pending: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """Queue stored updates whose handlers never finished; return (replayed, skipped)."""
    repo = get_services(app.bot_data).repo
    # A conversation step saves its answer before the update is marked: a crash between
    # the two left a draft that already holds it, and replaying it would put the answer
    # into the next question. The report conversation asks its question again instead
    # (handlers/report/conversation.py: the person may never have seen it); others skip it.
    saved = await repo.updates_saved_in_drafts(
        (int(raw["update_id"]) for raw in pending), besides=intake.CONVERSATION
    )
    replayed = skipped = 0
    for raw in pending:
        if int(raw["update_id"]) in saved:
            await repo.mark_update_handled(app.bot.id, int(raw["update_id"]))
            skipped += 1
        elif await queue_update(app, raw):
            replayed += 1
    if replayed:
        log.warning("replaying %s update(s) left unhandled by the last run", replayed)
    return replayed, skipped


async def keep_update(app: App, raw: dict[str, Any]) -> bool:
    """Store one update (a webhook's), then queue it if new; False for one seen before.

    Raises when the database cannot store it: the caller must not acknowledge it then.
    """
    repo = get_services(app.bot_data).repo
    fresh = await repo.store_updates(app.bot.id, [raw])
    if not fresh:
        return False
    await queue_update(app, raw)
    return True


async def queue_update(app: App, raw: dict[str, Any]) -> bool:
    """Hand one stored update to the application; an unreadable one is logged and closed."""
    try:
        update = Update.de_json(raw, app.bot)
    except Exception as exc:  # a shape this library version cannot read
        update_id = int(raw.get("update_id", 0))
        # The id and the error only: the update itself holds a person's words.
        log.warning("update %s could not be read (%s); skipped", update_id, _brief(exc))
        repo = get_services(app.bot_data).repo
        await repo.mark_update_handled(app.bot.id, update_id)
        return False
    if isinstance(app, DurableApplication):
        app.queued(update.update_id, raw)
    await app.update_queue.put(update)
    return True


def take_fetched_view(app: object, update_id: int) -> tuple[int | None, UpdateView] | None:
    """Return (private sender, view) read with a fetched update's store, once; else None."""
    if isinstance(app, DurableApplication):
        return app.fetched_views.pop(update_id, None)
    return None


def _content(raw: dict[str, Any]) -> dict[str, Any] | None:
    """Return the update's one object (the message, the press, ...) besides its id."""
    for key, value in raw.items():
        if key != "update_id" and isinstance(value, dict):
            return value
    return None


def from_user(raw: dict[str, Any]) -> int | None:
    """Return the id of the user an update comes from (None: no user, a channel's post)."""
    content = _content(raw)
    user = content.get("from") if content is not None else None
    return int(user["id"]) if isinstance(user, dict) and "id" in user else None


def private_sender(raw: dict[str, Any]) -> int | None:
    """Return the sender when the update comes from their private chat with the bot.

    As the redelivery guard reads it from the parsed update (the effective chat, which for a
    press is the chat of the message pressed); the guard reads again when the two differ.
    """
    content = _content(raw)
    if content is None:
        return None
    chat = content.get("chat")
    if chat is None and isinstance(content.get("message"), dict):
        chat = content["message"].get("chat")
    if not isinstance(chat, dict) or chat.get("type") != "private":
        return None
    return from_user(raw)


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _brief(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:120]}"
