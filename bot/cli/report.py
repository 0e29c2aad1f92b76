"""`python -m bot report`: the register and the reports as files, from the shell.

    python -m bot report register --from 2026-01-01 --to 2026-12-31 --format xlsx --out reg.xlsx
    python -m bot report monthly --from 2026-11 --format png --out monev.png
    python -m bot report letter --number LAPOR-2026-000012 --format pdf --out surat.pdf

A file on disk is a shared export: the content of `rahasia` reports is withheld unless
`--rahasia` is given (docs/reports.md). Long runs show a progress bar on a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.settings import Settings

KINDS = ("daily", "weekly", "monthly", "annual", "register", "letter")
LONG_RUN = 10_000  # rows: from here on a progress bar is worth drawing
EXIT_USAGE = 2


def _period(args: argparse.Namespace, today: date) -> Any:
    from bot.domain.reports.periods import Kind, PeriodProblem, bounded, parse

    # The register without --from: this month so far, as /ekspor gives it.
    kind = Kind.MONTHLY if args.kind == "register" else Kind(args.kind)
    first = parse(args.date_from, today, kind) if args.date_from else parse("", today, kind)
    if isinstance(first, PeriodProblem) or not args.date_to:
        return first
    last = parse(args.date_to, today, kind)
    if isinstance(last, PeriodProblem):
        # A `--to` after today is cut at today, as a period reaching past today is.
        if last is PeriodProblem.FUTURE:
            return bounded(first.kind, first.first, today, today)
        return last
    return bounded(first.kind, first.first, last.last, today)


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.reports.periods import Period
    from bot.domain.tracking import normalize_number
    from bot.services.container import build_services
    from bot.services.reports import build, letter
    from bot.services.reports.cells import Audience

    svc = build_services(settings)
    try:
        await svc.db.upgrade()
        fmt = build.Format(args.format)
        out: Path = args.out
        if args.kind == "letter":
            number = normalize_number(args.number or "")
            report = await svc.repo.report_by_number(number) if number else None
            if report is None:
                print(f"error: no report numbered {args.number!r}", file=sys.stderr)
                return EXIT_USAGE
            fields = await letter.letter_fields(svc, report)
            if fmt is build.Format.PDF:
                letter.write_pdf(svc, fields, out)
            else:
                letter.write_docx(fields, out)
            print(f"{out}")
            return 0
        today = svc.calendar.local_date(svc.clock())
        period = _period(args, today)
        if not isinstance(period, Period):
            problem = svc.renderer.label("id", f"reports.problem.{period.value}")
            print(f"error: {problem} (--from 2026-11-01 --to 2026-11-30)", file=sys.stderr)
            return EXIT_USAGE
        start, end = period.bounds(svc.profile.zone)
        total = await svc.repo.count_filed_between(start, end)
        bar = _bar(total)
        progress = bar.update if bar is not None else None
        try:
            if args.kind == "register":
                if fmt not in (build.Format.XLSX, build.Format.CSV):
                    print("error: the register is written as xlsx or csv", file=sys.stderr)
                    return EXIT_USAGE
                audience = Audience.READERS if args.rahasia else Audience.SHARED
                written = await build.write_register(
                    svc, period, fmt, out, audience=audience, progress=progress
                )
                count = written.count
            else:
                data = await build.gather(svc, period.kind, period, progress=progress)
                writer = {
                    build.Format.XLSX: build.write_report_xlsx,
                    build.Format.CSV: build.write_report_csv,
                    build.Format.PNG: build.write_chart,
                    build.Format.DOCX: build.write_report_docx,
                }.get(fmt)
                if writer is None:
                    print("error: a report is written as xlsx, csv, png or docx", file=sys.stderr)
                    return EXIT_USAGE
                writer(svc, data, out)
                count = data.book.total.received
        finally:
            if bar is not None:
                bar.close()
        print(f"{out}: {count} laporan, {period.first.isoformat()} s.d. {period.last.isoformat()}")
        return 0
    finally:
        await svc.db.dispose()


def _bar(total: int) -> Any:
    if total < LONG_RUN:
        return None
    from tqdm import tqdm  # lazy

    # disable=None: no bar when stderr is not a terminal (a cron job, a pipe).
    return tqdm(total=total, unit=" laporan", disable=None, file=sys.stderr)


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """Write the register, a report or an answer letter to a file."""
    return asyncio.run(_run(settings, args))


def register(subparsers: Any) -> None:
    """Add the `report` subcommand to the parser's subcommands."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="write the register, a daily/monthly/annual report or an answer letter to a file",
        description=(
            "Periods: --from and --to take a date (2026-11-05), a month (2026-11) or a year "
            "(2026); without them, the current day, week, month or year. The register is "
            "written as xlsx or csv; a report as xlsx, csv, png (chart) or docx; a letter "
            "(--number) as docx or pdf."
        ),
    )
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--from", dest="date_from", default=None, help="first day, month or year")
    parser.add_argument("--to", dest="date_to", default=None, help="last day, month or year")
    parser.add_argument("--format", choices=("xlsx", "csv", "png", "docx", "pdf"), default="xlsx")
    parser.add_argument("--out", type=Path, required=True, help="the file to write")
    parser.add_argument("--number", default=None, help="the report's number (letter)")
    parser.add_argument(
        "--rahasia",
        action="store_true",
        help="write the content of confidential reports too (the file is for authorised staff)",
    )
    parser.set_defaults(func=cmd_report)
