"""A throw-away PostgreSQL server for the test suite (`ADUAN_TEST_DB=postgresql`).

The first test that needs a database starts one server for the whole test process: `initdb`
into a temporary folder, `pg_ctl start` on a free loopback port with its unix socket in the same
folder, durability off (fsync, full_page_writes, synchronous_commit: the data is thrown away).
One template database is migrated once with `Database.upgrade()`; each test gets a fresh database
copied from it with `CREATE DATABASE ... TEMPLATE`, dropped again after the test. The server is
stopped and its folder removed when the process exits.

initdb refuses to run as root: as root, the server runs as the unprivileged `nobody` user
(`runuser`), and its folder belongs to it. The binaries come from Debian's `postgresql` package
(`/usr/lib/postgresql/<version>/bin`, or PG_BIN); `make test` installs it when it is missing.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import glob
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from storage.database import Database

ENV = "ADUAN_TEST_DB"
# The suite's personal-data key on PostgreSQL (a database other than SQLite needs DATA_KEYS):
# Settings and subprocesses read it from the environment, tests that open Database get it
# through tests.harness.make_database. A fixed test key, never a real one.
TEST_DATA_KEY = "dGVzdC1rZXktZm9yLXRoZS1hZHVhbi1zdWl0ZS0wMDA="
TEMPLATE = "aduan_template"
UNPRIVILEGED_USER = "nobody"


def enabled() -> bool:
    """Return whether this test run uses PostgreSQL instead of SQLite."""
    value = os.environ.get(ENV, "sqlite").strip().lower()
    if value in ("postgresql", "postgres", "pg"):
        return True
    if value in ("", "sqlite"):
        return False
    raise pytest.UsageError(f"{ENV}={value!r}: expected 'sqlite' or 'postgresql'")


def find_bin() -> Path | None:
    """Return the folder of initdb/pg_ctl (PG_BIN, else Debian's newest), or None."""
    if explicit := os.environ.get("PG_BIN"):
        return Path(explicit)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3])
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PREFIX = "aduan-pg-"
OWNER_FILE = "owner.pid"  # the test process that started the server in this folder


def stop_orphans(bin_dir: Path) -> None:
    """Stop and remove servers whose test process died without stopping them (kill -9, ^C^C)."""
    for folder in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        try:
            os.kill(owner, 0)
            continue  # still running: not an orphan
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # another user's
        if (folder / "data" / "postmaster.pid").exists():
            command = [str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate"]
            if os.geteuid() == 0:
                command = ["runuser", "-u", UNPRIVILEGED_USER, "--", *command]
            subprocess.run([*command, "stop"], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


class PostgresServer:
    """One server in a temporary folder, owned by this process."""

    def __init__(self, bin_dir: Path, *, durable: bool = False) -> None:
        """Prepare a server; `durable` keeps PostgreSQL's own fsync and commit (benchmarks)."""
        self.bin = bin_dir
        self.durable = durable
        self.folder = Path(tempfile.mkdtemp(prefix=PREFIX))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self._started = False

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [*args]
        if self.as_root:
            command = ["runuser", "-u", UNPRIVILEGED_USER, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def start(self) -> None:
        """Create the cluster and start the server; raise with its log when it cannot start."""
        stop_orphans(self.bin)
        (self.folder / OWNER_FILE).write_text(str(os.getpid()))
        if self.as_root:
            shutil.chown(self.folder, user=UNPRIVILEGED_USER)
        self.folder.chmod(0o700)
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        throwaway = [
            "-c fsync=off",
            "-c full_page_writes=off",
            "-c synchronous_commit=off",
            "-c shared_buffers=32MB",
        ]
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.folder}",
                "-c listen_addresses=127.0.0.1",
                *(["-c shared_buffers=512MB"] if self.durable else throwaway),
                "-c max_connections=300",
                "-c timezone=UTC",
                # More settings for a run that looks into the server (log_min_duration_statement).
                os.environ.get("ADUAN_TEST_PG_OPTIONS", ""),
            ]
        )
        log = self.folder / "server.log"
        result = self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(log), "-w", "-o", options,
            "start", check=False,
        )  # fmt: skip
        if result.returncode != 0:
            text = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{text}")
        self._started = True
        atexit.register(self.stop)

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        if self._started:
            self._started = False
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop",
                      check=False)  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        """Return the SQLAlchemy URL of one database on this server."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str) -> None:
        """Run one statement as the superuser (psql, outside any transaction)."""
        subprocess.run(
            [
                str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                "-c", statement,
            ],
            check=True, capture_output=True, text=True,
        )  # fmt: skip


SPARES = 2  # databases copied from the template ahead of the tests that will want them


class DatabaseFactory:
    """Hand out fresh databases and drop used ones, the slow part in a thread of its own.

    `CREATE DATABASE ... TEMPLATE` takes a few hundred milliseconds; a worker thread keeps
    `SPARES` copies ready (a test renames one, which is instant) and drops the databases of
    finished tests, so that tests rarely wait for either.
    """

    def __init__(self, pg: PostgresServer) -> None:
        self.pg = pg
        self._cond = threading.Condition()
        self._spares: list[str] = []
        self._to_drop: list[str] = []
        self._counter = 0
        self._stopping = False
        self._failed: str | None = None  # the statement the worker gave up on, and why
        self._thread = threading.Thread(target=self._work, name="pg-databases", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and not self._to_drop and len(self._spares) >= SPARES:
                    self._cond.wait()
                if self._stopping:
                    return
                drop = self._to_drop.pop() if self._to_drop else None
                self._counter += 1
                spare = None if drop else f"spare_{os.getpid()}_{self._counter}"
            if drop is not None:
                statement = f"DROP DATABASE IF EXISTS {drop} WITH (FORCE)"
            else:
                statement = f"CREATE DATABASE {spare} TEMPLATE {TEMPLATE} STRATEGY WAL_LOG"
            if not self._run(statement):
                return
            if spare is not None:
                with self._cond:
                    self._spares.append(spare)
                    self._cond.notify_all()

    def _run(self, statement: str) -> bool:
        """Run one of the worker's statements, again after a failure; False when stopping.

        A statement that fails (the server busy for a moment) is tried again a few times; one
        that keeps failing is kept in `_failed`, so that `take` raises it at once instead of
        every later test waiting for a spare that never comes.
        """
        for attempt in range(5):
            try:
                self.pg.sql(statement)
                return True
            except subprocess.CalledProcessError as error:
                if self._stopping:
                    return False
                reason = f"{statement}: {error.stderr.strip()}"
                print(f"tests/pg.py: {reason} (attempt {attempt + 1})", file=sys.stderr)
                time.sleep(0.5 * (attempt + 1))
        with self._cond:
            self._failed = reason
            self._cond.notify_all()
        return False

    def take(self, name: str, *, empty: bool) -> None:
        """Make database `name`: a ready copy of the template renamed, or an empty one."""
        if empty:
            self.pg.sql(f"CREATE DATABASE {name} TEMPLATE template0")
            return
        with self._cond:
            if not self._cond.wait_for(lambda: self._spares or self._failed, timeout=60):
                raise RuntimeError("no test database was ready within 60 s")
            if not self._spares:
                raise RuntimeError(f"the test databases' worker stopped: {self._failed}")
            spare = self._spares.pop(0)
            self._cond.notify_all()
        self.pg.sql(f"ALTER DATABASE {spare} RENAME TO {name}")

    def drop_later(self, names: list[str]) -> None:
        """Drop databases in the background (after the test that used them)."""
        with self._cond:
            self._to_drop.extend(names)
            self._cond.notify_all()

    def stop(self) -> None:
        """Stop the worker (the server's folder goes with the server)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()


_lock = threading.Lock()
_server: PostgresServer | None = None
_factory: DatabaseFactory | None = None
_created: list[str] = []  # databases made since the last cleanup, dropped after each test
_known: set[str] = set()


def server() -> PostgresServer:
    """Return the running server, starting it (and migrating the template) on first use."""
    _start()
    assert _server is not None
    return _server


def _start() -> DatabaseFactory:
    global _server, _factory
    with _lock:
        if _factory is None:
            bin_dir = find_bin()
            if bin_dir is None or not (bin_dir / "initdb").exists():
                raise RuntimeError(
                    f"{ENV}=postgresql needs PostgreSQL's server binaries (initdb, pg_ctl): "
                    "apt-get install postgresql postgresql-contrib, or set PG_BIN"
                )
            candidate = PostgresServer(bin_dir)
            candidate.start()
            candidate.sql(f"CREATE DATABASE {TEMPLATE}")
            _in_own_loop(_migrate(candidate.url(TEMPLATE)))
            _server = candidate
            _factory = DatabaseFactory(candidate)
            # Registered after the server's own stop: atexit runs it first.
            atexit.register(_factory.stop)
        return _factory


async def _migrate(url: str) -> None:
    database = Database(url, [TEST_DATA_KEY])
    try:
        await database.upgrade()
    finally:
        await database.dispose()  # CREATE DATABASE ... TEMPLATE needs it unused


def _in_own_loop(coro: Coroutine[Any, Any, None]) -> None:
    # make_settings may be called inside a running event loop (an async test): migrate in a
    # thread of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


def database_name(key: str) -> str:
    """Return the database name that stands for a test's database path (stable per path)."""
    return "t_" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:20]


def database_url(key: str, *, empty: bool = False) -> str:
    """Return the URL of the test database for `key`, a fresh copy of the template at first.

    The same key gives the same database (a test that opens its database twice sees its rows).
    With `empty`, the database has no schema at all (for migration tests).
    """
    factory = _start()
    name = database_name(key + ("#empty" if empty else ""))
    with _lock:
        fresh = name not in _known
        if fresh:
            _known.add(name)
            _created.append(name)
    if fresh:
        factory.take(name, empty=empty)
    return factory.pg.url(name)


def shutdown() -> None:
    """Stop the server of this process, if one was started (the end of a test session)."""
    global _server, _factory
    with _lock:
        factory, server, _factory, _server = _factory, _server, None, None
        _known.clear()
        _created.clear()
    if factory is not None:
        factory.stop()
    if server is not None:
        server.stop()


def has_test_databases() -> bool:
    """Return whether databases were made since the last drop."""
    return bool(_created)


def drop_test_databases() -> None:
    """Drop the databases made since the last call, in the background."""
    with _lock:
        names, _created[:] = list(_created), []
        _known.difference_update(names)
    if _factory is not None:
        _factory.drop_later(names)
