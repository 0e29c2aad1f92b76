"""The figures of a report, folded one register row at a time (a year streams through).

On time, as the daily recap counts it (storage/repo/sla.py): answered before the end-to-end due
time, where there is one, and before any staff clock of the report ran out. Overdue: still open
with a clock already run out. Time per stage: from the first entry into the stage to the first
step out of it, in hours (wall-clock).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Protocol

from storage.vocabulary import Channel, ReportType, Stage

DATED = (Stage.SUBMITTED, Stage.DISPOSED, Stage.IN_PROGRESS, Stage.AWAITING_APPROVAL)
CLOSED_STAGES = frozenset({Stage.CLOSED, Stage.REJECTED, Stage.DUPLICATE})


class Counted(Protocol):
    """What a total reads of a report: its stage, clocks, answer, rating and returns."""

    @property
    def stage(self) -> Stage: ...  # noqa: D102
    @property
    def final_due_at(self) -> datetime | None: ...  # noqa: D102
    @property
    def sla_breached_at(self) -> datetime | None: ...  # noqa: D102
    @property
    def answered_at(self) -> datetime | None: ...  # noqa: D102
    @property
    def rating(self) -> int | None: ...  # noqa: D102
    @property
    def reopenings(self) -> int: ...  # noqa: D102
    @property
    def returns(self) -> int: ...  # noqa: D102


class Row(Protocol):
    """What the figures read of a register row (storage/repo/register.py)."""

    @property
    def submitted_at(self) -> datetime: ...  # noqa: D102
    @property
    def channel(self) -> Channel: ...  # noqa: D102
    @property
    def type(self) -> ReportType: ...  # noqa: D102
    @property
    def category(self) -> str | None: ...  # noqa: D102
    @property
    def unit_name(self) -> str | None: ...  # noqa: D102
    @property
    def stage(self) -> Stage: ...  # noqa: D102
    @property
    def final_due_at(self) -> datetime | None: ...  # noqa: D102
    @property
    def sla_breached_at(self) -> datetime | None: ...  # noqa: D102
    @property
    def answered_at(self) -> datetime | None: ...  # noqa: D102
    @property
    def rating(self) -> int | None: ...  # noqa: D102
    @property
    def entered(self) -> dict[Stage, datetime | None]: ...  # noqa: D102
    @property
    def left(self) -> dict[Stage, datetime | None]: ...  # noqa: D102
    @property
    def reopenings(self) -> int: ...  # noqa: D102
    @property
    def returns(self) -> int: ...  # noqa: D102


def late(row: Counted) -> bool:
    """Tell whether an answered report was answered after a clock ran out."""
    answered = row.answered_at
    if answered is None:
        return False
    if row.final_due_at is not None and answered > row.final_due_at:
        return True
    return row.sla_breached_at is not None and row.sla_breached_at < answered


def overdue(row: Counted, now: datetime) -> bool:
    """Tell whether an unanswered, open report has a clock that already ran out."""
    if row.answered_at is not None or row.stage in CLOSED_STAGES:
        return False
    if row.sla_breached_at is not None:
        return True
    return row.final_due_at is not None and row.final_due_at < now


def on_time(row: Counted) -> bool | None:
    """Return whether the report was answered in time (None: not answered)."""
    return None if row.answered_at is None else not late(row)


def stage_hours(row: Row) -> dict[Stage, float]:
    """Return the hours the report spent in each dated stage it has left."""
    spent: dict[Stage, float] = {}
    for stage in DATED:
        start, end = row.entered.get(stage), row.left.get(stage)
        if start is not None and end is not None and end >= start:
            spent[stage] = (end - start).total_seconds() / 3600
    return spent


@dataclass
class Tally:
    """One group's figures: received, answered, on time, overdue, ratings, stage times."""

    received: int = 0
    answered: int = 0
    within: int = 0
    overdue: int = 0
    rejected: int = 0
    reopened: int = 0
    returns: int = 0
    ratings: list[int] = field(default_factory=list)
    hours: dict[Stage, list[float]] = field(default_factory=dict)

    def add(self, row: Row, now: datetime, *, durations: bool) -> None:
        """Count one report (and, with durations, its hours per stage)."""
        self.count(row, now)
        if durations:
            for stage, spent in stage_hours(row).items():
                self.hours.setdefault(stage, []).append(spent)

    def count(self, row: Counted, now: datetime) -> None:
        """Count one report, its stage times aside."""
        self.received += 1
        if row.answered_at is not None:
            self.answered += 1
            self.within += not late(row)
        self.overdue += overdue(row, now)
        self.rejected += row.stage is Stage.REJECTED
        self.reopened += row.reopenings > 0
        self.returns += row.returns
        if row.rating is not None:
            self.ratings.append(row.rating)

    @property
    def on_time_percent(self) -> int | None:
        """Return the answered-in-time share, in whole percent (None: nothing answered)."""
        return round(100 * self.within / self.answered) if self.answered else None

    @property
    def reopen_percent(self) -> int | None:
        """Return the share of answered reports the reporter reopened."""
        return round(100 * self.reopened / self.answered) if self.answered else None

    @property
    def mean_rating(self) -> float | None:
        """Return the mean rating, one decimal (None: nobody rated)."""
        return round(sum(self.ratings) / len(self.ratings), 1) if self.ratings else None

    def median_hours(self, stage: Stage) -> float | None:
        """Return the median hours in a stage (None: no report left it)."""
        spent = self.hours.get(stage)
        return round(median(spent), 1) if spent else None

    def max_hours(self, stage: Stage) -> float | None:
        """Return the slowest report's hours in a stage."""
        spent = self.hours.get(stage)
        return round(max(spent), 1) if spent else None


@dataclass
class Book:
    """Every tally of a report, folded from a stream of rows."""

    now: datetime
    zone_of: Callable[[datetime], datetime]
    durations: bool = False
    # Off for the register's summary: a million rows need the total only, not seven tallies.
    grouped: bool = True
    total: Tally = field(default_factory=Tally)
    groups: dict[str, dict[str, Tally]] = field(default_factory=dict)
    stages: Counter[Stage] = field(default_factory=Counter)

    def add(self, row: Row) -> None:
        """Count one report in the total and in each of its groups."""
        self.total.add(row, self.now, durations=self.durations)
        self.stages[row.stage] += 1
        if not self.grouped:
            return
        local = self.zone_of(row.submitted_at)
        keys = {
            "unit": row.unit_name or "",
            "type": row.type.value,
            "category": row.category or "",
            "channel": row.channel.value,
            "month": f"{local.year:04d}-{local.month:02d}",
            "day": local.date().isoformat(),
        }
        for group, key in keys.items():
            tallies = self.groups.setdefault(group, {})
            tally = tallies.get(key)
            if tally is None:
                tally = tallies[key] = Tally()
            # Stage times per unit only: the monthly report's table; elsewhere they would cost.
            tally.add(row, self.now, durations=self.durations and group == "unit")

    def count(self, row: Counted) -> None:
        """Count one report in the total only (the register's summary: no groups, no hours)."""
        self.total.count(row, self.now)
        self.stages[row.stage] += 1

    def fold(self, rows: Iterable[Row]) -> Book:
        """Count every row; return the book."""
        for row in rows:
            self.add(row)
        return self

    def group(self, name: str) -> list[tuple[str, Tally]]:
        """Return a grouping's tallies, by name ("" last: no unit, no category)."""
        tallies = self.groups.get(name, {})
        return sorted(tallies.items(), key=lambda item: (item[0] == "", item[0]))
