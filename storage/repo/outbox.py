"""The outbox: delivery bookkeeping for queued messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update

from storage import tables as t
from storage.models import (
    OutboxFile,
    OutboxItem,
    OutboxMessage,
)
from storage.repo.base import RepoBase, to_model


class OutboxRepo(RepoBase):
    """The outbox: delivery bookkeeping for queued messages."""

    async def due_outbox(self, limit: int, *, chat_id: int | None = None) -> list[OutboxItem]:
        """Return pending messages whose time has come (of one chat, or all), oldest first."""
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
        if chat_id is not None:
            stmt = stmt.where(t.outbox.c.chat_id == chat_id)
        async with self.db.read() as conn:
            return [to_model(r, OutboxItem) for r in await conn.execute(stmt)]

    async def mark_sent(self, item: OutboxItem, message_id: int | None) -> None:
        """Record a delivery, and the sent message's id where later edits need it."""
        now = self.clock()
        async with self.db.write() as conn:
            done = await conn.execute(
                update(t.outbox)
                .where(and_(t.outbox.c.id == item.id, t.outbox.c.revision == item.revision))
                .values(
                    status="sent",
                    sent_at=now,
                    sent_message_id=message_id,
                    attempts=item.attempts + 1,
                )
            )
            if done.rowcount == 0:
                # A newer refresh was folded in while this one was on its way: the row stays
                # pending and goes out again, rendered from the newer state.
                await conn.execute(
                    update(t.outbox)
                    .where(t.outbox.c.id == item.id)
                    .values(attempts=item.attempts + 1, sent_message_id=message_id)
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

    async def enqueue_once(
        self, messages: Sequence[OutboxMessage], *, drop_draft: tuple[int, str] | None = None
    ) -> None:
        """Queue messages whose key was never queued before (a receipt, after a replay).

        `drop_draft` (telegram user id, conversation): the draft the messages end, dropped in
        the same transaction (a submitted report's receipt).
        """
        async with self.db.write() as conn:
            for msg in messages:
                assert msg.coalesce_key is not None, "enqueue_once needs a key"
                seen = await conn.execute(
                    select(t.outbox.c.id).where(t.outbox.c.coalesce_key == msg.coalesce_key)
                )
                if seen.first() is None:
                    await self._enqueue(conn, [msg])
            if drop_draft is not None:
                user_id, conversation = drop_draft
                await conn.execute(
                    t.drafts.delete().where(
                        and_(
                            t.drafts.c.telegram_user_id == user_id,
                            t.drafts.c.conversation == conversation,
                        )
                    )
                )

    async def outbox_trouble(self, *, stuck_after: int, limit: int = 50) -> list[OutboxItem]:
        """Return messages given up, or still pending after `stuck_after` attempts, oldest first."""
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(t.outbox).where(_trouble(stuck_after)).order_by(t.outbox.c.id).limit(limit)
            )
            return [to_model(r, OutboxItem) for r in rows]

    async def count_outbox_trouble(self, *, stuck_after: int, older_than: datetime) -> int:
        """Count messages in trouble that were queued before a time (for the daily report)."""
        async with self.db.read() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count())
                        .select_from(t.outbox)
                        .where(and_(_trouble(stuck_after), t.outbox.c.created_at < older_than))
                    )
                ).scalar_one()
            )

    async def retry_outbox(self, ids: Sequence[int] | None = None) -> int:
        """Queue failed messages again from the first attempt (all of them when no ids)."""
        stmt = update(t.outbox).where(t.outbox.c.status == "failed")
        if ids is not None:
            stmt = stmt.where(t.outbox.c.id.in_(list(ids)))
        async with self.db.write() as conn:
            result = await conn.execute(
                stmt.values(status="pending", attempts=0, not_before=self.clock())
            )
        return result.rowcount

    async def drop_outbox(self, ids: Sequence[int]) -> int:
        """Give up on pending or failed messages for good (kept as dropped, for the record)."""
        async with self.db.write() as conn:
            result = await conn.execute(
                update(t.outbox)
                .where(
                    and_(t.outbox.c.id.in_(list(ids)), t.outbox.c.status.in_(["pending", "failed"]))
                )
                .values(status="dropped", last_error="dropped by an operator")
            )
        return result.rowcount

    async def prune_sent_outbox(self, sent_before: datetime, *, limit: int) -> int:
        """Delete up to `limit` messages delivered before a time; return how many.

        Pending, failed and dropped rows are kept whatever their age. A row is due before it is
        sent (not_before <= sent_at), so the (status, not_before) index bounds the walk.
        """
        o = t.outbox
        old = (
            select(o.c.id)
            .where(o.c.status == "sent", o.c.not_before < sent_before, o.c.sent_at < sent_before)
            .limit(limit)
        )
        f = t.outbox_files
        named = select(o.c.id).where(o.c.document_id == f.c.id).exists()
        async with self.db.write() as conn:
            result = await conn.execute(delete(o).where(o.c.id.in_(old.scalar_subquery())))
            # The files no row sends any more (a handful a day: the table is small).
            await conn.execute(delete(f).where(f.c.created_at < sent_before, ~named))
        return int(result.rowcount)

    async def outbox_file(self, file_id: int) -> OutboxFile | None:
        """Return a queued document's bytes and Telegram's file_id for them, if still stored."""
        f = t.outbox_files.c
        stmt = select(f.id, f.content, f.telegram_file_id).where(f.id == file_id)
        async with self.db.read() as conn:
            row = (await conn.execute(stmt)).first()
        return None if row is None else OutboxFile(row.id, bytes(row.content), row.telegram_file_id)

    async def remember_telegram_file(self, file_id: int, telegram_file_id: str | None) -> None:
        """Record (or forget, with None) the file_id Telegram gave a queued document."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox_files)
                .where(t.outbox_files.c.id == file_id)
                .values(telegram_file_id=telegram_file_id)
            )


def _trouble(stuck_after: int) -> ColumnElement[bool]:
    return or_(
        t.outbox.c.status == "failed",
        and_(t.outbox.c.status == "pending", t.outbox.c.attempts >= stuck_after),
    )
