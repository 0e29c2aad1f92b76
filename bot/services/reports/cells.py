"""A register row as the cells people read: names from the profile, dates in the office's zone.

Privacy (docs/reports.md): the register names no reporter: its "Pelapor" column says only
whether the report is anonymous. A `rahasia` report's subject, content and place are written
only when the export is for someone allowed to read them (`Audience.readers`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, NamedTuple

from bot.domain.profile import Profile
from bot.domain.reports.figures import late
from bot.render import Renderer
from storage.repo.register import REGISTER_FIELDS, RegisterRow, stored_time
from storage.vocabulary import Stage

EXCEL_EPOCH = datetime(
    1899, 12, 30, tzinfo=UTC
)  # Excel's day 0 (its 1900 leap-year quirk absorbed)
EXCEL_DATE = EXCEL_EPOCH.date()
DAY = timedelta(days=1)
_STAGE_OF = {s.value: s for s in Stage}
# `RegisterCells.record` unpacks a raw record by position: it must be the query's order.
_RECORD = (
    "id", "number", "submitted_at", "channel", "type", "category", "subcategory", "unit_id",
    "unit_name", "stage", "title", "description", "location_text", "anonymous", "confidential",
    "stage_due_at", "final_due_at", "sla_breached_at", "answered_at", "closed_at", "rating",
    "in_disposed", "in_in_progress", "in_awaiting_approval", "reopenings", "returns",
)  # fmt: skip
assert REGISTER_FIELDS == _RECORD, REGISTER_FIELDS


class Cell(StrEnum):
    """How a column is written: text, a date-time, or a whole number."""

    TEXT = "text"
    # Text from a small vocabulary (a channel, a stage, "Ya"): the workbook writes each once.
    LABEL = "label"
    DATETIME = "datetime"
    NUMBER = "number"


class Audience(StrEnum):
    """Who an export is for: it decides whether `rahasia` content is written."""

    SHARED = "shared"  # the staff group, a file on disk: content of `rahasia` reports withheld
    READERS = "readers"  # privately, to a member allowed to read every report (a supervisor)


# The register's columns, in order: (label key under reports.col, how it is written, width).
COLUMNS: tuple[tuple[str, Cell, int], ...] = (
    ("number", Cell.TEXT, 20),
    ("submitted_at", Cell.DATETIME, 17),
    ("channel", Cell.LABEL, 14),
    ("type", Cell.LABEL, 14),
    ("category", Cell.LABEL, 18),
    ("subcategory", Cell.LABEL, 18),
    ("unit", Cell.LABEL, 22),
    ("stage", Cell.LABEL, 24),
    ("title", Cell.TEXT, 30),
    ("description", Cell.TEXT, 50),
    ("location", Cell.TEXT, 24),
    ("identity", Cell.LABEL, 16),
    ("confidential", Cell.LABEL, 9),
    ("disposed_at", Cell.DATETIME, 17),
    ("in_progress_at", Cell.DATETIME, 17),
    ("awaiting_approval_at", Cell.DATETIME, 17),
    ("answered_at", Cell.DATETIME, 17),
    ("closed_at", Cell.DATETIME, 17),
    ("stage_due_at", Cell.DATETIME, 17),
    ("final_due_at", Cell.DATETIME, 17),
    ("final_met", Cell.LABEL, 11),
    ("rating", Cell.NUMBER, 7),
    ("reopenings", Cell.NUMBER, 9),
    ("returns", Cell.NUMBER, 12),
)


class ExcelTimes:
    """Stored times as the text of Excel serial numbers of the office's wall clock, to the second.

    SQLite gives each time as text, in UTC ("2026-05-11 02:00:00.000000"): its date and its time
    of day are looked up in two small tables (a year's register holds a few hundred dates and at
    most 86,400 seconds of the day), so a million rows cost no datetime and no float formatting
    per cell: Python's shortest float repr alone took 2 µs a cell (bench/register_1m.py).
    A datetime (PostgreSQL) or a zone with summer time takes the arithmetic way.
    """

    def __init__(self, zone: tzinfo, fixed: timedelta | None) -> None:
        self.zone = zone
        self.fixed = fixed
        # A date's serial as text the day before, that day and the day after (a UTC time of day
        # moves the office's date by at most one), and a UTC time of day's move and fraction.
        self._days: dict[str, tuple[str, str, str]] = {}
        self._clock: dict[str, tuple[int, str]] = {}
        self.text: Callable[[Any], str | None] = self._texts()

    def serial(self, moment: datetime) -> float:
        """Return an aware time's Excel serial number on the office's wall clock."""
        local = moment.astimezone(self.zone).replace(tzinfo=None)
        return (local - EXCEL_EPOCH.replace(tzinfo=None)) / DAY

    def _texts(self) -> Callable[[Any], str | None]:
        """Return the function that writes a stored time (text or datetime) as a serial's text."""
        days, clocks, fixed = self._days, self._clock, self.fixed

        def slow(value: Any) -> str | None:
            moment = stored_time(value)
            return None if moment is None else f"{self.serial(moment):.10f}"

        if fixed is None:
            return slow

        def text(value: Any) -> str | None:
            # A closure of locals: eight times a row, a million rows (bench/register_1m.py).
            if value.__class__ is not str:
                return None if value is None else slow(value)
            day = days.get(value[:10])
            if day is None:
                day = days[value[:10]] = self._day(value[:10])
            clock = clocks.get(value[11:19])
            if clock is None:
                clock = clocks[value[11:19]] = self._time_of_day(value[11:19])
            return day[clock[0]] + clock[1]

        return text

    def _day(self, text: str) -> tuple[str, str, str]:
        day = (date.fromisoformat(text) - EXCEL_DATE).days
        return str(day - 1), str(day), str(day + 1)

    def _time_of_day(self, text: str) -> tuple[int, str]:
        """Return a UTC time of day's fraction (".5") and where it moves the date.

        The move indexes `_day`'s texts: 0 a day back, 1 none, 2 a day on.
        """
        assert self.fixed is not None
        clock = time.fromisoformat(text)
        seconds = clock.hour * 3600 + clock.minute * 60 + clock.second
        carry, local = divmod(seconds + int(self.fixed.total_seconds()), 86400)
        assert -1 <= carry <= 1, "an offset of less than a day"
        return carry + 1, f"{local / 86400:.10f}".rstrip("0")[1:].rstrip(".")


@dataclass
class RegisterCells:
    """Turns register rows into cell values for one language and audience."""

    profile: Profile
    renderer: Renderer
    lang: str
    audience: Audience

    def __post_init__(self) -> None:
        label = self.label
        self.headers = [label(f"reports.col.{key}") for key, _, _ in COLUMNS]
        self._yes, self._no, self._running = label("reports.yes"), label("reports.no"), "—"
        self._running = label("reports.running")
        self._withheld = label("reports.withheld")
        self._identity = (label("reports.named"), label("reports.anonymous"))
        self._stages = {s: label(f"staff_stage.{s.value}") for s in Stage}
        self._stage_names = {s.value: name for s, name in self._stages.items()}
        self._types: dict[str, str] = {}
        self._channels = {c.code.value: c.name.get(self.lang) for c in self.profile.channels}
        self._categories = {c.code: c.name.get(self.lang) for c in self.profile.categories}
        self._subcategories = {
            (c.code, s.code): s.name.get(self.lang)
            for c in self.profile.categories
            for s in c.subcategories
        }
        zone = self.profile.zone
        january, july = (datetime(2026, m, 1, tzinfo=UTC) for m in (1, 7))
        fixed = zone.utcoffset(january) if zone.utcoffset(january) == zone.utcoffset(july) else None
        if fixed is not None:  # Indonesia keeps no summer time: one addition per date
            self._local: Callable[[datetime], datetime] = lambda d: (d + fixed).replace(tzinfo=None)
        else:
            self._local = lambda d: d.astimezone(zone).replace(tzinfo=None)
        self.excel = ExcelTimes(zone, fixed)

    def label(self, key: str, **values: Any) -> str:
        """Return a label in the export's language."""
        return self.renderer.label(self.lang, key, **values)

    def type_name(self, code: str) -> str:
        """Return a report type's name."""
        if code not in self._types:
            self._types[code] = self.label(f"type.{code}")
        return self._types[code]

    def channel_name(self, code: str) -> str:
        """Return a channel's name as the profile gives it."""
        return self._channels.get(code, code)

    def category_name(self, code: str | None) -> str:
        """Return a category's name (its code if the profile no longer has it)."""
        if not code:
            return ""
        return self._categories.get(code, code)

    def local(self, value: datetime | None) -> datetime | None:
        """Return a time as the office's wall clock, without a zone (Excel has none)."""
        return None if value is None else self._local(value)

    def values(self, row: RegisterRow) -> list[Any]:
        """Return one row's cells, in COLUMNS order."""
        hidden = row.confidential and self.audience is not Audience.READERS
        met = self._running if row.answered_at is None else (self._no if late(row) else self._yes)
        local = self.local
        return [
            row.number,
            local(row.submitted_at),
            self.channel_name(row.channel.value),
            self.type_name(row.type.value),
            self.category_name(row.category),
            self._subcategories.get((row.category or "", row.subcategory or ""), row.subcategory)
            or "",
            row.unit_name or "",
            self._stages[row.stage],
            self._withheld if hidden else row.title,
            self._withheld if hidden else row.description,
            "" if hidden else (row.location_text or ""),
            self._identity[row.anonymous],
            self._yes if row.confidential else self._no,
            local(row.entered.get(Stage.DISPOSED)),
            local(row.entered.get(Stage.IN_PROGRESS)),
            local(row.entered.get(Stage.AWAITING_APPROVAL)),
            local(row.answered_at),
            local(row.closed_at),
            local(row.stage_due_at),
            local(row.final_due_at),
            met,
            row.rating,
            row.reopenings,
            row.returns,
        ]

    def record(self, raw: Sequence[Any]) -> tuple[list[Any], RecordCounts]:
        """Return one raw record's cells, in COLUMNS order, and what the summary counts of it.

        The workbook's path for a million rows (bench/register_1m.py): no RegisterRow is built
        and each time is parsed once, its cell an Excel serial number of the office's wall
        clock as text (ExcelTimes; the writer puts it in as is), not a datetime. Otherwise the
        same cells as `values`.
        """
        (
            _, number, submitted, channel, kind, category, subcategory, _, unit, stage, title,
            description, location, anonymous, confidential, stage_due, final_due, breached,
            answered, closed, rating, disposed, in_progress, awaiting, reopenings, returns,
        ) = raw  # fmt: skip
        answered_at, final_due_at = stored_time(answered), stored_time(final_due)
        counts = RecordCounts(
            _STAGE_OF[stage],
            final_due_at,
            stored_time(breached),
            answered_at,
            rating,
            int(reopenings),
            int(returns),
        )
        met = self._running if answered_at is None else (self._no if late(counts) else self._yes)
        hidden = confidential and self.audience is not Audience.READERS
        cell = self.excel.text
        return [
            number,
            cell(submitted),
            self._channels.get(channel, channel),
            self._types.get(kind) or self.type_name(kind),
            self._categories.get(category, category) if category else "",
            self._subcategories.get((category or "", subcategory or ""), subcategory) or "",
            unit or "",
            self._stage_names[stage],
            self._withheld if hidden else title,
            self._withheld if hidden else description,
            "" if hidden else (location or ""),
            self._identity[anonymous],
            self._yes if confidential else self._no,
            cell(disposed),
            cell(in_progress),
            cell(awaiting),
            cell(answered),
            cell(closed),
            cell(stage_due),
            cell(final_due),
            met,
            rating,
            int(reopenings),
            int(returns),
        ], counts


class RecordCounts(NamedTuple):
    """What the register's summary counts of a report (figures.Counted), read from its record.

    A tuple: a frozen dataclass's __init__ took 4 µs a row, a fifth of the row's cells.
    """

    stage: Stage
    final_due_at: datetime | None
    sla_breached_at: datetime | None
    answered_at: datetime | None
    rating: int | None
    reopenings: int
    returns: int


def register_title(profile: Profile, renderer: Renderer, lang: str) -> str:
    """Return the register's title: the profile's, or the national default."""
    title = profile.reports.register_title
    return (
        title.get(lang) if title is not None else renderer.label(lang, "reports.register_default")
    )
