"""Start and stop the application inside a running event loop.

`python -m bot run`, the sandbox and the tests all start the same steps: initialize (getMe,
waited out with backoff while Telegram cannot be reached), post_init, the dispatcher, and the
durable fetch loop (bot/telegram/updates.py) in place of PTB's Updater.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from telegram.error import InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

from bot.telegram.updates import DurableApplication, UpdateFetcher

App = Application[Any, Any, Any, Any, Any, Any]
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member", "chat_member")
MAX_START_BACKOFF = 60.0
log = logging.getLogger(__name__)


async def start(
    app: App,
    *,
    poll_timeout: int,
    allowed_updates: Sequence[str] = ALLOWED_UPDATES,
    first_backoff: float = 1.0,
) -> None:
    """Initialize (waiting for Telegram), run post_init, start the dispatcher and the fetcher."""
    await initialize(app, first_backoff=first_backoff)
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    fetcher = UpdateFetcher(app, timeout=poll_timeout, allowed_updates=allowed_updates)
    if isinstance(app, DurableApplication):
        app.fetcher = fetcher
    else:
        app.bot_data["update_fetcher"] = fetcher
    await fetcher.start()


async def initialize(app: App, *, first_backoff: float = 1.0) -> None:
    """Call getMe until Telegram answers: one log line per attempt, backoff up to a minute."""
    wait, attempt = first_backoff, 0
    while True:
        attempt += 1
        try:
            await app.initialize()
            return
        except InvalidToken:
            raise
        except RetryAfter as exc:
            delay = exc.retry_after
            wait = delay if isinstance(delay, int | float) else delay.total_seconds()
            reason = "rate limited"
        except NetworkError as exc:
            reason = f"{type(exc).__name__}: {str(exc)[:120]}"
        log.warning(
            "Telegram unreachable at start (attempt %s: %s); trying again in %.0fs",
            attempt,
            reason,
            wait,
        )
        await asyncio.sleep(wait)
        wait = min(wait * 2, MAX_START_BACKOFF)


def fetcher_of(app: App) -> UpdateFetcher | None:
    """Return the application's fetch loop, once started."""
    if isinstance(app, DurableApplication):
        return app.fetcher
    found = app.bot_data.get("update_fetcher")
    return found if isinstance(found, UpdateFetcher) else None


async def stop(app: App) -> None:
    """Stop fetching and the dispatcher, shut down, run post_shutdown."""
    fetcher = fetcher_of(app)
    if fetcher is not None:
        await fetcher.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
