"""Inbound updates: stored before Telegram is told they arrived, marked once their handlers ran."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.models import Draft, Reporter, UpdateView
from storage.repo.base import RepoBase, to_model

# The reporter rows and the drafts of a fetched batch's senders (store_fetched_updates).
_SENDERS_REPORTERS = select(t.reporters).where(
    t.reporters.c.telegram_user_id.in_(bindparam("users", expanding=True))
)
_SENDERS_DRAFTS = select(t.drafts).where(
    t.drafts.c.telegram_user_id.in_(bindparam("users", expanding=True))
)


class UpdatesRepo(RepoBase):
    """The durable update store that lets a crash mid-handler lose nothing."""

    _mark_stmt: Any = None
    _store_stmt: Any = None

    async def store_updates(self, bot_id: int, raws: Sequence[dict[str, Any]]) -> list[int]:
        """Keep a fetched batch in one transaction; return the ids not stored before.

        One statement for the batch: the insert returns the rows it made (a conflict, an
        update stored before, returns none).
        """
        if not raws:
            return []
        async with self.db.write() as conn:
            ids, made = await self._store(conn, bot_id, raws)
        return [u for u in ids if u in made]

    async def _store(
        self, conn: AsyncConnection, bot_id: int, raws: Sequence[dict[str, Any]]
    ) -> tuple[list[int], set[int]]:
        """Insert a fetched batch (one statement); return its ids and those stored just now."""
        now = self.clock()
        ids = [int(raw["update_id"]) for raw in raws]
        rows = [
            {"bot_id": bot_id, "update_id": u, "payload": raw, "received_at": now}
            for u, raw in zip(ids, raws, strict=True)
        ]
        return ids, set((await conn.execute(self._store_statement(), rows)).scalars())

    async def store_fetched_updates(
        self, bot_id: int, raws: Sequence[dict[str, Any]], senders: Mapping[int, int | None]
    ) -> tuple[list[int], dict[int, UpdateView]]:
        """Keep a fetched batch as `store_updates` does, and read what its handlers start from.

        For each new update named in `senders` (its private chat's sender, or None), the view
        the redelivery guard would read (handlers/common.py): not handled (stored just now), the
        sender's reporter row and drafts, read in the same transaction (two statements for the
        whole batch) instead of a read transaction per update.
        The caller names only updates whose sender has no earlier update still to handle, so
        that no handler in between changes what was read.
        """
        if not raws:
            return [], {}
        async with self.db.write() as conn:
            ids, made = await self._store(conn, bot_id, raws)
            wanted = {u: user for u, user in senders.items() if u in made}
            users = sorted({user for user in wanted.values() if user is not None})
            reporters: dict[int, Reporter] = {}
            drafts: dict[int, dict[str, Draft]] = {}
            if users:  # two statements for the batch's senders, not one per update
                for row in await conn.execute(_SENDERS_REPORTERS, {"users": users}):
                    reporter = to_model(row, Reporter)
                    reporters[reporter.telegram_user_id] = reporter
                for row in await conn.execute(_SENDERS_DRAFTS, {"users": users}):
                    draft = to_model(row, Draft)
                    drafts.setdefault(draft.telegram_user_id, {})[draft.conversation] = draft
        views = {
            u: UpdateView(False)
            if user is None
            else UpdateView(False, reporters.get(user), dict(drafts.get(user, {})))
            for u, user in wanted.items()
        }
        return [u for u in ids if u in made], views

    def _store_statement(self) -> Any:
        """Return the insert of fetched updates that returns the new ones, built once."""
        if self._store_stmt is None:
            self._store_stmt = (
                self._insert()(t.inbound_updates)
                .on_conflict_do_nothing(index_elements=["bot_id", "update_id"])
                .returning(t.inbound_updates.c.update_id)
            )
        return self._store_stmt

    async def unhandled_updates(self, bot_id: int) -> list[dict[str, Any]]:
        """Return stored updates whose handlers never finished (a crash), oldest first."""
        stmt = (
            select(t.inbound_updates.c.payload)
            .where(
                and_(
                    t.inbound_updates.c.bot_id == bot_id,
                    t.inbound_updates.c.handled_at.is_(None),
                )
            )
            .order_by(t.inbound_updates.c.update_id)
        )
        async with self.db.read() as conn:
            return [dict(p) for p in (await conn.execute(stmt)).scalars() if p is not None]

    async def mark_update_handled(self, bot_id: int, update_id: int) -> None:
        """Record that an update's handlers ran, and forget what it said (personal data)."""
        await self.mark_updates_handled(bot_id, [update_id])

    async def mark_updates_handled(self, bot_id: int, update_ids: Sequence[int]) -> None:
        """Record that these updates' handlers ran, in one transaction (one statement).

        Each update's payload is forgotten (personal data). An update never stored (a test's
        claim) gets its row here.
        """
        if not update_ids:
            return
        now = self.clock()
        rows = [
            {"bot_id": bot_id, "update_id": u, "received_at": now, "handled_at": now}
            for u in update_ids
        ]
        async with self.db.write_one() as conn:
            await conn.execute(self._mark_statement(), rows)

    def _mark_statement(self) -> Any:
        """Return the upsert that marks one update, built once (one statement for many)."""
        if self._mark_stmt is None:
            stmt = self._insert()(t.inbound_updates)
            self._mark_stmt = stmt.on_conflict_do_update(
                index_elements=["bot_id", "update_id"],
                set_={"handled_at": stmt.excluded.handled_at, "payload": None},
                where=t.inbound_updates.c.handled_at.is_(None),
            )
        return self._mark_stmt

    async def update_handled(self, bot_id: int, update_id: int) -> bool:
        """Tell whether an update's handlers ran before (Telegram redelivers after a crash)."""
        stmt = select(t.inbound_updates.c.handled_at).where(
            and_(t.inbound_updates.c.bot_id == bot_id, t.inbound_updates.c.update_id == update_id)
        )
        async with self.db.read() as conn:
            return (await conn.execute(stmt)).scalar() is not None

    async def claim_update(self, update_id: int, *, bot_id: int = 0) -> bool:
        """Record an update as handled now; False when it was handled before."""
        if await self.update_handled(bot_id, update_id):
            return False
        await self.mark_update_handled(bot_id, update_id)
        return True

    async def reopen_update(self, bot_id: int, update_id: int) -> None:
        """Mark an update unhandled again (tests simulate a crash before its handlers ended)."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.inbound_updates)
                .where(
                    and_(
                        t.inbound_updates.c.bot_id == bot_id,
                        t.inbound_updates.c.update_id == update_id,
                    )
                )
                .values(handled_at=None)
            )

    async def prune_processed_updates(self, older_than: timedelta) -> int:
        """Forget handled updates older than Telegram would ever redeliver."""
        cutoff = self.clock() - older_than
        async with self.db.write() as conn:
            result = await conn.execute(
                t.inbound_updates.delete().where(
                    and_(
                        t.inbound_updates.c.received_at < cutoff,
                        t.inbound_updates.c.handled_at.is_not(None),
                    )
                )
            )
        return result.rowcount
