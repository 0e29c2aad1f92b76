"""The office's screening decisions kept as labels for retraining the learned screen (issue 13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from storage import tables as t
from storage.repo.base import RepoBase


@dataclass(frozen=True, slots=True)
class ScreeningLabel:
    """One report's text as the office judged it."""

    report_id: int
    text: str
    sara: bool
    abusive: bool
    decision: str
    staff_id: int | None
    created_at: datetime


class ScreeningLabelsRepo(RepoBase):
    """Keep and read the office's screening labels, one per report (the last decision wins)."""

    async def keep_screening_label(
        self,
        report_id: int,
        text: str,
        *,
        sara: bool,
        abusive: bool,
        decision: str,
        staff_id: int | None,
    ) -> None:
        """Store the label of a report, replacing an earlier decision on the same report."""
        values = {
            "text": text,
            "sara": sara,
            "abusive": abusive,
            "decision": decision,
            "staff_id": staff_id,
            "created_at": self.clock(),
        }
        stmt = self._insert()(t.screening_labels).values(report_id=report_id, **values)
        async with self.db.write() as conn:
            await conn.execute(
                stmt.on_conflict_do_update(index_elements=["report_id"], set_=values)
            )

    async def screening_labels(self) -> list[ScreeningLabel]:
        """Return every label, oldest first."""
        stmt = select(t.screening_labels).order_by(t.screening_labels.c.id)
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [
            ScreeningLabel(
                report_id=r.report_id,
                text=r.text,
                sara=bool(r.sara),
                abusive=bool(r.abusive),
                decision=r.decision,
                staff_id=r.staff_id,
                created_at=r.created_at,
            )
            for r in rows
        ]
