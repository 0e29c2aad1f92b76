"""Run the real application against the loopback Bot API, as `python -m bot run` would."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import build_application
from bot.services.container import Services, get_services
from bot.settings import Settings
from bot.telegram import lifecycle
from loopback import LoopbackBotApi
from storage.repository import Clock, utc_now


def make_settings(loopback: LoopbackBotApi, tmp_path: Path, **overrides: Any) -> Settings:
    """Return settings that point the bot at the loopback server and a fresh SQLite file."""
    values: dict[str, Any] = {
        "telegram_bot_token": loopback.token,
        "telegram_base_url": loopback.base_url,
        "telegram_base_file_url": loopback.base_file_url,
        "database_url": f"sqlite+aiosqlite:///{tmp_path}/aduan.db",
        "outbox_interval_seconds": 0.05,
        "outbox_backoff_seconds": 0.1,
        "rate_max_retries": 0,
        "poll_timeout_seconds": 1,
        # Tests type faster than people; the flood guard has its own test.
        "limit_messages_per_minute": 1000,
        # The SLA jobs post digests and recaps by the real clock; their tests turn them on.
        "sla_jobs_enabled": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


class BotRunner:
    """Start, stop and restart the application the way run_polling does, inside the test loop."""

    def __init__(self, settings: Settings, *, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        self.app: Application[Any, Any, Any, Any, Any, Any] | None = None

    @property
    def services(self) -> Services:
        """Return the running application's services."""
        assert self.app is not None, "the bot is not running"
        return get_services(self.app.bot_data)

    async def start(self) -> None:
        """Build a fresh application and start polling."""
        app = build_application(self.settings, clock=self.clock)
        await lifecycle.start(app, poll_timeout=self.settings.poll_timeout_seconds)
        self.app = app

    async def stop(self) -> None:
        """Stop polling and shut the application down (post_shutdown closes storage)."""
        app, self.app = self.app, None
        if app is not None:
            await lifecycle.stop(app)

    async def restart(self) -> None:
        """Stop and start again on the same database, as after a crash or a deploy."""
        await self.stop()
        await self.start()


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 10.0) -> None:
    """Wait until an asynchronous check holds (the database is polled; it has no events)."""
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
