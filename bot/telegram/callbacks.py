"""Callback data: `<feature>:<action>[:<arg>...]`, built and parsed here and nowhere else.

Telegram caps callback data at 64 bytes and clients can forge it, so it stays short and opaque,
and every handler re-checks whatever it names (role, report stage) before acting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")


class CallbackDataError(ValueError):
    """Callback data that this bot did not build (forged, stale format, too long)."""


@dataclass(frozen=True, slots=True)
class Callback:
    """A parsed button press: feature prefix, action and arguments."""

    feature: str
    action: str
    args: tuple[str, ...] = ()

    def int_arg(self, index: int = 0) -> int:
        """Return argument `index` as an int, or raise CallbackDataError."""
        try:
            return int(self.args[index])
        except (IndexError, ValueError):
            raise CallbackDataError(f"argument {index} is not a number") from None


def build(feature: str, action: str, *args: object) -> str:
    """Return the callback data for a button."""
    parts = [feature, action, *(str(a) for a in args)]
    for part in parts:
        if not _PART.match(part):
            raise ValueError(f"callback part {part!r} has characters that are not allowed")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data {data!r} exceeds {MAX_BYTES} bytes")
    return data


def parse(data: str | None, feature: str | None = None) -> Callback:
    """Parse callback data, checking the feature prefix when one is given."""
    if not data or len(data.encode()) > MAX_BYTES:
        raise CallbackDataError("empty or too long")
    parts = data.split(":")
    if len(parts) < 2 or not all(_PART.match(p) for p in parts):
        raise CallbackDataError("malformed")
    if feature is not None and parts[0] != feature:
        raise CallbackDataError(f"not a {feature} button")
    return Callback(parts[0], parts[1], tuple(parts[2:]))


def pattern(feature: str) -> str:
    """Return the CallbackQueryHandler pattern that routes one feature's buttons."""
    return rf"^{re.escape(feature)}:"
