"""The sweep in bounded batches: a sweep stopped between two batches resumes, nothing doubled.

A stop is what a crash or a kill does between two transactions: the batches written so far stay,
nothing after them happens. The next sweep (the bot restarted) must announce every threshold
that fired exactly once: what the staff group receives through the loopback Bot API and the
marks on the reports say so.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from bot.domain.thresholds import Marks, reached
from bot.domain.vocabulary import Stage
from bot.services.container import Services
from bot.services.sla.sweep import _Decider, run_sweep
from loopback import LoopbackBotApi
from storage import tables as t
from storage.repo.sla import PENDING_PREFIX
from tests.harness import BotRunner, make_settings
from tests.test_sla_sweep import MONDAY, Clock, file_report, insert_overdue, wib

# Tuesday 5 May 2026, 09:00 WIB: every report inserted by insert_overdue is long past due.
TUESDAY = wib(5, 9)


class Stopped(Exception):
    """The sweep was stopped here, as by a kill between two transactions."""


def stop_after(batch: int) -> Any:
    async def hook(number: int) -> None:
        if number == batch:
            raise Stopped(f"stopped after batch {number}")

    return hook


def numbers_in_group(loopback: LoopbackBotApi, chat_id: int) -> list[str]:
    """Return every tracking number the group was shown in a digest (text or CSV file)."""
    found: list[str] = []
    for call in loopback.calls(None, chat_id=chat_id):
        if not call.ok or call.method not in ("sendMessage", "sendDocument"):
            continue
        body = str(call.params.get("text") or call.params.get("caption") or "")
        if "Pengingat batas waktu" not in body:
            continue
        if call.method == "sendDocument":
            [upload] = call.files.values()
            body = upload.content.decode("utf-8-sig")
        found += re.findall(r"LAPOR-2026-\d{6}", body)
    return found


def group_digests(loopback: LoopbackBotApi, chat_id: int) -> int:
    return sum(
        1
        for call in loopback.calls(None, chat_id=chat_id)
        if call.ok
        and "Pengingat batas waktu"
        in str(call.params.get("text") or call.params.get("caption") or "")
    )


async def marks_of(svc: Services) -> dict[str, tuple[Any, ...]]:
    """Return each report's stage marks (warned, breached, escalated), by tracking number.

    As they hold: a mark stands for the lower ones too (an escalation is one row).
    """
    async with svc.db.read() as conn:
        numbers = dict((await conn.execute(select(t.reports.c.id, t.reports.c.number))).all())
    found = {}
    for report_id, number in numbers.items():
        marks = await svc.repo.sla_marks_of(report_id)
        warned, breached, escalated = (marks.get(f"stage_{m}_at") for m in MARKS)
        found[number] = (warned or breached or escalated, breached or escalated, escalated)
    return found


MARKS = ("warned", "breached", "escalated")


async def journal_keys(svc: Services) -> list[str]:
    async with svc.db.read() as conn:
        rows = await conn.execute(
            select(t.settings_kv.c.key).where(t.settings_kv.c.key.startswith(PENDING_PREFIX))
        )
        return list(rows.scalars())


async def start_bot(
    loopback: LoopbackBotApi, tmp_path: Path, clock: Clock | None = None, **overrides: Any
) -> tuple[BotRunner, int]:
    group = loopback.add_supergroup("Staf Pengaduan")
    settings = make_settings(
        loopback,
        tmp_path,
        staff_chat_id=group.id,
        sla_batch_size=4,
        sla_digest_inline_max=50,
        **overrides,
    )
    runner = BotRunner(settings, clock=clock or Clock(TUESDAY), loopback=loopback)
    await runner.start()
    return runner, group.id


@pytest.mark.parametrize("stopped_after", [1, 2, 3])
async def test_a_sweep_stopped_after_a_batch_resumes_and_announces_each_report_once(
    loopback: LoopbackBotApi, tmp_path: Path, stopped_after: int
) -> None:
    clock = Clock(TUESDAY)
    runner, group = await start_bot(loopback, tmp_path, clock)
    svc = runner.services
    unit = (await svc.repo.list_units())[0]
    await insert_overdue(svc, 10, unit.id)  # 10 reports in batches of 4: 3 batches

    with pytest.raises(Stopped):
        await run_sweep(svc, TUESDAY, after_batch=stop_after(stopped_after))
    marked = [n for n, m in (await marks_of(svc)).items() if m[1] is not None]
    assert len(marked) == min(4 * stopped_after, 10), "the written batches stay"
    await runner.idle()
    assert group_digests(loopback, group) == 0, "no digest before the sweep is done"

    clock.now = TUESDAY + timedelta(minutes=5)
    await runner.restart()  # the bot comes back and sweeps again
    result = await run_sweep(runner.services, clock.now)
    await runner.idle()
    assert len(result.alerts) == 10
    assert group_digests(loopback, group) == 1, "one digest for the stopped sweep and this one"
    assert sorted(numbers_in_group(loopback, group)) == [
        f"LAPOR-2026-{n:06d}" for n in range(1, 11)
    ]
    marks = await marks_of(runner.services)
    assert all(m[1] is not None and m[2] is not None for m in marks.values()), marks
    assert await journal_keys(runner.services) == [], "the journal is closed with the digest"

    # Nothing left to say: the next sweep neither repeats nor loses anything.
    clock.now = TUESDAY + timedelta(minutes=10)
    again = await run_sweep(runner.services, clock.now)
    await runner.idle()
    await runner.stop()
    assert again.alerts == []
    assert group_digests(loopback, group) == 1
    assert len(numbers_in_group(loopback, group)) == 10


async def test_a_sweep_stopped_before_its_digest_is_announced_by_the_next_one(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    clock = Clock(TUESDAY)
    runner, group = await start_bot(loopback, tmp_path, clock)
    svc = runner.services
    unit = (await svc.repo.list_units())[0]
    await insert_overdue(svc, 8, unit.id)  # exactly two batches

    with pytest.raises(Stopped):
        await run_sweep(svc, TUESDAY, after_batch=stop_after(2))  # every mark is written
    assert len(await journal_keys(svc)) == 2
    await runner.idle()
    assert group_digests(loopback, group) == 0

    clock.now = TUESDAY + timedelta(minutes=5)
    result = await run_sweep(svc, clock.now)
    await runner.idle()
    await runner.stop()
    assert len(result.alerts) == 8, "the journaled alerts, though no report fires again"
    assert group_digests(loopback, group) == 1
    assert sorted(numbers_in_group(loopback, group)) == [f"LAPOR-2026-{n:06d}" for n in range(1, 9)]


async def test_a_journaled_report_that_moved_on_is_not_announced(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    clock = Clock(TUESDAY)
    runner, group = await start_bot(loopback, tmp_path, clock)
    svc = runner.services
    unit = (await svc.repo.list_units())[0]
    await insert_overdue(svc, 4, unit.id)
    with pytest.raises(Stopped):
        await run_sweep(svc, TUESDAY, after_batch=stop_after(1))
    async with svc.db.write() as conn:  # a transition: a new stage visit, a new version
        await conn.execute(
            t.reports.update()
            .where(t.reports.c.number == "LAPOR-2026-000001")
            .values(stage="in_progress", version=t.reports.c.version + 1)
        )
    clock.now = TUESDAY + timedelta(minutes=5)
    result = await run_sweep(svc, clock.now)
    await runner.idle()
    await runner.stop()
    assert sorted(a.row.number for a in result.alerts) == [
        f"LAPOR-2026-{n:06d}" for n in range(2, 5)
    ]
    assert group_digests(loopback, group) == 1
    assert "LAPOR-2026-000001" not in numbers_in_group(loopback, group)


async def test_each_batch_is_one_short_write_and_the_outbox_rows_one_insert(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    runner, _group = await start_bot(loopback, tmp_path)
    svc = runner.services
    unit = (await svc.repo.list_units())[0]
    await svc.repo.add_staff(7001, "Penghubung", "liaison", unit_ids=[unit.id])
    await svc.repo.mark_private_chat(7001)
    await insert_overdue(svc, 10, unit.id)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split()
        verb = words[0].upper()
        table = words[2] if verb in ("INSERT", "DELETE") else words[1]
        statements.append(f"{verb} {table}")

    event.listen(svc.db.writer.sync_engine, "before_cursor_execute", seen)
    try:
        result = await run_sweep(svc, TUESDAY)
    finally:
        event.remove(svc.db.writer.sync_engine, "before_cursor_execute", seen)
    async with svc.db.read() as conn:
        breaches = (await conn.execute(select(func.count()).select_from(t.sla_breaches))).scalar()
        marks = (await conn.execute(select(func.count()).select_from(t.sla_marks))).scalar()
    await runner.stop()
    # One mark row per threshold announced: an escalation's mark stands for the warning and
    # the breach it supersedes.
    assert marks == len(result.alerts) >= 10
    # Three batches (each: the rows, their marks and first breaches, the journal), then the
    # digests. No report row is written: marks and breaches are rows of narrow tables.
    outbox_inserts = [s for s in statements if s == "INSERT outbox"]
    assert len(outbox_inserts) == 1, statements
    assert not [s for s in statements if s.startswith("UPDATE")], statements
    assert breaches == 10


@pytest.mark.sqlite_only("SQLite's query plan")
async def test_the_candidates_are_one_read_of_due_times_that_probes_the_marks(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    runner, _group = await start_bot(loopback, tmp_path)
    svc = runner.services
    await file_report(svc, MONDAY)
    captured: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        captured.append((statement, parameters))

    event.listen(svc.db.reader.sync_engine, "before_cursor_execute", seen)
    try:
        horizons = {"warned": wib(8, 9), "breached": wib(7, 9), "escalated": wib(6, 9)}
        ids = await svc.repo.sla_candidate_ids("submitted", "stage", horizons)  # type: ignore[arg-type]
    finally:
        event.remove(svc.db.reader.sync_engine, "before_cursor_execute", seen)
    assert len(ids) == 1
    [(statement, parameters)] = [c for c in captured if "FROM reports" in c[0]]
    async with svc.db.read() as conn:
        plan = (
            await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", tuple(parameters))
        ).all()
    await runner.stop()
    details = " ".join(str(row[-1]) for row in plan)
    assert "INDEX ix_reports_stage_due (stage=? AND stage_due_at<?)" in details, details
    probe = "SEARCH sla_marks USING PRIMARY KEY (report_id=? AND clock=?)"
    assert details.count(probe) == 1, "one probe per report, whatever the thresholds"
    assert "SCAN" not in details, details


def test_the_remembered_decision_agrees_with_the_calendar_walk(tmp_path: Path) -> None:
    from bot.services.container import build_services
    from tests.test_sla_sweep import sla_settings

    svc = build_services(sla_settings(tmp_path))
    rng = random.Random(15)
    levels = [
        svc.profile.service_level(Stage.SUBMITTED),
        svc.profile.service_level(Stage.DISPOSED),
        svc.profile.end_to_end.default,
    ]
    fired_patterns = ((False, False, False), (True, False, False), (True, True, False))
    for _ in range(100):
        now = TUESDAY + timedelta(minutes=rng.randint(0, 60 * 24 * 40))
        decider = _Decider(svc, now)
        # Due times repeat in a sweep (closing times): each is asked again, from the memory.
        dues = [now - timedelta(minutes=rng.randint(-60 * 24 * 20, 60 * 24 * 60)) for _ in range(3)]
        for due in [*dues, *dues]:
            for level in levels:
                assert level is not None
                for fired in fired_patterns:
                    marks = Marks(*(due if was else None for was in fired))
                    expected = reached(
                        svc.calendar,
                        now,
                        due,
                        level,
                        marks,
                        svc.profile.limits.escalate_after_breach,
                    )
                    assert decider.threshold(due, level, fired) == expected, (now, due, fired)


@pytest.mark.sqlite_only("the FTS5 table and its trigger (migration 0010)")
async def test_the_duplicate_search_stays_in_step_when_only_marks_change(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    runner, _group = await start_bot(loopback, tmp_path)
    svc = runner.services
    unit = (await svc.repo.list_units())[0]
    await insert_overdue(svc, 3, unit.id)

    async def searchable() -> list[int]:
        async with svc.db.read() as conn:
            rows = await conn.execute(text("SELECT rowid FROM report_search ORDER BY rowid"))
            return list(rows.scalars())

    before = await searchable()
    assert len(before) == 3
    await run_sweep(svc, TUESDAY)  # marks only (migration 0010: the trigger does not run)
    assert await searchable() == before
    async with svc.db.write() as conn:  # a stage that leaves the search, and a new title
        await conn.execute(
            t.reports.update().where(t.reports.c.id == before[0]).values(stage="answered")
        )
        await conn.execute(
            t.reports.update().where(t.reports.c.id == before[1]).values(title="Jembatan putus")
        )
    async with svc.db.read() as conn:
        found = await conn.execute(
            text("SELECT rowid FROM report_search WHERE report_search MATCH 'jembatan'")
        )
        matched = list(found.scalars())
    after = await searchable()
    await runner.stop()
    assert after == before[1:]
    assert matched == [before[1]]


async def test_reporter_reminders_stopped_after_a_batch_go_out_once_each(
    tmp_path: Path,
) -> None:
    from bot.domain.vocabulary import Action
    from bot.services.transition import Done, perform
    from tests.test_sla_sweep import operator, start_services

    clock = Clock(MONDAY)
    svc = await start_services(tmp_path, clock, sla_batch_size=2)
    await svc.repo.add_staff(9001, "Operator", "operator")
    chats = [5101 + n for n in range(5)]  # five reporters: batches of 2, 2 and 1
    for chat in chats:
        report_id = await file_report(svc, MONDAY, reporter_chat=chat)
        asked = await perform(svc, report_id, Action.ASK_INFO, operator(1), note="Alamat?")
        assert isinstance(asked, Done)

    async def reminded() -> list[int]:
        return sorted(
            m.chat_id
            for m in await svc.repo.outbox_items()
            if m.chat_id in chats and "masih menunggu keterangan Anda" in m.payload["text"]
        )

    evening = wib(18, 21)  # the reminders are due; the office is closed (no staff digest)
    clock.now = evening
    with pytest.raises(Stopped):
        await run_sweep(svc, evening, after_batch=stop_after(2))
    assert len(await reminded()) == 4, "two batches of two were written"
    result = await run_sweep(svc, evening + timedelta(minutes=5))
    assert result.reporter_reminders == 1
    assert await reminded() == chats, "each reporter reminded exactly once"
    assert (await run_sweep(svc, evening + timedelta(minutes=10))).reporter_reminders == 0
    marks = await marks_of(svc)
    await svc.db.dispose()
    assert all(warned is not None for warned, _, _ in marks.values())


def test_a_csv_cell_is_written_as_csv_writer_writes_it() -> None:
    import csv
    import io

    from bot.services.sla.digest import csv_cell

    rng = random.Random(3)
    pieces = ["Jalan", " rusak", ",", '"', "\n", "\r", "''", "é", "—", ";", "\t", ""]
    rows = [[rng.choice(pieces) + rng.choice(pieces) for _ in range(4)] for _ in range(400)]
    rows += [["a,b", 'kata "jalan"', "baris\r\nbaru", ""]]
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    assert "".join(",".join(map(csv_cell, row)) + "\r\n" for row in rows) == out.getvalue()
    assert list(csv.reader(io.StringIO(out.getvalue()))) == rows


def test_a_journal_entry_reads_back_in_either_form() -> None:
    from storage.repo.sla import PendingAlert, journal_value, read_journal

    alerts = [PendingAlert(7, 3, "stage", 2), PendingAlert(9, 1, "final", 3)]
    assert read_journal(journal_value(alerts)) == alerts
    # Written by a sweep before 2026-12-03 and left by a crash: the due time is read back.
    assert read_journal([[7, 3, "stage", 2, "2026-12-02T09:00:00+00:00"]]) == alerts[:1]
