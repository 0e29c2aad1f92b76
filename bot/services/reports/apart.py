"""Long reports away from the bot's event loop.

Folding a year of a million reports into figures or a register takes about a minute of Python
work. Run on the bot's own loop, every chat would wait that minute for its answer. Here the work
runs in a worker thread with an event loop and a database engine of its own (SQLite allows
readers beside the writer), so the bot keeps answering while the report is built; the thread
shares the profile, the renderer and the clock, which are read-only.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.services.container import Services
from storage.database import Database
from storage.repository import Repository

T = TypeVar("T")


async def apart(svc: Services, work: Callable[[Services], Awaitable[T]]) -> T:
    """Run `work` in a worker thread on services with their own database engine."""
    if svc.db.is_sqlite and svc.db.sqlite_file is None:
        return await work(svc)  # an in-memory database lives in this engine only

    async def inside() -> T:
        db = Database(svc.settings.database_url, svc.settings.data_key_values)
        own = dataclasses.replace(svc, db=db, repo=Repository(db, svc.clock), outbox=None)
        try:
            return await work(own)
        finally:
            await db.dispose()

    return await asyncio.to_thread(asyncio.run, inside())
