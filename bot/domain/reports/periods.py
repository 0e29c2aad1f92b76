"""Report periods: what `/rekap bulan`, `/ekspor 2026-11` or `--from/--to` mean, as dates.

A period is a run of whole office-local days, `first` to `last` inclusive. It may not start
after today, nor end before it starts; a period that reaches past today is cut at today (a
month to date).
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Kind(StrEnum):
    """Which report a period is for: it picks the figures and the template."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    ANNUAL = "annual"
    CUSTOM = "custom"


class PeriodProblem(StrEnum):
    """Why a period cannot be read (each has a label with an example)."""

    UNREADABLE = "unreadable"
    FUTURE = "future"
    REVERSED = "reversed"


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days, `first` to `last` inclusive, in the office's zone."""

    kind: Kind
    first: date
    last: date

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """Return [start, end) as aware datetimes: midnight of `first` to after `last`."""
        start = datetime.combine(self.first, time(0), tzinfo=zone)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=zone)
        return start, end

    def days(self) -> list[date]:
        """Return every day of the period, in order."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def slug(self) -> str:
        """Return a file-name part: `2026-11-01_2026-11-30`, or one date for one day."""
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


# The words of /rekap and /ekspor (Indonesian first; English accepted).
WORDS: dict[str, Kind] = {
    "hari": Kind.DAILY,
    "harian": Kind.DAILY,
    "day": Kind.DAILY,
    "daily": Kind.DAILY,
    "minggu": Kind.WEEKLY,
    "mingguan": Kind.WEEKLY,
    "week": Kind.WEEKLY,
    "bulan": Kind.MONTHLY,
    "bulanan": Kind.MONTHLY,
    "month": Kind.MONTHLY,
    "monthly": Kind.MONTHLY,
    "tahun": Kind.ANNUAL,
    "tahunan": Kind.ANNUAL,
    "year": Kind.ANNUAL,
    "annual": Kind.ANNUAL,
}

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_RANGE = re.compile(r"\s*(?:\.\.|_|s/?d|sampai|to|—)\s*|\s+")


def current(kind: Kind, today: date) -> Period:
    """Return the period of this kind that holds today, up to today."""
    if kind is Kind.DAILY:
        return Period(kind, today, today)
    if kind is Kind.WEEKLY:
        return Period(kind, today - timedelta(days=today.weekday()), today)
    if kind is Kind.MONTHLY:
        return Period(kind, today.replace(day=1), today)
    if kind is Kind.ANNUAL:
        return Period(kind, date(today.year, 1, 1), today)
    return Period(kind, today, today)


def previous(kind: Kind, today: date) -> Period:
    """Return the whole period of this kind before the one holding today."""
    if kind is Kind.DAILY:
        day = today - timedelta(days=1)
        return Period(kind, day, day)
    if kind is Kind.WEEKLY:
        monday = today - timedelta(days=today.weekday() + 7)
        return Period(kind, monday, monday + timedelta(days=6))
    if kind is Kind.MONTHLY:
        last = today.replace(day=1) - timedelta(days=1)
        return Period(kind, last.replace(day=1), last)
    return Period(Kind.ANNUAL, date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))


def _span(text: str) -> tuple[Kind, date, date] | None:
    """Read one date, month or year as the days it covers."""
    try:
        if m := _DAY.match(text):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            return Kind.DAILY, day, day
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            return Kind.MONTHLY, date(year, month, 1), date(year, month, monthrange(year, month)[1])
        if m := _YEAR.match(text):
            year = int(m[1])
            return Kind.ANNUAL, date(year, 1, 1), date(year, 12, 31)
    except ValueError:  # 2026-13, 2026-02-30
        return None
    return None


def parse(text: str, today: date, default: Kind = Kind.MONTHLY) -> Period | PeriodProblem:
    """Read a period: a word (hari, minggu, bulan, tahun), a date, month or year, or two of them.

    Empty text is the current period of `default`. Two dates ("2026-11-01 2026-11-15" or
    "2026-11-01..2026-11-15") are a custom period; the first's start to the second's end.
    """
    words = text.strip().lower()
    if not words:
        return current(default, today)
    if words in WORDS:
        return current(WORDS[words], today)
    parts = [p for p in _RANGE.split(words) if p]
    if len(parts) not in (1, 2):
        return PeriodProblem.UNREADABLE
    spans = [_span(p) for p in parts]
    if any(s is None for s in spans):
        return PeriodProblem.UNREADABLE
    first_span, last_span = spans[0], spans[-1]
    assert first_span is not None
    assert last_span is not None
    kind = first_span[0] if len(parts) == 1 else Kind.CUSTOM
    return bounded(kind, first_span[1], last_span[2], today)


def bounded(kind: Kind, first: date, last: date, today: date) -> Period | PeriodProblem:
    """Return the period, or why not: reversed, or starting after today; cut at today."""
    if last < first:
        return PeriodProblem.REVERSED
    if first > today:
        return PeriodProblem.FUTURE
    return Period(kind, first, min(last, today))
