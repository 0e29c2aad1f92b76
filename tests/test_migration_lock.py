"""Replicas started at once migrate one database once (storage/database.py `upgrade`, issue 16).

On PostgreSQL each upgrade takes an advisory lock for its transaction: the second replica waits
for the first one's migrations to commit and then finds nothing to do. Without it both migrate
and one fails on the objects the other made (or waits on its locks until lock_timeout).
PostgreSQL only: replicas share a database server; SQLite serves one process on one machine.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.database import MIGRATION_LOCK_KEY, Database, alembic_config
from tests.harness import database_url, on_postgres, suite_data_keys

pytestmark = pytest.mark.skipif(
    not on_postgres(), reason="replicas share PostgreSQL; SQLite serves one process"
)
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _versions(db: Database) -> list[str]:
    async with db.read() as conn:
        rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
        return list(rows.scalars())


async def test_three_upgrades_at_once_all_succeed_and_the_schema_is_at_head_once(
    tmp_path: Path,
) -> None:
    url = database_url(tmp_path, empty=True)
    replicas = [Database(url, suite_data_keys()) for _ in range(3)]
    try:
        await asyncio.gather(*(db.upgrade() for db in replicas))
        versions = await _versions(replicas[0])
        # Every replica can use the schema it found.
        async with replicas[2].read() as conn:
            reports = (await conn.execute(text("SELECT count(*) FROM reports"))).scalar_one()
    finally:
        for db in replicas:
            await db.dispose()
    assert versions == [HEAD]
    assert reports == 0


async def test_an_upgrade_waits_while_another_replica_holds_the_migration_lock(
    tmp_path: Path,
) -> None:
    url = database_url(tmp_path, empty=True)
    holder, replica = Database(url, suite_data_keys()), Database(url, suite_data_keys())
    try:
        async with holder.writer.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            await conn.commit()
            upgrading = asyncio.create_task(replica.upgrade())
            await asyncio.sleep(0.5)
            waited = not upgrading.done()
            tables = await conn.scalar(
                text("SELECT count(*) FROM pg_tables WHERE tablename = 'alembic_version'")
            )
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            await conn.commit()
        await upgrading
        versions = await _versions(replica)
    finally:
        await holder.dispose()
        await replica.dispose()
    assert waited, "the upgrade ran while another replica held the migration lock"
    assert tables == 0
    assert versions == [HEAD]
