"""The learned screen: word and character n-gram TF-IDF with one linear model per label (issue 13).

The model file (`model/screening.npz`) holds plain arrays: the IDF weights of the hashed features,
one weight vector and intercept per label, and JSON metadata with the flag and block thresholds
chosen by cross-validation. Trained by `python -m bot screen train` (bot/domain/screening/train.py)
from Ibrohim & Budi (2019), CC BY-NC-SA 4.0 (see NOTICE).

Screening needs numpy alone: the features are hashed here (`murmurhash3_32`, the hash
scikit-learn's HashingVectorizer uses, in pure Python and cached per word), so loading the model
does not import scikit-learn (0.8 s); training and `score_many` (bench/) still use it.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from bot.domain.screening.normalize import Token, squeeze, tokenize, words
from bot.domain.screening.normalize import clear_caches as clear_word_caches

MODEL_PATH = Path(__file__).with_name("model") / "screening.npz"
LABELS = ("sara", "abusive", "strong")
# What a label counts as in the screen's categories (templates show the category code).
LABEL_CATEGORY = {"sara": "sara_group", "abusive": "insult", "strong": "insult"}
N_FEATURES = 2**17
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)
# Placeholders the tweet corpus put in place of usernames and links, and the retweet mark.
_NOISE = frozenset({"user", "url", "rt"})
# Hashed features and each word's character n-grams are cached (words repeat from text to text);
# with the normaliser's caches about 37 MB at most (measured with tracemalloc).
_CACHE_SIZE = 2**14
_HASH_CACHE_SIZE = 2**15
_MASK = 0xFFFFFFFF


@dataclass(frozen=True)
class ModelWord:
    """A word that drove a learned score, with its place in the original text."""

    word: str
    span: tuple[int, int]
    weight: float


@dataclass(frozen=True)
class Scores:
    """The learned scores of one text per label, and the words that pushed them up most."""

    scores: dict[str, float]
    words: dict[str, tuple[ModelWord, ...]]


def model_text(text: str, *, markers: bool = False) -> str:
    """Return the text as the model reads it: normalised words (slang, leetspeak, repeats).

    With `markers`, the SARA marker words of the text (see `sara_markers`) follow its words.
    """
    tokens = words(tokenize(text))
    found = model_words(tokens)[0]
    return " ".join(found + sara_markers(tokens)) if markers else " ".join(found)


# Marker words the model reads beside the text's own (no text has them: "_" is not a letter).
MARKER_PREFIX = "_sara_"


def sara_markers(tokens: Iterable[Token]) -> list[str]:
    """Return the SARA marker words of a text: which kinds of group it names, and whether hostile.

    `_sara_religion`, `_sara_ethnicity_race`, `_sara_group`: the text names a religion, a people
    or a group (the lexicon's [groups]); `_sara_hostile` and `_sara_hostile_<kind>`: it also holds
    a word of the lexicon, a word of contempt, a call to drive out or a violent verb. A linear model
    cannot see that co-occurrence from the words alone: it is what SARA hate speech is made of.
    """
    kinds: set[str] = set()
    hostile = False
    for token in tokens:
        kind, hostile_word = _marker_role(token.forms, token.wildcard)
        if kind is not None:
            kinds.add(kind)
        hostile = hostile or hostile_word
    out = [f"{MARKER_PREFIX}{kind}" for kind in sorted(kinds)]
    if kinds and hostile:
        out += [f"{MARKER_PREFIX}hostile"] + [f"{MARKER_PREFIX}hostile_{k}" for k in sorted(kinds)]
    return out


def model_words(tokens: Iterable[Token]) -> tuple[list[str], list[tuple[int, int]]]:
    """Return the words of tokens as the model reads them, and their places in the original."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    for token in tokens:
        word = squeeze(token.text.lower())
        if not word or word in _NOISE:
            continue
        out.append(word)
        spans.append((token.start, token.end))
    return out, spans


@lru_cache(maxsize=65536)
def _marker_role(forms: tuple[str, ...], wildcard: bool) -> tuple[str | None, bool]:
    """Return which kind of group a word names (or None), and whether it is a hostile word."""
    from bot.domain.screening.lexicon import default_lexicon

    lex = default_lexicon()
    token = Token(0, 0, 0, 0, forms, wildcard=wildcard)
    category = lex.group_of(token)
    bare = token.bare()
    hostile = bool(
        bare & lex.hostility.words
        or bare & lex.hostility.verbs
        or bare & lex.hostility.passive
        or lex.threat_verb(token) is not None
        or (category is None and lex.lookup(token) is not None)
    )
    return (category.removeprefix("sara_") if category else None), hostile


class Vectorizer:
    """Hash normalised texts into word (1-2) and character (2-5) n-gram counts."""

    def __init__(self) -> None:
        import numpy as np
        from sklearn.feature_extraction.text import HashingVectorizer

        common: dict[str, Any] = {
            "n_features": N_FEATURES,
            "alternate_sign": False,
            "norm": None,
            "lowercase": False,
            "dtype": np.float32,
        }
        self.char = HashingVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, **common)
        self.word = HashingVectorizer(
            analyzer="word", ngram_range=WORD_NGRAMS, token_pattern=r"\S+", **common
        )

    def counts(self, texts: list[str]) -> Any:
        """Return the sparse raw counts of already normalised texts (char block, word block)."""
        from scipy import sparse

        return sparse.hstack([self.char.transform(texts), self.word.transform(texts)]).tocsr()


def tfidf(counts: Any, idf: np.ndarray) -> Any:
    """Weight counts as sublinear TF-IDF and scale each block (char, word) to unit length."""
    import numpy as np
    from scipy import sparse

    x = sparse.csr_matrix(counts, dtype=np.float32, copy=True)
    x.data = np.log1p(x.data) * idf[x.indices]
    # Each row's char block and word block get unit length apart (the word block is sparser).
    block = (x.indices >= N_FEATURES).astype(np.int64)
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    keys = rows * 2 + block
    norms = np.sqrt(
        np.bincount(keys, weights=x.data.astype(np.float64) ** 2, minlength=2 * x.shape[0])
    )
    norms[norms == 0] = 1.0
    x.data = (x.data / norms[keys]).astype(np.float32)
    return x


class Model:
    """A trained learned screen: IDF, one weight vector per label, thresholds."""

    def __init__(
        self,
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        meta: dict[str, Any],
    ) -> None:
        import numpy as np

        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)
        # Features in rows: one row gathered per feature a text has (no copy per call).
        self.weights = np.ascontiguousarray(self.coef.T)
        self.intercept = intercept.astype(np.float32)
        self.meta = meta
        self._vectorizer: Vectorizer | None = None
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.flag_at: dict[str, float] = {k: float(v) for k, v in meta["flag"].items()}
        self.block_at: dict[str, float] = {k: float(v) for k, v in meta["block"].items()}
        self.clear_at: dict[str, float] = {k: float(v) for k, v in meta.get("clear", {}).items()}
        # Trained with the SARA marker words (`sara_markers`): score with them too.
        self.markers = bool(meta.get("sara_markers", False))

    @property
    def vectorizer(self) -> Vectorizer:
        """Return the scikit-learn vectorizer (for many texts at once), built when first needed."""
        if self._vectorizer is None:
            self._vectorizer = Vectorizer()
        return self._vectorizer

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Model:
        """Read a model file written by `save`."""
        import numpy as np

        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            return cls(data["idf"], data["coef"], data["intercept"], meta)

    def save(self, path: Path) -> None:
        """Write the model as plain arrays and JSON metadata (no pickle)."""
        import numpy as np

        path.parent.mkdir(parents=True, exist_ok=True)
        meta = np.frombuffer(json.dumps(self.meta, ensure_ascii=False).encode(), dtype=np.uint8)
        with path.open("wb") as out:
            np.savez_compressed(
                out, idf=self.idf, coef=self.coef, intercept=self.intercept, meta=meta
            )

    def matrix(self, texts: Iterable[str]) -> Any:
        """Return the TF-IDF rows of raw texts."""
        return tfidf(
            self.vectorizer.counts([model_text(t, markers=self.markers) for t in texts]), self.idf
        )

    def score_many(self, texts: list[str]) -> np.ndarray:
        """Return the probability per text (rows) and label (columns)."""
        import numpy as np

        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        z = self.matrix(texts) @ self.weights + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def score(self, text: str, *, explain: int = 3) -> Scores:
        """Score one text, and name up to `explain` words that pushed each label up most."""
        tokens = words(tokenize(text))
        found, spans = model_words(tokens)
        extra = sara_markers(tokens) if self.markers else []
        return self.score_words(found, spans, explain=explain, extra=extra)

    def score_words(
        self,
        found: list[str],
        spans: list[tuple[int, int]],
        *,
        explain: int = 3,
        extra: list[str] | None = None,
    ) -> Scores:
        """Score normalised words (with their places), as `score` does, hashing them here.

        `extra`: marker words read after the text's words (never named as drivers).
        """
        import numpy as np

        if extra:
            found = [*found, *extra]
            spans = [*spans, *([(-1, -1)] * len(extra))]
        if not found:
            return Scores({label: 0.0 for label in self.labels}, {})
        per_word = [_char_features(word) for word in found]
        features = list(itertools.chain.from_iterable(per_word))
        features += _word_features(found)
        index, counted = np.unique(np.array(features, dtype=np.int64), return_counts=True)
        counts = counted.astype(np.float32)
        values = np.log1p(counts) * self.idf[index]
        word_block = index >= N_FEATURES
        for block in (word_block, ~word_block):
            norm = float(np.sqrt(np.sum(values[block] ** 2)))
            if norm:
                values[block] /= norm
        z = values @ self.weights[index] + self.intercept
        scores = {
            label: 1.0 / (1.0 + math.exp(-float(z[k]))) for k, label in enumerate(self.labels)
        }
        drivers: dict[str, tuple[ModelWord, ...]] = {}
        wanted = [k for k, label in enumerate(self.labels) if scores[label] >= self.flag_at[label]]
        if not (wanted and explain):
            return Scores(scores, drivers)
        # A word's share: its own n-grams and unigram, weighted as in the text, times the weights.
        weight_of = dict(zip(index.tolist(), values.tolist(), strict=True))
        unigrams = [_hash(word) + N_FEATURES for word in found]
        contribution = np.zeros((len(found), len(self.labels)), dtype=np.float64)
        for i, word_features in enumerate(per_word):
            mine = sorted(set(word_features) | {unigrams[i]})
            x = np.array([weight_of[f] for f in mine])
            contribution[i] = x @ self.weights[mine]
        for k in wanted:
            chosen: list[ModelWord] = []
            seen: set[str] = set()
            for i in np.argsort(-contribution[:, k]):
                weight = float(contribution[i, k])
                if weight <= 0 or len(chosen) >= explain:
                    break
                if found[i] not in seen and spans[i][0] >= 0:
                    seen.add(found[i])
                    chosen.append(ModelWord(found[i], spans[i], weight))
            drivers[self.labels[k]] = tuple(chosen)
        return Scores(scores, drivers)


def murmurhash3_32(text: str, seed: int = 0) -> int:
    """Return MurmurHash3 (x86, 32 bits, signed) of the UTF-8 bytes of `text`.

    The same value as `sklearn.utils.murmurhash3_32(text, seed)`, which HashingVectorizer uses.
    """
    data = text.encode("utf-8")
    length = len(data)
    h = seed & _MASK
    tail_at = length - length % 4
    for k in range(0, tail_at, 4):
        block = int.from_bytes(data[k : k + 4], "little")
        block = (block * 0xCC9E2D51) & _MASK
        block = ((block << 15) | (block >> 17)) & _MASK
        h ^= (block * 0x1B873593) & _MASK
        h = ((h << 13) | (h >> 19)) & _MASK
        h = (h * 5 + 0xE6546B64) & _MASK
    tail = data[tail_at:]
    if tail:
        block = int.from_bytes(tail, "little")
        block = (block * 0xCC9E2D51) & _MASK
        block = ((block << 15) | (block >> 17)) & _MASK
        h ^= (block * 0x1B873593) & _MASK
    h ^= length
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    h ^= h >> 16
    return h - 2**32 if h >= 2**31 else h


def _column(feature: str) -> int:
    """Return the column HashingVectorizer gives a feature (murmurhash3, non-negative)."""
    h = murmurhash3_32(feature, seed=0)
    if h == -(2**31):
        return (2**31 - 1 - (N_FEATURES - 1)) % N_FEATURES
    return abs(h) % N_FEATURES


# Character n-grams and words repeat; word pairs mostly do not (cached, they would evict them).
_hash = lru_cache(maxsize=_HASH_CACHE_SIZE)(_column)


@lru_cache(maxsize=_CACHE_SIZE)
def _char_features(word: str) -> tuple[int, ...]:
    """Return the character n-gram columns of one word, as the `char_wb` analyser cuts them."""
    padded = f" {word} "
    out: list[int] = []
    for n in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
        out.extend(_hash(padded[k : k + n]) for k in range(max(1, len(padded) - n + 1)))
        if len(padded) <= n:  # a short word counts once
            break
    return tuple(out)


def _word_features(found: list[str]) -> list[int]:
    """Return the word unigram and bigram columns (after the character block)."""
    out = [_hash(word) + N_FEATURES for word in found]
    out += [_column(f"{a} {b}") + N_FEATURES for a, b in itertools.pairwise(found)]
    return out


def clear_caches() -> None:
    """Forget the cached features and readings of words (bench/: to time a cold start)."""
    for cached in (_hash, _char_features, _marker_role):
        cached.cache_clear()
    clear_word_caches()


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> Model | None:
    """Return the model at `path`, loaded once; None when no model file is there."""
    if not path.exists():
        return None
    return Model.load(path)


def default_model() -> Model | None:
    """Return the shipped model, loaded once per process."""
    return load_model(MODEL_PATH)
