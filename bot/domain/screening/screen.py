"""Screen a complaint before it is filed: abuse, hate speech and SARA (seed 004, point 3).

`screen(text)` returns a `Verdict`:

- `ok`: nothing found (or only words used plainly: "gigitan anjing", "peternakan babi");
- `flag`: let through, marked on the staff card (mild swearing, a word that may be an insult,
  an insult the complaint quotes: "petugas itu memaki saya 'anjing'");
- `block`: the citizen is shown the words and asked to rephrase, or sends it as it is for staff
  review (insults aimed at people, strong profanity, SARA attacks, threats).

Being angry, writing in capitals or informally is never a reason: only the words are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from bot.domain.screening.learned import (
    LABEL_CATEGORY,
    Model,
    default_model,
    model_words,
    sara_markers,
)
from bot.domain.screening.lexicon import Category, Entry, Lexicon, WordMatch, default_lexicon
from bot.domain.screening.normalize import Token, tokenize, words

Outcome = Literal["ok", "flag", "block"]
_RANK: dict[str, int] = {"ok": 0, "flag": 1, "block": 2}

HINT_SHOUTING = "shouting"
HINT_TOO_SHORT = "too_short"
SHOUTING_MIN_LETTERS = 20
SHOUTING_RATIO = 0.7
TOO_SHORT_WORDS = 5
TOO_SHORT_CHARS = 25

# Quoted passages in straight or curly, double or single quotes, and guillemets
# (an apostrophe inside a word is not a quote).
_QUOTES = (
    re.compile(r"[\"“”„«»]([^\"“”„«»\n]{1,300})[\"“”„«»]"),
    re.compile(r"(?<!\w)['\u2018`]([^'\u2019`\n]{1,300})['\u2019`](?!\w)"),
)
# Words between a hostile verb and the people it names ("usir saja semua orang X").
_FILLERS = frozenset(
    {
        "saja", "aja", "semua", "para", "itu", "ini", "yang", "dari", "sini", "si", "sekalian",
        "memang", "emang", "pada", "tuh", "nih", "sih", "kok", "ya",
    }
)  # fmt: skip
# Words between a person and the insult aimed at them ("guru itu bego").
_POINTERS = frozenset({"itu", "ini", "tuh", "nih", "tersebut", "nya"})


@dataclass(frozen=True)
class Hit:
    """One finding: which term, what it counts as, and where it was written."""

    term: str
    category: Category
    outcome: Outcome
    span: tuple[int, int]
    reason: str


@dataclass(frozen=True)
class Verdict:
    """What the screen decided about a text, with the words that made it decide."""

    outcome: Outcome
    categories: tuple[str, ...]
    terms: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    reasons: tuple[str, ...]
    hits: tuple[Hit, ...] = ()

    @property
    def blocked_spans(self) -> tuple[tuple[int, int], ...]:
        """Return the places of the words that made the text a block (to show the citizen)."""
        return tuple(sorted({h.span for h in self.hits if h.outcome == "block"}))


OK = Verdict("ok", (), (), (), ())
_NOTHING: frozenset[str] = frozenset()


class _Text:
    """A text cut into words, with what the screen needs to know about each place."""

    def __init__(self, text: str, lexicon: Lexicon) -> None:
        self.text = text
        self.lex = lexicon
        tokens = tokenize(text)
        self.words = words(tokens)
        seq: list[Token] = []
        for token in self.words:
            if token.parts and lexicon.lookup(token) is None:
                seq.extend(tokens[p] for p in token.parts)
            else:
                seq.append(token)
        self.seq = seq
        self.bare = [t.bare() for t in seq]
        self.all_words: set[str] = set().union(*self.bare) if self.bare else set()
        self.quoted = [
            (m.start(1), m.end(1)) for pattern in _QUOTES for m in pattern.finditer(text)
        ]

    def at(self, i: int, sentence: int) -> frozenset[str]:
        """Return the word forms at position `i` when it is in `sentence`, else nothing."""
        if 0 <= i < len(self.seq) and self.seq[i].sentence == sentence:
            return self.bare[i]
        return _NOTHING

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Return the original characters of positions i..j-1."""
        return self.seq[i].start, self.seq[j - 1].end

    def joined(self, a: int, b: int) -> bool:
        """Tell whether positions a and b are written as one phrase (only spaces between)."""
        if not (0 <= a < len(self.seq) and 0 <= b < len(self.seq)):
            return False
        return not self.text[self.seq[a].end : self.seq[b].start].strip()

    def opens_quote(self, i: int) -> bool:
        """Tell whether position `i` is the first word inside a quoted passage."""
        start = self.seq[i].start
        return any(qs <= start < qe and not self.text[qs:start].strip() for qs, qe in self.quoted)

    def is_people(self, i: int, sentence: int) -> Category | None:
        """Return the SARA category when position `i` names a people, religion or group."""
        if not (0 <= i < len(self.seq)) or self.seq[i].sentence != sentence:
            return None
        category = self.lex.group_of(self.seq[i])
        if category is None:
            return None
        if self.bare[i] & self.lex.places and not self.at(i - 1, sentence) & self.lex.markers:
            return None
        return category

    def reported(self, i: int, j: int) -> bool:
        """Tell whether positions i..j-1 are quoted or reported speech, not the writer's own."""
        start, end = self.span(i, j)
        if any(qs <= start and end <= qe for qs, qe in self.quoted):
            return True
        return self.spoken(i, j)

    def spoken(self, i: int, j: int) -> bool:
        """Tell whether a verb of speech frames positions i..j-1 ("dimaki X", "X katanya")."""
        frames = self.lex.frames
        sentence = self.seq[i].sentence
        for k in range(i - 1, max(-1, i - 1 - frames.speech_window), -1):
            here = self.at(k, sentence)
            if not here:
                break
            framing = here & frames.speech_before
            if k == i - 1:
                framing |= here & frames.speech_next
            if framing:
                speaker = self.at(k - 1, sentence) | self.at(k - 2, sentence)
                active = not any(w.startswith("di") for w in framing)
                return not (active and speaker & frames.first_person)
        return any(self.at(k, sentence) & frames.speech_after for k in range(j, j + 3))

    def called(self, i: int, j: int) -> bool:
        """Tell whether someone is called the words at i..j-1, not only talked about.

        A verb of calling names or insulting frames them ("dihina dengan sebutan kafir"), or a
        verb of saying with the person right before them ("bilang kami kafir").
        """
        frames = self.lex.frames
        sentence = self.seq[i].sentence
        people = frames.first_person | frames.pronouns_after | frames.persons | frames.third_person
        for k in range(i - 1, max(-1, i - 1 - frames.speech_window), -1):
            here = self.at(k, sentence)
            if not here:
                break
            if here & frames.calling_before:
                return True
            if k == i - 1 and here & people:
                before = self.at(k - 1, sentence) | self.at(k - 2, sentence)
                if before & frames.speech_before:
                    return True
        return any(self.at(k, sentence) & frames.calling_after for k in range(j, j + 3))


def screen(
    text: str,
    *,
    lexicon: Lexicon | None = None,
    model: Model | None = None,
    learned: bool = True,
) -> Verdict:
    """Screen `text` with the lexicon, then with the learned model for what the lexicon missed.

    The lexicon decides blocks (certain cases) and explains itself; the model flags a text the
    lexicon let through, naming the words that drove its score, and clears a mild lexicon flag
    (a listed word that may be an insult, not aimed at anyone) that it scores far below every
    label's positives. Words the lexicon knows and
    judged plain in their context ("peternakan babi"), and words the office removed by override,
    are hidden from the model, so it cannot flag them back. Terms marked `model_decides` that
    stand plainly in the text (not aimed, quoted or next to a people) are left to the model.
    """
    lex = lexicon or default_lexicon()
    model = (model or default_model()) if learned else None
    if model is None:
        return _lexicon_pass(text, lex)[0]
    verdict, doc, known = _lexicon_pass(text, lex, defer=True)
    if verdict.outcome == "block":
        return verdict
    if verdict.outcome == "flag":
        return OK if _mild(doc, verdict) and _clears(doc, model) else verdict
    hits = list(verdict.hits)
    for hit in _learned_hits(doc, known, model):
        if not any(h.span == hit.span for h in hits):
            hits.append(hit)
    return _verdict(hits) if len(hits) != len(verdict.hits) else verdict


def _mild(doc: _Text, verdict: Verdict) -> bool:
    """Tell whether every hit is a listed word that may be an insult, not aimed or reported."""
    starts = {t.start: i for i, t in enumerate(doc.seq)}
    for hit in verdict.hits:
        position = starts.get(hit.span[0])
        if (
            hit.outcome != "flag"
            or hit.category not in ("insult", "profanity")
            or not hit.reason.endswith((": listed", ": may be an insult"))
            or position is None
            or doc.reported(position, position + 1)
        ):
            return False
    return True


def _clears(doc: _Text, model: Model) -> bool:
    """Tell whether the model scores the whole text below every label's `clear` threshold."""
    if not model.clear_at:
        return False
    extra = _markers(doc) if model.markers else None
    scores = model.score_words(*model_words(doc.words), explain=0, extra=extra).scores
    return all(scores[label] < model.clear_at.get(label, 0.0) for label in model.labels)


def _markers(doc: _Text) -> list[str]:
    """Return the SARA marker words of the text, leaving out the words the office removed."""
    cleared = doc.lex.cleared
    return sara_markers([t for t in doc.words if not t.bare() & cleared] if cleared else doc.words)


def _visible(doc: _Text, known: set[int]) -> tuple[list[str], list[tuple[int, int]]]:
    """Return the words the model may read (with their places).

    Not the lexicon's known terms (but the names of peoples and religions), not words the office
    removed, not the words of contempt the SARA rules judge.
    """
    lex = doc.lex
    hidden_words = lex.cleared | lex.hostility.words
    # A people or a religion named plainly ("cina" not aimed at anyone) stays visible: it is
    # what the model's SARA label reads, and naming one is never a reason on its own.
    hidden = [
        (t.start, t.end)
        for i, t in enumerate(doc.seq)
        if (i in known and lex.group_of(t) is None) or doc.bare[i] & hidden_words
    ]
    return model_words(
        [t for t in doc.words if not any(s < t.end and t.start < e for s, e in hidden)]
    )


@dataclass(frozen=True)
class LearnedInputs:
    """What the combined screen gives the model for one text (threshold search, bench/)."""

    outcome: Outcome  # the lexicon's verdict with `model_decides` words deferred
    mild: bool  # a lexicon flag the model may clear (see `_mild`)
    visible: str  # the words the model scores when the lexicon found nothing, and markers
    whole: str  # every word, and markers (for `clear`)


def learned_inputs(text: str, lexicon: Lexicon | None = None) -> LearnedInputs:
    """Return what `screen` would give a model with SARA markers for `text`, as model texts."""
    verdict, doc, known = _lexicon_pass(text, lexicon or default_lexicon(), defer=True)
    markers = _markers(doc)
    visible = _visible(doc, known)[0] + markers
    whole = model_words(doc.words)[0] + markers
    mild = verdict.outcome == "flag" and _mild(doc, verdict)
    return LearnedInputs(verdict.outcome, mild, " ".join(visible), " ".join(whole))


def _learned_hits(doc: _Text, known: set[int], model: Model) -> list[Hit]:
    """Return a flag per word that drove a learned label over its flag threshold."""
    found, spans = _visible(doc, known)
    extra = _markers(doc) if model.markers else None
    scores = model.score_words(found, spans, extra=extra)
    hits: list[Hit] = []
    for label, drivers in scores.words.items():
        score = scores.scores[label]
        category = cast(Category, LABEL_CATEGORY[label])
        for word in drivers:
            reason = f"{word.word}: learned {label} {score:.2f}"
            hits.append(Hit(word.word, category, "flag", word.span, reason))
    return hits


def screen_lexicon(text: str, *, lexicon: Lexicon | None = None) -> Verdict:
    """Screen `text` for abuse, hate speech, SARA and threats with the lexicon alone."""
    return _lexicon_pass(text, lexicon or default_lexicon())[0]


def _lexicon_pass(
    text: str, lex: Lexicon, *, defer: bool = False
) -> tuple[Verdict, _Text, set[int]]:
    """Screen with the lexicon; return the verdict, the words, and where lexicon terms stood.

    With `defer`, the plain flags of `model_decides` terms (and of violent words when the threat
    rules say so) are dropped from the verdict and their words left visible to the model, unless
    reported speech frames them (`_framed`) or the SARA rules turned them into something more (an
    insult next to a people).
    """
    doc = _Text(text, lex)
    known: set[int] = set()
    hits: list[Hit] = []
    deferred: list[Hit] = []
    consumed: set[int] = set()
    for i, token in enumerate(doc.seq):
        if i in consumed:
            continue
        phrase = _phrase_at(doc, i)
        entry: Entry | None
        if phrase is not None:
            entry, length = phrase
            consumed.update(range(i, i + length))
            span = range(i, i + length)
            hit = _judge(doc, i, i + length, WordMatch(entry))
        else:
            match = lex.lookup(token)
            entry = match.entry if match is not None else None
            span = range(i, i + 1)
            hit = _judge(doc, i, i + 1, match) if match is not None else None
        if entry is None:
            continue
        if (
            hit is not None
            and defer
            and entry.model_decides
            and _plain_flag(hit)
            and not _framed(doc, span.start, span.stop, entry)
        ):
            deferred.append(hit)
        else:
            known.update(span)
        if hit is not None:
            hits.append(hit)
            consumed.add(i)
    threats = _threats(doc, consumed)
    if defer and lex.threats.model_decides:
        starts = {t.start: k for k, t in enumerate(doc.seq)}
        deferred += [
            h
            for h in threats
            if _plain_flag(h) and not doc.spoken(starts[h.span[0]], starts[h.span[0]] + 1)
        ]
    hits.extend(threats)
    hits = _sara(doc, hits)
    if deferred:
        # A deferred word stays when the same term counts elsewhere in the text ("pejabat
        # babi-babi": the second half is the same insult).
        dropped = [
            d for d in deferred if not any(h.term == d.term for h in hits if h not in deferred)
        ]
        hits = [h for h in hits if not any(h is d for d in dropped)]
    return _verdict(hits), doc, known


def _framed(doc: _Text, i: int, j: int, entry: Entry) -> bool:
    """Tell whether reported speech keeps the plain flag of a `model_decides` term at i..j-1.

    A SARA word only when someone was called it ("dihina dengan sebutan kafir"); in tweets a verb
    of saying mostly frames talk about the word ("yang bilang banyak aseng"), which the model
    judges better (issue 13).
    """
    if entry.category.startswith("sara_"):
        return doc.called(i, j)
    return doc.spoken(i, j)


# Reasons of a flag that only says the word is there (not aimed, not quoted, not next to a people).
_PLAIN_REASONS = ("listed", "may be an insult", "violent word")


def _plain_flag(hit: Hit) -> bool:
    """Tell whether a hit is a plain flag: the word is there, nothing aims it at anyone."""
    return hit.outcome == "flag" and hit.reason.endswith(tuple(f": {r}" for r in _PLAIN_REASONS))


def _phrase_at(doc: _Text, i: int) -> tuple[Entry, int] | None:
    """Return the longest phrase entry starting at position `i`, with its length in words."""
    best: tuple[Entry, int] | None = None
    sentence = doc.seq[i].sentence
    for entry, parts in doc.lex.phrases_at(doc.seq[i]):
        if all(parts[k] in doc.at(i + k, sentence) for k in range(1, len(parts))) and (
            best is None or len(parts) > best[1]
        ):
            best = (entry, len(parts))
    return best


def _aimed(doc: _Text, i: int, j: int, entry: Entry) -> str | None:
    """Return why the term at i..j-1 is aimed at a person, or None."""
    frames = doc.lex.frames
    sentence = doc.seq[i].sentence
    before = doc.at(i - 1, sentence)
    if before & frames.insult_before:
        return "aimed: " + sorted(before & frames.insult_before)[0]
    if not entry.person_frame:
        return None
    person = i - 1
    if before & _POINTERS and doc.at(i - 2, sentence) & frames.persons:
        person = i - 2
    here = doc.at(person, sentence)
    if here & frames.persons or (here and doc.lex.group_of(doc.seq[person]) is not None):
        return "aimed at a person"
    return None


def _neutral(doc: _Text, i: int, j: int, entry: Entry) -> bool:
    """Tell whether the words around i..j-1 show the plain sense ("anjing liar")."""
    if entry.context is None:
        return False
    context = doc.lex.contexts[entry.context]
    sentence = doc.seq[i].sentence
    for k in range(i - context.window, j + context.window):
        if i <= k < j:
            continue
        near = (k == i - 1 and doc.joined(k, i)) or (k == j and doc.joined(j - 1, j))
        if doc.at(k, sentence) & (context.words | context.near if near else context.words):
            return True
    return False


def _judge(doc: _Text, i: int, j: int, match: WordMatch) -> Hit | None:
    """Decide what the term at positions i..j-1 counts as, in its context."""
    entry = match.entry
    frames = doc.lex.frames
    sentence = doc.seq[i].sentence
    after = doc.at(j, sentence)
    aimed = _aimed(doc, i, j, entry)
    outcome: Outcome
    if entry.addressed_only:
        if aimed is None and after & frames.pronouns_after:
            aimed = "aimed: " + sorted(after & frames.pronouns_after)[0]
        if aimed is None:
            if not doc.reported(i, j):
                return None
            # "dia dikatain banci": the complaint reports the word used at someone.
            aimed = "reported insult"
        outcome, reason = entry.severity, aimed
    elif entry.context is not None:
        aimed_severity: Outcome = "block" if entry.escalate else entry.severity
        if aimed is not None and not aimed.startswith("aimed at"):
            outcome, reason = aimed_severity, aimed
        elif _neutral(doc, i, j, entry):
            return None
        elif aimed is not None:
            outcome, reason = aimed_severity, aimed
        elif after & frames.pronouns_after:
            outcome, reason = aimed_severity, "aimed: " + sorted(after & frames.pronouns_after)[0]
        elif entry.context in doc.lex.contexts and (
            doc.all_words & doc.lex.contexts[entry.context].topic
        ):
            return None
        else:
            outcome, reason = "flag", "may be an insult"
    else:
        outcome, reason = entry.severity, "listed"
        if aimed is None and after & frames.pronouns_after:
            aimed = "aimed: " + sorted(after & frames.pronouns_after)[0]
        if entry.escalate and aimed is not None:
            outcome, reason = "block", aimed
    if outcome == "block" and doc.reported(i, j):
        outcome, reason = "flag", "quoted or reported speech"
    if entry.explanation and reason == "listed":
        reason = entry.explanation
    return Hit(entry.term, entry.category, outcome, doc.span(i, j), f"{entry.term}: {reason}")


def _next_content(doc: _Text, j: int, sentence: int, count: int) -> list[int]:
    """Return up to `count` positions after j, skipping "saja", "aja" and the like."""
    out: list[int] = []
    k = j
    skip = doc.lex.threats.imperative_after | _FILLERS
    while len(out) < count and k < len(doc.seq) and doc.seq[k].sentence == sentence:
        if not doc.bare[k] & skip:
            out.append(k)
        k += 1
    return out


def _threats(doc: _Text, consumed: set[int]) -> list[Hit]:
    """Find violent verbs used as an order or a promise against someone."""
    threats = doc.lex.threats
    hits: list[Hit] = []
    for i, token in enumerate(doc.seq):
        if i in consumed:
            continue
        found = doc.lex.threat_verb(token)
        if found is None:
            continue
        verb, prefix = found
        sentence = token.sentence
        before = set().union(*(doc.at(k, sentence) for k in range(i - 3, i)))
        after = doc.at(i + 1, sentence)
        targets = _next_content(doc, i + 1, sentence, 2)
        people = threats.targets | threats.worship | doc.lex.frames.persons | threats.second_person
        target = next(
            (
                k
                for k in targets
                if doc.bare[k] & people or doc.lex.group_of(doc.seq[k]) is not None
            ),
            None,
        )
        if prefix == "di":
            # "kalian akan dibunuh": a passive promise to the people addressed;
            # "pantas dibakar rumah pejabat": a call for violence against someone.
            promised = before & threats.intent and before & threats.second_person
            called = doc.at(i - 1, sentence) & threats.imperative_before and target is not None
            if promised or called:
                hits.append(_threat_hit(doc, i, i + 1, verb, "block", "promised to the reader"))
            continue
        second = target is not None and bool(doc.bare[target] & threats.second_person)
        first_in_sentence = i == 0 or doc.seq[i - 1].sentence != sentence or doc.opens_quote(i)
        intent = (
            prefix == "ku"
            or bool(before & threats.intent)
            or bool(doc.at(i - 1, sentence) & threats.imperative_before)
            or bool(after & threats.imperative_after)
            or first_in_sentence
            or second
        )
        if target is not None and intent:
            category = doc.lex.group_of(doc.seq[target])
            if category is None and doc.bare[target] & threats.worship:
                category = "sara_religion"
            hit = _threat_hit(doc, i, i + 1, verb, "block", "aimed at someone")
            hits.append(hit)
            if category is not None:
                hits.append(Hit(verb, category, hit.outcome, hit.span, hit.reason))
        elif verb in threats.strong:
            hits.append(_threat_hit(doc, i, i + 1, verb, "flag", "violent word"))
    return hits


def _threat_hit(doc: _Text, i: int, j: int, verb: str, outcome: Outcome, reason: str) -> Hit:
    """Build a threat hit, capped at flag when the complaint reports what someone said."""
    if outcome == "block" and doc.reported(i, j):
        outcome, reason = "flag", "quoted or reported speech"
    return Hit(verb, "threat", outcome, doc.span(i, j), f"{verb}: {reason}")


def _sara(doc: _Text, hits: list[Hit]) -> list[Hit]:
    """Turn insults and calls to drive out next to a people or a religion into SARA blocks."""
    hostility = doc.lex.hostility
    out = list(hits)
    by_start = {h.span[0]: h for h in hits if h.category in ("insult", "profanity")}
    starts = {t.start: k for k, t in enumerate(doc.seq)}
    for k in range(len(doc.seq)):
        sentence = doc.seq[k].sentence
        category = doc.is_people(k, sentence)
        near_insult = doc.lex.group_of(doc.seq[k])
        # An insult right next to the name, or within two words of a people named plainly.
        for hit in list(by_start.values()):
            position = starts.get(hit.span[0])
            if position is None or doc.seq[position].sentence != sentence:
                continue
            distance = abs(position - k)
            if (near_insult is not None and distance == 1) or (
                category is not None and distance <= 2
            ):
                group = category or near_insult
                assert group is not None
                outcome = _cap(doc, position, "block")
                out.append(
                    Hit(
                        _group_term(doc, k),
                        group,
                        outcome,
                        hit.span,
                        f"{hit.term} next to {_group_term(doc, k)}",
                    )
                )
                if outcome == "block" and hit.outcome != "block":
                    out.remove(hit)
                    out.append(Hit(hit.term, hit.category, "block", hit.span, hit.reason))
                del by_start[hit.span[0]]
        if category is None:
            continue
        # "usir (saja semua) orang X", "X najis", "X harus diusir".
        for v in range(max(0, k - hostility.window), k):
            if doc.seq[v].sentence != sentence:
                continue
            between = [b for b in range(v + 1, k) if not doc.bare[b] & (_FILLERS | doc.lex.markers)]
            if doc.bare[v] & hostility.verbs and not between:
                out.append(_sara_hit(doc, v, k, v, category, "called to drive out or attack"))
        for w in (k + 1, k + 2, k + 3):
            if doc.at(w, sentence) & hostility.words and all(
                doc.bare[b] & _FILLERS for b in range(k + 1, w)
            ):
                out.append(_sara_hit(doc, k, w, w, category, "words of contempt"))
            if doc.at(w, sentence) & hostility.modal:
                for p in (w + 1, w + 2):
                    if doc.at(p, sentence) & hostility.passive:
                        out.append(_sara_hit(doc, k, p, p, category, "called to drive out"))
    return out


def _group_term(doc: _Text, k: int) -> str:
    """Return the group name at position k as the lexicon spells it."""
    return next((f for f in sorted(doc.bare[k]) if f in doc.lex.groups), doc.seq[k].text)


def _cap(doc: _Text, position: int, outcome: Outcome) -> Outcome:
    """Cap at flag when the words at `position` are quoted or reported speech."""
    return "flag" if outcome == "block" and doc.reported(position, position + 1) else outcome


def _sara_hit(doc: _Text, i: int, j: int, word: int, category: Category, reason: str) -> Hit:
    """Build a SARA hit for the group and the hostile word at positions i and j; mark `word`."""
    outcome = _cap(doc, min(i, j), "block")
    term = _group_term(doc, i if doc.lex.group_of(doc.seq[i]) else j)
    return Hit(term, category, outcome, doc.span(word, word + 1), f"{term}: {reason}")


def _verdict(hits: list[Hit]) -> Verdict:
    """Sum the hits up into one verdict."""
    if not hits:
        return OK
    outcome: Outcome = max((h.outcome for h in hits), key=_RANK.__getitem__)
    ordered = sorted(hits, key=lambda h: (h.span[0], -_RANK[h.outcome]))
    categories = tuple(
        dict.fromkeys(
            h.category for h in sorted(hits, key=lambda h: -_RANK[h.outcome]) if h.outcome != "ok"
        )
    )
    return Verdict(
        outcome=outcome,
        categories=categories,
        terms=tuple(dict.fromkeys(h.term for h in ordered)),
        spans=_merge([h.span for h in ordered]),
        reasons=tuple(dict.fromkeys(h.reason for h in ordered)),
        hits=tuple(ordered),
    )


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sort spans and merge the ones that overlap."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def mask(text: str, verdict: Verdict) -> str:
    """Mask the matched words for the staff card: "anjing" -> "a****g".

    Within each span, every word keeps its first and last letter; a spaced-out word
    ("a n j i n g") keeps the first and last of its letters and its separators.
    """
    chars = list(text)
    for start, end in verdict.spans:
        for word in _masked_words(text, start, end):
            if len(word) <= 2:
                for k in word[1:]:
                    chars[k] = "*"
                continue
            for k in word[1:-1]:
                chars[k] = "*"
    return "".join(chars)


def _masked_words(text: str, start: int, end: int) -> list[list[int]]:
    """Return the positions of the letters of each word in text[start:end]."""
    segment = text[start:end]
    spaced = re.fullmatch(r"\w(?:[\s.\-_*~+,/|\\]{1,3}\w){2,}", segment)
    if spaced and all(len(w) == 1 for w in re.findall(r"\w+", segment)):
        return [[start + m.start() for m in re.finditer(r"\w", segment)]]
    out: list[list[int]] = []
    for m in re.finditer(r"[^\s]+", segment):
        positions = [start + m.start() + k for k, c in enumerate(m.group()) if c.isalnum()]
        positions += [start + m.start() + k for k, c in enumerate(m.group()) if c in "@$!*|"]
        positions.sort()
        # Keep the first and last letters, mask what is between them (stars included).
        if positions:
            out.append(positions)
    return out


def hints(text: str) -> list[str]:
    """Return gentle hint codes: the text is shouted in capitals, or very short."""
    out: list[str] = []
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= SHOUTING_MIN_LETTERS:
        upper = sum(1 for c in letters if c.isupper())
        if upper / len(letters) >= SHOUTING_RATIO:
            out.append(HINT_SHOUTING)
    if len(text.split()) < TOO_SHORT_WORDS or len(text.strip()) < TOO_SHORT_CHARS:
        out.append(HINT_TOO_SHORT)
    return out
