"""Train the learned screen and choose its thresholds by cross-validation (issue 13).

Data: `corpus/screening/ibrohim2019_train.csv` (Ibrohim & Budi 2019, CC BY-NC-SA 4.0), the project's
own labelled complaints as extra examples, and the office's decisions (`--with-decisions`).
Labels: `sara` = HS_Religion or HS_Race, `abusive` = Abusive, `strong` = HS_Strong.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.domain.screening.learned import LABELS, Model, Vectorizer, model_text, tfidf

DATA_PATH = Path(__file__).resolve().parents[3] / "corpus" / "screening" / "ibrohim2019_train.csv"
COMPLAINTS_PATH = DATA_PATH.parents[2] / "bench" / "data" / "screening_labelled.tsv"
FOLDS = 5
# Share of clean texts each label may flag on its own, and may block (cross-validated).
# SARA gets the most: the lexicon already catches most abusive words, and SARA is what it misses.
FLAG_BUDGET = {"sara": 0.02, "abusive": 0.01, "strong": 0.01}
BLOCK_BUDGET = 0.001
# Share of a label's positives a mild lexicon flag may be cleared on (all scores below `clear`).
CLEAR_MISS = 0.05
C = 4.0
# An office decision weighs as much as this many tweets: it is about our own complaints.
DECISION_WEIGHT = 25.0
# The complaints teach the model how a complaint reads (tweets are not complaints).
COMPLAINT_WEIGHT = 5.0


@dataclass(frozen=True)
class Example:
    """One training text, its labels (0/1 per LABELS) and its weight."""

    text: str
    labels: tuple[int, int, int]
    weight: float = 1.0
    source: str = "tweets"
    # Hate speech of any kind (the tweets' HS column): not clean, though none of our labels.
    hate: bool = False

    @property
    def clean(self) -> bool:
        """Tell whether the text is clean: no label applies, and no hate speech of any kind."""
        return not any(self.labels) and not self.hate


@dataclass
class CrossValidation:
    """Out-of-fold probabilities of every example, and the thresholds chosen from them."""

    scores: np.ndarray
    flag: dict[str, float]
    block: dict[str, float]
    # Per fold: the rows held out, and the model fitted without them.
    folds: list[tuple[np.ndarray, Model]] = field(default_factory=list)
    clear: dict[str, float] = field(default_factory=dict)


def load_tweets(path: Path = DATA_PATH, limit: int | None = None) -> list[Example]:
    """Read the Ibrohim & Budi tweets with our three labels."""
    out: list[Example] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            sara = int(row["HS_Religion"] == "1" or row["HS_Race"] == "1")
            labels = (sara, int(row["Abusive"]), int(row["HS_Strong"]))
            out.append(Example(row["Tweet"], labels, hate=row["HS"] == "1"))
            if limit is not None and len(out) >= limit:
                break
    return out


def load_complaints(
    path: Path = COMPLAINTS_PATH, weight: float = COMPLAINT_WEIGHT
) -> list[Example]:
    """Read the project's labelled complaints (`ok|flag|block<TAB>text`) as training examples.

    `ok` is clean, `block` is abusive language; `flag` (quoted insults, mild swearing) is left
    out: it is neither clean nor the writer's own abuse.
    """
    out: list[Example] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        label, sep, text = raw.partition("\t")
        if raw.startswith("#") or not sep or label not in ("ok", "block"):
            continue
        out.append(Example(text, (0, int(label == "block"), 0), weight, "complaints"))
    return out


def _idf(counts: Any) -> np.ndarray:
    """Return smoothed IDF weights from raw counts."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)


def _fit(x: Any, y: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Fit one balanced logistic regression; return its weights and intercept."""
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():
        return np.zeros(x.shape[1], dtype=np.float32), -10.0 if y.max() == 0 else 10.0
    clf = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=1000)
    clf.fit(x, y, sample_weight=weights)
    return clf.coef_.ravel().astype(np.float32), float(clf.intercept_[0])


def _fit_all(
    counts: Any, y: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit every label on raw counts; return idf, coef (labels x features), intercepts."""
    idf = _idf(counts)
    x = tfidf(counts, idf)
    fitted = [_fit(x, y[:, k], w) for k in range(len(LABELS))]
    coef = np.vstack([c for c, _ in fitted])
    intercept = np.array([b for _, b in fitted], dtype=np.float32)
    return idf, coef, intercept


def _predict(counts: Any, idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    z = tfidf(counts, idf) @ coef.T + intercept
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


def _matrix(examples: Sequence[Example]) -> tuple[Any, np.ndarray, np.ndarray]:
    counts = Vectorizer().counts([model_text(e.text) for e in examples])
    y = np.array([e.labels for e in examples], dtype=np.int8)
    w = np.array([e.weight for e in examples], dtype=np.float64)
    return counts, y, w


def thresholds(
    scores: np.ndarray, y: np.ndarray, clean: np.ndarray
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Choose per label the scores that flag or block a clean text rarely, and that clear.

    `clear`: below it only CLEAR_MISS of the label's positives score; a mild lexicon flag (a word
    that may be an insult) whose every score is below `clear` is let through.
    """
    flag: dict[str, float] = {}
    block: dict[str, float] = {}
    clear: dict[str, float] = {}
    for k, label in enumerate(LABELS):
        negatives = scores[clean, k]
        positives = scores[y[:, k] == 1, k]
        budget = FLAG_BUDGET[label]
        flag[label] = float(np.quantile(negatives, 1 - budget)) if len(negatives) else 0.5
        block[label] = float(np.quantile(negatives, 1 - BLOCK_BUDGET)) if len(negatives) else 0.99
        block[label] = max(block[label], flag[label])
        clear[label] = float(np.quantile(positives, CLEAR_MISS)) if len(positives) else 0.0
        clear[label] = min(clear[label], flag[label])
    return flag, block, clear


def cross_validate(
    examples: Sequence[Example], folds: int = FOLDS, seed: int = 13
) -> CrossValidation:
    """Return out-of-fold scores of every example and the thresholds they give."""
    from sklearn.model_selection import StratifiedKFold

    counts, y, w = _matrix(examples)
    scores = np.zeros(y.shape, dtype=np.float64)
    fitted: list[tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]] = []
    # Stratify on the rarest label first so every fold sees SARA and strong hate.
    strata = y[:, 0] * 4 + y[:, 2] * 2 + y[:, 1]
    # A combination rarer than the folds (a single office label) joins the largest stratum.
    values, counts_of = np.unique(strata, return_counts=True)
    for value in values[counts_of < folds]:
        strata[strata == value] = values[np.argmax(counts_of)]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_rows, test_rows in splitter.split(np.zeros(len(strata)), strata):
        idf, coef, intercept = _fit_all(counts[train_rows], y[train_rows], w[train_rows])
        scores[test_rows] = _predict(counts[test_rows], idf, coef, intercept)
        fitted.append((test_rows, (idf, coef, intercept)))
    # Thresholds from the tweets the authors judged clean: the complaints score far lower and
    # would loosen them.
    tweets = np.array([e.source == "tweets" for e in examples])
    clean = np.array([e.clean for e in examples]) & (tweets if tweets.any() else True)
    flag, block, clear = thresholds(scores, y, clean)
    meta = {"labels": list(LABELS), "flag": flag, "block": block, "clear": clear}
    models = [(rows, Model(idf, coef, b, meta)) for rows, (idf, coef, b) in fitted]
    return CrossValidation(scores, flag, block, models, clear)


def train(
    examples: Sequence[Example],
    *,
    cv: CrossValidation | None = None,
    extra_meta: dict[str, Any] | None = None,
) -> Model:
    """Fit the final model on every example, with thresholds from `cv` (computed when None)."""
    cv = cv or cross_validate(examples)
    counts, y, w = _matrix(examples)
    idf, coef, intercept = _fit_all(counts, y, w)
    sources: dict[str, int] = {}
    for e in examples:
        sources[e.source] = sources.get(e.source, 0) + 1
    meta: dict[str, Any] = {
        "labels": list(LABELS),
        "flag": cv.flag,
        "block": cv.block,
        "clear": cv.clear,
        "clear_miss": CLEAR_MISS,
        "folds": FOLDS,
        "flag_budget": FLAG_BUDGET,
        "block_budget": BLOCK_BUDGET,
        "examples": sources,
        "data": "Ibrohim & Budi (2019), CC BY-NC-SA 4.0; see NOTICE",
        **(extra_meta or {}),
    }
    return Model(idf, coef, intercept, meta)
