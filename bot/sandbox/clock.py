"""The sandbox's clock: real time passing, plus the jumps the demo asks for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.clock import WorkCalendar


class DemoClock:
    """A clock that starts at an office morning and can be moved forward, never back."""

    def __init__(self, start: datetime) -> None:
        self.offset = start - datetime.now(UTC)

    def __call__(self) -> datetime:
        """Return the demo's now: real time shifted by every jump so far."""
        return datetime.now(UTC) + self.offset

    def advance(self, step: timedelta) -> datetime:
        """Move the clock forward by `step`; return the new now."""
        self.offset += max(step, timedelta(0))
        return self()

    def advance_to(self, moment: datetime) -> datetime:
        """Move the clock forward to `moment` (a moment already past leaves it where it is)."""
        return self.advance(moment - self())


def office_morning(calendar: WorkCalendar, now: datetime) -> datetime:
    """Return now if the office is open, else its next opening plus an hour of work."""
    if calendar.is_office_open(now):
        return now
    return calendar.next_opening(now) + timedelta(hours=1)
