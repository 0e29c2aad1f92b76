"""Reports that come by themselves, and the periods people type.

The daily report each working morning, the monthly one on the first working day of a month,
the annual one in January.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.domain.reports.periods import Kind, Period, PeriodProblem, parse
from bot.domain.reports.strategic import IssueKind, Terms, rising
from bot.services.reports.morning import due_reports
from bot.services.sla.recap import post_recap
from tests.test_outputs_register import _file
from tests.test_sla_sweep import STAFF_GROUP, Clock, start_services, wib

TODAY = date(2026, 11, 18)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", Period(Kind.MONTHLY, date(2026, 11, 1), TODAY)),
        ("hari", Period(Kind.DAILY, TODAY, TODAY)),
        ("minggu", Period(Kind.WEEKLY, date(2026, 11, 16), TODAY)),
        ("Bulan", Period(Kind.MONTHLY, date(2026, 11, 1), TODAY)),
        ("tahun", Period(Kind.ANNUAL, date(2026, 1, 1), TODAY)),
        ("2026-10", Period(Kind.MONTHLY, date(2026, 10, 1), date(2026, 10, 31))),
        ("2025", Period(Kind.ANNUAL, date(2025, 1, 1), date(2025, 12, 31))),
        ("2026-11-01 2026-11-05", Period(Kind.CUSTOM, date(2026, 11, 1), date(2026, 11, 5))),
        ("2026-10-01..2026-10-31", Period(Kind.CUSTOM, date(2026, 10, 1), date(2026, 10, 31))),
        ("2026-11-01_2026-11-05", Period(Kind.CUSTOM, date(2026, 11, 1), date(2026, 11, 5))),
        ("2026-11-10 sampai 2026-12-31", Period(Kind.CUSTOM, date(2026, 11, 10), TODAY)),
        ("2099", PeriodProblem.FUTURE),
        ("2026-11-05 2026-11-01", PeriodProblem.REVERSED),
        ("2026-02-30", PeriodProblem.UNREADABLE),
        ("kemarin", PeriodProblem.UNREADABLE),
        ("2026-01 2026-02 2026-03", PeriodProblem.UNREADABLE),
    ],
)
def test_periods_read_as_people_type_them(typed: str, expected: object) -> None:
    assert parse(typed, TODAY) == expected


def test_a_word_rises_when_today_counts_it_well_above_the_previous_weeks() -> None:
    today, before = Terms.empty(), Terms.empty()
    for _ in range(4):
        today.add("jalan", "Kel. Oebobo", "Banjir di Oebobo", "Air banjir masuk rumah")
    today.add("kesehatan", "Kel. Naikoten", "Puskesmas tutup", "Tutup siang")
    for _ in range(28):  # one a day for four weeks: usual, not rising
        before.add("kesehatan", "Kel. Naikoten", "Puskesmas tutup", "Tutup siang")
    issues = {(i.kind, i.term): i for i in rising(today, before, 28)}
    assert (IssueKind.WORD, "banjir") in issues
    assert (IssueKind.PLACE, "oebobo") in issues
    assert (IssueKind.CATEGORY, "jalan") in issues
    assert (IssueKind.CATEGORY, "kesehatan") not in issues
    assert (IssueKind.WORD, "puskesmas") not in issues
    assert issues[(IssueKind.WORD, "banjir")].count == 4


async def test_the_first_working_day_of_a_month_brings_the_daily_and_monthly_reports(
    tmp_path: Path,
) -> None:
    svc = await start_services(tmp_path, Clock(wib(1, 8, 5, month=7)))
    try:
        for day in (29, 30):  # the last two days of June
            for _ in range(2):
                await _file(svc, wib(day, 10, month=6), title="Banjir di Oebobo")
        assert [p.kind for p in due_reports(svc.calendar, date(2026, 7, 1))] == [
            Kind.DAILY,
            Kind.MONTHLY,
        ]
        assert await post_recap(svc, wib(1, 8, 5, month=7))
        texts = [
            m.payload["text"] for m in await svc.repo.outbox_items() if m.chat_id == STAFF_GROUP
        ]
        [daily] = [t for t in texts if "Laporan harian layanan" in t]
        assert len(texts) == 2, "the daily report takes the recap in; the monthly one apart"
        assert daily.startswith("📊 <b>Rekap harian</b>"), "the workload now comes first"
        assert "Lewat batas waktu" in daily
        assert "2026-06-30" in daily
        assert "Diterima: <b>2</b>" in daily
        assert "banjir" in daily, "the day's strategic issue"
        [monthly] = [t for t in texts if "monitoring dan evaluasi" in t]
        assert "2026-06-01 s.d. 2026-06-30" in monthly
        assert "Diterima: <b>4</b>" in monthly
        assert "/rekap 2026-06-01_2026-06-30" in monthly
        assert not await post_recap(svc, wib(1, 9, month=7)), "once a day, reports included"
    finally:
        await svc.db.dispose()


def test_january_brings_the_annual_report_and_days_off_bring_nothing(tmp_path: Path) -> None:
    from bot.domain.clock import WorkCalendar
    from bot.domain.profile import load_profile

    calendar = WorkCalendar.from_profile(load_profile("nasional"))
    first = date(2027, 1, 1)
    while not calendar.is_working_day(first):
        first = date(2027, 1, first.day + 1)
    kinds = [p.kind for p in due_reports(calendar, first)]
    assert kinds == [Kind.DAILY, Kind.MONTHLY, Kind.ANNUAL]
    assert due_reports(calendar, date(2026, 11, 21)) == [], "a Saturday"
    assert [p.kind for p in due_reports(calendar, date(2026, 11, 18))] == [Kind.DAILY]


def test_the_daily_report_and_the_recap_come_apart_only_when_one_message_cannot_hold_them() -> None:
    from bot.services.sla.recap import MESSAGE_LIMIT, morning

    reports = [(Kind.DAILY, "harian"), (Kind.MONTHLY, "bulanan")]
    assert morning("rekap", reports) == ["rekap\n\nharian", "bulanan"]
    assert morning("rekap", []) == ["rekap"]
    long = "x" * MESSAGE_LIMIT
    assert morning(long, reports) == [long, "harian", "bulanan"]
