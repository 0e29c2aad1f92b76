"""Measure the abuse/SARA screen on the labelled set in `bench/data/screening_labelled.tsv`.

Each line is `label<TAB>text`; the label is `ok` (nothing to mark), `flag` (mark for staff but
never block: quoted insults, mild swearing) or `block` (abuse, SARA attack or threat in the writer's
own voice). Positive means flag or block, for the labels and for the verdicts.

Prints precision and recall, the block rate on legitimate texts (labelled ok or flag: a real
complaint, however angry, that must never be turned away) and every text the screen got wrong.
Exits 1 when the block rate on legitimate texts is not below 2%.

Then (unless --no-cv) the learned screen's cross-validated figures (issue 13): 5-fold on the
Ibrohim & Budi tweets plus the labelled complaints, each fold's texts screened by the lexicon and
a model trained without them; per label, for the lexicon alone and for lexicon + model. The
held-out complaint file is screened with the shipped model (never trained on).

    python bench/screening_eval.py [--quiet] [--no-cv] [--limit N] [PATH]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.domain.screening import screen  # noqa: E402
from bot.domain.screening.screen import screen_lexicon  # noqa: E402

DATA = Path(__file__).with_name("data") / "screening_labelled.tsv"
LABELS = ("ok", "flag", "block")
BLOCK_RATE_TARGET = 0.02


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    line: int
    label: str
    text: str


@dataclass(frozen=True)
class Report:
    """The figures of one run."""

    total: int
    precision: float
    recall: float
    block_rate_legit: float
    block_recall: float
    exact: float
    confusion: dict[tuple[str, str], int]
    wrong: list[tuple[Example, str, tuple[str, ...]]]


def load(path: Path = DATA) -> list[Example]:
    """Read the labelled set; lines starting with # are comments."""
    out: list[Example] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        label, sep, text = raw.partition("\t")
        if not sep or label not in LABELS or not text.strip():
            raise ValueError(f"{path}:{number}: expected 'ok|flag|block<TAB>text'")
        out.append(Example(number, label, text))
    return out


def evaluate(examples: list[Example], *, learned: bool = True) -> Report:
    """Screen every example (with the shipped model unless `learned` is False); the figures."""
    confusion: dict[tuple[str, str], int] = {(a, b): 0 for a in LABELS for b in LABELS}
    wrong: list[tuple[Example, str, tuple[str, ...]]] = []
    for example in examples:
        verdict = screen(example.text) if learned else screen_lexicon(example.text)
        confusion[(example.label, verdict.outcome)] += 1
        if verdict.outcome != example.label:
            wrong.append((example, verdict.outcome, verdict.reasons))
    tp = sum(confusion[(a, b)] for a in ("flag", "block") for b in ("flag", "block"))
    fp = sum(confusion[("ok", b)] for b in ("flag", "block"))
    fn = sum(confusion[(a, "ok")] for a in ("flag", "block"))
    legit = sum(confusion[(a, b)] for a in ("ok", "flag") for b in LABELS)
    legit_blocked = confusion[("ok", "block")] + confusion[("flag", "block")]
    abusive = sum(confusion[("block", b)] for b in LABELS)
    return Report(
        total=len(examples),
        precision=tp / (tp + fp) if tp + fp else 1.0,
        recall=tp / (tp + fn) if tp + fn else 1.0,
        block_rate_legit=legit_blocked / legit if legit else 0.0,
        block_recall=confusion[("block", "block")] / abusive if abusive else 1.0,
        exact=sum(confusion[(a, a)] for a in LABELS) / len(examples) if examples else 1.0,
        confusion=confusion,
        wrong=wrong,
    )


# Targets of issue 13 on text the project has never seen (cross-validation as the proxy).
TARGETS = {
    "clean blocked": "<= 1%",
    "clean flagged": "<= 5%",
    "sara caught": ">= 90%",
    "strong caught": ">= 80%",
    "abusive caught": "-",
    "complaints ok blocked": "0",
    "complaints ok flagged": "<= 5%",
}


def cross_validated(limit: int | None = None) -> dict[str, dict[str, float]]:
    """Return the 5-fold figures per label for the lexicon alone and lexicon + model."""
    from bot.domain.screening import train

    examples = train.load_tweets(limit=limit) + train.load_complaints()
    cv = train.cross_validate(examples)
    outcomes: dict[str, list[str]] = {"lexicon": [""] * len(examples), "combined": []}
    combined = [""] * len(examples)
    for rows, model in cv.folds:
        for row in rows:
            text = examples[row].text
            lexicon_verdict = screen_lexicon(text)
            outcomes["lexicon"][row] = lexicon_verdict.outcome
            combined[row] = screen(text, model=model).outcome
    outcomes["combined"] = combined
    tweets = [i for i, e in enumerate(examples) if e.source == "tweets"]
    complaints_ok = [i for i, e in enumerate(examples) if e.source == "complaints" and e.clean]
    groups = {
        "clean": [i for i in tweets if examples[i].clean],
        "sara": [i for i in tweets if examples[i].labels[0]],
        "abusive": [i for i in tweets if examples[i].labels[1]],
        "strong": [i for i in tweets if examples[i].labels[2]],
    }
    out: dict[str, dict[str, float]] = {}
    for name, verdicts in outcomes.items():

        def share(
            rows: list[int], wanted: tuple[str, ...], verdicts: list[str] = verdicts
        ) -> float:
            return sum(verdicts[i] in wanted for i in rows) / len(rows) if rows else 0.0

        out[name] = {
            "clean blocked": share(groups["clean"], ("block",)),
            "clean flagged": share(groups["clean"], ("flag",)),
            "sara caught": share(groups["sara"], ("flag", "block")),
            "strong caught": share(groups["strong"], ("flag", "block")),
            "abusive caught": share(groups["abusive"], ("flag", "block")),
            "complaints ok blocked": share(complaints_ok, ("block",)),
            "complaints ok flagged": share(complaints_ok, ("flag",)),
        }
    out["counts"] = {k: float(len(v)) for k, v in groups.items()}
    out["counts"]["complaints ok"] = float(len(complaints_ok))
    out["thresholds"] = {f"flag {k}": v for k, v in cv.flag.items()}
    return out


def print_cross_validated(limit: int | None) -> None:
    """Print the cross-validated figures as a table."""
    figures = cross_validated(limit)
    counts = ", ".join(f"{k} {int(v)}" for k, v in figures["counts"].items())
    print(f"\ncross-validated (5 folds; texts: {counts})")
    print(f"  {'figure':<24}{'lexicon':>10}{'+ model':>10}   target")
    for key, target in TARGETS.items():
        a, b = figures["lexicon"][key], figures["combined"][key]
        print(f"  {key:<24}{a:>10.1%}{b:>10.1%}   {target}")
    flags = ", ".join(f"{k} {v:.3f}" for k, v in figures["thresholds"].items())
    print(f"  thresholds chosen: {flags}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DATA)
    parser.add_argument("--quiet", action="store_true", help="figures only, no misclassified texts")
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validated figures")
    parser.add_argument("--limit", type=int, default=None, help="cross-validate on N tweets")
    args = parser.parse_args(argv)
    report = evaluate(load(args.path))
    print(f"texts: {report.total}")
    print("confusion (rows: label, columns: verdict)")
    print("          " + "".join(f"{b:>8}" for b in LABELS))
    for a in LABELS:
        print(f"  {a:<8}" + "".join(f"{report.confusion[(a, b)]:>8}" for b in LABELS))
    print(f"precision (flag|block): {report.precision:.3f}")
    print(f"recall    (flag|block): {report.recall:.3f}")
    print(f"block recall on abusive texts: {report.block_recall:.3f}")
    print(f"exact outcome agreement: {report.exact:.3f}")
    target = f"target < {BLOCK_RATE_TARGET:.0%}"
    print(f"block rate on legitimate texts (ok|flag): {report.block_rate_legit:.2%} ({target})")
    if not args.quiet and report.wrong:
        print("\nmisclassified (line, label -> verdict, reasons, text):")
        for example, outcome, reasons in report.wrong:
            why = "; ".join(reasons) or "-"
            print(f"  {example.line:>4} {example.label:>5} -> {outcome:<5} [{why}] {example.text}")
    if not args.no_cv:
        print_cross_validated(args.limit)
    if report.block_rate_legit >= BLOCK_RATE_TARGET:
        print("FAIL: block rate on legitimate texts is over the target", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
