"""The screening lexicon: abusive and SARA words, the frames around them, supervisors' overrides.

The frames decide when a word is aimed at a person, is used plainly, or is quoted.

The base list is `lexicon_id.toml` beside this module (a data file, reviewed like code). Supervisors
adjust it without a release through `LexiconOverride` rows (kept in the database later), applied in
order on top of the base by `Lexicon.load`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast, get_args

from bot.domain.screening.normalize import Token, squeeze, tokenize, words

Category = Literal[
    "profanity",
    "insult",
    "sara_religion",
    "sara_ethnicity_race",
    "sara_group",
    "threat",
]
Severity = Literal["block", "flag"]
OverrideAction = Literal["add", "remove"]
CATEGORIES: tuple[str, ...] = get_args(Category)
SEVERITIES: tuple[str, ...] = get_args(Severity)
SARA_CATEGORIES = ("sara_religion", "sara_ethnicity_race", "sara_group")

BASE_PATH = Path(__file__).with_name("lexicon_id.toml")
# Suffixes a threat verb may carry and still be an order or a promise ("bunuhin", "bakarlah").
THREAT_SUFFIXES = frozenset({"in", "lah", "kan", "i"})


class LexiconError(ValueError):
    """The lexicon file or an override is invalid; the message names the term and the problem."""


@dataclass(frozen=True)
class Entry:
    """One term of the lexicon with the rules that say when it counts."""

    term: str
    category: Category
    severity: Severity
    variants: tuple[str, ...] = ()
    # Name of a context (see `Context`) in which the word is used plainly ("anjing liar").
    context: str | None = None
    # Counts only when aimed at someone ("dasar X", "X lu", "pejabat X").
    addressed_only: bool = False
    # A flag-level term becomes a block when aimed at someone.
    escalate: bool = False
    # May carry verb prefixes (di-, me-, nge-, ...); suffixes are accepted unless told otherwise.
    prefixes: bool = False
    suffixes: bool = True
    # "pejabat X" aims X at the official; off for words where that reads plainly ("petugas sampah").
    person_frame: bool = True
    # Mostly clean in real text when not aimed at anyone: its plain flag ("listed", "may be an
    # insult") is left to the learned model, which sees the word and its context and flags the
    # text only when they read as abuse. Aimed, quoted or next to a people, it counts as ever;
    # with the lexicon alone (no model) it flags as before.
    model_decides: bool = False
    # The office's own words for why it listed the term (profile override list), shown as the
    # reason instead of "listed".
    explanation: str | None = None

    @property
    def words(self) -> tuple[str, ...]:
        """Return the term as a sequence of words (one for most terms, more for phrases)."""
        return tuple(self.term.split())

    def forms(self) -> tuple[str, ...]:
        """Return the term and its variants."""
        return (self.term, *self.variants)


@dataclass(frozen=True)
class Context:
    """Words that, near a term, show it is used plainly (the animal, the machine)."""

    words: frozenset[str]
    # Words that show the plain sense only right next to the term ("babi mati", "rumah anjing").
    near: frozenset[str] = frozenset()
    # Words that make the whole text about the plain sense (rabies, ASF, peternakan).
    topic: frozenset[str] = frozenset()
    window: int = 4


@dataclass(frozen=True)
class Frames:
    """Word lists that tell insults, reported speech and threats apart."""

    insult_before: frozenset[str]
    pronouns_after: frozenset[str]
    persons: frozenset[str]
    speech_before: frozenset[str]
    speech_after: frozenset[str]
    first_person: frozenset[str]
    speech_window: int = 8
    # Reported speech only right before the term ("dengan", "seperti").
    speech_next: frozenset[str] = frozenset()
    # Words of reported speech that call someone a name or insult them (before, after the term).
    calling_before: frozenset[str] = frozenset()
    calling_after: frozenset[str] = frozenset()
    third_person: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Threats:
    """Violent verbs and what turns them into a threat against someone."""

    verbs: frozenset[str]
    strong: frozenset[str]
    targets: frozenset[str]
    worship: frozenset[str]
    second_person: frozenset[str]
    intent: frozenset[str]
    imperative_before: frozenset[str]
    imperative_after: frozenset[str]
    window: int = 4
    # A violent word without a target ("violent word" flag) is left to the learned model.
    model_decides: bool = False


@dataclass(frozen=True)
class Hostility:
    """Words that, near a people or a religion, make a SARA attack."""

    verbs: frozenset[str]
    passive: frozenset[str]
    modal: frozenset[str]
    words: frozenset[str]
    window: int = 4


@dataclass(frozen=True)
class LexiconOverride:
    """A supervisor's change to the base lexicon.

    `add` creates the term (category and severity required) or changes the category or severity of
    an existing one; `remove` drops a term, a variant of a term, or a word from the group lists.
    """

    term: str
    category: Category | None = None
    severity: Severity | None = None
    action: OverrideAction = "add"
    # Why the office lists the term: the reason staff and the citizen see instead of "listed".
    explanation: str | None = None

    def __post_init__(self) -> None:
        cleaned = normalize_term(self.term)
        if not cleaned:
            raise LexiconError(f"override {self.term!r}: the term has no letters")
        object.__setattr__(self, "term", cleaned)
        if self.action not in ("add", "remove"):
            raise LexiconError(f"override {self.term!r}: action must be add or remove")
        if self.category is not None and self.category not in CATEGORIES:
            raise LexiconError(
                f"override {self.term!r}: unknown category {self.category!r} "
                f"(one of {', '.join(CATEGORIES)})"
            )
        if self.severity is not None and self.severity not in SEVERITIES:
            raise LexiconError(f"override {self.term!r}: severity must be block or flag")


@dataclass(frozen=True)
class WordMatch:
    """A lexicon entry found at a token."""

    entry: Entry
    prefix: str = ""
    suffixes: tuple[str, ...] = ()


def normalize_term(term: str) -> str:
    """Return a term as the lexicon stores it: lowercase words separated by one space."""
    return " ".join(t.text for t in words(tokenize(term)))


def _words(value: Any, where: str) -> frozenset[str]:
    """Read a list of words from the TOML, normalised."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{where}: expected a list of words")
    return frozenset(normalize_term(v) for v in value if normalize_term(v))


@dataclass(frozen=True)
class Lexicon:
    """The terms, contexts and frames the screen works with."""

    entries: Mapping[str, Entry]
    contexts: Mapping[str, Context]
    groups: Mapping[str, Category]
    # Group names that are also places, and the words that make them name a people.
    places: frozenset[str]
    markers: frozenset[str]
    frames: Frames
    threats: Threats
    hostility: Hostility
    # Words the office removed by override: hidden from the learned model too.
    cleared: frozenset[str] = frozenset()
    _index: dict[str, list[Entry]] = field(default_factory=dict, repr=False, compare=False)
    _phrases: dict[str, list[tuple[Entry, tuple[str, ...]]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for entry in self.entries.values():
            if entry.context is not None and entry.context not in self.contexts:
                raise LexiconError(f"term {entry.term!r}: unknown context {entry.context!r}")
            for form in entry.forms():
                parts = tuple(form.split())
                if len(parts) > 1:
                    self._phrases.setdefault(parts[0], []).append((entry, parts))
                    continue
                for key in {form, squeeze(form)}:
                    if len(key) >= 3:
                        self._index.setdefault(key, []).append(entry)

    # -- loading ---------------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        base_path: Path | str | None = None,
        overrides: Iterable[LexiconOverride] = (),
    ) -> Lexicon:
        """Read the base lexicon (the bundled one by default) and apply `overrides` in order."""
        path = Path(base_path) if base_path is not None else BASE_PATH
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise LexiconError(f"{path}: {exc}") from exc
        try:
            lexicon = cls._from_data(data)
        except LexiconError as exc:
            raise LexiconError(f"{path}: {exc}") from exc
        overrides = tuple(overrides)
        return lexicon.with_overrides(overrides) if overrides else lexicon

    @classmethod
    def _from_data(cls, data: dict[str, Any]) -> Lexicon:
        frames = data.get("frames", {})
        threat = data.get("threat", {})
        hostility = data.get("hostility", {})
        contexts: dict[str, Context] = {}
        for name, ctx in data.get("contexts", {}).items():
            contexts[name] = Context(
                words=_words(ctx.get("words", []), f"contexts.{name}.words"),
                near=_words(ctx.get("near", []), f"contexts.{name}.near"),
                topic=_words(ctx.get("topic", []), f"contexts.{name}.topic"),
                window=int(ctx.get("window", 4)),
            )
        groups: dict[str, Category] = {}
        raw_groups = dict(data.get("groups", {}))
        places = _words(raw_groups.pop("places", []), "groups.places")
        markers = _words(raw_groups.pop("markers", []), "groups.markers")
        for category, names in raw_groups.items():
            if category not in SARA_CATEGORIES:
                raise LexiconError(f"groups.{category}: not a SARA category")
            for word in _words(names, f"groups.{category}"):
                groups[word] = cast(Category, category)
        entries: dict[str, Entry] = {}
        for raw in data.get("terms", []):
            entry = _entry(raw)
            if entry.term in entries:
                raise LexiconError(f"term {entry.term!r} is listed twice")
            entries[entry.term] = entry
        second_person = _words(frames.get("second_person", []), "frames.second_person")
        return cls(
            entries=entries,
            contexts=contexts,
            groups=groups,
            places=places,
            markers=markers,
            frames=Frames(
                insult_before=_words(frames.get("insult_before", []), "frames.insult_before"),
                pronouns_after=second_person,
                persons=_words(frames.get("persons", []), "frames.persons"),
                speech_before=_words(frames.get("speech_before", []), "frames.speech_before"),
                speech_after=_words(frames.get("speech_after", []), "frames.speech_after"),
                first_person=_words(frames.get("first_person", []), "frames.first_person"),
                speech_window=int(frames.get("speech_window", 8)),
                speech_next=_words(frames.get("speech_next", []), "frames.speech_next"),
                calling_before=_words(frames.get("calling_before", []), "frames.calling_before"),
                calling_after=_words(frames.get("calling_after", []), "frames.calling_after"),
                third_person=_words(frames.get("third_person", []), "frames.third_person"),
            ),
            threats=Threats(
                verbs=_words(threat.get("verbs", []), "threat.verbs"),
                strong=_words(threat.get("strong", []), "threat.strong"),
                targets=_words(threat.get("targets", []), "threat.targets"),
                worship=_words(threat.get("worship", []), "threat.worship"),
                second_person=second_person,
                intent=_words(threat.get("intent", []), "threat.intent"),
                imperative_before=_words(
                    threat.get("imperative_before", []), "threat.imperative_before"
                ),
                imperative_after=_words(
                    threat.get("imperative_after", []), "threat.imperative_after"
                ),
                window=int(threat.get("window", 4)),
                model_decides=bool(threat.get("model_decides", False)),
            ),
            hostility=Hostility(
                verbs=_words(hostility.get("verbs", []), "hostility.verbs"),
                passive=_words(hostility.get("passive", []), "hostility.passive"),
                modal=_words(hostility.get("modal", []), "hostility.modal"),
                words=_words(hostility.get("words", []), "hostility.words"),
                window=int(hostility.get("window", 4)),
            ),
        )

    def with_overrides(self, overrides: Iterable[LexiconOverride]) -> Lexicon:
        """Return a copy of this lexicon with `overrides` applied in order."""
        entries = dict(self.entries)
        groups = dict(self.groups)
        cleared = set(self.cleared)
        for override in overrides:
            term = override.term
            owner = next((e for e in entries.values() if term in e.variants), None)
            if override.action == "remove":
                cleared.add(term)
                entries.pop(term, None)
                groups.pop(term, None)
                if owner is not None:
                    entries[owner.term] = replace(
                        owner, variants=tuple(v for v in owner.variants if v != term)
                    )
                continue
            cleared.discard(term)
            existing = entries.get(term)
            if existing is not None:
                entries[term] = replace(
                    existing,
                    category=override.category or existing.category,
                    severity=override.severity or existing.severity,
                    explanation=override.explanation or existing.explanation,
                    model_decides=existing.model_decides and not override.explanation,
                )
                continue
            if override.category is None or override.severity is None:
                raise LexiconError(f"override {term!r}: a new term needs a category and a severity")
            if owner is not None:
                entries[owner.term] = replace(
                    owner, variants=tuple(v for v in owner.variants if v != term)
                )
            entries[term] = Entry(
                term, override.category, override.severity, explanation=override.explanation
            )
        return Lexicon(
            entries=entries,
            contexts=self.contexts,
            groups=groups,
            places=self.places,
            markers=self.markers,
            frames=self.frames,
            threats=self.threats,
            hostility=self.hostility,
            cleared=frozenset(cleared),
        )

    # -- lookup ----------------------------------------------------------------------------------

    def lookup(self, token: Token) -> WordMatch | None:
        """Return the single-word entry `token` stands for, with the affixes it carried."""
        if token.wildcard:
            return self._lookup_wildcard(token)
        for reading in token.stems():
            for entry in self._index.get(reading.stem, ()):
                if reading.prefix and not entry.prefixes:
                    continue
                if reading.suffixes and not entry.suffixes:
                    continue
                return WordMatch(entry, reading.prefix, reading.suffixes)
        return None

    def _lookup_wildcard(self, token: Token) -> WordMatch | None:
        """Match a word with stars for hidden letters ("anj*ng", "b*bi") against whole forms."""
        shown = token.text.replace("*", "")
        if len(shown) < 3 or not token.text[0].isalpha():
            return None
        pattern = re.compile(
            "".join("[a-z]{1,3}" if c == "*" else re.escape(c) for c in token.text)
        )
        for entry in self.entries.values():
            if any(pattern.fullmatch(form) for form in entry.forms() if " " not in form):
                return WordMatch(entry)
        return None

    def phrases_at(self, token: Token) -> list[tuple[Entry, tuple[str, ...]]]:
        """Return (entry, words) for the phrases whose first word `token` may be."""
        out: list[tuple[Entry, tuple[str, ...]]] = []
        for form in token.bare():
            out.extend(self._phrases.get(form, ()))
        return out

    def group_of(self, token: Token) -> Category | None:
        """Return the SARA category when `token` names a religion, a people or a group."""
        for form in token.bare():
            if form in self.groups:
                return self.groups[form]
        return None

    def threat_verb(self, token: Token) -> tuple[str, str] | None:
        """Return (verb, prefix) when `token` is a violent verb in an order or a promise form."""
        for reading in token.stems():
            if reading.stem not in self.threats.verbs:
                continue
            if reading.prefix not in ("", "ku", "di"):
                continue
            if not set(reading.suffixes) <= THREAT_SUFFIXES:
                continue
            return reading.stem, reading.prefix
        return None


def _entry(raw: dict[str, Any]) -> Entry:
    """Build one entry from its TOML table."""
    term = normalize_term(str(raw.get("term", "")))
    if not term:
        raise LexiconError(f"a term without letters: {raw!r}")
    category = raw.get("category")
    if category not in CATEGORIES:
        raise LexiconError(f"term {term!r}: unknown category {category!r}")
    severity = raw.get("severity")
    if severity not in SEVERITIES:
        raise LexiconError(f"term {term!r}: severity must be block or flag")
    known = {
        "term",
        "category",
        "severity",
        "variants",
        "context",
        "addressed_only",
        "escalate",
        "prefixes",
        "suffixes",
        "person_frame",
        "model_decides",
    }
    unknown = set(raw) - known
    if unknown:
        raise LexiconError(f"term {term!r}: unknown keys {', '.join(sorted(unknown))}")
    variants = tuple(sorted(_words(raw.get("variants", []), f"term {term!r} variants") - {term}))
    return Entry(
        term=term,
        category=cast(Category, category),
        severity=cast(Severity, severity),
        variants=variants,
        context=raw.get("context"),
        addressed_only=bool(raw.get("addressed_only", False)),
        escalate=bool(raw.get("escalate", False)),
        prefixes=bool(raw.get("prefixes", False)),
        suffixes=bool(raw.get("suffixes", True)),
        person_frame=bool(raw.get("person_frame", True)),
        model_decides=bool(raw.get("model_decides", False)),
    )


@cache
def default_lexicon() -> Lexicon:
    """Return the bundled lexicon without overrides (read once)."""
    return Lexicon.load()
