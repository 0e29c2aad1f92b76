"""`python -m bot screen`: screen texts from standard input, one JSON verdict per line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.domain.screening import Lexicon, default_lexicon, screen
from bot.settings import Settings


def cmd_screen(_settings: Settings, args: argparse.Namespace) -> int:
    """Read texts one per line from stdin; print one verdict per line, in the same order."""
    lexicon = Lexicon.load(args.lexicon) if args.lexicon else default_lexicon()
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        verdict = screen(text, lexicon=lexicon)
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


def register(subparsers: Any) -> None:
    """Add the `screen` subcommand to the parser's subcommands."""
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
        "--details", action="store_true", help="add the spans and reasons to each line"
    )
    parser.set_defaults(func=cmd_screen)
