"""Other reporters' open reports that look like the one being written (issue 6).

The repository finds candidates through an index (storage/repo/search.py: FTS5 ranked by bm25,
and a bounding box on the location index); this module turns the citizen's text into search
words, re-scores each candidate with rapidfuzz, and keeps the ones alike enough to offer.

Rules, in the words a citizen would use: a report counts as the same problem when it is still
being handled, is in the same category, was filed by someone else, is not `rahasia`, reads alike,
and, when both reports carry a map pin, lies within `NEARBY_METRES`. A pin close by makes a
looser likeness enough (two people rarely word the same pothole the same way).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz

from storage.repo.search import BoundingBox, SearchHit, SearchRepo

STOPWORDS_PATH = Path(__file__).with_name("stopwords_id.txt")
MIN_WORD = 3
MAX_WORDS = 24  # search words taken from one text (title first)
NEARBY_METRES = 300
SIMILAR = 65.0  # rapidfuzz score (0-100) from which a report is offered
SIMILAR_NEARBY = 45.0  # ... when both reports are pinned within NEARBY_METRES
CANDIDATES = 20  # read from the index before re-scoring
OFFERED = 3  # offered to the citizen at most
_METRES_PER_DEGREE = 111_320.0
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


def likeness(a: str, b: str) -> float:
    """Return how alike two complaints read, 0-100, on their content words.

    The mean of rapidfuzz's token-set ratio (one text's words inside the other's) and token-sort
    ratio (the whole texts): the first forgives a longer retelling, the second keeps two texts
    that share only a place name apart.
    """
    left, right = " ".join(content_words(a)), " ".join(content_words(b))
    if not left or not right:
        return 0.0
    return (fuzz.token_set_ratio(left, right) + fuzz.token_sort_ratio(left, right)) / 2


def bounding_box(latitude: float, longitude: float, metres: float = NEARBY_METRES) -> BoundingBox:
    """Return the box of about `metres` around a point."""
    dlat = metres / _METRES_PER_DEGREE
    dlon = metres / (_METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    return BoundingBox(latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon)


def _inside(hit: SearchHit, box: BoundingBox | None) -> bool:
    if box is None or hit.latitude is None or hit.longitude is None:
        return False
    return box.south <= hit.latitude <= box.north and box.west <= hit.longitude <= box.east


async def find_duplicates(
    repo: SearchRepo,
    *,
    title: str,
    description: str,
    category: str | None,
    latitude: float | None = None,
    longitude: float | None = None,
    exclude_reporter_id: int | None = None,
    limit: int = OFFERED,
) -> list[Duplicate]:
    """Return other reporters' open reports alike enough to offer, most alike first."""
    box = None
    if latitude is not None and longitude is not None:
        box = bounding_box(latitude, longitude)
    hits = await repo.search_open_reports(
        search_terms(title, description),
        category=category,
        box=box,
        exclude_reporter_id=exclude_reporter_id,
        limit=CANDIDATES,
    )
    if box is not None:
        hits += await repo.nearby_open_reports(
            box, category=category, exclude_reporter_id=exclude_reporter_id
        )
    text = f"{title} {description}"
    found: dict[int, Duplicate] = {}
    for hit in hits:
        if hit.id in found:
            continue
        near = _inside(hit, box)
        score = likeness(text, f"{hit.title} {hit.description}")
        if score >= (SIMILAR_NEARBY if near else SIMILAR):
            found[hit.id] = Duplicate(
                hit.id, hit.number, hit.title, hit.stage, hit.submitted_at, score, near
            )
    ranked = sorted(found.values(), key=lambda d: (d.nearby, d.score), reverse=True)
    return ranked[:limit]
