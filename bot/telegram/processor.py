"""Per-chat update processing: different chats side by side, each chat's updates in order.

PTB's `concurrent_updates(False)` handles every update one after another, so a slow Telegram
answer for one chat delays every other chat; `concurrent_updates(True)` would run two updates of
one chat at once and break ConversationHandler (docs/architecture.md §7). `PerChatProcessor`
queues each update behind the previous one of the same chat (a chain of futures, registered
before the first await, so the order is the order PTB takes updates off its queue) and lets at
most `limit` updates of different chats run at a time.

An update with no chat (none of the kinds the bot asks for) is keyed by its user, else queued
behind every other such update.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's own semaphore is taken before `do_process_update`; kept far above `limit` so that it
# never makes one chat's queued updates hold slots another chat needs.
_OUTER = 100_000


def chat_key(update: object) -> int | str:
    """Return the key whose updates must run one at a time: the chat, else the user."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return f"user:{update.effective_user.id}"
    return "other"


class PerChatProcessor(BaseUpdateProcessor):
    """Run updates of different chats concurrently (at most `limit`), each chat's in order."""

    def __init__(self, limit: int) -> None:
        super().__init__(_OUTER)
        self.limit = limit
        self._gate = asyncio.BoundedSemaphore(limit)
        self._tails: dict[int | str, asyncio.Future[None]] = {}
        self.peak = 0  # most updates run at once (observed by the bench)
        self._running = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's previous update, then for a free slot, then run this one."""
        key = chat_key(update)
        previous = self._tails.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = done
        started = False
        try:
            if previous is not None:
                await asyncio.shield(previous)
            async with self._gate:
                self._running += 1
                self.peak = max(self.peak, self._running)
                started = True
                try:
                    await coroutine
                finally:
                    self._running -= 1
        finally:
            done.set_result(None)
            if self._tails.get(key) is done:
                del self._tails[key]
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: never started, never awaited

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free (PTB awaits the running updates itself)."""
