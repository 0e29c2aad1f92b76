"""The reports that come by themselves each working morning, with the daily recap.

The daily report (the previous working day's service figures and strategic issues) every
working morning; the monthly monitoring report for the month before on its first working day;
the annual report for the year before on January's first working day. They ride in the same
once-per-day transaction as the recap (bot/services/sla/recap.py), so a restart never posts
them twice. The chart and the workbook of any of them are one `/rekap` away.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from bot.domain.clock import WorkCalendar
from bot.domain.reports.periods import Kind, Period, previous
from bot.services.container import Services
from bot.services.reports import build
from bot.services.reports.apart import apart

LANG = "id"  # the staff group reads Indonesian


def due_reports(calendar: WorkCalendar, today: date) -> list[Period]:
    """Return the periods whose reports are due this working morning, smallest first."""
    if not calendar.is_working_day(today):
        return []
    last_working = calendar.previous_working_day(today)
    periods = [Period(Kind.DAILY, last_working, last_working)]
    if last_working.month != today.month or last_working.year != today.year:
        periods.append(previous(Kind.MONTHLY, today))
    if last_working.year != today.year:
        periods.append(previous(Kind.ANNUAL, today))
    return periods


def summary_text(svc: Services, data: build.ReportData, attachments_key: str) -> str:
    """Render a report's text summary for the staff group."""
    tables = build.Tables(svc, data, LANG)
    units = [
        {"name": name, "received": row[0], "answered": row[1], "percent": row[3]}
        for name, *row in tables.grouped("unit")
    ]
    issues = [
        {
            "kind": svc.renderer.label(LANG, f"reports.issue.{i.kind.value}"),
            "term": i.term,
            "count": i.count,
            "expected": i.expected,
        }
        for i in data.issues
    ]
    return svc.renderer.render(
        LANG,
        "report_summary",
        title=data.title,
        office=svc.profile.office_name(LANG),
        period=build.span_text(svc, data.period, LANG),
        empty=data.empty,
        total=data.book.total,
        units=units,
        issues=issues,
        baseline_days=build.BASELINE.days,
        attachments=svc.renderer.label(LANG, attachments_key, period=data.period.slug),
    )


def _gather(period: Period) -> Callable[[Services], Awaitable[build.ReportData]]:
    """Return the folding of one period, to run away from the loop (a year is a minute)."""

    async def fold(svc: Services) -> build.ReportData:
        return await build.gather(svc, period.kind, period, lang=LANG)

    return fold


async def morning_texts(svc: Services, today: date) -> list[tuple[Kind, str]]:
    """Return the texts of the reports due this morning, daily first (none on a day off)."""
    texts = []
    for period in due_reports(svc.calendar, today):
        data = await apart(svc, _gather(period))
        texts.append((period.kind, summary_text(svc, data, "reports.ask_files")))
    return texts
