"""Reports: submission, lookup and the audit trail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.tracking import counter_name, format_number, normalize_number, office_year
from storage import tables as t
from storage.models import (
    NewReport,
    OutboxMessage,
    Report,
    ReportEvent,
)
from storage.repo.base import RepoBase, to_model


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
    ) -> Report:
        """File a report: number it, write it, its first audit row and its notifications."""
        async with self.db.write() as conn:
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
                    actor_kind="reporter",
                    action="submit",
                    from_stage="draft",
                    to_stage=new.stage,
                    data=event_data,
                )
            )
            report = await self._report(conn, report_id)
            await self._enqueue(conn, notify(report))
            return report

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
