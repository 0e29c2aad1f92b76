"""Tracking numbers: PREFIX-YYYY-NNNNNN, the sequence restarting each year in the office's zone."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from storage.models import Numbering

__all__ = [
    "Numbering",
    "counter_name",
    "format_number",
    "normalize_number",
    "numbering",
    "office_year",
]

SEQUENCE_DIGITS = 6
_NUMBER = re.compile(r"^([A-Z0-9]{2,8}?)-?(\d{4})-?(\d{1,6})$")


def format_number(prefix: str, year: int, sequence: int) -> str:
    """Return the tracking number for a prefix, a year and a sequence number."""
    return f"{prefix}-{year:04d}-{sequence:0{SEQUENCE_DIGITS}d}"


def counter_name(prefix: str, year: int) -> str:
    """Return the name of the counter that numbers one prefix's reports in one year."""
    return f"report:{prefix}:{year:04d}"


def office_year(at: datetime, zone: ZoneInfo) -> int:
    """Return the year of `at` in the office's timezone (31 Dec 20:00 UTC is 1 Jan in WIT)."""
    return at.astimezone(zone).year


def numbering(prefix: str, at: datetime, zone: ZoneInfo) -> Numbering:
    """Return how a report filed at `at` is numbered: its year's counter and number template."""
    year = office_year(at, zone)
    template = f"{prefix}-{year:04d}-{{:0{SEQUENCE_DIGITS}d}}"
    return Numbering(counter=counter_name(prefix, year), template=template)


def normalize_number(text: str) -> str | None:
    """Return the canonical number a person typed, forgiving case, spaces and dots; else None."""
    compact = re.sub(r"[\s._/]+", "-", text.strip().upper()).strip("-")
    compact = re.sub(r"-{2,}", "-", compact)
    match = _NUMBER.match(compact)
    if match is None:
        return None
    prefix, year, sequence = match.groups()
    return format_number(prefix, int(year), int(sequence))
