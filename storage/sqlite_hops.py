"""One trip to aiosqlite's thread per SQL statement, instead of four.

aiosqlite runs each sqlite3 call in the connection's own thread, and SQLAlchemy's adapter makes
four calls for one statement (cursor, execute, fetchall, close), each a hop: a queue put, a
thread woken, the GIL handed over and back, a future resolved through the event loop's self-pipe.
With every transaction also paying a BEGIN (three more) and a rollback when the pool takes the
connection back (even after a commit), a short read cost about 2 ms of CPU under load, most of it
those hops (bench/update_cpu.py: 68 hops per update). Here a statement runs in one hop (the
sqlite3 cursor made, executed, read and closed in the thread) and the pool's rollback is skipped
when no transaction is open. A transaction's BEGIN (storage/database.py's "begin" listeners)
waits and runs in the hop of the transaction's first statement, so a transaction of n
statements is n + 1 hops (its commit), and one that runs none is none. Results, errors and
rowcounts are sqlite3's own, as before; a read's snapshot still starts at its first statement
(as a deferred BEGIN's always did), a write's lock is still taken before its first statement.

A read transaction's COMMIT (a deferred BEGIN, and no row changed since) is queued to the
connection's thread without waiting for it: it only ends the snapshot, nothing can fail that
the caller could act on, and the thread runs the connection's calls in order, so the next
statement on it (the next transaction's) still comes after it. The waiting was a trip of its
own: the event loop woken through its self-pipe, a future and a greenlet switch, ~40 us of CPU
per read (bench/update_cpu.py: 1.7 reads per update). A write's COMMIT is still waited for.

A write of one statement (storage/database.py `write_one`) commits in its statement's trip
(`commit_after_next`): one trip instead of two for a draft's step or the handled marks.

SQLite only: `enable(dbapi_connection)` from the engine's "connect" listener, and `begin` from
its "begin" listener.
"""

from __future__ import annotations

import collections
import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.engine import Connection
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

log = logging.getLogger(__name__)


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statement runs, with its rows fetched, in one call into the thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No aiosqlite cursor up front (that was a hop of its own): each statement makes,
        # uses and closes a sqlite3 cursor inside the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: Any = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        """Return the last statement's column description (None for no rows)."""
        return self._description

    @property
    def rowcount(self) -> int:
        """Return the rows the last statement changed (sqlite3's count)."""
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        """Return the row id of the last insert."""
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        """Return how many rows fetchmany() returns by default."""
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    def _run(self, work: Callable[[Any], Any]) -> None:
        aiosqlite_connection = self._connection
        if getattr(aiosqlite_connection, _COMMITTED, False):
            raise RuntimeError("a one-statement transaction (commit_after_next) ran a second one")
        # A transaction's BEGIN rides with its first statement (the same hop).
        begin = _take_begin(aiosqlite_connection)
        # A read's queued COMMIT runs before this statement (the thread keeps the order).
        setattr(aiosqlite_connection, _ENDING, False)
        # A one-statement write's COMMIT rides with it too (commit_after_next).
        commit = getattr(aiosqlite_connection, _COMMIT_AFTER, False)
        setattr(aiosqlite_connection, _COMMIT_AFTER, False)

        def in_thread() -> tuple[Any, list[Any], int, Any]:
            if begin is not None:
                aiosqlite_connection._conn.execute(begin)
                # A read's COMMIT need not be waited for, while it changes no row.
                _set_reading(aiosqlite_connection, begin == "BEGIN")
            cursor = aiosqlite_connection._conn.cursor()
            try:
                work(cursor)
                description = cursor.description
                rows = cursor.fetchall() if description else []
                done = description, rows, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()
            if commit:
                aiosqlite_connection._conn.commit()
            return done

        async def hop() -> tuple[Any, list[Any], int, Any]:
            async with self._adapt_connection._execute_mutex:
                return await aiosqlite_connection._execute(in_thread)

        try:
            description, rows, rowcount, lastrowid = await_(hop())
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        if commit:
            setattr(aiosqlite_connection, _COMMITTED, True)
        self._description, self._rowcount, self._lastrowid = description, rowcount, lastrowid
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        """Run one statement and keep its rows (a BEGIN waits for the next statement)."""
        if not parameters and operation in _BEGINS:
            _set_begin(self._connection, operation)
            self._description, self._rowcount, self._lastrowid = None, -1, None
            self._rows = collections.deque()
            return
        if parameters is None:
            self._run(lambda cursor: cursor.execute(operation))
        else:
            self._run(lambda cursor: cursor.execute(operation, parameters))

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        """Run one statement for each set of parameters."""
        self._run(lambda cursor: cursor.executemany(operation, seq_of_parameters))

    async def _async_soft_close(self) -> None:
        """Nothing is open in the thread between statements."""

    def close(self) -> None:
        """Forget the rows not read (nothing else is open)."""
        self._rows.clear()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """The adapter's connection, with one-hop cursors and no rollback of nothing."""

    __slots__ = ()
    _cursor_cls = OneHopCursor

    def rollback(self) -> None:
        """Roll back, unless no transaction is open (the pool's reset after every commit)."""
        # aiosqlite reads sqlite3's flag without a hop; its own in_transaction does the same.
        connection = self._connection
        begun = _take_begin(connection) is None  # a BEGIN still waiting never began
        setattr(connection, _COMMIT_AFTER, False)
        setattr(connection, _COMMITTED, False)
        if getattr(connection, _ENDING, False):
            return  # a read's COMMIT is queued: the transaction ends before anything else runs
        if connection._connection is not None and not connection.in_transaction:
            return
        if begun:
            super().rollback()

    def commit(self) -> None:
        """Commit, unless the transaction never ran a statement (its BEGIN still waits).

        A read's COMMIT is queued to the connection's thread without waiting (see above).
        """
        connection = self._connection
        if _take_begin(connection) is not None:
            return
        if getattr(connection, _COMMITTED, False):  # committed in its statement's trip
            setattr(connection, _COMMITTED, False)
            return
        reading = getattr(connection, _READING, None)
        if reading is not None and reading[1] == connection._conn.total_changes:
            _set_reading(connection, False)
            setattr(connection, _ENDING, True)
            connection._tx.put_nowait((None, lambda: _end_read(connection)))
            return
        super().commit()


# The statements that open a transaction (storage/database.py's "begin" listeners).
_BEGINS = frozenset({"BEGIN", "BEGIN IMMEDIATE"})
_PENDING = "_aduan_pending_begin"
# (True, sqlite3's total_changes at BEGIN) while a read transaction is open, else None.
_READING = "_aduan_reading"
# True from a read's queued COMMIT until the connection's next statement.
_ENDING = "_aduan_ending"
# True: the next statement commits in its own trip; then _COMMITTED until the commit() call.
_COMMIT_AFTER = "_aduan_commit_after"
_COMMITTED = "_aduan_committed"


def commit_after_next(dbapi_connection: Any) -> bool:
    """Let a one-statement write transaction COMMIT in its statement's trip (False: not here).

    The transaction's commit() then has nothing left to do; a second statement in the same
    transaction raises instead of running outside it.
    """
    if not isinstance(dbapi_connection, OneHopConnection):
        return False
    setattr(dbapi_connection._connection, _COMMIT_AFTER, True)
    return True


def begin(conn: Connection, statement: str) -> None:
    """Open a transaction from an engine's "begin" listener: BEGIN or BEGIN IMMEDIATE.

    On a one-hop connection the BEGIN only waits for the first statement (no statement of
    its own through SQLAlchemy); on any other connection it runs now.
    """
    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, OneHopConnection):
        _set_begin(dbapi_connection._connection, statement)
    else:
        conn.exec_driver_sql(statement)


def _set_begin(aiosqlite_connection: Any, statement: str) -> None:
    setattr(aiosqlite_connection, _PENDING, statement)
    setattr(aiosqlite_connection, _ENDING, False)
    setattr(aiosqlite_connection, _COMMIT_AFTER, False)
    setattr(aiosqlite_connection, _COMMITTED, False)


def _set_reading(aiosqlite_connection: Any, reading: bool) -> None:
    """Remember (in the thread, after BEGIN) whether the transaction is a read."""
    state = (True, aiosqlite_connection._conn.total_changes) if reading else None
    setattr(aiosqlite_connection, _READING, state)


def _end_read(aiosqlite_connection: Any) -> None:
    """End a read transaction (in the connection's thread; nobody waits for it)."""
    sqlite_connection: sqlite3.Connection = aiosqlite_connection._conn
    try:
        sqlite_connection.commit()
    except sqlite3.Error:  # a read has nothing to keep: end it whatever happens
        log.warning("ending a read transaction failed; rolled back", exc_info=True)
        sqlite_connection.rollback()


def _take_begin(aiosqlite_connection: Any) -> str | None:
    """Return the BEGIN waiting for the transaction's first statement, and forget it."""
    statement: str | None = getattr(aiosqlite_connection, _PENDING, None)
    if statement is not None:
        setattr(aiosqlite_connection, _PENDING, None)
    return statement


def enable(dbapi_connection: Any) -> None:
    """Give a new aiosqlite connection the one-hop cursor (other drivers are left alone)."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHopConnection
