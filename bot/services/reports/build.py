"""Gather a period's figures and write the register or a report in the format asked for.

One pass over the period's rows (streamed from the repository) feeds every table; the register
is written as its rows arrive, so a year of a million reports never sits in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from bot.domain.reports.figures import DATED, Book, Tally
from bot.domain.reports.periods import Kind, Period
from bot.domain.reports.strategic import Issue, Terms, rising
from bot.services.container import Services
from bot.services.reports.cells import COLUMNS, Audience, Cell, RegisterCells, register_title
from bot.services.reports.charts import ChartData, draw
from bot.services.reports.fastxlsx import FastWorkbook
from bot.services.reports.tables import Column, CsvWriter, Workbook
from storage.vocabulary import ReportType

# How far back the strategic issues look for what is usual.
BASELINE = timedelta(days=28)
ISSUE_SPAN_MAX = 7  # days: longer periods are not "today's issues"

Progress = Callable[[int], None]


class Format(StrEnum):
    """The formats `python -m bot report --format` writes."""

    XLSX = "xlsx"
    CSV = "csv"
    PNG = "png"
    DOCX = "docx"
    PDF = "pdf"


@dataclass
class ReportData:
    """A period's figures: the tallies, the rising issues, the KIE (information) tallies."""

    kind: Kind
    period: Period
    title: str
    book: Book
    kie: Book
    issues: list[Issue] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Tell whether the period has no report."""
        return self.book.total.received == 0


def _book(svc: Services, *, durations: bool, grouped: bool = True) -> Book:
    zone = svc.profile.zone
    return Book(
        now=svc.clock(),
        zone_of=lambda d: d.astimezone(zone),
        durations=durations,
        grouped=grouped,
    )


def span_text(svc: Services, period: Period, lang: str) -> str:
    """Return a period as people read it: "2026-11-01 s.d. 2026-11-30"."""
    return svc.renderer.label(
        lang, "reports.period_span", first=period.first.isoformat(), last=period.last.isoformat()
    )


def title_of(svc: Services, kind: Kind, lang: str) -> str:
    """Return a report's title: the profile's own output name where it has one."""
    own = {Kind.DAILY: "harian", Kind.MONTHLY: "monev", Kind.ANNUAL: "tahunan"}.get(kind)
    for output in svc.profile.outputs:
        if output.code == own:
            return output.name.get(lang)
    return svc.renderer.label(lang, f"reports.{kind.value}")


async def gather(
    svc: Services, kind: Kind, period: Period, *, lang: str = "id", progress: Progress | None = None
) -> ReportData:
    """Fold the period's reports into every figure the report shows."""
    zone = svc.profile.zone
    start, end = period.bounds(zone)
    data = ReportData(
        kind=kind,
        period=period,
        title=title_of(svc, kind, lang),
        # Times per unit and stage are the monitoring report's; a year would hold them all.
        book=_book(svc, durations=kind is not Kind.ANNUAL),
        kie=_book(svc, durations=False),
    )
    issues = len(period.days()) <= ISSUE_SPAN_MAX
    today = Terms.empty()
    async for row in svc.repo.register_rows(start, end):
        data.book.add(row)
        if row.type is ReportType.INFORMASI:
            data.kie.add(row)
        if issues:
            today.add(row.category, row.location_text, row.title, row.description)
        if progress is not None:
            progress(1)
    if issues:
        before = Terms.empty()
        async for row in svc.repo.register_rows(start - BASELINE, start):
            before.add(row.category, row.location_text, row.title, row.description)
        data.issues = rising(today, before, BASELINE.days)
    return data


# --- tables --------------------------------------------------------------------------------

TALLY_COLUMNS = (
    "received",
    "answered",
    "within",
    "on_time_percent",
    "overdue",
    "rejected",
    "mean_rating",
    "reopen_percent",
    "returns",
)


def tally_values(tally: Tally) -> list[Any]:
    """Return a tally's cells, in TALLY_COLUMNS order."""
    return [
        tally.received,
        tally.answered,
        tally.within,
        tally.on_time_percent,
        tally.overdue,
        tally.rejected,
        tally.mean_rating,
        tally.reopen_percent,
        tally.returns,
    ]


@dataclass
class Tables:
    """The report's tables as (sheet name, columns, rows), built from its data."""

    svc: Services
    data: ReportData
    lang: str

    def label(self, key: str, **values: Any) -> str:
        """Return a label in the report's language."""
        return self.svc.renderer.label(self.lang, key, **values)

    def cells(self) -> RegisterCells:
        """Return the name lookups of the register (channels, types, categories)."""
        return RegisterCells(self.svc.profile, self.svc.renderer, self.lang, Audience.SHARED)

    def summary(self) -> list[tuple[str, Any]]:
        """Return the summary sheet's (figure, value) lines."""
        d, total, label = self.data, self.data.book.total, self.label
        lines: list[tuple[str, Any]] = [
            (label("reports.office"), self.svc.profile.office_name(self.lang)),
            (
                label("reports.period"),
                span_text(self.svc, d.period, self.lang),
            ),
            (label("reports.made_at"), self.cells().local(self.svc.clock())),
        ]
        lines += [
            (label(f"reports.col.{key}"), value)
            for key, value in zip(TALLY_COLUMNS, tally_values(total), strict=True)
        ]
        return lines

    def grouped(self, group: str, book: Book | None = None) -> list[list[Any]]:
        """Return one grouping's rows: its name, then the tally's cells."""
        cells, rows = self.cells(), []
        for key, tally in (book or self.data.book).group(group):
            rows.append([self._group_name(cells, group, key), *tally_values(tally)])
        return rows

    def _group_name(self, cells: RegisterCells, group: str, key: str) -> str:
        if group == "unit":
            return key or self.label("reports.no_unit")
        if group == "type":
            return cells.type_name(key)
        if group == "channel":
            return cells.channel_name(key)
        if group == "category":
            return cells.category_name(key) or self.label("reports.no_category")
        return key

    def stage_rows(self) -> list[list[Any]]:
        """Return per unit and stage: how many left the stage, median and slowest hours."""
        rows = []
        for key, tally in self.data.book.group("unit"):
            for stage in DATED:
                spent = tally.hours.get(stage, [])
                if spent:
                    rows.append(
                        [
                            key or self.label("reports.no_unit"),
                            self.label(f"staff_stage.{stage.value}"),
                            len(spent),
                            tally.median_hours(stage),
                            tally.max_hours(stage),
                        ]
                    )
        return rows

    def sheets(self) -> list[tuple[str, list[Column], list[list[Any]]]]:
        """Return the report's sheets after the summary, in reading order."""
        kind, label = self.data.kind, self.label
        head = [Column(label("reports.col.group"), width=28)]
        tally_cols = head + [Column(label(f"reports.col.{k}"), Cell.NUMBER) for k in TALLY_COLUMNS]
        groups = ["unit", "type", "category", "channel"]
        groups.append("month" if kind is Kind.ANNUAL else "day")
        sheets = [(label(f"reports.sheet.{g}"), tally_cols, self.grouped(g)) for g in groups]
        if kind is not Kind.ANNUAL:
            stage_cols = [
                Column(label("reports.col.unit"), width=28),
                Column(label("reports.col.stage"), width=26),
                Column(label("reports.col.received"), Cell.NUMBER),
                Column(label("reports.col.median_hours"), Cell.NUMBER),
                Column(label("reports.col.max_hours"), Cell.NUMBER),
            ]
            sheets.insert(1, (label("reports.sheet.stage"), stage_cols, self.stage_rows()))
        if self.data.issues or len(self.data.period.days()) <= ISSUE_SPAN_MAX:
            issue_cols = [
                Column(label("reports.col.kind")),
                Column(label("reports.col.term"), width=30),
                Column(label("reports.col.count"), Cell.NUMBER),
                Column(label("reports.col.expected"), Cell.NUMBER, 20),
            ]
            issue_rows = [
                [label(f"reports.issue.{i.kind.value}"), i.term, i.count, i.expected]
                for i in self.data.issues
            ]
            sheets.append((label("reports.sheet.issues"), issue_cols, issue_rows))
        profile = self.svc.profile
        # Seed 001's "laporan monev KIE": the profile names it as an output, or asks for it.
        if profile.reports.kie or any(o.code == "monev-kie" for o in profile.outputs):
            sheets.append(
                (label("reports.sheet.kie"), tally_cols, self.grouped("channel", self.data.kie))
            )
        return sheets


# --- writers -------------------------------------------------------------------------------


def write_report_xlsx(svc: Services, data: ReportData, out: Path, lang: str = "id") -> Path:
    """Write the report's workbook: the summary first, then one sheet per table."""
    tables = Tables(svc, data, lang)
    book = Workbook(out)
    summary = book.sheet(
        tables.label("reports.sheet.summary"),
        [
            Column(tables.label("reports.col.figure"), width=36),
            Column(tables.label("reports.col.value"), width=40),
        ],
    )
    summary.write([data.title, ""])
    for line in tables.summary():
        summary.write(list(line))
    if data.empty:
        summary.note(tables.label("reports.empty"))
    for name, columns, rows in tables.sheets():
        sheet = book.sheet(name, columns)
        for row in rows:
            sheet.write(row)
        if not rows and data.empty:
            sheet.note(tables.label("reports.empty"))
    book.close()
    return out


def write_report_csv(svc: Services, data: ReportData, out: Path, lang: str = "id") -> Path:
    """Write the report's table per unit as CSV (the other tables are in the workbook)."""
    tables = Tables(svc, data, lang)
    _name, columns, rows = tables.sheets()[0]
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = CsvWriter(handle, columns)
        for row in rows:
            writer.write(row)
        if data.empty:
            writer.note(tables.label("reports.empty"))
    return out


def chart_data(svc: Services, data: ReportData, lang: str = "id") -> ChartData:
    """Return what the report's chart shows."""
    tables = Tables(svc, data, lang)
    cells = tables.cells()
    book = data.book
    days = {key: tally.received for key, tally in book.group("day")}
    per_day = (
        [(d, days.get(d.isoformat(), 0)) for d in data.period.days()] if not data.empty else []
    )
    categories = sorted(
        (
            (cells.category_name(k) or tables.label("reports.no_category"), t.received)
            for k, t in book.group("category")
        ),
        key=lambda item: -item[1],
    )
    units = sorted(
        (
            (k or tables.label("reports.no_unit"), t.on_time_percent)
            for k, t in book.group("unit")
            if t.on_time_percent is not None
        ),
        key=lambda item: item[1],
    )
    label = tables.label
    return ChartData(
        title=f"{data.title}\n{span_text(svc, data.period, lang)}",
        per_day=per_day,
        by_category=categories,
        on_time_by_unit=[(u, p) for u, p in units if p is not None],
        titles=(
            label("reports.chart.per_day"),
            label("reports.chart.by_category"),
            label("reports.chart.on_time_by_unit"),
        ),
        empty=label("reports.empty"),
    )


def write_chart(svc: Services, data: ReportData, out: Path, lang: str = "id") -> Path:
    """Draw the report's chart as a PNG."""
    return draw(chart_data(svc, data, lang), out)


# --- the register --------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """A file written and how many reports it holds."""

    path: Path
    count: int


def register_columns(cells: RegisterCells) -> list[Column]:
    """Return the register's columns with their headers."""
    return [
        Column(h, cell, width) for h, (_, cell, width) in zip(cells.headers, COLUMNS, strict=True)
    ]


async def write_register(
    svc: Services,
    period: Period,
    fmt: Format,
    out: Path,
    *,
    audience: Audience = Audience.SHARED,
    lang: str = "id",
    progress: Progress | None = None,
) -> Written:
    """Write the register of the reports filed in the period, as Excel or CSV."""
    cells = RegisterCells(svc.profile, svc.renderer, lang, audience)
    start, end = period.bounds(svc.profile.zone)
    columns = register_columns(cells)
    if fmt is Format.CSV:
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = CsvWriter(handle, columns)
            async for row in svc.repo.register_rows(start, end):
                writer.write(cells.values(row))
                if progress is not None:
                    progress(1)
            if writer.row == 0:
                writer.note(cells.label("reports.empty"))
        return Written(out, writer.row)
    # The register can hold a year of a million reports: the streaming writer (fastxlsx.py).
    book = FastWorkbook(out)
    label = cells.label
    summary = book.sheet(
        label("reports.sheet.summary"),
        [
            Column(label("reports.col.figure"), width=36),
            Column(label("reports.col.value"), width=40),
        ],
    )
    # Its rows go into the zip as they come, deflated on a thread of their own (fastxlsx.py).
    sheet = book.sheet(label("reports.sheet.register"), columns, stream=True)
    tally = _book(svc, durations=False, grouped=False)
    # A million rows: raw records, no RegisterRow, each time parsed once (bench/register_1m.py).
    record, write, add = cells.record, sheet.write, tally.count
    try:
        async for part in svc.repo.register_records(start, end):
            for raw in part:
                values, counts = record(raw)
                write(values)
                add(counts)
            if progress is not None:
                progress(len(part))
    except BaseException:
        book.abandon()
        raise
    if sheet.row == 0:
        sheet.note(label("reports.empty"))
    # The summary sheet comes first in the book, but is written last: it counts the rows.
    summary.write([register_title(svc.profile, svc.renderer, lang), ""])
    summary.write([label("reports.office"), svc.profile.office_name(lang)])
    summary.write([label("reports.period"), span_text(svc, period, lang)])
    summary.write([label("reports.made_at"), cells.local(svc.clock())])
    for key, value in zip(TALLY_COLUMNS, tally_values(tally.total), strict=True):
        summary.write([label(f"reports.col.{key}"), value])
    for stage, count in sorted(tally.stages.items()):
        summary.write([label(f"staff_stage.{stage.value}"), count])
    if tally.total.received == 0:
        summary.note(label("reports.empty"))
    book.close()
    return Written(out, tally.total.received)


def write_report_docx(svc: Services, data: ReportData, out: Path, lang: str = "id") -> Path:
    """Write the report as a Word document: its summary and the table per unit."""
    from docx import Document  # lazy: the bot's start-up does not load it

    tables = Tables(svc, data, lang)
    document = Document()
    document.add_heading(data.title, level=1)
    for figure, value in tables.summary():
        document.add_paragraph(f"{figure}: {'' if value is None else value}")
    if data.empty:
        document.add_paragraph(tables.label("reports.empty"))
    for name, columns, rows in tables.sheets():
        document.add_heading(name, level=2)
        table = document.add_table(rows=1, cols=len(columns))
        table.style = "Table Grid"
        for cell, column in zip(table.rows[0].cells, columns, strict=True):
            cell.text = column.header
        for row in rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = "" if value is None else str(value)
    document.save(str(out))
    return out
