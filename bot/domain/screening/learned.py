"""The learned screen: word and character n-gram TF-IDF with one linear model per label (issue 13).

The model file (`model/screening.npz`) holds plain arrays: the IDF weights of the hashed features,
one weight vector and intercept per label, and JSON metadata with the flag and block thresholds
chosen by cross-validation. Trained by `python -m bot screen train` (bot/domain/screening/train.py)
from Ibrohim & Budi (2019), CC BY-NC-SA 4.0 (see NOTICE).

scikit-learn is imported only when a model is loaded, so commands that never screen start fast.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.domain.screening.normalize import squeeze, tokenize, words

MODEL_PATH = Path(__file__).with_name("model") / "screening.npz"
LABELS = ("sara", "abusive", "strong")
# What a label counts as in the screen's categories (templates show the category code).
LABEL_CATEGORY = {"sara": "sara_group", "abusive": "insult", "strong": "insult"}
N_FEATURES = 2**17
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)
# Placeholders the tweet corpus put in place of usernames and links, and the retweet mark.
_NOISE = frozenset({"user", "url", "rt"})


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


def model_text(text: str) -> str:
    """Return the text as the model reads it: normalised words (slang, leetspeak, repeats)."""
    return " ".join(_model_words(text)[0])


def _model_words(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Return the normalised words of `text` and their places in the original."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    for token in words(tokenize(text)):
        word = squeeze(token.text.lower())
        if not word or word in _NOISE:
            continue
        out.append(word)
        spans.append((token.start, token.end))
    return out, spans


class Vectorizer:
    """Hash normalised texts into word (1-2) and character (2-5) n-gram counts."""

    def __init__(self) -> None:
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
    from sklearn.preprocessing import normalize

    x = counts.copy()
    x.data = np.log1p(x.data)
    x = x.multiply(idf).tocsr()
    char = normalize(x[:, :N_FEATURES])
    word = normalize(x[:, N_FEATURES:])
    from scipy import sparse

    return sparse.hstack([char, word]).tocsr()


class Model:
    """A trained learned screen: IDF, one weight vector per label, thresholds."""

    def __init__(
        self,
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        meta: dict[str, Any],
    ) -> None:
        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        self.meta = meta
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.flag_at: dict[str, float] = {k: float(v) for k, v in meta["flag"].items()}
        self.block_at: dict[str, float] = {k: float(v) for k, v in meta["block"].items()}
        self.vectorizer = Vectorizer()

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Model:
        """Read a model file written by `save`."""
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            return cls(data["idf"], data["coef"], data["intercept"], meta)

    def save(self, path: Path) -> None:
        """Write the model as plain arrays and JSON metadata (no pickle)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = np.frombuffer(json.dumps(self.meta, ensure_ascii=False).encode(), dtype=np.uint8)
        with path.open("wb") as out:
            np.savez_compressed(
                out, idf=self.idf, coef=self.coef, intercept=self.intercept, meta=meta
            )

    def matrix(self, texts: Iterable[str]) -> Any:
        """Return the TF-IDF rows of raw texts."""
        return tfidf(self.vectorizer.counts([model_text(t) for t in texts]), self.idf)

    def score_many(self, texts: list[str]) -> np.ndarray:
        """Return the probability per text (rows) and label (columns)."""
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        z = self.matrix(texts) @ self.coef.T + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def score(self, text: str, *, explain: int = 3) -> Scores:
        """Score one text, and name up to `explain` words that pushed each label up most."""
        found, spans = _model_words(text)
        if not found:
            return Scores({label: 0.0 for label in self.labels}, {})
        x = tfidf(self.vectorizer.counts([" ".join(found)]), self.idf)
        z = np.asarray(x @ self.coef.T + self.intercept).ravel()
        scores = {
            label: 1.0 / (1.0 + math.exp(-float(z[k]))) for k, label in enumerate(self.labels)
        }
        drivers: dict[str, tuple[ModelWord, ...]] = {}
        wanted = [k for k, label in enumerate(self.labels) if scores[label] >= self.flag_at[label]]
        if wanted and explain:
            # A word's own n-grams, weighted as in the text, times the label's weights.
            per_word = tfidf(self.vectorizer.counts(found), self.idf)
            contribution = np.asarray(per_word @ self.coef[wanted].T)
            for column, k in enumerate(wanted):
                order = np.argsort(-contribution[:, column])
                chosen: list[ModelWord] = []
                seen: set[str] = set()
                for i in order:
                    weight = float(contribution[i, column])
                    if weight <= 0 or len(chosen) >= explain:
                        break
                    if found[i] not in seen:
                        seen.add(found[i])
                        chosen.append(ModelWord(found[i], spans[i], weight))
                drivers[self.labels[k]] = tuple(chosen)
        return Scores(scores, drivers)


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> Model | None:
    """Return the model at `path`, loaded once; None when no model file is there."""
    if not path.exists():
        return None
    return Model.load(path)


def default_model() -> Model | None:
    """Return the shipped model, loaded once per process."""
    return load_model(MODEL_PATH)
