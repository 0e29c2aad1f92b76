"""Reports: submission, lookup and the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.models import (
    UNFILED,
    Attachment,
    NewAttachment,
    NewEvent,
    NewReport,
    Numbering,
    OutboxMessage,
    Report,
    ReportChange,
    Reporter,
    ReportEvent,
)
from storage.repo.base import RepoBase, to_model
from storage.repo.sla import clear_marks, pop_cleared_marks

# Stages in which a report is open (mirrors bot.domain.vocabulary.OPEN_STAGES; storage stays
# below bot/).
OPEN = (
    "submitted",
    "disposed",
    "in_progress",
    "awaiting_approval",
    "needs_info",
    "answered",
)
# Audit actions that write an answer (mirrors bot.domain.vocabulary.Action.ANSWER and ANSWER_INFO).
ANSWERS = ("answer", "answer_info")


def vars_of(event: NewEvent) -> dict[str, Any]:
    """Return a new event's fields as keyword arguments."""
    return {name: getattr(event, name) for name in NewEvent.__dataclass_fields__}


def _filed(message: OutboxMessage, report_id: int) -> OutboxMessage:
    """Return a message prepared for a report being filed, naming the report's new id."""
    if message.report_id != UNFILED:
        return message
    key = message.coalesce_key
    if key is not None and key.endswith(f":{UNFILED}"):
        key = f"{key.removesuffix(str(UNFILED))}{report_id}"
    return replace(message, report_id=report_id, coalesce_key=key)


class ReportsRepo(RepoBase):
    """Reports: submission, lookup and the audit trail."""

    async def submit_report(
        self,
        new: NewReport,
        *,
        numbering: Numbering,
        messages: Sequence[OutboxMessage] = (),
        event_data: dict[str, Any] | None = None,
        attachments: Sequence[NewAttachment] = (),
        identity: dict[str, Any] | None = None,
        recorded_by: int | None = None,
    ) -> Report:
        """File a report: number it, write it, its first audit row, its files and its messages.

        The messages were prepared before the report had an id: those naming `UNFILED` get the
        new report's. A draft submitted twice (a double tap, a redelivered update) carries the
        same submission key, and the second call returns the report the first one filed.
        """
        async with self.db.write() as conn:
            if new.submission_key is not None:
                existing = (
                    await conn.execute(
                        select(t.reports).where(t.reports.c.submission_key == new.submission_key)
                    )
                ).first()
                if existing is not None:
                    return to_model(existing, Report)
            sequence = await self._bump_counter(conn, numbering.counter)
            values = {
                name: getattr(new, name) for name in NewReport.__dataclass_fields__ if name != "id"
            }
            report_id = (
                await conn.execute(
                    insert(t.reports)
                    .values(
                        **values,
                        number=numbering.template.format(sequence),
                        stage_started_at=new.submitted_at,
                        updated_at=new.submitted_at,
                    )
                    .returning(t.reports.c.id)
                )
            ).scalar_one()
            await conn.execute(
                insert(t.report_events).values(
                    report_id=report_id,
                    at=new.submitted_at,
                    actor_kind="reporter" if recorded_by is None else "staff",
                    actor_staff_id=recorded_by,
                    action="submit",
                    from_stage="draft",
                    to_stage=new.stage,
                    data=event_data,
                )
            )
            await self._insert_attachments(conn, report_id, attachments, new.submitted_at)
            if identity:
                await conn.execute(
                    update(t.reporters)
                    .where(t.reporters.c.id == new.reporter_id)
                    .values(**identity, updated_at=new.submitted_at)
                )
            await self._enqueue(conn, [_filed(m, report_id) for m in messages])
            return await self._report(conn, report_id)

    async def add_attachments(
        self, report_id: int, items: Sequence[NewAttachment], *, event_id: int | None = None
    ) -> None:
        """Attach files to a report (and, optionally, to the audit row they came with)."""
        async with self.db.write() as conn:
            await self._insert_attachments(conn, report_id, items, self.clock(), event_id)

    async def attachments_of(self, report_id: int) -> list[Attachment]:
        """Return a report's files, oldest first."""
        stmt = (
            select(t.attachments)
            .where(t.attachments.c.report_id == report_id)
            .order_by(t.attachments.c.id)
        )
        async with self._read() as conn:
            return [to_model(r, Attachment) for r in await conn.execute(stmt)]

    async def answer_attachments(self, report_id: int) -> list[Attachment]:
        """Return the files of a report's latest answer (the one approvals pass on), in order."""
        latest = (
            select(func.max(t.report_events.c.id))
            .where(
                t.report_events.c.report_id == report_id,
                t.report_events.c.action.in_(ANSWERS),
            )
            .scalar_subquery()
        )
        stmt = (
            select(t.attachments)
            .where(t.attachments.c.report_id == report_id, t.attachments.c.event_id == latest)
            .order_by(t.attachments.c.id)
        )
        async with self._read() as conn:
            return [to_model(r, Attachment) for r in await conn.execute(stmt)]

    async def open_reports_of(self, reporter_id: int) -> list[Report]:
        """Return a reporter's open reports, newest first."""
        stmt = (
            select(t.reports)
            .where(t.reports.c.reporter_id == reporter_id, t.reports.c.stage.in_(OPEN))
            .order_by(t.reports.c.id.desc())
        )
        async with self._read() as conn:
            return [to_model(r, Report) for r in await conn.execute(stmt)]

    async def reports_filed_since(self, reporter_id: int, since: datetime) -> int:
        """Count a reporter's reports filed since a time (the daily limit)."""
        stmt = select(func.count()).where(
            t.reports.c.reporter_id == reporter_id, t.reports.c.submitted_at >= since
        )
        async with self._read() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def _bump_counter(self, conn: AsyncConnection, name: str) -> int:
        # One statement, inside the caller's write transaction: no two callers get the same value.
        stmt = (
            self._insert()(t.counters)
            .values(name=name, value=1)
            .on_conflict_do_update(index_elements=["name"], set_={"value": t.counters.c.value + 1})
            .returning(t.counters.c.value)
        )
        return int((await conn.execute(stmt)).scalar_one())

    async def _report(self, conn: AsyncConnection, report_id: int) -> Report:
        row = (await conn.execute(select(t.reports).where(t.reports.c.id == report_id))).one()
        return to_model(row, Report)

    async def report_by_number(self, number: str) -> Report | None:
        """Find a report by its exact tracking number (callers normalize what a person typed)."""
        async with self._read() as conn:
            row = (
                await conn.execute(select(t.reports).where(t.reports.c.number == number))
            ).first()
        return None if row is None else to_model(row, Report)

    async def events(self, report_id: int) -> list[ReportEvent]:
        """Return a report's audit trail, oldest first."""
        async with self._read() as conn:
            rows = await conn.execute(
                select(t.report_events)
                .where(t.report_events.c.report_id == report_id)
                .order_by(t.report_events.c.id)
            )
            return [to_model(r, ReportEvent) for r in rows]

    async def apply_change(self, change: ReportChange) -> Report | None:
        """Write a planned change in one transaction, if the report is still at its version.

        The report's columns, its audit row, the files linked to that row, the follower a
        duplicate brings and the messages are written together; None (and nothing written) when
        someone changed the report since it was read, so that the caller plans again.
        """
        event = change.event
        values = {**change.values, "version": change.version + 1}
        values.setdefault("updated_at", event.at)
        cleared = pop_cleared_marks(values)  # rows of sla_marks, not report columns
        async with self.db.write() as conn:
            updated = await conn.execute(
                update(t.reports)
                .where(t.reports.c.id == change.report_id, t.reports.c.version == change.version)
                .values(**values)
            )
            if updated.rowcount != 1:
                return None
            await clear_marks(conn, change.report_id, cleared)
            event_id = (
                await conn.execute(
                    insert(t.report_events)
                    .values(report_id=change.report_id, **vars_of(event))
                    .returning(t.report_events.c.id)
                )
            ).scalar_one()
            await self._insert_attachments(
                conn, change.report_id, change.attachments, event.at, event_id
            )
            if change.follow is not None:
                await self._follow(conn, change.follow, change.report_id, event.at)
            await self._enqueue(conn, change.messages)
            return await self._report(conn, change.report_id)

    async def _follow(
        self, conn: AsyncConnection, original_id: int, duplicate_id: int, at: datetime
    ) -> None:
        """Make a duplicate's reporter follow the original (not when they filed both)."""
        rows = await conn.execute(
            select(t.reports.c.id, t.reports.c.reporter_id).where(
                t.reports.c.id.in_([original_id, duplicate_id])
            )
        )
        reporters = {row.id: row.reporter_id for row in rows}
        owner, follower = reporters.get(original_id), reporters.get(duplicate_id)
        if owner is None or follower is None or owner == follower:
            return
        await conn.execute(
            self._insert()(t.report_followers)
            .values(report_id=original_id, reporter_id=follower, created_at=at)
            .on_conflict_do_nothing(index_elements=["report_id", "reporter_id"])
        )

    async def report(self, report_id: int) -> Report | None:
        """Return a report by id."""
        async with self._read() as conn:
            row = (await conn.execute(select(t.reports).where(t.reports.c.id == report_id))).first()
        return None if row is None else to_model(row, Report)

    async def reporter_of_report(self, report_id: int) -> Reporter:
        """Return the reporter who filed a report."""
        stmt = (
            select(t.reporters)
            .join(t.reports, t.reports.c.reporter_id == t.reporters.c.id)
            .where(t.reports.c.id == report_id)
        )
        async with self._read() as conn:
            row = (await conn.execute(stmt)).first()
        if row is None:
            raise LookupError(f"report {report_id} does not exist")
        return to_model(row, Reporter)

    async def attachment_count(self, report_id: int) -> int:
        """Return how many files the reporter's side gave a report (staff answers' files apart)."""
        staff_events = select(t.report_events.c.id).where(
            t.report_events.c.report_id == report_id, t.report_events.c.actor_kind == "staff"
        )
        stmt = select(func.count()).where(
            t.attachments.c.report_id == report_id,
            or_(t.attachments.c.event_id.is_(None), t.attachments.c.event_id.not_in(staff_events)),
        )
        async with self._read() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def report_by_submission_key(self, key: str) -> Report | None:
        """Return the report a draft already filed, if it did."""
        stmt = select(t.reports).where(t.reports.c.submission_key == key)
        async with self._read() as conn:
            row = (await conn.execute(stmt)).first()
        return None if row is None else to_model(row, Report)
