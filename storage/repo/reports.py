"""Reports: submission, lookup and the audit trail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.tracking import counter_name, format_number, normalize_number, office_year
from storage import tables as t
from storage.models import (
    Attachment,
    Change,
    NewAttachment,
    NewEvent,
    NewReport,
    OutboxMessage,
    Report,
    Reporter,
    ReportEvent,
)
from storage.repo.base import RepoBase, to_model

T = TypeVar("T")


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


class ReportsRepo(RepoBase):
    """Reports: submission, lookup and the audit trail."""

    async def submit_report(
        self,
        new: NewReport,
        *,
        prefix: str,
        zone: ZoneInfo,
        notify: Callable[[Report], Sequence[OutboxMessage]] = lambda _r: (),
        event_data: dict[str, Any] | None = None,
        attachments: Sequence[NewAttachment] = (),
        identity: dict[str, Any] | None = None,
        recorded_by: int | None = None,
    ) -> Report:
        """File a report: number it, write it, its first audit row and its notifications.

        A draft submitted twice (a double tap, a redelivered update) carries the same
        submission key, and the second call returns the report the first one filed.
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
            year = office_year(new.submitted_at, zone)
            sequence = await self._bump_counter(conn, counter_name(prefix, year))
            values = {
                name: getattr(new, name) for name in NewReport.__dataclass_fields__ if name != "id"
            }
            report_id = (
                await conn.execute(
                    insert(t.reports)
                    .values(
                        **values,
                        number=format_number(prefix, year, sequence),
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
            report = await self._report(conn, report_id)
            await self._enqueue(conn, notify(report))
            return report

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
        async with self.db.read() as conn:
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
        async with self.db.read() as conn:
            return [to_model(r, Attachment) for r in await conn.execute(stmt)]

    async def open_reports_of(self, reporter_id: int) -> list[Report]:
        """Return a reporter's open reports, newest first."""
        stmt = (
            select(t.reports)
            .where(t.reports.c.reporter_id == reporter_id, t.reports.c.stage.in_(OPEN))
            .order_by(t.reports.c.id.desc())
        )
        async with self.db.read() as conn:
            return [to_model(r, Report) for r in await conn.execute(stmt)]

    async def reports_filed_since(self, reporter_id: int, since: datetime) -> int:
        """Count a reporter's reports filed since a time (the daily limit)."""
        stmt = select(func.count()).where(
            t.reports.c.reporter_id == reporter_id, t.reports.c.submitted_at >= since
        )
        async with self.db.read() as conn:
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

    async def report_by_number(self, text: str) -> Report | None:
        """Find a report by its tracking number as a person typed it."""
        number = normalize_number(text)
        if number is None:
            return None
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(t.reports).where(t.reports.c.number == number))
            ).first()
        return None if row is None else to_model(row, Report)

    async def events(self, report_id: int) -> list[ReportEvent]:
        """Return a report's audit trail, oldest first."""
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(t.report_events)
                .where(t.report_events.c.report_id == report_id)
                .order_by(t.report_events.c.id)
            )
            return [to_model(r, ReportEvent) for r in rows]

    async def change_report(
        self, report_id: int, decide: Callable[[Report], Change | T]
    ) -> tuple[Report, Change | T]:
        """Change a report in one transaction, as `decide` rules on seeing it as it is now.

        `decide` returns a Change (new values, the audit row and the messages to send) or anything
        else to change nothing. The write lock is held from the read to the write, so two presses
        decide one after the other and the second sees the first one's result.
        """
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    select(t.reports).where(t.reports.c.id == report_id).with_for_update()
                )
            ).first()
            if row is None:
                raise LookupError(f"report {report_id} does not exist")
            before: Report = to_model(row, Report)
            decision = decide(before)
            if not isinstance(decision, Change):
                return before, decision
            values = {**decision.values, "version": before.version + 1}
            values.setdefault("updated_at", decision.event.at)
            await conn.execute(
                update(t.reports)
                .where(t.reports.c.id == report_id, t.reports.c.version == before.version)
                .values(**values)
            )
            event = decision.event
            event_id = (
                await conn.execute(
                    insert(t.report_events)
                    .values(
                        report_id=report_id,
                        at=event.at,
                        actor_kind=event.actor_kind,
                        actor_staff_id=event.actor_staff_id,
                        action=event.action,
                        from_stage=event.from_stage,
                        to_stage=event.to_stage,
                        note=event.note,
                        data=event.data,
                    )
                    .returning(t.report_events.c.id)
                )
            ).scalar_one()
            await self._insert_attachments(
                conn, report_id, decision.attachments, event.at, event_id
            )
            owner = (
                (
                    await conn.execute(
                        select(t.reports.c.reporter_id).where(t.reports.c.id == decision.follow)
                    )
                ).scalar()
                if decision.follow is not None
                else None
            )
            if owner is not None and owner != before.reporter_id:
                await conn.execute(
                    self._insert()(t.report_followers)
                    .values(
                        report_id=decision.follow,
                        reporter_id=before.reporter_id,
                        created_at=event.at,
                    )
                    .on_conflict_do_nothing(index_elements=["report_id", "reporter_id"])
                )
            after = await self._report(conn, report_id)
            stored = ReportEvent(event_id, report_id, **vars_of(event))
            await self._enqueue(conn, decision.messages(after, stored))
            return after, decision

    async def report(self, report_id: int) -> Report | None:
        """Return a report by id."""
        async with self.db.read() as conn:
            row = (await conn.execute(select(t.reports).where(t.reports.c.id == report_id))).first()
        return None if row is None else to_model(row, Report)

    async def reporter_of_report(self, report_id: int) -> Reporter:
        """Return the reporter who filed a report."""
        stmt = (
            select(t.reporters)
            .join(t.reports, t.reports.c.reporter_id == t.reporters.c.id)
            .where(t.reports.c.id == report_id)
        )
        async with self.db.read() as conn:
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
        async with self.db.read() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def report_by_submission_key(self, key: str) -> Report | None:
        """Return the report a draft already filed, if it did."""
        stmt = select(t.reports).where(t.reports.c.submission_key == key)
        async with self.db.read() as conn:
            row = (await conn.execute(stmt)).first()
        return None if row is None else to_model(row, Report)
