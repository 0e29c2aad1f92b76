"""Gentle hints at the description step: outside the office's remit, shouted, or very brief.

Hints never block and never judge the citizen's language; the conversation goes on whatever they
say. The remit phrases live in `relevance_id.toml` beside this module; `load_rules` takes a second
file whose lists replace the base ones, so that a profile can tune them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.domain.screening.duplicates import fold
from bot.domain.screening.screen import HINT_SHOUTING, HINT_TOO_SHORT, hints

BASE_PATH = Path(__file__).with_name("relevance_id.toml")
REMIT_KINDS = ("criminal", "court", "private")
PUBLIC_SERVICE = "public_service"


@dataclass(frozen=True, slots=True)
class RelevanceRules:
    """Phrases (as word tuples) per remit kind, the public-service phrases, the brevity line."""

    remit: dict[str, tuple[tuple[str, ...], ...]]
    public_service: tuple[tuple[str, ...], ...]
    short_words: int


def _phrases(values: Any, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{where}: phrases must be a list of non-empty strings")
    return tuple(tuple(fold(v).split()) for v in values)


def load_rules(path: Path = BASE_PATH, override: Path | None = None) -> RelevanceRules:
    """Load the remit phrases; lists in `override` replace the base file's."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    if override is not None:
        with override.open("rb") as handle:
            extra = tomllib.load(handle)
        for section in ("remit", "language"):
            data.setdefault(section, {}).update(extra.get(section, {}))
    remit = data.get("remit", {})
    where = str(override or path)
    return RelevanceRules(
        remit={
            kind: _phrases(remit.get(kind, {}).get("phrases", []), f"{where}: remit.{kind}")
            for kind in REMIT_KINDS
        },
        public_service=_phrases(
            remit.get(PUBLIC_SERVICE, {}).get("phrases", []), f"{where}: remit.{PUBLIC_SERVICE}"
        ),
        short_words=int(data.get("language", {}).get("short_words", 0)),
    )


@cache
def default_rules() -> RelevanceRules:
    """Return the base rules (read once)."""
    return load_rules()


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(words[i : i + size]) == phrase for i in range(len(words) - size + 1))


def remit_hints(text: str, rules: RelevanceRules | None = None) -> list[str]:
    """Return the remit kinds a text looks like (criminal, court, private), none if public."""
    rules = rules or default_rules()
    words = "".join(c if c.isalnum() else " " for c in fold(text)).split()
    if any(_contains(words, p) for p in rules.public_service):
        return []
    return [kind for kind in REMIT_KINDS if any(_contains(words, p) for p in rules.remit[kind])]


def description_hints(
    title: str, description: str, rules: RelevanceRules | None = None
) -> list[str]:
    """Return every hint for a report's text: remit kinds, then shouting and brevity."""
    rules = rules or default_rules()
    found = remit_hints(f"{title}. {description}", rules)
    language = hints(f"{title}. {description}")
    if HINT_SHOUTING in language:
        found.append(HINT_SHOUTING)
    if HINT_TOO_SHORT in hints(description) or len(description.split()) < rules.short_words:
        found.append(HINT_TOO_SHORT)
    return found
