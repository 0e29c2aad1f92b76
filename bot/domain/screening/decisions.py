"""Which staff decisions become screening labels (issue 13): pure rules, no I/O.

- A report rejected for hate speech, SARA or abusive words is a positive: abusive, and SARA too
  when the screening had found a SARA category in it.
- A report the screening marked (flagged, or sent as is for review) that staff pass on to a unit
  or accept is a negative: the office judged it clean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.vocabulary import Action

ABUSE_REASON = "abuse"
REJECTED = "rejected_abuse"
LET_THROUGH = "let_through"
PASSING = frozenset({Action.DISPOSE, Action.ACCEPT})


@dataclass(frozen=True, slots=True)
class Decision:
    """A label to keep for one report's text."""

    text: str
    sara: bool
    abusive: bool
    decision: str


def _marks(screening: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [
        mark
        for key, mark in (screening or {}).items()
        if key.startswith("screen_") and isinstance(mark, dict)
    ]


def label_text(title: str | None, description: str | None) -> str:
    """Return the report's own words as the model is trained on them."""
    return " ".join(part.strip() for part in (title, description) if part and part.strip())


def decision_label(
    action: Action,
    reason: str | None,
    title: str | None,
    description: str | None,
    screening: dict[str, Any] | None,
) -> Decision | None:
    """Return the label a staff action on a report gives, or None when it teaches nothing."""
    text = label_text(title, description)
    if not text:
        return None
    marks = _marks(screening)
    if action == Action.REJECT and reason == ABUSE_REASON:
        categories = {str(c) for mark in marks for c in mark.get("categories", [])}
        sara = any(c.startswith("sara_") for c in categories)
        return Decision(text, sara, True, REJECTED)
    screened = any(mark.get("outcome") in ("flag", "block") for mark in marks)
    if action in PASSING and screened:
        return Decision(text, False, False, LET_THROUGH)
    return None
