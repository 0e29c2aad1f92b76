"""Start and stop the application inside a running event loop.

`python -m bot run`, the sandbox and the tests all start the same steps: initialize (getMe,
waited out with backoff while Telegram cannot be reached), post_init, the dispatcher, and the
durable fetch loop (bot/telegram/updates.py) in place of PTB's Updater.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram.error import InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

from bot.services.container import get_services
from bot.telegram.updates import DurableApplication, UpdateFetcher, replay
from bot.telegram.webhook import WebhookServer

App = Application[Any, Any, Any, Any, Any, Any]
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member", "chat_member")
MAX_START_BACKOFF = 60.0
# Webhook mode: an update stored this long ago and still unhandled was left by a replica that
# died (or by this one before a restart); any replica takes it over, once (compare and set).
TAKEOVER_AFTER = timedelta(seconds=60)
TAKEOVER_JOB = "update-takeover"
WEBHOOK_KEY = "webhook_server"
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


async def start_webhook(
    app: App,
    *,
    url: str,
    listen: str,
    port: int,
    path: str,
    secret_token: str | None,
    allowed_updates: Sequence[str] = ALLOWED_UPDATES,
    first_backoff: float = 1.0,
) -> WebhookServer:
    """Start as `start` does, but serve Telegram's posts (bot/telegram/webhook.py).

    Stored updates left unhandled are taken over once they are `TAKEOVER_AFTER` old (another
    replica may be handling a younger one right now), at start and then every half of that.
    """
    await initialize(app, first_backoff=first_backoff)
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    await take_over_stale_updates(app)
    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"

    async def take_over(_ctx: object) -> None:
        await take_over_stale_updates(app)

    half = TAKEOVER_AFTER.total_seconds() / 2
    app.job_queue.run_repeating(take_over, interval=half, first=half, name=TAKEOVER_JOB)
    server = WebhookServer(app, listen=listen, port=port, path=path, secret_token=secret_token)
    await server.start()
    app.bot_data[WEBHOOK_KEY] = server
    await app.bot.set_webhook(
        url=url, secret_token=secret_token, allowed_updates=list(allowed_updates)
    )
    return server


async def take_over_stale_updates(app: App) -> int:
    """Replay stored updates unhandled for longer than TAKEOVER_AFTER; return how many."""
    svc = get_services(app.bot_data)
    stale = await svc.repo.claim_stale_updates(
        app.bot.id, received_before=svc.clock() - TAKEOVER_AFTER
    )
    replayed, _skipped = await replay(app, stale)
    return replayed


def webhook_of(app: App) -> WebhookServer | None:
    """Return the application's webhook server, once started."""
    found = app.bot_data.get(WEBHOOK_KEY)
    return found if isinstance(found, WebhookServer) else None


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
    server = webhook_of(app)
    if server is not None:
        # The webhook stays set: the other replicas (or this one, restarted) go on serving it.
        await server.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


def freeze_startup_heap() -> int:
    """Keep what start-up built out of the garbage collector's full passes; return how many.

    Modules, templates, the profile, SQLAlchemy's tables and the screening model live as long
    as the process. A full collection walked them all (about 180,000 objects): at a million
    reports it held the event loop for up to 127 ms in the middle of a catch-up sweep, the
    longest stretch any citizen waited behind (bench/sweep_1m.py; 36 ms with them frozen).
    Start-up's garbage is collected first, so that none of it is kept for good. Called by the
    process that runs the bot (`python -m bot run`) once it has started, not by tests, whose
    many short-lived bots in one process would pile up frozen objects.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
