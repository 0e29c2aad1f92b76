"""Engines, SQLite pragmas and schema migrations.

SQLite gets one writer connection (writes queue for it instead of colliding: docs/architecture.md
§7) and a small pool of readers; every write transaction starts with BEGIN IMMEDIATE so that it
holds the write lock from its first statement. Callers read, decide and render before they
write, so that the write lock is held briefly.

On SQLite, `write()` and `read()` keep their started connections between transactions
(`_Kept`): SQLAlchemy's async engine checked a connection out of its pool and back for every
transaction (an AsyncConnection made, the pool's events, the close run in a task of its own),
~90 us of CPU per transaction, a third of a one-statement transaction (bench/update_cpu.py).
Each engine's pool holds one connection more than is kept, for the few callers that connect
to an engine directly (backups, migrations); their transactions begin as `write()`'s do.

PostgreSQL (asyncpg) gets one pool for both: writes at READ COMMITTED, reads in READ ONLY,
REPEATABLE READ transactions (one snapshot for every statement of a `read()`, as SQLite's
deferred transaction gives). Each connection's session runs in UTC with server-side limits, so
that a stuck statement or a transaction left open never holds rows and locks for ever.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from storage import crypto, sqlite_hops

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
# SQLite: connections kept for write() (one: the one writer) and read(), and how long a
# transaction waits for one.
SQLITE_READERS = 4
SQLITE_WAIT_S = 60
# PostgreSQL: connections per process (the bot's handlers, the outbox sender and the jobs share
# them; a replica more is another pool of this size: keep replicas x this under max_connections).
PG_POOL_SIZE = 10
PG_MAX_OVERFLOW = 10
PG_POOL_TIMEOUT_S = 30
PG_POOL_RECYCLE_S = 1800
# Server-side limits per session (milliseconds, as PostgreSQL's settings take them).
PG_SESSION = {
    "timezone": "UTC",
    "application_name": "aduan",
    "statement_timeout": "30000",
    "lock_timeout": str(BUSY_TIMEOUT_MS),
    "idle_in_transaction_session_timeout": "60000",
}
# Personal data lives here: only the bot's own user reads the file and its folder (SQLite gives
# the -wal and -shm files the database file's mode).
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # One hop into aiosqlite's thread per statement instead of four (storage/sqlite_hops.py).
    sqlite_hops.enable(dbapi_connection)
    # Leave transaction control to the "begin" listener below instead of the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows (a draft with a name and phone, an erased identity) are overwritten with
    # zeros instead of lingering in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _begin_immediate(conn: Connection) -> None:
    sqlite_hops.begin(conn, "BEGIN IMMEDIATE")


def _begin_deferred(conn: Connection) -> None:
    sqlite_hops.begin(conn, "BEGIN")


class Database:
    """The engines behind the repository: `write()` for changes, `read()` for queries."""

    def __init__(self, url: str, data_keys: Sequence[str] = ()) -> None:
        """Open the engines; `data_keys` encrypt personal data (the first one encrypts).

        Without keys, an SQLite file keeps its key in `<file>.key` (0600, made on first use) and
        an in-memory database gets a key for the process; other databases need keys.
        """
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgresql = self.url.get_backend_name() == "postgresql"
        self._upgraded = False
        if self.is_sqlite:
            self._create_sqlite_folder()
        crypto.configure(list(data_keys) or [self._default_key()])
        self._kept: tuple[_Kept, _Kept] | None = None
        if self.is_sqlite:
            # One more than is kept: the pool's for callers that connect directly.
            self.writer = create_async_engine(
                url, pool_size=2, max_overflow=0, pool_timeout=SQLITE_WAIT_S
            )
            self.reader = create_async_engine(
                url, pool_size=SQLITE_READERS + 1, max_overflow=0, pool_timeout=SQLITE_WAIT_S
            )
            for engine, begin in ((self.writer, _begin_immediate), (self.reader, _begin_deferred)):
                event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
                event.listen(engine.sync_engine, "begin", begin)
            self._kept = (_Kept(self.writer, 1), _Kept(self.reader, SQLITE_READERS))
        else:
            self.writer = create_async_engine(
                url,
                pool_size=PG_POOL_SIZE,
                max_overflow=PG_MAX_OVERFLOW,
                pool_timeout=PG_POOL_TIMEOUT_S,
                pool_recycle=PG_POOL_RECYCLE_S,
                # No ping before each checkout: it is one more round trip on every read (a third
                # of a /status lookup). A connection the server dropped fails its statement once;
                # SQLAlchemy then discards every older connection of the pool.
                pool_pre_ping=False,
                connect_args=_connect_args(self.url.get_driver_name()),
            )
            # The same pool: execution options only change how its transactions begin.
            self.reader = self.writer.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )

    @property
    def sqlite_file(self) -> Path | None:
        """Return the SQLite database file, or None (another database, or in memory)."""
        database = self.url.database
        if not self.is_sqlite or not database or database == ":memory:":
            return None
        return None if database.startswith("file:") else Path(database).expanduser()

    def _create_sqlite_folder(self) -> None:
        """Create the file's folder (0700) and the file itself (0600) before SQLite does."""
        path = self.sqlite_file
        if path is None:
            return
        if not path.parent.exists():
            path.parent.mkdir(mode=FOLDER_MODE, parents=True)
        # O_CREAT with a mode: the file is never readable by others, not even for a moment.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
        # A file made before (0644 by an older version, or a copied backup) is tightened.
        for companion in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            if companion.exists():
                companion.chmod(FILE_MODE)

    def _default_key(self) -> str:
        path = self.sqlite_file
        if path is not None:
            return crypto.key_file(path.with_name(path.name + ".key"))
        if self.is_sqlite:
            return crypto.new_key()
        raise crypto.DataKeyError(
            "DATA_KEYS is not set: a database other than SQLite needs its keys in the "
            "environment (python -m bot keys new prints one)"
        )

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """Run one write transaction: committed on success, rolled back on error."""
        if self._kept is not None:
            async with self._kept[0].transaction() as conn:
                yield conn
            return
        async with self.writer.begin() as conn:
            yield conn

    @asynccontextmanager
    async def write_one(self) -> AsyncIterator[AsyncConnection]:
        """Run a write transaction of one statement (SQLite: committed in the statement's trip).

        A second statement in it raises (on SQLite it would run outside the transaction).
        """
        async with self.write() as conn:
            if self.is_sqlite:
                sync = conn.sync_connection
                assert sync is not None
                sqlite_hops.commit_after_next(sync.connection.dbapi_connection)
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """Run queries in one read transaction (a consistent snapshot)."""
        if self._kept is not None:
            async with self._kept[1].transaction() as conn:
                yield conn
            return
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
        if self._kept is not None:
            for kept in self._kept:
                await kept.close()
        await self.writer.dispose()
        if self.reader.sync_engine.pool is not self.writer.sync_engine.pool:
            await self.reader.dispose()


class _Kept:
    """An engine's started connections, kept between transactions (SQLite), at most `size`.

    A transaction takes an idle one (or starts one) and gives it back when it ends; one that
    ends still in a transaction (its rollback interrupted) or invalidated is closed instead, so
    that no transaction's state reaches the next. At most `size` transactions at once, in the
    order they came, each waiting at most SQLITE_WAIT_S (SQLAlchemy's pool timeout, as before).
    """

    def __init__(self, engine: AsyncEngine, size: int) -> None:
        self.engine = engine
        self.size = size
        self.idle: list[AsyncConnection] = []
        self.generation = 0  # one more at each close(): what was in use then is not kept
        self._gate: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _slots(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._gate is None or self._loop is not loop:  # made in the loop that waits on it
            self._gate, self._loop = asyncio.Semaphore(self.size), loop
        return self._gate

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """Run one transaction on a kept connection: committed on success, else rolled back."""
        gate = self._slots()
        try:
            async with asyncio.timeout(SQLITE_WAIT_S):
                await gate.acquire()
        except TimeoutError as error:
            raise exc.TimeoutError(f"no connection free within {SQLITE_WAIT_S} s") from error
        try:
            generation = self.generation
            conn = self.idle.pop() if self.idle else await self.engine.connect()
            try:
                async with conn.begin():
                    yield conn
            finally:
                if conn.invalidated or conn.in_transaction() or generation != self.generation:
                    await _discard(conn)
                else:
                    self.idle.append(conn)
        finally:
            gate.release()

    async def close(self) -> None:
        """Close the idle connections; those in use are closed when their transaction ends."""
        self.generation += 1
        idle, self.idle = self.idle, []
        for conn in idle:
            await conn.close()


async def _discard(conn: AsyncConnection) -> None:
    """Close a connection for good (its state unknown, or its engine disposed meanwhile)."""

    async def close() -> None:
        await conn.invalidate()  # the driver's connection closed, whatever it was doing
        await conn.close()  # and its place in the pool given back

    closing = asyncio.ensure_future(close())
    try:
        await asyncio.shield(closing)
    except asyncio.CancelledError:
        await closing  # closed all the same before the cancellation goes on
        raise


def _connect_args(driver: str) -> dict[str, Any]:
    """Return the driver's arguments that set each PostgreSQL session up (UTC, limits)."""
    if driver == "asyncpg":
        return {"server_settings": dict(PG_SESSION)}
    # Another driver (psycopg): the same settings through libpq's options string.
    return {"options": " ".join(f"-c {name}={value}" for name, value in PG_SESSION.items())}


# Hand-written SQLite objects (migrations 0002, 0008): the FTS5 tables and their shadow tables.
HAND_WRITTEN_PREFIX = "report_search"
# Hand-written PostgreSQL objects (the same migrations): expression indexes of the words.
HAND_WRITTEN_INDEXES = frozenset({"ix_reports_open_words", "ix_reports_all_words"})


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave the hand-written full-text search objects out of autogenerated migrations."""
    if type_ == "index" and name in HAND_WRITTEN_INDEXES:
        return False
    return not (type_ == "table" and (name or "").startswith(HAND_WRITTEN_PREFIX))


def alembic_config(connection: Connection | None = None) -> Config:
    """Return the Alembic configuration, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# PostgreSQL: the advisory lock every replica takes around its migrations (a fixed key; the
# same one in every process of every version).
MIGRATION_LOCK_KEY = int.from_bytes(b"aduan-mg", "big", signed=True)


def _run_upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Two replicas started at once would both find the schema behind and both migrate
        # (the second failing on objects the first made, or worse, half way). The lock is the
        # transaction's: the second waits here until the first has committed its migrations
        # and then finds nothing to do. Alembic runs inside this transaction (one transaction
        # for every pending migration: PostgreSQL's DDL is transactional). The session's limits
        # (PG_SESSION) are lifted for this transaction only: a migration that rebuilds an index
        # at a million reports takes longer than a statement may, and the wait for another
        # replica's migrations as long as they take (its lock goes if its connection does).
        connection.execute(text("SET LOCAL statement_timeout = 0"))
        connection.execute(text("SET LOCAL lock_timeout = 0"))
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    command.upgrade(alembic_config(connection), "head")
