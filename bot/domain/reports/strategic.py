"""Strategic issues: the categories, places and words that rise against the previous weeks.

Seed 001 asks for a daily "laporan harian isu strategis pengaduan". An issue rises when the day
counts it at least `MIN_COUNT` times and more than `FACTOR` times what the previous weeks would
lead one to expect for one day (their count scaled to one day, at least `FLOOR`).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

MIN_COUNT = 2
FACTOR = 2.0
FLOOR = 0.5  # a word never seen before still needs MIN_COUNT, not one mention
TOP = 10

# Words that say nothing about the issue (Indonesian function words, common report words).
STOPWORDS = frozenset(
    """
    yang dan di ke dari untuk pada dengan ini itu tidak ada sudah belum akan dalam oleh karena
    atau juga saya kami kita mereka para sangat agar bisa dapat lagi masih hanya saat sejak tanpa
    bagi kepada tentang sebagai setiap hari jam kel kec desa jalan jl kota kab kabupaten provinsi
    laporan lapor mohon tolong warga masyarakat pak bu bapak ibu the and of
    """.split()  # noqa: SIM905 -- a word list reads better as text
)
_WORD = re.compile(r"[a-zà-ÿ0-9]+")


class IssueKind(StrEnum):
    """What a rising issue is."""

    CATEGORY = "category"
    PLACE = "place"
    WORD = "word"


@dataclass(frozen=True, slots=True)
class Issue:
    """A term that rose: how often today, and how often a day in the previous weeks."""

    kind: IssueKind
    term: str
    count: int
    expected: float


def words(text: str | None) -> list[str]:
    """Return a text's meaningful words and two-word phrases, each once."""
    tokens = [w for w in _WORD.findall((text or "").lower()) if len(w) > 2 and w not in STOPWORDS]
    phrases = [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
    return list(dict.fromkeys(tokens + phrases))


@dataclass
class Terms:
    """Counts of a span's terms, one per report at most."""

    counts: dict[IssueKind, Counter[str]]

    @classmethod
    def empty(cls) -> Terms:
        """Return counts with nothing counted."""
        return cls({kind: Counter() for kind in IssueKind})

    def add(self, category: str | None, place: str | None, title: str, description: str) -> None:
        """Count one report's category, place words and title/description words."""
        if category:
            self.counts[IssueKind.CATEGORY][category] += 1
        self.counts[IssueKind.PLACE].update(w for w in words(place) if " " not in w)
        self.counts[IssueKind.WORD].update(words(f"{title} {description}"))


def rising(today: Terms, before: Terms, days_before: int) -> list[Issue]:
    """Return the terms that rose today, the strongest first, at most TOP of each kind."""
    found: list[Issue] = []
    for kind in IssueKind:
        issues = []
        for term, count in today.counts[kind].items():
            expected = before.counts[kind][term] / max(days_before, 1)
            if count >= MIN_COUNT and count > FACTOR * max(expected, FLOOR):
                issues.append(Issue(kind, term, count, round(expected, 1)))
        issues.sort(key=lambda i: (-(i.count / max(i.expected, FLOOR)), -i.count, i.term))
        found += _without_parts(issues)[:TOP]
    return found


def _without_parts(issues: Iterable[Issue]) -> list[Issue]:
    """Drop a phrase whose words each rose at least as often on their own (it adds nothing)."""
    issues = list(issues)
    single = {i.term: i.count for i in issues if " " not in i.term}
    return [
        i
        for i in issues
        if " " not in i.term or not all(single.get(w, 0) >= i.count for w in i.term.split())
    ]
