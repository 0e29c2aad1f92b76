"""Undo the ways people dodge a word filter, keeping every word's place in the original text.

The screen never matches substrings: it cuts the text into words, undoes the usual disguises on each
word and compares whole words (and their stems without Indonesian affixes) with the lexicon. Each
`Token` remembers the characters it came from, so that a matched word can be shown to the citizen
and masked on the staff card exactly where it was written.

Disguises undone here:

- case, accents and look-alike letters from other scripts ("ANJING" written with a Cyrillic A);
- digits and symbols for letters inside a word: 4 a, 1 i or l, 3 e, 0 o, 5 s, 7 t, 9 g, 8 b,
  @ a, $ s, ! i ("k0nt0l", "@su", "b4b1"); a number on its own stays a number;
- letters repeated ("anjiiiing", "goblokkk"): `squeeze` folds runs of one letter;
- letters spaced out or joined by dots, dashes, stars ("a n j i n g", "a.n.j.i.n.g", "b-a-b-i",
  "kon-tol", "anj*ng"): `tokenize` glues them into one word, and a star stands for hidden letters;
- Indonesian affixes: `stems` strips particles (-lah, -kah, -pun), possessives (-nya, -ku, -mu),
  derivational suffixes (-kan, -an, -i, colloquial -in) and prefixes (di-, ke-, se-, me-/meng-,
  ber-, ter-, pe-, colloquial ng-/nge-); the lexicon decides which affixes each word may carry.
  Reduplication ("babi-babi") yields both halves as words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

# Digits and symbols read as letters when they sit inside a word.
LEET: dict[str, str] = {
    "4": "a",
    "@": "a",
    "1": "i",
    "!": "i",
    "|": "l",
    "3": "e",
    "0": "o",
    "5": "s",
    "$": "s",
    "7": "t",
    "9": "g",
    "8": "b",
    "6": "g",
}
# "1" is as often an l as an i ("k0nt1l" vs "to1o1"): words with a 1 get both readings.
LEET_ALTERNATIVES: dict[str, str] = {"1": "l", "!": "l", "|": "i"}

# Letters from other scripts that look like Latin ones.
CONFUSABLES: dict[str, str] = {
    "\u0430": "a",  # cyrillic small letter a
    "\u0435": "e",  # cyrillic small letter ie
    "\u043e": "o",  # cyrillic small letter o
    "\u0440": "p",  # cyrillic small letter er
    "\u0441": "c",  # cyrillic small letter es
    "\u0443": "y",  # cyrillic small letter u
    "\u0445": "x",  # cyrillic small letter ha
    "\u0456": "i",  # cyrillic small letter byelorussian-ukrainian i
    "\u0458": "j",  # cyrillic small letter je
    "\u043a": "k",  # cyrillic small letter ka
    "\u043c": "m",  # cyrillic small letter em
    "\u0442": "t",  # cyrillic small letter te
    "\u0432": "b",  # cyrillic small letter ve
    "\u043d": "h",  # cyrillic small letter en
    "\u0455": "s",  # cyrillic small letter dze
    "\u0501": "d",  # cyrillic small letter komi de
    "\u0261": "g",  # latin small letter script g
    "\u03b1": "a",  # greek small letter alpha
    "\u03bf": "o",  # greek small letter omicron
    "\u03b9": "i",  # greek small letter iota
    "\u03ba": "k",  # greek small letter kappa
    "\u03bd": "v",  # greek small letter nu
    "\u03c4": "t",  # greek small letter tau
}

# Characters that may glue the letters of one disguised word together without a space.
GLUE = frozenset(".-_*~+'`^")
# What may separate the single letters of a spaced-out word ("a n j i n g", "a . n . j").
SPACED_SEPARATOR = re.compile(r"[\s.\-_*~+,/|\\]{1,3}")
SENTENCE_BREAK = re.compile(r"[!?;\n]|\.(?:\s|$)")
_REPEATS = re.compile(r"(.)\1+")
# Words, their readings and stems are cached: a text's words are mostly words seen before.
# 16,384 words per cache: about 22 MB at most, 37 MB with the model's (learned.py).
_CACHE_SIZE = 2**14

PARTICLES = ("lah", "kah", "tah", "pun")
POSSESSIVES = ("nya", "ku", "mu")
DERIVATIONAL = ("kan", "an", "in", "i")
PREFIXES = (
    "menge",
    "meng",
    "meny",
    "mem",
    "men",
    "me",
    "nge",
    "ng",
    "di",
    "ke",
    "se",
    "ber",
    "be",
    "ter",
    "peng",
    "pem",
    "pen",
    "pe",
    "ku",
)
MIN_STEM = 3


def fold_char(char: str) -> str:
    """Return one lowercase Latin letter for `char` when it is one in disguise, else `char`."""
    lowered = char.lower()
    if len(lowered) != 1:
        return char
    if lowered in CONFUSABLES:
        return CONFUSABLES[lowered]
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if len(base) == 1 and base.isascii():
        return base.lower()
    return lowered


@lru_cache(maxsize=_CACHE_SIZE)
def squeeze(word: str) -> str:
    """Fold runs of one letter: "anjiiiing" -> "anjing", "goblokkk" -> "goblok"."""
    return _REPEATS.sub(r"\1", word)


@dataclass(frozen=True)
class Stem:
    """One reading of a word without affixes."""

    stem: str
    prefix: str = ""
    suffixes: tuple[str, ...] = ()


def _strip_suffixes(word: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Yield (stem, suffixes) for the word as written and with each layer of suffixes taken off."""
    yield word, ()
    for particle in ("", *PARTICLES):
        if particle and not word.endswith(particle):
            continue
        w1 = word[: len(word) - len(particle)] if particle else word
        for possessive in ("", *POSSESSIVES):
            if possessive and not w1.endswith(possessive):
                continue
            w2 = w1[: len(w1) - len(possessive)] if possessive else w1
            for derivational in ("", *DERIVATIONAL):
                if derivational and not w2.endswith(derivational):
                    continue
                w3 = w2[: len(w2) - len(derivational)] if derivational else w2
                taken = tuple(s for s in (derivational, possessive, particle) if s)
                if taken and len(w3) >= MIN_STEM:
                    yield w3, taken


def stems(word: str) -> list[Stem]:
    """Return the readings of `word`: as written, without suffixes, without a prefix, or both."""
    return list(_stems(word))


@lru_cache(maxsize=_CACHE_SIZE)
def _stems(word: str) -> tuple[Stem, ...]:
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    out: list[Stem] = []

    def add(stem: str, prefix: str, suffixes: tuple[str, ...]) -> None:
        key = (stem, prefix, suffixes)
        if key not in seen and len(stem) >= MIN_STEM:
            seen.add(key)
            out.append(Stem(stem, prefix, suffixes))

    for prefix in ("", *PREFIXES):
        if prefix and not word.startswith(prefix):
            continue
        rest = word[len(prefix) :]
        if len(rest) < MIN_STEM:
            continue
        for stem, suffixes in _strip_suffixes(rest):
            add(stem, prefix, suffixes)
    return tuple(out)


@dataclass(frozen=True)
class Token:
    """One word of the text, undisguised, with its place in the original."""

    index: int
    start: int
    end: int
    sentence: int
    # Readings of the word, best first: letters as mapped, the other reading of 1/!/|, squeezed.
    forms: tuple[str, ...]
    # The word was disguised: digits/symbols for letters, spaced out, glued, or starred.
    disguised: bool = False
    # A star stood for hidden letters: forms[0] holds "*" where letters were hidden.
    wildcard: bool = False
    parts: tuple[int, ...] = field(default=())

    @property
    def text(self) -> str:
        """Return the main reading of the word."""
        return self.forms[0]

    def stems(self) -> tuple[Stem, ...]:
        """Return every reading of every form without affixes (the forms themselves first)."""
        return _form_stems(self.forms)

    def bare(self) -> frozenset[str]:
        """Return the forms and their suffix-free stems, for looking up context words."""
        return _form_bare(self.forms)


@lru_cache(maxsize=_CACHE_SIZE)
def _form_stems(forms: tuple[str, ...]) -> tuple[Stem, ...]:
    """Return every reading of every form without affixes (see `Token.stems`)."""
    out: list[Stem] = []
    seen: set[Stem] = set()
    for form in forms:
        for reading in (form, squeeze(form)):
            for stem in _stems(reading):
                if stem not in seen:
                    seen.add(stem)
                    out.append(stem)
    return tuple(out)


@lru_cache(maxsize=_CACHE_SIZE)
def _form_bare(forms: tuple[str, ...]) -> frozenset[str]:
    """Return the forms and their suffix-free stems (see `Token.bare`)."""
    out: set[str] = set()
    for form in forms:
        for reading in (form, squeeze(form)):
            out.update(stem for stem, _ in _strip_suffixes(reading))
    return frozenset(out)


@dataclass(frozen=True)
class _Piece:
    """A run of word characters before gluing: letters with their original positions."""

    letters: str
    alternative: str
    start: int
    end: int
    disguised: bool


def _fold_text(text: str) -> str:
    """Return `text` with every character folded by `fold_char` (as long as `text`)."""
    if text.isascii():
        return text.lower()
    return "".join(map(_fold_cached, text))


@lru_cache(maxsize=4096)
def _fold_cached(char: str) -> str:
    return fold_char(char)


# Where a word may start (a letter, a digit or a symbol read as a letter), and the run of
# characters that always belong to it ([^\W_] is exactly str.isalnum; "$" reads as s).
_WORD_START = re.compile(r"[^\W_]|[@!|$]")
_WORD_RUN = re.compile(r"(?:[^\W_]|\$)+")
_LETTERS = str.maketrans(LEET)
_ALTERNATIVE_LETTERS = str.maketrans({**LEET, **LEET_ALTERNATIVES})


def _pieces(text: str) -> list[_Piece]:
    """Cut `text` into runs of letters, reading digits and symbols as letters inside words."""
    pieces: list[_Piece] = []
    folded = _fold_text(text)
    n = len(folded)
    found = _WORD_START.search(folded)
    while found is not None:
        i = j = found.start()
        while j < n:
            run = _WORD_RUN.match(folded, j)
            if run is not None:
                j = run.end()
                continue
            c = folded[j]
            # "!", "|" and "@" are letters only inside or at the start of a word.
            if c in "!|@" and j + 1 < n and folded[j + 1].isalpha():
                j += 1
                continue
            if c in "!|" and j > i and j + 1 < n and folded[j + 1] in LEET:
                j += 1
                continue
            break
        if j == i:
            found = _WORD_START.search(folded, i + 1)
            continue
        raw = folded[i:j]
        if len(raw) > 2 and raw.endswith("2") and raw[-2].isalpha():
            # "anak2", "babi2": the 2 writes a reduplication, not a letter.
            raw = raw[:-1]
        if raw.isalpha():
            letters = alternative = raw
            disguised = False
        elif any(c.isalpha() for c in raw):
            letters = raw.translate(_LETTERS)
            alternative = raw.translate(_ALTERNATIVE_LETTERS)
            disguised = letters != raw
        else:
            letters = alternative = raw
            disguised = False
        pieces.append(_Piece(letters, alternative, i, j, disguised))
        found = _WORD_START.search(folded, j)
    return pieces


def _sentence_ids(text: str, pieces: list[_Piece]) -> list[int]:
    """Return sentence numbers; a break is "!", "?", ";", a newline, or "." before a space."""
    ids: list[int] = []
    sentence = 0
    previous_end = 0
    for piece in pieces:
        if SENTENCE_BREAK.search(text[previous_end : piece.start]) and ids:
            sentence += 1
        ids.append(sentence)
        previous_end = piece.end
    return ids


def tokenize(text: str) -> list[Token]:
    """Cut `text` into undisguised words with their original positions.

    Single letters spaced out ("a n j i n g") become one word; pieces glued by dots, dashes or stars
    without a space ("kon-tol", "anj*ng") become one word as well, and the halves of a
    reduplication ("babi-babi") are kept as two words.
    """
    pieces = _pieces(text)
    sentences = _sentence_ids(text, pieces)
    tokens: list[Token] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        # Three or more single letters spaced out: one word.
        j = i
        while (
            j + 1 < len(pieces)
            and len(pieces[j].letters) == 1
            and len(pieces[j + 1].letters) == 1
            and pieces[j].letters.isalpha()
            and pieces[j + 1].letters.isalpha()
            and SPACED_SEPARATOR.fullmatch(text[pieces[j].end : pieces[j + 1].start])
            and sentences[j] == sentences[j + 1]
        ):
            j += 1
        if j - i + 1 >= 3:
            run = pieces[i : j + 1]
            letters = "".join(p.letters for p in run)
            alternative = "".join(p.alternative for p in run)
            forms = _unique((letters, alternative))
            tokens.append(
                Token(len(tokens), piece.start, run[-1].end, sentences[i], forms, disguised=True)
            )
            i = j + 1
            continue
        # Pieces glued without spaces by dots, dashes, stars: try them as one word.
        j = i
        while (
            j + 1 < len(pieces)
            and text[pieces[j].end : pieces[j + 1].start]
            and all(c in GLUE for c in text[pieces[j].end : pieces[j + 1].start])
            and len(text[pieces[j].end : pieces[j + 1].start]) <= 3
        ):
            j += 1
        trailing_star = _trailing_stars(text, pieces[j].end)
        if j > i or trailing_star:
            run = pieces[i : j + 1]
            halves = [p.letters for p in run]
            if j == i + 1 and halves[0] == halves[1] and not trailing_star:
                # Reduplication: both halves are words of their own.
                for k, p in enumerate(run):
                    tokens.append(_word_token(len(tokens), p, sentences[i + k]))
                i = j + 1
                continue
            glued, glued_alt, wildcard = _glue(text, run, trailing_star)
            parts = tuple(range(len(tokens) + 1, len(tokens) + 1 + len(run)))
            end = run[-1].end + trailing_star
            tokens.append(
                Token(
                    len(tokens),
                    piece.start,
                    end,
                    sentences[i],
                    _unique((glued, glued_alt)),
                    disguised=True,
                    wildcard=wildcard,
                    parts=parts,
                )
            )
            for k, p in enumerate(run):
                tokens.append(_word_token(len(tokens), p, sentences[i + k]))
            i = j + 1
            continue
        tokens.append(_word_token(len(tokens), piece, sentences[i]))
        i += 1
    return tokens


def _word_token(index: int, piece: _Piece, sentence: int) -> Token:
    """Return the token of one word as written (its letters and their alternative reading)."""
    return Token(
        index,
        piece.start,
        piece.end,
        sentence,
        _unique((piece.letters, piece.alternative)),
        disguised=piece.disguised,
    )


def _trailing_stars(text: str, end: int) -> int:
    """Return how many stars follow a word ("anj**"), 0 when none or when a letter follows."""
    k = end
    while k < len(text) and text[k] == "*":
        k += 1
    if k == end or (k < len(text) and text[k].isalnum()):
        return 0
    return k - end


def _glue(text: str, run: list[_Piece], trailing: int) -> tuple[str, str, bool]:
    """Join glued pieces; stars become "*" wildcards, other glue disappears."""
    out: list[str] = []
    alt: list[str] = []
    wildcard = False
    for k, p in enumerate(run):
        out.append(p.letters)
        alt.append(p.alternative)
        if k + 1 < len(run):
            between = text[p.end : run[k + 1].start]
            if "*" in between:
                out.append("*")
                alt.append("*")
                wildcard = True
    if trailing:
        out.append("*")
        alt.append("*")
        wildcard = True
    return "".join(out), "".join(alt), wildcard


def _unique(forms: tuple[str, ...]) -> tuple[str, ...]:
    """Drop repeated forms, keeping the order."""
    return tuple(dict.fromkeys(forms))


def clear_caches() -> None:
    """Forget the cached readings of words (bench/: to time a cold start)."""
    for cached in (squeeze, _stems, _form_stems, _form_bare, _fold_cached):
        cached.cache_clear()


def words(tokens: list[Token]) -> list[Token]:
    """Return the tokens that stand for words in running text (glued parts left out)."""
    covered: set[int] = set()
    for token in tokens:
        covered.update(token.parts)
    return [t for t in tokens if t.index not in covered]
