"""A citizen's side after submission: their reports, information they add, their rating comment."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.models import NewAttachment, OutboxMessage, Report, ReportEvent, Unit
from storage.repo.base import RepoBase, to_model

# /status reads the report with its unit's columns in one statement (labelled apart).
_UNIT_COLUMNS = [c.label(f"unit__{c.name}") for c in t.units.c]


@dataclass(frozen=True, slots=True)
class ReportStatus:
    """A report as /status shows it; its unit and audit trail only when the asker filed it."""

    report: Report
    own: bool
    unit: Unit | None = None
    events: list[ReportEvent] | None = None


class CitizenRepo(RepoBase):
    """A citizen's side after submission: their reports, added information, rating comments."""

    async def reports_of(
        self,
        reporter_id: int,
        *,
        stages: Collection[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Report]:
        """Return a reporter's reports, newest first, optionally only those in `stages`."""
        stmt = select(t.reports).where(t.reports.c.reporter_id == reporter_id)
        if stages is not None:
            stmt = stmt.where(t.reports.c.stage.in_(list(stages)))
        stmt = stmt.order_by(t.reports.c.id.desc()).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        async with self.db.read() as conn:
            return [to_model(r, Report) for r in await conn.execute(stmt)]

    async def report_status(self, number: str, asker_id: int | None) -> ReportStatus | None:
        """Return the report with this tracking number as /status shows it to a reporter.

        One read transaction: the report and its unit in one statement, then, when `asker_id`
        filed it, its audit trail (four transactions before: a third of a lookup's time).
        """
        stmt = (
            select(t.reports, *_UNIT_COLUMNS)
            .outerjoin(t.units, t.units.c.id == t.reports.c.unit_id)
            .where(t.reports.c.number == number)
        )
        async with self.db.read() as conn:
            row = (await conn.execute(stmt)).first()
            if row is None:
                return None
            report = to_model(row, Report)
            if asker_id is None or report.reporter_id != asker_id:
                return ReportStatus(report, own=False)
            events = await conn.execute(
                select(t.report_events)
                .where(t.report_events.c.report_id == report.id)
                .order_by(t.report_events.c.id)
            )
            history = [to_model(r, ReportEvent) for r in events]
        mapping = row._mapping
        unit = None
        if mapping["unit__id"] is not None:
            unit = Unit(**{name: mapping[f"unit__{name}"] for name in Unit.__dataclass_fields__})
        return ReportStatus(report, own=True, unit=unit, events=history)

    async def count_reports_of(self, reporter_id: int) -> int:
        """Return how many reports a reporter filed."""
        stmt = select(func.count()).where(t.reports.c.reporter_id == reporter_id)
        async with self.db.read() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def add_information(
        self,
        report_id: int,
        *,
        stage: str,
        note: str | None,
        files: Sequence[NewAttachment],
        messages: Sequence[OutboxMessage] = (),
    ) -> Report | None:
        """Attach a reporter's text and files to a report, with the staff's notice, at once.

        An audit row `note` by the reporter carries them; the report keeps its version (staff
        buttons stay valid). Nothing is written, and None returned, unless the report is still
        at `stage`, the one the caller saw when it prepared the messages.
        """
        now = self.clock()
        async with self.db.write() as conn:
            report = await self._locked_report(conn, report_id)
            if report is None or report.stage != stage:
                return None
            event_id = (
                await conn.execute(
                    insert(t.report_events)
                    .values(
                        report_id=report_id,
                        at=now,
                        actor_kind="reporter",
                        action="note",
                        from_stage=report.stage,
                        to_stage=report.stage,
                        note=note,
                        data={"files": len(files)} if files else None,
                    )
                    .returning(t.report_events.c.id)
                )
            ).scalar_one()
            await self._insert_attachments(conn, report_id, files, now, event_id)
            await self._enqueue(conn, messages)
            return report

    async def set_rating_comment(self, report_id: int, comment: str) -> bool:
        """Keep the comment the reporter gave after rating; False when there is no fresh rating."""
        now = self.clock()
        async with self.db.write() as conn:
            result = await conn.execute(
                update(t.reports)
                .where(
                    and_(
                        t.reports.c.id == report_id,
                        t.reports.c.rating.is_not(None),
                        t.reports.c.rating_comment.is_(None),
                    )
                )
                .values(rating_comment=comment, updated_at=now)
            )
            if result.rowcount != 1:
                return False
            report = await self._locked_report(conn, report_id)
            assert report is not None
            await conn.execute(
                insert(t.report_events).values(
                    report_id=report_id,
                    at=now,
                    actor_kind="reporter",
                    action="note",
                    from_stage=report.stage,
                    to_stage=report.stage,
                    note=comment,
                    data={"rating_comment": True},
                )
            )
        return True

    async def _locked_report(self, conn: AsyncConnection, report_id: int) -> Report | None:
        row = (
            await conn.execute(
                select(t.reports).where(t.reports.c.id == report_id).with_for_update()
            )
        ).first()
        return None if row is None else to_model(row, Report)
