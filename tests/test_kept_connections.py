"""SQLite's connections kept between transactions (storage/database.py): fewer steps, same rules."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select, text

from storage import tables as t
from storage.database import Database
from storage.repository import Repository

pytestmark = pytest.mark.sqlite_only("SQLite's kept connections (PostgreSQL uses its pool)")


async def count_settings(db: Database) -> int:
    async with db.read() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(t.settings_kv))).scalar_one()
        )


async def test_each_transaction_gets_a_kept_connection_back_not_a_new_one(db: Database) -> None:
    async with db.write() as conn:
        first: Any = (await conn.get_raw_connection()).driver_connection
    for _ in range(3):
        async with db.write() as conn:
            assert (await conn.get_raw_connection()).driver_connection is first


async def test_a_cancelled_transaction_leaves_the_next_one_a_clean_connection(
    db: Database,
) -> None:
    now = Repository(db).clock()
    entered = asyncio.Event()

    async def cancelled_half_way() -> None:
        async with db.write() as conn:
            await conn.execute(t.settings_kv.insert().values(key="half", value="x", updated_at=now))
            entered.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(cancelled_half_way())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with db.write() as conn:  # not inside the cancelled one's transaction
        await conn.execute(t.settings_kv.insert().values(key="whole", value="x", updated_at=now))
    async with db.read() as conn:
        keys = (await conn.execute(select(t.settings_kv.c.key))).scalars().all()
    assert keys == ["whole"]


async def test_direct_connections_work_beside_the_kept_ones(db: Database) -> None:
    now = Repository(db).clock()
    async with db.write() as conn:  # the kept writer exists, idle
        await conn.execute(t.settings_kv.insert().values(key="a", value="x", updated_at=now))
    async with db.read():
        pass
    # Backups and migrations connect to the engines themselves.
    async with db.writer.connect() as conn:
        await conn.execute(text("SELECT 1"))
        await conn.rollback()
    readers = [db.read() for _ in range(4)]
    held = [await r.__aenter__() for r in readers]  # every kept reader in use
    try:
        async with db.reader.connect() as conn:
            assert (await conn.execute(select(func.count()).select_from(t.settings_kv))).scalar()
    finally:
        for r in readers:
            await r.__aexit__(None, None, None)
    assert len(held) == 4
    assert await count_settings(db) == 1


async def test_reads_beyond_the_kept_ones_wait_their_turn(db: Database) -> None:
    running = 0
    most = 0

    async def one() -> int:
        nonlocal running, most
        async with db.read() as conn:
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.01)
            running -= 1
            return int((await conn.execute(text("SELECT 1"))).scalar_one())

    assert await asyncio.gather(*(one() for _ in range(10))) == [1] * 10
    assert most == 4


async def test_dispose_closes_the_kept_connections_and_the_database_opens_new_ones(
    db: Database,
) -> None:
    async with db.read() as conn:
        reader: Any = (await conn.get_raw_connection()).driver_connection
    await db.dispose()
    assert reader._connection is None, "closed"
    assert await count_settings(db) == 0
    async with db.write() as conn:  # in use while the database is disposed
        writer: Any = (await conn.get_raw_connection()).driver_connection
        await db.dispose()
        await conn.execute(text("SELECT 1"))
    assert writer._connection is None, "closed once its transaction ended"
