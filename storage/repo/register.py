"""The register's rows: one per report filed in a period, streamed, with its stage dates.

A year's register can hold a million reports, so rows are read in partitions and never held
together (bot/services/reports/ writes each one as it comes). The stage dates and counts come
from the audit trail, aggregated by the database in the same query.

No personal data is read here: the register names no reporter (docs/reports.md), so the
encrypted reporter columns are never touched and an anonymous report cannot leak through it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, and_, case, func, select, type_coerce

from storage import tables as t
from storage.repo.base import RepoBase
from storage.vocabulary import Action, Channel, ReportType, Stage

# The stages whose entry and exit the register dates (their order is the SOP's).
DATED = (Stage.SUBMITTED, Stage.DISPOSED, Stage.IN_PROGRESS, Stage.AWAITING_APPROVAL)
PARTITION = 5000


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One report as the register shows it: where it went, when, and whether it kept time."""

    id: int
    number: str
    submitted_at: datetime
    channel: Channel
    type: ReportType
    category: str | None
    subcategory: str | None
    unit_id: int | None
    unit_name: str | None
    stage: Stage
    title: str
    description: str
    location_text: str | None
    anonymous: bool
    confidential: bool
    stage_due_at: datetime | None
    final_due_at: datetime | None
    sla_breached_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    rating: int | None
    # First time the report entered / left each of DATED (None: never).
    entered: dict[Stage, datetime | None]
    left: dict[Stage, datetime | None]
    reopenings: int
    returns: int


def _register_query(start: datetime, end: datetime, *, exits: bool = True) -> Any:
    """Return the period's rows; `exits`: with the first step out of each dated stage.

    The register's sheet shows entries only: without the four exit aggregates SQLite's share of
    a year's register is a fifth smaller (bench/register_1m.py). The reports' stage times need
    them (figures.stage_hours).
    """
    r, e, u, b = t.reports.c, t.report_events.c, t.units.c, t.sla_breaches.c
    entered = [
        type_coerce(func.min(case((e.to_stage == s.value, e.at))), String).label(f"in_{s.value}")
        for s in DATED
        if s is not Stage.SUBMITTED
    ]
    left = [
        type_coerce(
            func.min(case((and_(e.from_stage == s.value, e.to_stage != s.value), e.at))), String
        ).label(f"out_{s.value}")
        for s in DATED
        if exits
    ]
    counts = [
        func.coalesce(func.sum(case((e.action == Action.DISPUTE.value, 1), else_=0)), 0).label(
            "reopenings"
        ),
        func.coalesce(
            func.sum(case((e.action == Action.RETURN_TO_TRIAGE.value, 1), else_=0)), 0
        ).label("returns"),
    ]
    raw = lambda c: type_coerce(c, String).label(c.name)  # noqa: E731 -- parsed in _row
    columns = [
        r.id,
        r.number,
        raw(r.submitted_at),
        raw(r.channel),
        raw(r.type),
        r.category,
        r.subcategory,
        r.unit_id,
        # One unit per report: min() keeps the query valid where only grouped columns may be read.
        func.min(u.name).label("unit_name"),
        raw(r.stage),
        r.title,
        r.description,
        r.location_text,
        r.anonymous,
        r.confidential,
        raw(r.stage_due_at),
        raw(r.final_due_at),
        # At most one row per report: min() as for the unit's name.
        type_coerce(func.min(b.breached_at), String).label("sla_breached_at"),
        raw(r.answered_at),
        raw(r.closed_at),
        r.rating,
    ]
    return (
        select(*columns, *entered, *left, *counts)
        .select_from(
            t.reports.outerjoin(t.units, u.id == r.unit_id)
            .outerjoin(t.sla_breaches, b.report_id == r.id)
            .outerjoin(t.report_events, e.report_id == r.id)
        )
        # ix_reports_submitted_at: the period is read through the index, in filing order. Grouped
        # in that order (the id alone is unique), so SQLite streams the rows as it reads them;
        # grouped by the id alone it aggregated by rowid and sorted the whole year in a temporary
        # B-tree before the first row (bench/register_1m.py).
        .where(and_(r.submitted_at >= start, r.submitted_at < end))
        .group_by(r.submitted_at, r.id)
        .order_by(r.submitted_at, r.id)
    )


def stored_time(value: Any) -> datetime | None:
    """Read a stored time: SQLite gives its text (UTC, no zone), PostgreSQL a datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        # Parsing with the zone in the text costs a tenth of a `.replace(tzinfo=UTC)` call.
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:  # a text that carries its own offset
            return datetime.fromisoformat(value).astimezone(UTC)
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


# The raw record's fields, in order (`register_records`; the index of each is FIELD[name]).
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)
REGISTER_FIELDS: tuple[str, ...] = tuple(
    c.key for c in _register_query(_NEVER, _NEVER, exits=False).selected_columns
)
FIELD = {name: n for n, name in enumerate(REGISTER_FIELDS)}

# Enum members by stored value: a dict lookup instead of an enum call per cell.
_STAGES = {s.value: s for s in Stage}
_CHANNELS = {c.value: c for c in Channel}
_TYPES = {t.value: t for t in ReportType}
_ENTERED = tuple((s, f"in_{s.value}") for s in DATED if s is not Stage.SUBMITTED)
_LEFT = tuple((s, f"out_{s.value}") for s in DATED)


def register_row(m: Any) -> RegisterRow:
    """Return a raw record (`register_records`) as a RegisterRow, its times parsed."""
    # Columns are read raw (type_coerce to String) and parsed here: a million rows times a
    # dozen times is where a year's register spends its time (bench/register_1m.py).
    submitted = stored_time(m["submitted_at"])
    assert submitted is not None
    entered: dict[Stage, datetime | None] = {Stage.SUBMITTED: submitted}
    for stage, key in _ENTERED:
        entered[stage] = stored_time(m[key])
    return RegisterRow(
        id=m["id"],
        number=m["number"],
        submitted_at=submitted,
        channel=_CHANNELS[m["channel"]],
        type=_TYPES[m["type"]],
        category=m["category"],
        subcategory=m["subcategory"],
        unit_id=m["unit_id"],
        unit_name=m["unit_name"],
        stage=_STAGES[m["stage"]],
        title=m["title"],
        description=m["description"],
        location_text=m["location_text"],
        anonymous=bool(m["anonymous"]),
        confidential=bool(m["confidential"]),
        stage_due_at=stored_time(m["stage_due_at"]),
        final_due_at=stored_time(m["final_due_at"]),
        sla_breached_at=stored_time(m["sla_breached_at"]),
        answered_at=stored_time(m["answered_at"]),
        closed_at=stored_time(m["closed_at"]),
        rating=m["rating"],
        entered=entered,
        left={stage: stored_time(m[key]) for stage, key in _LEFT},
        reopenings=int(m["reopenings"]),
        returns=int(m["returns"]),
    )


class RegisterRepo(RepoBase):
    """The register's read queries (bot/services/reports)."""

    async def register_rows(self, start: datetime, end: datetime) -> AsyncIterator[RegisterRow]:
        """Yield the reports filed in [start, end), oldest first, a partition at a time."""
        stmt = _register_query(start, end).execution_options(yield_per=PARTITION)
        async with self.db.read() as conn:
            result = await conn.stream(stmt)
            async for part in result.partitions(PARTITION):
                for row in part:
                    yield register_row(row._mapping)

    async def register_records(
        self, start: datetime, end: datetime
    ) -> AsyncIterator[Sequence[Sequence[Any]]]:
        """Yield the reports filed in [start, end) as raw records, a partition at a time.

        Each record holds REGISTER_FIELDS in order (no stage exits), its times as stored
        (`stored_time` reads them): the register's writer reads a million of them and builds no
        RegisterRow.
        """
        stmt = _register_query(start, end, exits=False).execution_options(yield_per=PARTITION)
        async with self.db.read() as conn:
            result = await conn.stream(stmt)
            async for part in result.partitions(PARTITION):
                yield part

    async def count_filed_between(self, start: datetime, end: datetime) -> int:
        """Return how many reports were filed in [start, end) (the progress bar's total)."""
        r = t.reports.c
        stmt = select(func.count()).where(and_(r.submitted_at >= start, r.submitted_at < end))
        async with self.db.read() as conn:
            return int((await conn.execute(stmt)).scalar() or 0)
