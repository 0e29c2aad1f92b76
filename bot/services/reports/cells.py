"""A register row as the cells people read: names from the profile, dates in the office's zone.

Privacy (docs/reports.md): the register names no reporter: its "Pelapor" column says only
whether the report is anonymous. A `rahasia` report's subject, content and place are written
only when the export is for someone allowed to read them (`Audience.readers`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.domain.profile import Profile
from bot.domain.reports.figures import late
from bot.render import Renderer
from storage.repo.register import RegisterRow
from storage.vocabulary import Stage


class Cell(StrEnum):
    """How a column is written: text, a date-time, or a whole number."""

    TEXT = "text"
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
    ("channel", Cell.TEXT, 14),
    ("type", Cell.TEXT, 14),
    ("category", Cell.TEXT, 18),
    ("subcategory", Cell.TEXT, 18),
    ("unit", Cell.TEXT, 22),
    ("stage", Cell.TEXT, 24),
    ("title", Cell.TEXT, 30),
    ("description", Cell.TEXT, 50),
    ("location", Cell.TEXT, 24),
    ("identity", Cell.TEXT, 16),
    ("confidential", Cell.TEXT, 9),
    ("disposed_at", Cell.DATETIME, 17),
    ("in_progress_at", Cell.DATETIME, 17),
    ("awaiting_approval_at", Cell.DATETIME, 17),
    ("answered_at", Cell.DATETIME, 17),
    ("closed_at", Cell.DATETIME, 17),
    ("stage_due_at", Cell.DATETIME, 17),
    ("final_due_at", Cell.DATETIME, 17),
    ("final_met", Cell.TEXT, 11),
    ("rating", Cell.NUMBER, 7),
    ("reopenings", Cell.NUMBER, 9),
    ("returns", Cell.NUMBER, 12),
)


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


def register_title(profile: Profile, renderer: Renderer, lang: str) -> str:
    """Return the register's title: the profile's, or the national default."""
    title = profile.reports.register_title
    return (
        title.get(lang) if title is not None else renderer.label(lang, "reports.register_default")
    )
