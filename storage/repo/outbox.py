"""The outbox: delivery bookkeeping for queued messages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, select, update

from storage import tables as t
from storage.models import (
    OutboxItem,
)
from storage.repo.base import RepoBase, to_model


class OutboxRepo(RepoBase):
    """The outbox: delivery bookkeeping for queued messages."""

    async def due_outbox(self, limit: int) -> list[OutboxItem]:
        """Return pending messages whose time has come, oldest first."""
        now = self.clock()
        waiting = t.outbox.alias("waiting")
        # A message waiting for a retry holds back the younger messages of its chat.
        held_back = (
            select(waiting.c.id)
            .where(
                and_(
                    waiting.c.chat_id == t.outbox.c.chat_id,
                    waiting.c.status == "pending",
                    waiting.c.id < t.outbox.c.id,
                    waiting.c.not_before > now,
                )
            )
            .exists()
        )
        stmt = (
            select(t.outbox)
            .where(and_(t.outbox.c.status == "pending", t.outbox.c.not_before <= now, ~held_back))
            .order_by(t.outbox.c.id)
            .limit(limit)
        )
        async with self.db.read() as conn:
            return [to_model(r, OutboxItem) for r in await conn.execute(stmt)]

    async def mark_sent(self, item: OutboxItem, message_id: int | None) -> None:
        """Record a delivery, and the sent message's id where later edits need it."""
        now = self.clock()
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == item.id)
                .values(
                    status="sent",
                    sent_at=now,
                    sent_message_id=message_id,
                    attempts=item.attempts + 1,
                )
            )
            slot = item.payload.get("_link")
            if slot and message_id is not None and item.report_id is not None:
                await conn.execute(
                    self._insert()(t.message_links)
                    .values(
                        report_id=item.report_id,
                        slot=slot,
                        chat_id=item.chat_id,
                        message_id=message_id,
                    )
                    .on_conflict_do_update(
                        index_elements=["report_id", "slot", "chat_id"],
                        set_={"message_id": message_id},
                    )
                )

    async def mark_retry(self, item: OutboxItem, *, delay: timedelta, error: str) -> None:
        """Put a message back for a later attempt."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == item.id)
                .values(
                    attempts=item.attempts + 1, not_before=self.clock() + delay, last_error=error
                )
            )

    async def mark_failed(self, item: OutboxItem, error: str) -> None:
        """Give up on a message that can never be delivered (blocked, chat gone)."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == item.id)
                .values(status="failed", attempts=item.attempts + 1, last_error=error)
            )

    async def retarget_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """Move pending messages and links of a group that became a supergroup."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox)
                .where(and_(t.outbox.c.chat_id == old_chat_id, t.outbox.c.status == "pending"))
                .values(chat_id=new_chat_id)
            )
            await conn.execute(
                update(t.message_links)
                .where(t.message_links.c.chat_id == old_chat_id)
                .values(chat_id=new_chat_id)
            )
            await self._set_kv(conn, "staff_chat_id", new_chat_id)

    async def linked_message(self, report_id: int, slot: str, chat_id: int) -> int | None:
        """Return the id of a message the bot sent for a report (its card, say)."""
        stmt = select(t.message_links.c.message_id).where(
            and_(
                t.message_links.c.report_id == report_id,
                t.message_links.c.slot == slot,
                t.message_links.c.chat_id == chat_id,
            )
        )
        async with self.db.read() as conn:
            return (await conn.execute(stmt)).scalar()

    async def outbox_items(self, *, status: str | None = None) -> list[OutboxItem]:
        """Return outbox rows (for the CLI and tests), oldest first."""
        stmt = select(t.outbox).order_by(t.outbox.c.id)
        if status is not None:
            stmt = stmt.where(t.outbox.c.status == status)
        async with self.db.read() as conn:
            return [to_model(r, OutboxItem) for r in await conn.execute(stmt)]
