"""The office's own screening words (a profile's `[screening]` word list) on top of the lexicon."""

from __future__ import annotations

from functools import lru_cache

from bot.domain.profile.schema import Profile, Screening
from bot.domain.screening.lexicon import Lexicon, LexiconOverride, default_lexicon


def office_overrides(screening: Screening) -> tuple[LexiconOverride, ...]:
    """Return the office's word list as lexicon overrides: removals first, then additions."""
    removed = tuple(LexiconOverride(term, action="remove") for term in screening.remove)
    added = tuple(
        LexiconOverride(
            word.term,
            word.category,
            word.severity,
            explanation=word.explanation,
        )
        for word in screening.add
    )
    return removed + added


@lru_cache(maxsize=16)
def _with(overrides: tuple[LexiconOverride, ...]) -> Lexicon:
    return default_lexicon().with_overrides(overrides)


def office_lexicon(profile: Profile | None) -> Lexicon:
    """Return the lexicon the office screens with: the bundled one and the profile's words."""
    if profile is None:
        return default_lexicon()
    overrides = office_overrides(profile.screening)
    return _with(overrides) if overrides else default_lexicon()
