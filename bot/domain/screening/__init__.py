"""Screening a report before it is filed: abuse, hate speech, SARA and threats (issue 6)."""

from bot.domain.screening.lexicon import (
    Category,
    Lexicon,
    LexiconError,
    LexiconOverride,
    Severity,
    default_lexicon,
)
from bot.domain.screening.screen import (
    HINT_SHOUTING,
    HINT_TOO_SHORT,
    Hit,
    Outcome,
    Verdict,
    hints,
    mask,
    screen,
)

__all__ = [
    "HINT_SHOUTING",
    "HINT_TOO_SHORT",
    "Category",
    "Hit",
    "Lexicon",
    "LexiconError",
    "LexiconOverride",
    "Outcome",
    "Severity",
    "Verdict",
    "default_lexicon",
    "hints",
    "mask",
    "screen",
]
