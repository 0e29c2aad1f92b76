"""`python -m bot screen`: screen texts from standard input, one JSON verdict per line.

`python -m bot screen train [--with-decisions]` retrains the learned screen (issue 13).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from bot.domain.screening import Lexicon, default_lexicon, screen
from bot.settings import Settings


def cmd_screen(_settings: Settings, args: argparse.Namespace) -> int:
    """Read texts one per line from stdin; print one verdict per line, in the same order."""
    from bot.domain.screening.learned import Model, default_model

    lexicon = Lexicon.load(args.lexicon) if args.lexicon else default_lexicon()
    model = Model.load(args.model) if args.model else default_model()
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        verdict = screen(text, lexicon=lexicon, model=model, learned=not args.lexicon_only)
        row: dict[str, Any] = {
            "verdict": verdict.outcome,
            "categories": list(verdict.categories),
            "terms": list(verdict.terms),
        }
        if args.details:
            row["spans"] = [list(span) for span in verdict.spans]
            row["reasons"] = list(verdict.reasons)
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    """Train the learned screen, choose its thresholds by cross-validation, write the model."""
    from bot.domain.screening import train as training
    from bot.domain.screening.learned import MODEL_PATH, load_model

    started = time.perf_counter()
    examples = training.load_tweets(args.data or training.DATA_PATH, limit=args.limit)
    complaints: Path = args.complaints or training.COMPLAINTS_PATH
    if not args.no_complaints and complaints.exists():
        examples += training.load_complaints(complaints)
    decisions: list[training.Example] = []
    if args.with_decisions:
        decisions = asyncio.run(_decisions(settings))
        examples += decisions
    prepared = training.prepare(examples)
    cv = training.cross_validate(examples, folds=args.folds, prepared=prepared)
    model = training.train(
        examples,
        cv=cv,
        prepared=prepared,
        extra_meta={"decisions": len(decisions), "trained_at": time.strftime("%Y-%m-%d")},
    )
    out: Path = args.out or MODEL_PATH
    model.save(out)
    load_model.cache_clear()
    sizes = ", ".join(f"{k} {v}" for k, v in model.meta["examples"].items())
    print(f"examples: {len(examples)} ({sizes})")
    print(f"office decisions: {len(decisions)}")
    for label in model.labels:
        print(f"{label}: flag at {model.flag_at[label]:.3f}, block at {model.block_at[label]:.3f}")
    # On the same out-of-fold scores the thresholds were chosen on (bench/screening_eval.py
    # gives the nested, honest figures).
    print("cross-validated: " + ", ".join(f"{k} {v:.1%}" for k, v in cv.figures.items()))
    print(f"model: {out} ({out.stat().st_size / 1e6:.1f} MB)")
    print(f"time: {time.perf_counter() - started:.1f} s")
    return 0


async def _decisions(settings: Settings) -> list[Any]:
    """Read the office's screening labels from the database as training examples."""
    from bot.domain.screening.train import DECISION_WEIGHT, Example
    from storage.database import Database
    from storage.repo.screening_labels import ScreeningLabelsRepo

    db = Database(settings.database_url, settings.data_key_values)
    try:
        await db.upgrade()
        labels = await ScreeningLabelsRepo(db).screening_labels()
    finally:
        await db.dispose()
    return [
        Example(
            label.text,
            (int(label.sara), int(label.abusive), 0),
            DECISION_WEIGHT,
            "decisions",
        )
        for label in labels
    ]


def register(subparsers: Any) -> None:
    """Add the `screen` subcommand (and `screen train`) to the parser's subcommands."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "screen",
        help="screen texts from stdin for abuse and SARA (one JSON verdict per line)",
        description=(
            "Read texts from standard input, one per line, and print one JSON object per line: "
            '{"verdict": "ok"|"flag"|"block", "categories": [...], "terms": [...]}.'
        ),
    )
    parser.add_argument(
        "--lexicon", type=Path, default=None, help="lexicon TOML file (default: the bundled one)"
    )
    parser.add_argument(
        "--model", type=Path, default=None, help="learned model file (default: the bundled one)"
    )
    parser.add_argument(
        "--lexicon-only", action="store_true", help="screen with the lexicon alone, no model"
    )
    parser.add_argument(
        "--details", action="store_true", help="add the spans and reasons to each line"
    )
    parser.set_defaults(func=cmd_screen)
    sub = parser.add_subparsers(dest="screen_command", required=False)
    train = sub.add_parser(
        "train",
        help="train the learned screen (cross-validated thresholds) and write the model file",
    )
    train.add_argument(
        "--with-decisions",
        action="store_true",
        help="add the office's own labels (reports rejected as abuse/SARA, flagged ones passed)",
    )
    train.add_argument(
        "--data", type=Path, default=None, help="labelled tweets (CSV; default: corpus/screening/)"
    )
    train.add_argument(
        "--complaints",
        type=Path,
        default=None,
        help="labelled complaints (TSV; default: bench/data/screening_labelled.tsv)",
    )
    train.add_argument("--no-complaints", action="store_true", help="tweets only")
    train.add_argument("--limit", type=int, default=None, help="use only the first N tweets")
    train.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    train.add_argument(
        "--out", type=Path, default=None, help="where to write the model (default: the bundled)"
    )
    train.set_defaults(func=cmd_train)
