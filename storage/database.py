"""Engines, SQLite pragmas and schema migrations.

SQLite gets one writer connection (writes queue for it instead of colliding, DESIGN.md section 7)
and a small pool of readers; every write transaction starts with BEGIN IMMEDIATE so that it holds
the write lock from its first statement. Other databases use one ordinary pool for both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Leave transaction control to the "begin" listener below instead of the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


class Database:
    """The engines behind the repository: `write()` for changes, `read()` for queries."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._upgraded = False
        if self.is_sqlite:
            self._create_sqlite_folder()
            self.writer = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
            self.reader = create_async_engine(url, pool_size=4, max_overflow=0, pool_timeout=60)
            for engine, begin in ((self.writer, _begin_immediate), (self.reader, _begin_deferred)):
                event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
                event.listen(engine.sync_engine, "begin", begin)
        else:
            self.writer = create_async_engine(url, pool_pre_ping=True)
            self.reader = self.writer

    def _create_sqlite_folder(self) -> None:
        database = self.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """Run one write transaction: committed on success, rolled back on error."""
        async with self.writer.begin() as conn:
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """Run queries in one read transaction (a consistent snapshot)."""
        async with self.reader.begin() as conn:
            yield conn

    async def upgrade(self) -> None:
        """Apply every pending Alembic migration (once per process; later calls return)."""
        if self._upgraded:
            return
        async with self.writer.connect() as conn:
            await conn.run_sync(_run_upgrade)
            await conn.commit()
        self._upgraded = True

    async def dispose(self) -> None:
        """Close every connection."""
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    """Return the Alembic configuration, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _run_upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
