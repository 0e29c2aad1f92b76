"""Running several replicas on one database: cluster-wide locks, job marks, health figures.

On PostgreSQL the locks are advisory locks held by one session (one pooled connection, kept
out of any transaction, released by `pg_advisory_unlock` or when the connection closes, so a
replica killed mid-job frees them at once). SQLite runs one process: every lock is granted.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, text, update

from storage import tables as t
from storage.repo.base import RepoBase


def lock_key(*parts: object) -> int:
    """Return a stable signed 64-bit advisory lock key for a name (and an id)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True)
class OutboxBacklog:
    """What waits in the outbox (for /healthz)."""

    pending: int
    due: int
    oldest_pending_at: datetime | None


class OperationsRepo(RepoBase):
    """Locks and figures for operating the bot (replicas, /healthz)."""

    @asynccontextmanager
    async def cluster_lock(self, *name: object) -> AsyncIterator[bool]:
        """Try to take a cluster-wide lock; yield whether this process holds it.

        Never waits: a job another replica runs now is skipped here (it runs again next time).
        """
        if self.db.is_sqlite:
            yield True
            return
        key = lock_key(*name)
        async with self.db.writer.connect() as conn:
            got = bool(
                (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar()
            )
            await conn.commit()  # idle, not idle in a transaction, while the lock is held
            try:
                yield got
            finally:
                if got:
                    await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    await conn.commit()

    async def set_kv(self, key: str, value: object) -> None:
        """Record a runtime value (a job's last run, say)."""
        async with self.db.write() as conn:
            await self._set_kv(conn, key, value)

    async def ping(self) -> None:
        """Run one trivial query (raises when the database cannot be reached)."""
        async with self.db.read() as conn:
            await conn.execute(select(1))

    async def outbox_backlog(self) -> OutboxBacklog:
        """Count pending messages, those due now, and the time the oldest was queued."""
        now = self.clock()
        pending = t.outbox.c.status == "pending"
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(
                        func.count(),
                        func.count().filter(t.outbox.c.not_before <= now),
                        func.min(t.outbox.c.created_at),
                    ).where(pending)
                )
            ).one()
        return OutboxBacklog(pending=int(row[0]), due=int(row[1]), oldest_pending_at=row[2])

    async def claim_stale_updates(
        self, bot_id: int, *, received_before: datetime
    ) -> list[dict[str, Any]]:
        """Take over stored updates left unhandled since before a time (a replica that died).

        Each one is claimed by moving its received_at to now only if it still holds the time
        read (compare and set), so two replicas never both replay one update.
        """
        now = self.clock()
        u = t.inbound_updates.c
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(u.update_id, u.received_at, u.payload)
                    .where(
                        and_(
                            u.bot_id == bot_id,
                            u.handled_at.is_(None),
                            u.received_at < received_before,
                        )
                    )
                    .order_by(u.update_id)
                )
            ).all()
        claimed: list[dict[str, Any]] = []
        for update_id, received_at, payload in rows:
            if payload is None:
                continue
            async with self.db.write() as conn:
                moved = await conn.execute(
                    update(t.inbound_updates)
                    .where(
                        and_(
                            u.bot_id == bot_id,
                            u.update_id == update_id,
                            u.received_at == received_at,
                            u.handled_at.is_(None),
                        )
                    )
                    .values(received_at=now)
                )
            if moved.rowcount == 1:
                claimed.append(dict(payload))
        return claimed
