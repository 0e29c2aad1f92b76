"""SQLite's one hop per statement (storage/sqlite_hops.py): same transactions, fewer trips."""

from __future__ import annotations

from typing import Any

import aiosqlite.core
import pytest
from sqlalchemy import func, select, text

from storage import tables as t
from storage.database import Database
from storage.repository import Repository

pytestmark = pytest.mark.sqlite_only("SQLite's driver adapter: aiosqlite's thread hops")


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each call into an aiosqlite connection's thread."""
    seen: list[str] = []
    original = aiosqlite.core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(getattr(fn, "func", fn), "__name__", "?"))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
    return seen


async def test_a_transaction_is_one_hop_per_statement_and_one_for_its_commit(
    db: Database, hops: list[str]
) -> None:
    for transaction in (db.write, db.read):  # the pools' connections open before counting
        async with transaction() as conn:
            await conn.execute(text("SELECT 1"))
    hops.clear()
    async with db.write() as conn:
        await conn.execute(select(func.count()).select_from(t.reporters))
        await conn.execute(select(func.count()).select_from(t.drafts))
    # BEGIN rides with the first statement; the pool's reset after a commit costs nothing.
    assert hops == ["in_thread", "in_thread", "commit"]
    hops.clear()
    async with db.read() as conn:
        await conn.execute(select(func.count()).select_from(t.reporters))
        await conn.execute(select(func.count()).select_from(t.drafts))
    assert hops == ["in_thread", "in_thread"], "a read's COMMIT is queued, not waited for"
    hops.clear()
    async with db.write():
        pass
    assert hops == [], "a transaction that ran no statement makes no trip"


async def test_a_read_ends_its_snapshot_without_being_waited_for(db: Database) -> None:
    repo = Repository(db)
    await repo.ensure_reporter(1)
    async with db.read() as conn:
        aiosqlite_connection: Any = (await conn.get_raw_connection()).driver_connection
        await conn.execute(select(func.count()).select_from(t.reporters))
        assert aiosqlite_connection.in_transaction
    # The queued COMMIT runs before the connection's next call: no snapshot held open (a
    # WAL checkpoint could not pass it) and every later read sees what was written since.
    await aiosqlite_connection._execute(lambda: None)
    assert not aiosqlite_connection.in_transaction
    await repo.ensure_reporter(2)
    for _ in range(8):  # each pooled reader, the one above among them
        async with db.read() as conn:
            count = (await conn.execute(select(func.count()).select_from(t.reporters))).scalar()
        assert count == 2


async def test_a_read_transaction_that_writes_still_waits_for_its_commit(
    db: Database, hops: list[str]
) -> None:
    now = Repository(db).clock()
    async with db.read() as conn:  # not what reads are for, but it must not be lost
        await conn.execute(select(func.count()).select_from(t.settings_kv))
    hops.clear()
    async with db.read() as conn:
        await conn.execute(t.settings_kv.insert().values(key="k", value="v", updated_at=now))
    assert hops == ["in_thread", "commit"]
    async with db.read() as conn:
        assert (await conn.execute(select(t.settings_kv.c.value))).scalar() == "v"


async def test_a_read_transaction_keeps_one_snapshot_although_its_begin_waits(
    db: Database,
) -> None:
    repo = Repository(db)
    await repo.ensure_reporter(1)
    async with db.read() as conn:
        before = (await conn.execute(select(func.count()).select_from(t.reporters))).scalar()
        await repo.ensure_reporter(2)  # committed by the writer meanwhile
        again = (await conn.execute(select(func.count()).select_from(t.reporters))).scalar()
    assert before == again == 1, "without its BEGIN the second read would see the new row"
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(t.reporters))).scalar() == 2


async def test_a_write_transaction_that_fails_leaves_nothing_behind(db: Database) -> None:
    repo = Repository(db)

    async def half_written() -> None:
        async with db.write() as conn:
            await conn.execute(
                t.settings_kv.insert().values(key="half", value="written", updated_at=repo.clock())
            )
            raise RuntimeError("a bug after the first statement")

    with pytest.raises(RuntimeError):
        await half_written()
    async with db.write() as conn:  # the writer connection is usable again
        await conn.execute(
            t.settings_kv.insert().values(key="whole", value="written", updated_at=repo.clock())
        )
    async with db.read() as conn:
        keys = (await conn.execute(select(t.settings_kv.c.key))).scalars().all()
    assert keys == ["whole"]


async def test_a_write_of_one_statement_commits_in_its_statements_trip(
    db: Database, hops: list[str]
) -> None:
    now = Repository(db).clock()
    async with db.write() as conn:  # the writer connection opens before counting
        await conn.execute(text("SELECT 1"))
    hops.clear()
    async with db.write_one() as conn:
        await conn.execute(t.settings_kv.insert().values(key="a", value="1", updated_at=now))
    assert hops == ["in_thread"], "the COMMIT rode with the statement"
    async with db.write_one():
        pass  # nothing run: nothing left over for the next transaction
    hops.clear()
    async with db.write() as conn:
        await conn.execute(t.settings_kv.insert().values(key="b", value="2", updated_at=now))
        await conn.execute(t.settings_kv.insert().values(key="c", value="3", updated_at=now))
    assert hops == ["in_thread", "in_thread", "commit"]

    async def two_statements() -> None:  # a bug: refused, not run outside the transaction
        async with db.write_one() as conn:
            await conn.execute(t.settings_kv.insert().values(key="d", value="4", updated_at=now))
            await conn.execute(t.settings_kv.insert().values(key="e", value="5", updated_at=now))

    with pytest.raises(RuntimeError, match="second"):
        await two_statements()
    async with db.read() as conn:
        keys = (await conn.execute(select(t.settings_kv.c.key))).scalars().all()
    assert sorted(keys) == ["a", "b", "c", "d"], "the first statement was committed already"
