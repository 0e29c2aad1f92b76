"""Reports that come by themselves, and the periods people type.

The daily report each working morning, the monthly one on the first working day of a month,
the annual one in January.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.domain.reports.periods import Kind, Period, PeriodProblem, parse
from bot.domain.reports.strategic import IssueKind, Terms, rising
from bot.services.reports.morning import due_reports
from bot.services.sla.recap import post_recap
from loopback import LoopbackBotApi
from loopback.models import RecordedRequest
from tests.staff_kit import staff_world
from tests.test_outputs_register import _file
from tests.test_rekap import calls_since, upload
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
        rows = [m for m in await svc.repo.outbox_items() if m.chat_id == STAFF_GROUP]
        # Each report's text, then its chart and workbook (built when sent).
        assert [m.kind for m in rows] == [
            *("send_message", "report_chart", "report_workbook"),
            *("send_message", "report_chart", "report_workbook"),
        ]
        assert rows[1].payload == {"kind": "daily", "first": "2026-06-30", "last": "2026-06-30"}
        assert rows[4].payload == {"kind": "monthly", "first": "2026-06-01", "last": "2026-06-30"}
        texts = [m.payload["text"] for m in rows if m.kind == "send_message"]
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
        assert "Grafik dan buku kerja Excel menyusul." in monthly
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


async def morning_in_the_group(
    loopback: LoopbackBotApi, tmp_path: Path, **settings: object
) -> list[RecordedRequest]:
    """File two reports on Tuesday 17 November, post the next morning: the group's calls."""
    async with staff_world(loopback, tmp_path, **settings) as w:
        for hour in (9, 10):
            await _file(w.svc, wib(17, hour, month=11), title="Banjir di Oebobo")
        start = len(loopback.requests)
        wednesday = wib(18, 8, 5, month=11)
        assert await post_recap(w.svc, wednesday)
        await w.settle()
        assert not await post_recap(w.svc, wib(18, 9, month=11)), "once a day"
        await w.runner.restart()  # nothing is sent again after a restart
        await w.settle()
        return calls_since(w, start, w.group.id)


async def test_the_morning_report_brings_its_chart_and_workbook_to_the_group_once(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    calls = await morning_in_the_group(loopback, tmp_path)
    assert [c.method for c in calls] == ["sendMessage", "sendPhoto", "sendDocument"]
    text, photo, document = calls
    assert "Laporan harian layanan informasi dan pengaduan" in str(text.params["text"])
    assert "Grafik dan buku kerja Excel menyusul." in str(text.params["text"])
    assert "Diterima: <b>2</b>" in str(text.params["text"])
    picture = Image.open(io.BytesIO(photo.files["photo"].content))
    assert picture.format == "PNG"
    assert picture.size == (1080, 1620)
    assert str(photo.params["caption"]).startswith("Laporan harian layanan")
    assert document.files["document"].filename == "rekap-2026-11-17.xlsx"
    book = load_workbook(io.BytesIO(upload(document)))
    assert book.sheetnames[0] == "Ringkasan"
    summary = {r[0]: r[1] for r in book["Ringkasan"].iter_rows(values_only=True)}
    assert summary["Diterima"] == 2
    assert "2026-11-17" in str(document.params["caption"])


async def test_without_morning_files_the_morning_report_is_text_that_says_where_they_are(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    calls = await morning_in_the_group(loopback, tmp_path, morning_files=False)
    assert [c.method for c in calls] == ["sendMessage"]
    assert "/rekap 2026-11-17" in str(calls[0].params["text"])


async def test_a_chart_that_cannot_be_built_becomes_a_note_and_holds_nothing_behind_it(
    loopback: LoopbackBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services.reports import build

    def broken(*_: object, **__: object) -> Path:
        raise RuntimeError("matplotlib is gone")

    monkeypatch.setattr(build, "write_chart", broken)
    calls = await morning_in_the_group(loopback, tmp_path)
    # Text, then a note for each file (both are built together), nothing retried for ever.
    assert [c.method for c in calls] == ["sendMessage", "sendMessage", "sendMessage"]
    notes = [str(c.params["text"]) for c in calls[1:]]
    assert (
        notes == ["⚠️ Grafik dan Excel 2026-11-17 gagal dibuat; minta dengan /rekap 2026-11-17."] * 2
    )
