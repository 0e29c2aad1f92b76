"""When two complaints read alike: search words from a citizen's text, and a rapidfuzz score.

bot/services/duplicates.py asks the repository for candidates through its index (FTS5 ranked by
bm25, and a bounding box on the location index) and keeps the ones alike enough to offer.

Rules, in the words a citizen would use: a report counts as the same problem when it is still
being handled, is in the same category, was filed by someone else, is not `rahasia`, reads alike,
and, when both reports carry a map pin, lies within `NEARBY_METRES`. A pin close by makes a
looser likeness enough (two people rarely word the same pothole the same way).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path

from rapidfuzz import fuzz

STOPWORDS_PATH = Path(__file__).with_name("stopwords_id.txt")
MIN_WORD = 3
MAX_WORDS = 24  # search words taken from one text (title first)
NEARBY_METRES = 300
SIMILAR = 65.0  # rapidfuzz score (0-100) from which a report is offered
SIMILAR_NEARBY = 45.0  # ... when both reports are pinned within NEARBY_METRES
CANDIDATES = 20  # read from the index before re-scoring
OFFERED = 3  # offered to the citizen at most
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An open report of someone else that may be about the same problem."""

    id: int
    number: str
    title: str
    stage: str
    submitted_at: datetime
    score: float
    nearby: bool


@cache
def stopwords(path: Path = STOPWORDS_PATH) -> frozenset[str]:
    """Return the words left out of the search (one a line; '#' starts a comment)."""
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip().lower()
        if word:
            words.add(word)
    return frozenset(words)


def fold(text: str) -> str:
    """Return text in lower case without diacritics, as the search index stores it."""
    if text.isascii():  # most complaints: nothing to decompose (the same result, ~40x faster)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def content_words(text: str) -> list[str]:
    """Return the words that tell complaints apart: no stop words, no numbers, no short words."""
    common = stopwords()
    return [
        w
        for w in _WORD.findall(fold(text))
        if len(w) >= MIN_WORD and not w.isdigit() and w not in common
    ]


def search_terms(title: str, description: str) -> list[str]:
    """Return the distinct words to look for, title first."""
    return list(dict.fromkeys(content_words(f"{title} {description}")))[:MAX_WORDS]


@lru_cache(maxsize=1024)
def _joined_words(text: str) -> str:
    # A check scores one draft against up to CANDIDATES reports, and the open reports come back
    # check after check: each text's words are found once.
    return " ".join(content_words(text))


def likeness(a: str, b: str) -> float:
    """Return how alike two complaints read, 0-100, on their content words.

    The mean of rapidfuzz's token-set ratio (one text's words inside the other's) and token-sort
    ratio (the whole texts): the first forgives a longer retelling, the second keeps two texts
    that share only a place name apart.
    """
    left, right = _joined_words(a), _joined_words(b)
    if not left or not right:
        return 0.0
    return (fuzz.token_set_ratio(left, right) + fuzz.token_sort_ratio(left, right)) / 2
