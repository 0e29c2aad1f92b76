"""Per-citizen flood limit: at most LIMIT_MESSAGES_PER_MINUTE messages a minute in a private chat.

A sliding window per user, in memory (a restart forgets it, which only forgives). Messages over
the limit stop here; the citizen is told politely, at most once per window.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.services.container import Services
from handlers.common import Context, reply

WINDOW_SECONDS = 60.0


class FloodWindow:
    """Count each user's recent messages; tell when one goes over the limit."""

    def __init__(self, limit: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def admit(self, user_id: int) -> bool:
        """Record a message; False when the user already sent `limit` in the last minute."""
        now = self.clock()
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= WINDOW_SECONDS:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        if len(self._seen) > 10_000:  # forget quiet users now and then
            self._forget_quiet(now)
        return True

    def should_warn(self, user_id: int) -> bool:
        """Tell whether to send the polite message now (once per window)."""
        now = self.clock()
        last = self._warned.get(user_id)
        if last is not None and now - last < WINDOW_SECONDS:
            return False
        self._warned[user_id] = now
        return True

    def _forget_quiet(self, now: float) -> None:
        for user_id in [u for u, s in self._seen.items() if not s or now - s[-1] >= WINDOW_SECONDS]:
            self._seen.pop(user_id, None)
            self._warned.pop(user_id, None)


def flood_guard(svc: Services) -> BaseHandler[Update, Context, None]:
    """Return the guard that stops a citizen's messages past the per-minute limit."""
    window = FloodWindow(svc.settings.limit_messages_per_minute)

    async def guard(update: Update, context: Context) -> None:
        """Stop a private message past the limit, telling the citizen once per window."""
        message = update.message
        user = update.effective_user
        if message is None or user is None or message.chat.type != "private":
            return
        if window.admit(user.id):
            return
        if window.should_warn(user.id):
            await reply(update, context, "citizen_problem", problem="flood", limit=None)
        raise ApplicationHandlerStop

    return TypeHandler(Update, guard)
