"""The reports that come by themselves each working morning, with the daily recap.

The daily report (the previous working day's service figures and strategic issues) every
working morning; the monthly monitoring report for the month before on its first working day;
the annual report for the year before on January's first working day. They ride in the same
once-per-day transaction as the recap (bot/services/sla/recap.py), so a restart never posts
them twice.

Each report's chart (PNG) and workbook follow its text (setting MORNING_FILES, default on) as
outbox rows of their own kinds that carry only the period: the files are built when the rows
are sent (bot/telegram/morning_files.py), since outbox rows hold text, not files. Off, the text
says they are one `/rekap` away.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from bot.domain.clock import WorkCalendar
from bot.domain.reports.periods import Kind, Period, previous
from bot.services.container import Services
from bot.services.reports import build
from bot.services.reports.apart import apart
from storage.models import OutboxMessage

LANG = "id"  # the staff group reads Indonesian
# The outbox kinds of a morning report's files (rendered when sent: bot/telegram/morning_files.py).
CHART_KIND = "report_chart"
WORKBOOK_KIND = "report_workbook"


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


async def morning_reports(svc: Services, today: date) -> list[tuple[Period, str]]:
    """Return the periods and texts of the reports due this morning, daily first."""
    # With the files coming after the text it says so; without, where to ask for them.
    key = "reports.attachments" if svc.settings.morning_files else "reports.ask_files"
    reports = []
    for period in due_reports(svc.calendar, today):
        data = await apart(svc, _gather(period))
        reports.append((period, summary_text(svc, data, key)))
    return reports


def period_payload(period: Period) -> dict[str, Any]:
    """Return a period as an outbox row's payload (JSON)."""
    return {
        "kind": period.kind.value,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
    }


def payload_period(payload: dict[str, Any]) -> Period:
    """Return the period an outbox row's payload names."""
    first, last = date.fromisoformat(payload["first"]), date.fromisoformat(payload["last"])
    return Period(Kind(payload["kind"]), first, last)


def file_messages(svc: Services, chat_id: int, period: Period) -> list[OutboxMessage]:
    """Return the outbox rows of a morning report's chart and workbook (none when turned off)."""
    if not svc.settings.morning_files:
        return []
    payload = period_payload(period)
    return [
        OutboxMessage(chat_id=chat_id, kind=CHART_KIND, payload=payload),
        OutboxMessage(chat_id=chat_id, kind=WORKBOOK_KIND, payload=payload),
    ]


async def report_files(
    svc: Services, period: Period, folder: Path
) -> tuple[build.ReportData, Path, Path]:
    """Fold the period into figures and write its chart and workbook into `folder`."""
    data = await build.gather(svc, period.kind, period, lang=LANG)
    chart = build.write_chart(svc, data, folder / f"rekap-{period.slug}.png", LANG)
    book = build.write_report_xlsx(svc, data, folder / f"rekap-{period.slug}.xlsx", LANG)
    return data, chart, book
