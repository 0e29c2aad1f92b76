"""When a clock's reminder, breach and escalation fall: plain functions on the work calendar.

All three are measured from the due time, so that an extension or a pause (which move the due
time) move them too: the warning falls `amount - warn_at` of the level's unit before the due
time, the escalation `limits.escalate_after_breach` after it. Office-time levels count office
time (a working day is one office day of opening hours); calendar levels count wall-clock time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum

from bot.domain.clock import WorkCalendar
from bot.domain.profile import ServiceLevel

# How far past the exact horizon the candidate queries reach; the exact test is in Python.
SLACK = timedelta(minutes=1)


class Threshold(IntEnum):
    """A reminder threshold; higher is more urgent."""

    WARN = 1
    BREACH = 2
    ESCALATE = 3

    @property
    def mark(self) -> str:
        """Return the mark column's middle word: warned, breached, escalated."""
        return {1: "warned", 2: "breached", 3: "escalated"}[self.value]

    @property
    def key(self) -> str:
        """Return the label key part: warn, breach, escalate."""
        return self.name.lower()


def span(calendar: WorkCalendar, level: ServiceLevel, amount: int) -> timedelta:
    """Return `amount` of a level's unit as a duration (office time unless calendar)."""
    if level.unit == "minutes":
        return timedelta(minutes=amount)
    if level.unit == "hours":
        return timedelta(hours=amount)
    if level.calendar:
        return timedelta(days=amount)
    day = datetime.combine(date.min, calendar.closes) - datetime.combine(date.min, calendar.opens)
    return day * amount


def shift(calendar: WorkCalendar, at: datetime, level: ServiceLevel, amount: int) -> datetime:
    """Return `at` moved by `amount` (negative: back) of a level's unit, counted its way."""
    if level.calendar:
        return at + span(calendar, level, amount)
    if amount < 0:
        return calendar.add_office_time(at, -span(calendar, level, -amount))
    return calendar.add_office_time(at, span(calendar, level, amount))


def warn_lead(level: ServiceLevel) -> int | None:
    """Return how far before the due time the warning falls (None: the level has no warning)."""
    return None if level.warn_at is None else level.amount - level.warn_at


def warn_moment(calendar: WorkCalendar, due: datetime, level: ServiceLevel) -> datetime | None:
    """Return when the warning falls for a clock due at `due`."""
    lead = warn_lead(level)
    return None if lead is None else shift(calendar, due, level, -lead)


def escalate_moment(calendar: WorkCalendar, due: datetime, after: ServiceLevel) -> datetime:
    """Return when a breached clock is escalated."""
    return shift(calendar, due, after, after.amount)


@dataclass(frozen=True, slots=True)
class Marks:
    """The marks a clock carries for its current visit."""

    warned: datetime | None
    breached: datetime | None
    escalated: datetime | None

    def is_set(self, threshold: Threshold) -> bool:
        """Tell whether a threshold has fired already."""
        return getattr(self, threshold.mark) is not None


def reached(
    calendar: WorkCalendar,
    now: datetime,
    due: datetime,
    level: ServiceLevel,
    marks: Marks,
    escalate_after: ServiceLevel,
) -> Threshold | None:
    """Return the most urgent threshold that is due now and has not fired, if any.

    Only the highest fires: a report found already past its escalation time (the bot was down)
    is escalated, not also warned and reported. Tentative levels are never escalated.
    """
    if (
        not level.tentative
        and not marks.is_set(Threshold.ESCALATE)
        and escalate_moment(calendar, due, escalate_after) <= now
    ):
        return Threshold.ESCALATE
    if marks.is_set(Threshold.BREACH) or marks.is_set(Threshold.ESCALATE):
        return None
    if due <= now:
        return Threshold.BREACH
    if marks.is_set(Threshold.WARN):
        return None
    warn = warn_moment(calendar, due, level)
    if warn is not None and warn <= now:
        return Threshold.WARN
    return None
