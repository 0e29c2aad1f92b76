"""The register and the reports as files: each workbook opened with openpyxl and checked.

A seeded May 2026 (nasional profile, WIB): reports across stages, units, channels and types,
answered on time and late, one overdue, one anonymous and one confidential.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.domain.reports.periods import Kind, Period
from bot.domain.vocabulary import Action
from bot.services.container import Services
from bot.services.reports import build
from bot.services.reports.cells import Audience
from bot.services.sla.sweep import run_sweep
from bot.services.transition import Done, perform
from storage.models import NewReport
from storage.vocabulary import Channel, ReportType, Stage
from tests.test_sla_sweep import Clock, operator, start_services, wib

MAY = Period(Kind.MONTHLY, date(2026, 5, 1), date(2026, 5, 31))
EMPTY = Period(Kind.MONTHLY, date(2026, 3, 1), date(2026, 3, 31))
# What identifies the anonymous reporter: none of it may appear in any file.
ANON_TELEGRAM_ID = 770011223
ANON_IDENTITY = {"name": "Wulandari Kusumawati", "phone": "081399887766", "address": "Jl. Mawar 17"}
SECRET = "Kepala seksi meminta uang pelicin untuk izin usaha"


@dataclass
class Seeded:
    """The seeded services and the numbers of the reports that matter."""

    svc: Services
    anonymous: str
    confidential: str
    overdue: str
    late: str


async def _file(
    svc: Services,
    at: datetime,
    *,
    telegram_id: int = 5001,
    channel: Channel = Channel.TELEGRAM,
    type: ReportType = ReportType.PENGADUAN,
    title: str = "Puskesmas tutup",
    description: str = "Puskesmas tutup pada jam pelayanan tanpa pemberitahuan kepada warga.",
    category: str | None = None,
    anonymous: bool = False,
    confidential: bool = False,
    identity: dict[str, str] | None = None,
) -> int:
    from bot.domain.deadlines import submission_deadlines
    from bot.domain.tracking import numbering

    reporter = await svc.repo.ensure_reporter(telegram_id)
    stage_due, final_due = submission_deadlines(svc.profile, svc.calendar, channel, at)
    report = await svc.repo.submit_report(
        NewReport(
            reporter_id=reporter.id,
            channel=channel,
            type=type,
            title=title,
            description=description,
            stage=Stage.SUBMITTED,
            submitted_at=at,
            category=category,
            anonymous=anonymous,
            confidential=confidential,
            location_text="Kel. Oebobo, Kupang",
            stage_due_at=stage_due,
            final_due_at=final_due,
        ),
        numbering=numbering(svc.profile.prefix, at, svc.profile.zone),
        identity=identity,
    )
    return report.id


async def seed(svc: Services) -> Seeded:
    """File and move the May reports through real transitions and a sweep."""
    dinkes, disdik = await svc.repo.list_units()
    await svc.repo.add_staff(9001, "Operator", "operator")
    op = operator(1)
    # 1: an information request answered directly within the hour (on time).
    info = await _file(svc, wib(4, 9), type=ReportType.INFORMASI, title="Jadwal vaksin")
    answer = {"answer": "Setiap Senin.", "answered_at": wib(4, 10)}
    done = await perform(svc, info, Action.ANSWER_INFO, op, values=answer, at=wib(4, 10))
    assert isinstance(done, Done)
    # 2: a complaint disposed to Dinas Kesehatan on the day (stays with the unit).
    disposed = await _file(svc, wib(4, 11))
    done = await perform(
        svc, disposed, Action.DISPOSE, op, values={"unit_id": dinkes.id}, at=wib(4, 13)
    )
    assert isinstance(done, Done)
    # 3: anonymous, by e-mail, disposed to Dinas Pendidikan.
    anon = await _file(
        svc,
        wib(5, 9),
        telegram_id=ANON_TELEGRAM_ID,
        channel=Channel.EMAIL,
        anonymous=True,
        identity=ANON_IDENTITY,
        title="Sekolah memungut biaya seragam",
        description="Sekolah memungut biaya seragam yang mahal.",
    )
    await perform(svc, anon, Action.DISPOSE, op, values={"unit_id": disdik.id}, at=wib(6, 9))
    # 4: confidential, by letter, never triaged: its triage clock runs out (overdue).
    secret = await _file(
        svc,
        wib(5, 10),
        channel=Channel.SURAT,
        confidential=True,
        title="Pungutan liar",
        description=SECRET,
    )
    # 5: an information request through SP4N-LAPOR! answered after its triage clock ran out (late).
    late = await _file(
        svc, wib(5, 11), channel=Channel.LAPOR, type=ReportType.INFORMASI, title="Syarat KTP"
    )
    await run_sweep(svc, wib(11, 8))  # Monday 11 May: both triage clocks (due Fri 8 May) ran out
    answer = {"answer": "Bawa KK.", "answered_at": wib(11, 9)}
    assert isinstance(
        await perform(svc, late, Action.ANSWER_INFO, op, values=answer, at=wib(11, 9)), Done
    )
    # Filed in April: outside the period.
    await _file(svc, wib(28, 9, month=4), title="Laporan bulan lalu")
    number = {}
    for rid in (anon, secret, late):
        report = await svc.repo.report(rid)
        assert report is not None
        number[rid] = report.number
    return Seeded(svc, number[anon], number[secret], number[secret], number[late])


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[Seeded]:
    services = await start_services(tmp_path, Clock(wib(20, 10)))
    yield await seed(services)
    await services.db.dispose()


def wall(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return an office wall-clock time as Excel holds it (no zone)."""
    return datetime(year, month, day, hour, minute)  # noqa: DTZ001


def all_text(path: Path) -> str:
    """Return every byte of an Office file's parts, as text (the shared strings included)."""
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


def assert_no_identity(text: str) -> None:
    for value in (*ANON_IDENTITY.values(), str(ANON_TELEGRAM_ID)):
        assert value not in text


async def test_the_register_workbook_has_a_summary_then_one_row_per_report_of_the_period(
    seeded: Seeded, tmp_path: Path
) -> None:
    out = tmp_path / "register.xlsx"
    written = await build.write_register(seeded.svc, MAY, build.Format.XLSX, out)
    assert written.count == 5

    book = load_workbook(out)
    assert book.sheetnames == ["Ringkasan", "Register"]
    summary = {row[0]: row[1] for row in book["Ringkasan"].iter_rows(values_only=True)}
    assert summary["Buku Register Pengaduan"] in (None, "")  # the national default title
    assert summary["Diterima"] == 5
    assert summary["Dijawab"] == 2
    assert summary["Tepat waktu"] == 1
    assert summary["Tepat waktu (%)"] == 50
    assert summary["Lewat batas"] == 1  # the letter never triaged (due Friday 8 May)

    sheet = book["Register"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:X6"
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("Nomor", "Tanggal masuk", "Saluran", "Jenis")
    assert "Pelapor" in header
    assert "Tepat waktu" in header
    by_number = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert len(by_number) == 5
    assert "Laporan bulan lalu" not in str(rows)

    late = by_number[seeded.late]
    assert late["Tepat waktu"] == "Tidak"
    assert late["Saluran"] == "SP4N-LAPOR! (lapor.go.id / SMS 1708)"
    assert isinstance(late["Tanggal dijawab"], datetime)  # dates as dates
    assert late["Tanggal dijawab"] == wall(2026, 5, 11, 9)  # office time, WIB
    assert late["Jenis"] == "Permintaan informasi"

    anon = by_number[seeded.anonymous]
    assert anon["Pelapor"] == "Anonim"
    assert anon["Unit"] == "Dinas Pendidikan"
    assert anon["Tanggal disposisi"] == wall(2026, 5, 6, 9)
    assert anon["Tepat waktu"] == "Berjalan"
    assert_no_identity(all_text(out))

    # Shared export (a file on disk, the group): the confidential report's content withheld.
    secret = by_number[seeded.confidential]
    assert secret["Rahasia"] == "Ya"
    assert SECRET not in all_text(out)
    assert "rahasia" in secret["Isi laporan"]


async def test_a_readers_export_carries_confidential_content_and_still_no_anonymous_identity(
    seeded: Seeded, tmp_path: Path
) -> None:
    out = tmp_path / "register.xlsx"
    await build.write_register(seeded.svc, MAY, build.Format.XLSX, out, audience=Audience.READERS)
    text = all_text(out)
    assert SECRET in text
    assert_no_identity(text)


async def test_the_register_as_csv_matches_the_workbook(seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "register.csv"
    written = await build.write_register(seeded.svc, MAY, build.Format.CSV, out)
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert written.count == 5
    assert len(lines) == 6
    assert lines[0].startswith("Nomor,Tanggal masuk,Saluran")
    assert any(seeded.late in line and "2026-05-11 09:00" in line for line in lines)
    assert SECRET not in out.read_text(encoding="utf-8-sig")
    assert_no_identity(out.read_text(encoding="utf-8-sig"))


async def test_an_empty_period_gives_headers_and_a_no_reports_line(
    seeded: Seeded, tmp_path: Path
) -> None:
    out = tmp_path / "empty.xlsx"
    written = await build.write_register(seeded.svc, EMPTY, build.Format.XLSX, out)
    assert written.count == 0
    book = load_workbook(out)
    rows = list(book["Register"].iter_rows(values_only=True))
    assert rows[0][0] == "Nomor"
    assert rows[1][0] == "Tidak ada laporan pada periode ini."
    report = build.write_report_xlsx(
        seeded.svc, await build.gather(seeded.svc, Kind.MONTHLY, EMPTY), tmp_path / "r.xlsx"
    )
    unit_rows = list(load_workbook(report)["Per unit"].iter_rows(values_only=True))
    assert unit_rows[0][0] == "Kelompok"
    assert unit_rows[1][0] == "Tidak ada laporan pada periode ini."


async def test_the_monthly_report_counts_per_unit_stage_type_and_channel(
    seeded: Seeded, tmp_path: Path
) -> None:
    data = await build.gather(seeded.svc, Kind.MONTHLY, MAY)
    out = build.write_report_xlsx(seeded.svc, data, tmp_path / "monev.xlsx")
    book = load_workbook(out)
    assert book.sheetnames[0] == "Ringkasan"
    assert {
        "Per unit",
        "Per unit dan tahap",
        "Per jenis",
        "Per kategori",
        "Per saluran",
        "Per hari",
    } <= set(book.sheetnames)
    title = book["Ringkasan"]["A2"].value
    assert title == "Laporan hasil monitoring dan evaluasi layanan informasi dan pengaduan"

    def table(name: str) -> dict[str, dict[str, object]]:
        rows = list(book[name].iter_rows(values_only=True))
        return {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}

    units = table("Per unit")
    assert units["Dinas Kesehatan"]["Diterima"] == 1
    assert units["Dinas Pendidikan"]["Diterima"] == 1
    assert units["(belum ada unit)"]["Diterima"] == 3
    assert units["(belum ada unit)"]["Dijawab"] == 2
    assert units["(belum ada unit)"]["Tepat waktu (%)"] == 50
    types = table("Per jenis")
    assert types["Permintaan informasi"]["Diterima"] == 2
    assert types["Pengaduan"]["Diterima"] == 3
    channels = table("Per saluran")
    assert channels["SP4N-LAPOR! (lapor.go.id / SMS 1708)"]["Diterima"] == 1
    stages = list(book["Per unit dan tahap"].iter_rows(values_only=True))
    # Dinas Kesehatan's report: two hours in triage (Monday 09... 11:00 to 13:00).
    assert ("Dinas Kesehatan", "Masuk, menunggu verifikasi", 1, 2, 2) in stages


async def test_an_office_that_owes_a_kie_report_gets_its_sheet_of_information_requests(
    seeded: Seeded, tmp_path: Path
) -> None:
    from bot.domain.profile.schema import Reports

    svc = seeded.svc
    svc.profile = svc.profile.model_copy(update={"reports": Reports(kie=True)})
    out = build.write_report_xlsx(
        svc, await build.gather(svc, Kind.MONTHLY, MAY), tmp_path / "k.xlsx"
    )
    rows = list(load_workbook(out)["Monev KIE"].iter_rows(min_row=2, values_only=True))
    # The two information requests, one per channel, both answered (one late).
    assert sorted((r[0], r[1], r[2], r[3]) for r in rows) == [
        ("SP4N-LAPOR! (lapor.go.id / SMS 1708)", 1, 1, 0),
        ("Telegram (bot ini)", 1, 1, 1),
    ]


def test_the_streaming_workbook_keeps_rows_in_place_and_escapes_what_xml_cannot_hold(
    tmp_path: Path,
) -> None:
    from bot.services.reports.cells import Cell
    from bot.services.reports.fastxlsx import FastWorkbook
    from bot.services.reports.tables import Column

    book = FastWorkbook(tmp_path / "f.xlsx")
    summary = book.sheet("Ringkasan", [Column("Uraian"), Column("Nilai")])
    summary.write(["Diterima", 3])  # a number in a text column: written as a number
    summary.write(["Dibuat", wall(2026, 5, 1, 8)])
    sheet = book.sheet(
        "Register: 2026/05", [Column("A"), Column("B", Cell.NUMBER), Column("C", Cell.DATETIME)]
    )
    sheet.write(["<b>&\x07", 7, wall(2026, 5, 11, 9, 30)])
    sheet.write([None, None, None])
    sheet.write(["x", 1.5, None])
    book.close()
    loaded = load_workbook(tmp_path / "f.xlsx")
    assert loaded.sheetnames == ["Ringkasan", "Register  2026 05"]
    assert [r for r in loaded["Ringkasan"].iter_rows(values_only=True)] == [
        ("Uraian", "Nilai"),
        ("Diterima", 3),
        ("Dibuat", wall(2026, 5, 1, 8)),
    ]
    rows = list(loaded["Register  2026 05"].iter_rows(values_only=True))
    assert rows[1] == ("<b>&", 7, wall(2026, 5, 11, 9, 30))
    assert rows[3] == ("x", 1.5, None)


async def test_every_register_cell_of_the_workbook_says_what_the_csv_says(
    seeded: Seeded, tmp_path: Path
) -> None:
    # The workbook reads raw records (RegisterCells.record, a million rows' path); the CSV reads
    # RegisterRows (RegisterCells.values). Both must write the same cells, dates as dates.
    xlsx, csv_out = tmp_path / "register.xlsx", tmp_path / "register.csv"
    await build.write_register(seeded.svc, MAY, build.Format.XLSX, xlsx)
    await build.write_register(seeded.svc, MAY, build.Format.CSV, csv_out)
    book_rows = list(load_workbook(xlsx)["Register"].iter_rows(values_only=True))
    with csv_out.open(encoding="utf-8-sig", newline="") as handle:
        csv_rows = list(csv.reader(handle))
    assert len(book_rows) == len(csv_rows) == 6

    def as_csv(value: object) -> str:
        if isinstance(value, datetime):
            return value.isoformat(sep=" ", timespec="minutes")
        return "" if value is None else str(value)

    dated = 0
    for book_row, csv_row in zip(book_rows, csv_rows, strict=True):
        assert [as_csv(v) for v in book_row] == csv_row
        dated += sum(isinstance(v, datetime) for v in book_row)
    assert dated >= 5 * 3  # filed, both due dates at least, for each report


def test_stored_times_become_excel_serials_of_the_office_clock_to_the_second() -> None:
    from datetime import UTC, timedelta
    from zoneinfo import ZoneInfo

    from openpyxl.utils.datetime import from_excel

    from bot.services.reports.cells import ExcelTimes

    wib_zone = ZoneInfo("Asia/Jakarta")
    times = ExcelTimes(wib_zone, timedelta(hours=7))
    cases = {
        "2026-05-11 02:00:00.000000": datetime(2026, 5, 11, 9),  # noqa: DTZ001
        # 17:00 UTC is midnight in Jakarta: the next day, no fraction.
        "2026-05-11 17:00:00.000000": datetime(2026, 5, 12),  # noqa: DTZ001
        "2026-12-31 23:59:59.999999": datetime(2027, 1, 1, 6, 59, 59),  # noqa: DTZ001
        "2026-02-28 18:30:05.250000": datetime(2026, 3, 1, 1, 30, 5),  # noqa: DTZ001
    }
    for stored, local in cases.items():
        text = times.text(stored)
        assert text is not None
        assert from_excel(float(text)) == local, stored
        # The datetime path (PostgreSQL) gives the same instant.
        aware = datetime.fromisoformat(stored).replace(tzinfo=UTC)
        again = times.text(aware)
        assert again is not None
        assert abs(float(again) - float(text)) * 86400 < 1.001  # the text path drops the µs
    assert times.text("2026-05-11 17:00:00.000000") == "46154"  # a whole day: no decimals
    assert times.text(None) is None
    # A zone with summer time has no fixed offset: each time is converted on its own.
    paris = ExcelTimes(ZoneInfo("Europe/Paris"), None)
    summer = paris.text("2026-07-01 10:00:00.000000")
    assert summer is not None
    assert from_excel(float(summer)) == datetime(2026, 7, 1, 12)  # noqa: DTZ001


@pytest.mark.sqlite_only("the plan checked is SQLite's (EXPLAIN QUERY PLAN)")
async def test_the_register_query_streams_in_filing_order_without_sorting_the_year(
    seeded: Seeded,
) -> None:
    # Grouped by the filing time and id, SQLite reads the period through its index and sends
    # each row as it is built; grouped by id alone it sorted the whole year first.
    from sqlalchemy import text as sql_text

    from storage.repo.register import _register_query

    start, end = MAY.bounds(seeded.svc.profile.zone)
    stmt = _register_query(start, end)
    async with seeded.svc.db.read() as conn:
        compiled = stmt.compile(conn.sync_connection, compile_kwargs={"literal_binds": True})
        plan = [r[3] for r in await conn.execute(sql_text(f"EXPLAIN QUERY PLAN {compiled}"))]
    assert any("ix_reports_submitted_at" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
    numbers = [r.number async for r in seeded.svc.repo.register_rows(start, end)]  # oldest first
    assert len(numbers) == 5
    assert numbers == sorted(numbers)


def test_a_streamed_sheet_deflates_beside_the_rows_and_a_given_up_book_leaves_no_thread(
    tmp_path: Path,
) -> None:
    import threading

    from bot.services.reports.cells import Cell
    from bot.services.reports.fastxlsx import FastWorkbook
    from bot.services.reports.tables import Column

    columns = [Column("Nomor"), Column("Saluran", Cell.LABEL), Column("Masuk", Cell.DATETIME)]
    book = FastWorkbook(tmp_path / "s.xlsx")
    summary = book.sheet("Ringkasan", [Column("Uraian"), Column("Nilai")])
    sheet = book.sheet("Register", columns, stream=True)
    for n in range(30_000):  # several megabytes: many chunks through the deflating thread
        sheet.write([f"LAPOR-2026-{n:06d}", ("Surat", "Telepon")[n % 2], "46154.375"])
    summary.write(["Diterima", 30_000])
    book.close()
    loaded = load_workbook(tmp_path / "s.xlsx", read_only=True)
    assert loaded.sheetnames == ["Ringkasan", "Register"]
    rows = list(loaded["Register"].iter_rows(values_only=True))
    assert len(rows) == 30_001
    assert rows[1] == ("LAPOR-2026-000000", "Surat", wall(2026, 5, 12, 9))
    assert rows[-1] == ("LAPOR-2026-029999", "Telepon", wall(2026, 5, 12, 9))
    assert list(loaded["Ringkasan"].iter_rows(values_only=True))[1] == ("Diterima", 30_000)

    given_up = FastWorkbook(tmp_path / "g.xlsx")
    given_up.sheet("Register", columns, stream=True).write(["x", "Surat", None])
    given_up.abandon()
    assert not any(t.name == "xlsx-deflate" and t.is_alive() for t in threading.enumerate())
