"""The service-level sweep: warnings, breaches and escalations fire once each, in digests."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from bot.domain.deadlines import submission_deadlines
from bot.domain.profile import Profile, load_profile
from bot.domain.tracking import numbering
from bot.domain.vocabulary import Action, Channel, Role, Stage
from bot.domain.workflow import Actor, ActorKind
from bot.services.container import Services, build_services
from bot.services.sla.digest import CAPTION_LIMIT
from bot.services.sla.sweep import run_sweep
from bot.services.transition import Done, perform
from bot.settings import Settings
from storage import tables as t
from storage.models import NewReport, OutboxItem
from storage.repo.sla import ClockName, candidate_ids_query
from storage.vocabulary import ReportType
from tests.harness import database_url

STAFF_GROUP = -1001234567890
WIB = timedelta(hours=7)


def wib(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    """Return a moment given in WIB (May 2026 unless told), in UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - WIB


# Monday 4 May 2026, 09:00 WIB. Nasional: triage due Thursday 7 May 16:00 (3 working days),
# warning one office day before (Wednesday 16:00, so Thursday morning's digest), escalation one
# office day after (Friday 16:00, so Monday morning's digest).
MONDAY = wib(4, 9)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def sla_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url(tmp_path),
        "staff_chat_id": STAFF_GROUP,
        **overrides,
    }
    return Settings(_env_file=None, **values)


async def start_services(
    tmp_path: Path, clock: Clock, profile: Profile | None = None, **overrides: Any
) -> Services:
    """Build the services on the test's database, as a (re)started bot would."""
    services = build_services(sla_settings(tmp_path, **overrides), profile=profile, clock=clock)
    await services.db.upgrade()
    await services.repo.seed_units(
        [("dinkes", "Dinas Kesehatan", "opd"), ("disdik", "Dinas Pendidikan", "opd")]
    )
    return services


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
async def svc(tmp_path: Path, clock: Clock) -> AsyncIterator[Services]:
    services = await start_services(tmp_path, clock)
    yield services
    await services.db.dispose()


async def file_report(
    svc: Services,
    at: datetime,
    *,
    reporter_chat: int = 5001,
    title: str = "Puskesmas tutup",
    confidential: bool = False,
    channel: str = "telegram",
    type: ReportType = ReportType.PENGADUAN,
) -> int:
    reporter = await svc.repo.ensure_reporter(reporter_chat)
    stage_due, final_due = submission_deadlines(svc.profile, svc.calendar, channel, at)
    report = await svc.repo.submit_report(
        NewReport(
            reporter_id=reporter.id,
            channel=Channel(channel),
            type=type,
            title=title,
            description="Puskesmas tutup pada jam pelayanan tanpa pemberitahuan kepada warga.",
            stage=Stage.SUBMITTED,
            submitted_at=at,
            confidential=confidential,
            stage_due_at=stage_due,
            final_due_at=final_due,
        ),
        numbering=numbering(svc.profile.prefix, at, svc.profile.zone),
    )
    return report.id


async def staff_rows(svc: Services) -> list[OutboxItem]:
    """Return queued messages to staff (the group or a staff member's private chat)."""
    staff_ids = {s.telegram_user_id for s in await svc.repo.staff_contacts()}
    return [
        m
        for m in await svc.repo.outbox_items()
        if (m.chat_id == STAFF_GROUP or m.chat_id in staff_ids) and m.kind != "card"
    ]


async def document_lines(svc: Services, message: OutboxItem) -> list[list[str]]:
    """Return the rows of the CSV file a queued digest sends (stored once in outbox_files)."""
    assert message.document_id is not None, "the digest carries a file"
    stored = await svc.repo.outbox_file(message.document_id)
    assert stored is not None
    # UTF-8 with one byte-order mark, so that spreadsheet programs read it as UTF-8.
    assert stored.content.startswith(b"\xef\xbb\xbf")
    assert not stored.content[3:].startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(stored.content.decode("utf-8-sig"))))


async def sweep_and_take(svc: Services, at: datetime) -> list[OutboxItem]:
    """Run a sweep and return the staff messages it queued."""
    before = {m.id for m in await svc.repo.outbox_items()}
    await run_sweep(svc, at)
    return [m for m in await staff_rows(svc) if m.id not in before]


def operator(staff_id: int) -> Actor:
    return Actor(ActorKind.STAFF, role=Role.OPERATOR, staff_id=staff_id)


async def test_warning_breach_and_escalation_fire_once_each_in_digests(svc: Services) -> None:
    report_id = await file_report(svc, MONDAY)
    report = await svc.repo.report(report_id)
    assert report is not None
    assert report.stage_due_at == wib(7, 16)

    assert await sweep_and_take(svc, wib(6, 10)) == [], "Wednesday morning: nothing due yet"

    warned = await sweep_and_take(svc, wib(7, 8, 5))
    assert [(m.chat_id, m.kind) for m in warned] == [(STAFF_GROUP, "send_message")]
    assert report.number in warned[0].payload["text"]
    assert "1 mendekati batas waktu" in warned[0].payload["text"]
    assert await sweep_and_take(svc, wib(7, 8, 10)) == [], "a threshold fires once"

    breached = await sweep_and_take(svc, wib(8, 8, 5))
    assert len(breached) == 1
    assert "1 lewat batas waktu" in breached[0].payload["text"]
    assert await sweep_and_take(svc, wib(8, 15)) == []

    escalated = await sweep_and_take(svc, wib(11, 8, 5))
    assert len(escalated) == 1
    assert "1 dieskalasi ke atasan" in escalated[0].payload["text"]
    assert await sweep_and_take(svc, wib(11, 9)) == []
    assert await sweep_and_take(svc, wib(12, 9)) == [], "escalated once per stage visit"

    after = await svc.repo.report(report_id)
    assert after is not None
    assert await svc.repo.sla_marks_of(report_id) == {
        "stage_warned_at": wib(7, 8, 5),
        "stage_breached_at": wib(8, 8, 5),
        "stage_escalated_at": wib(11, 8, 5),
    }
    assert after.version == report.version, "marks are not a transition: card buttons stay valid"


async def test_marks_survive_a_restart_and_a_new_stage_visit_starts_clean(
    tmp_path: Path, clock: Clock
) -> None:
    first = await start_services(tmp_path, clock)
    await first.repo.add_staff(9001, "Operator", "operator")
    report_id = await file_report(first, MONDAY)
    assert len(await sweep_and_take(first, wib(8, 9))) == 1  # breach (the warning is superseded)
    await first.db.dispose()

    again = await start_services(tmp_path, clock)  # the bot restarted
    assert await sweep_and_take(again, wib(8, 9, 5)) == []
    unit = (await again.repo.list_units())[0]
    moved = await perform(
        again, report_id, Action.DISPOSE, operator(1), values={"unit_id": unit.id}, at=wib(8, 10)
    )
    assert isinstance(moved, Done)
    marks = await again.repo.sla_marks_of(report_id)
    assert not any(name.startswith("stage_") for name in marks), "a new visit starts clean"
    # Disposed Friday 8 May: 5 working days, past Ascension Day and its cuti bersama (14 and 15
    # May), due Tuesday 19 May 16:00; warned after 3 (Wednesday 13 May 16:00), announced when the
    # office next opens: Monday 18 May.
    assert moved.report.stage_due_at == wib(19, 16)
    assert await sweep_and_take(again, wib(14, 9)) == [], "a holiday: the office is closed"
    warned = await sweep_and_take(again, wib(18, 8, 5))
    assert len(warned) == 1
    assert "mendekati batas waktu" in warned[0].payload["text"]
    await again.db.dispose()


async def test_nothing_reaches_staff_at_night_and_the_morning_digest_catches_up(
    svc: Services,
) -> None:
    for n in range(3):
        await file_report(svc, MONDAY + timedelta(minutes=n))
    result = await run_sweep(svc, wib(7, 22))  # Thursday night, all three overdue since 16:00
    assert result.staff_skipped
    assert await staff_rows(svc) == []
    assert await sweep_and_take(svc, wib(9, 10)) == [], "Saturday: the office is closed"
    morning = await sweep_and_take(svc, wib(8, 8))
    assert len(morning) == 1, "one digest for the three reports"
    assert "3 lewat batas waktu" in morning[0].payload["text"]
    assert morning[0].not_before <= wib(8, 8)


async def test_a_digest_is_held_until_the_office_opens(svc: Services, clock: Clock) -> None:
    await file_report(svc, MONDAY)
    # A sweep that read the clock at 15:59 queues its digest as the office closes.
    clock.now = wib(8, 16, 30)
    await run_sweep(svc, wib(8, 15, 59))
    [digest] = await staff_rows(svc)
    assert digest.not_before == wib(11, 8), "held until Monday's opening"
    assert await svc.repo.due_outbox(10) == []


async def test_holders_and_supervisors_get_their_digest_privately_where_reachable(
    svc: Services,
) -> None:
    dinkes, disdik = await svc.repo.list_units()
    liaison = await svc.repo.add_staff(7001, "Penghubung Dinkes", "liaison", unit_ids=[dinkes.id])
    await svc.repo.add_staff(7002, "Penghubung Disdik", "liaison", unit_ids=[disdik.id])
    await svc.repo.add_staff(7003, "Penghubung Dinkes 2", "liaison", unit_ids=[dinkes.id])
    await svc.repo.add_staff(7004, "Kepala", "supervisor")
    op = await svc.repo.add_staff(7005, "Operator", "operator")
    for uid in (7001, 7002, 7004, 7005):  # 7003 never wrote to the bot privately
        await svc.repo.mark_private_chat(uid)

    first = await file_report(svc, MONDAY)
    second = await file_report(svc, MONDAY)
    for report_id in (first, second):
        done = await perform(
            svc, report_id, Action.DISPOSE, operator(op.id), values={"unit_id": dinkes.id}
        )
        assert isinstance(done, Done)
    # Disposed Monday 09:00: due Monday 11 May 16:00, escalated Tuesday 12 May 16:00.
    breached = await sweep_and_take(svc, wib(12, 8))
    assert sorted(m.chat_id for m in breached) == sorted([STAFF_GROUP, liaison.telegram_user_id])
    assert all("2 lewat batas waktu" in m.payload["text"] for m in breached)

    escalated = await sweep_and_take(svc, wib(13, 8))
    assert sorted(m.chat_id for m in escalated) == sorted([STAFF_GROUP, 7001, 7004])


async def test_a_confidential_reports_title_stays_out_of_the_group(svc: Services) -> None:
    await file_report(svc, MONDAY, title="Pungutan liar oleh kepala seksi", confidential=True)
    [digest] = await sweep_and_take(svc, wib(8, 8))
    assert "Pungutan" not in digest.payload["text"]


async def test_the_groups_file_leaves_out_a_confidential_title_a_supervisors_file_keeps(
    tmp_path: Path, clock: Clock
) -> None:
    svc = await start_services(tmp_path, clock, sla_digest_inline_max=1)
    await svc.repo.add_staff(7004, "Kepala", "supervisor")
    await svc.repo.mark_private_chat(7004)
    await file_report(svc, MONDAY, title="Pungutan liar oleh kepala seksi", confidential=True)
    await file_report(svc, MONDAY, title="Jalan rusak di depan pasar")
    digests = await sweep_and_take(svc, wib(13, 8))  # both escalated: the supervisor hears
    files = {m.chat_id: await document_lines(svc, m) for m in digests}
    await svc.db.dispose()
    assert sorted(files) == sorted([STAFF_GROUP, 7004])
    group, private = (sorted(row[-1] for row in files[c][1:]) for c in (STAFF_GROUP, 7004))
    assert group == ["", "Jalan rusak di depan pasar"]
    assert private == ["Jalan rusak di depan pasar", "Pungutan liar oleh kepala seksi"]


async def test_tentative_levels_remind_but_never_escalate(tmp_path: Path, clock: Clock) -> None:
    svc = await start_services(tmp_path, clock, profile=load_profile("ntt-pbj"))
    await file_report(svc, MONDAY)
    assert len(await sweep_and_take(svc, wib(7, 8, 5))) == 1  # warning
    assert len(await sweep_and_take(svc, wib(8, 8, 5))) == 1  # breach
    assert await sweep_and_take(svc, wib(11, 9)) == []
    assert await sweep_and_take(svc, wib(20, 9)) == [], "tentative: no escalation, ever"
    await svc.db.dispose()


async def test_the_end_to_end_clock_is_watched_beside_the_stage_clock(
    tmp_path: Path, clock: Clock
) -> None:
    # Seed 002: face to face is answered within 15 office minutes, end to end.
    svc = await start_services(tmp_path, clock, profile=load_profile("ntt-biro-organisasi"))
    report_id = await file_report(svc, MONDAY, channel="tatap_muka")
    report = await svc.repo.report(report_id)
    assert report is not None
    assert report.final_due_at == MONDAY + timedelta(minutes=15)
    messages = await sweep_and_take(svc, MONDAY + timedelta(minutes=16))
    assert len(messages) == 1
    assert "batas akhir layanan" in messages[0].payload["text"]
    assert await sweep_and_take(svc, MONDAY + timedelta(minutes=20)) == []
    marks = await svc.repo.sla_marks_of(report_id)
    assert "final_breached_at" in marks
    assert "stage_breached_at" not in marks, "the stage clock is its own"
    await svc.db.dispose()


async def insert_overdue(svc: Services, count: int, unit_id: int) -> None:
    """Insert `count` reports already past their triage due time, in one statement."""
    reporter = await svc.repo.ensure_reporter(5001)
    rows = [
        {
            "number": f"LAPOR-2026-{n:06d}",
            "reporter_id": reporter.id,
            "channel": "telegram",
            "type": "pengaduan",
            "title": f"Laporan nomor {n}",
            "description": "Isi laporan yang sudah lewat batas waktu.",
            "stage": "disposed",
            "unit_id": unit_id,
            "stage_started_at": MONDAY,
            "stage_due_at": wib(4, 16) - timedelta(days=7) + timedelta(seconds=n),
            "submitted_at": MONDAY - timedelta(days=7),
            "updated_at": MONDAY,
        }
        for n in range(1, count + 1)
    ]
    async with svc.db.write() as conn:
        await conn.execute(insert(t.reports), rows)


async def test_ten_thousand_overdue_reports_give_one_digest_per_recipient(
    svc: Services,
) -> None:
    dinkes, _ = await svc.repo.list_units()
    await svc.repo.add_staff(7001, "Penghubung Dinkes", "liaison", unit_ids=[dinkes.id])
    await svc.repo.mark_private_chat(7001)
    await insert_overdue(svc, 10_000, dinkes.id)

    started = time.perf_counter()
    result = await run_sweep(svc, wib(5, 9))
    took = time.perf_counter() - started
    assert len(result.alerts) == 10_000
    digests = await staff_rows(svc)
    assert sorted(m.chat_id for m in digests) == sorted([STAFF_GROUP, 7001])
    for digest in digests:
        assert digest.kind == "send_document"
        assert len(digest.payload["caption"]) <= CAPTION_LIMIT
        lines = await document_lines(svc, digest)
        assert len(lines) == 10_001
    assert took < 30, f"the sweep took {took:.1f}s"
    # The group gets one message per sweep; the next sweep has nothing new to say.
    assert await sweep_and_take(svc, wib(5, 9, 5)) == []


async def test_a_stage_change_deletes_the_stage_marks_and_the_next_visit_fires_again(
    svc: Services,
) -> None:
    await svc.repo.add_staff(9001, "Operator", "operator")
    report_id = await file_report(svc, MONDAY)
    assert len(await sweep_and_take(svc, wib(8, 9))) == 1  # the first visit's breach
    first = await svc.repo.sla_marks_of(report_id)
    assert first["stage_breached_at"] == wib(8, 9)
    unit = (await svc.repo.list_units())[0]
    moved = await perform(
        svc, report_id, Action.DISPOSE, operator(1), values={"unit_id": unit.id}, at=wib(8, 10)
    )
    assert isinstance(moved, Done)
    async with svc.db.read() as conn:
        rows = (
            await conn.execute(
                select(t.sla_marks.c.clock, t.sla_marks.c.mark).where(
                    t.sla_marks.c.report_id == report_id
                )
            )
        ).all()
    assert [r for r in rows if r.clock == "stage"] == [], "the new visit starts with no mark"
    assert {k: v for k, v in first.items() if k.startswith("final_")} == {
        k: v for k, v in (await svc.repo.sla_marks_of(report_id)).items() if k.startswith("final_")
    }, "the end-to-end marks are the report's, not the visit's"
    # Disposed Friday 8 May, due Tuesday 19 May 16:00 (see the test above): breached again.
    again = await sweep_and_take(svc, wib(20, 8, 5))
    assert len(again) == 1
    assert "1 lewat batas waktu" in again[0].payload["text"]
    assert (await svc.repo.sla_marks_of(report_id))["stage_breached_at"] == wib(20, 8, 5)
    assert await sweep_and_take(svc, wib(20, 9)) == [], "and once"


@pytest.mark.sqlite_only("the plan checked is SQLite's (EXPLAIN QUERY PLAN)")
async def test_sweep_queries_read_a_range_of_due_times_and_probe_the_marks(svc: Services) -> None:
    horizons: dict[Any, datetime] = {
        "warned": MONDAY + timedelta(days=2),
        "breached": MONDAY,
        "escalated": MONDAY - timedelta(days=2),
    }
    clocks: list[tuple[ClockName, str]] = [
        ("stage", "ix_reports_stage_due"),
        ("final", "ix_reports_open_final_due"),
    ]
    for clock, index in clocks:
        query = candidate_ids_query("disposed", clock, horizons)
        compiled = query.compile(compile_kwargs={"literal_binds": True})
        async with svc.db.read() as conn:
            plan = (await conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()
        details = " ".join(str(row[-1]) for row in plan)
        assert f"INDEX {index} (stage=? AND {clock}_due_at<?)" in details, details
        assert "SEARCH sla_marks USING PRIMARY KEY (report_id=? AND clock=?)" in details
        assert "SCAN" not in details, details


async def test_a_report_that_moved_while_the_sweep_ran_is_not_marked(svc: Services) -> None:
    report_id = await file_report(svc, MONDAY)
    rows = await svc.repo.sla_candidates("submitted", wib(8, 9), unmarked="breached")
    unit = (await svc.repo.list_units())[0]
    await svc.repo.add_staff(9001, "Operator", "operator")
    await perform(svc, report_id, Action.DISPOSE, operator(1), values={"unit_id": unit.id})
    from storage.repo.sla import SlaMarks

    marks = [SlaMarks(r.id, r.version, {"stage_breached_at": wib(8, 9)}) for r in rows]
    assert await svc.repo.record_sla_batch(marks) == set()  # the batch leaves it out
    report = await svc.repo.report(report_id)
    assert report is not None
    assert report.stage == Stage.DISPOSED
    assert await svc.repo.sla_marks_of(report_id) == {}
