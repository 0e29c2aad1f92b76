"""Transitions at the domain level: one transaction each, safe when staff race."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.tracking import numbering
from bot.domain.vocabulary import Action, Role, Stage
from bot.domain.workflow import REPORTER, Actor, ActorKind, Refusal, Refused
from bot.services.container import Services, build_services
from bot.services.transition import Done, Stale, perform
from bot.settings import Settings
from storage.models import NewReport
from storage.vocabulary import Channel, ReportType
from tests.factories import filed_report
from tests.harness import database_url

STAFF_GROUP = -1001234567890
# Monday 4 May 2026, 09:00 WIB: an ordinary working morning.
MONDAY = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)


@pytest.fixture
async def svc(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(
        _env_file=None,
        database_url=database_url(tmp_path),
        staff_chat_id=STAFF_GROUP,
    )
    services = build_services(settings, clock=lambda: MONDAY)
    await services.db.upgrade()
    await services.repo.seed_units([("dinkes", "Dinas Kesehatan", "opd")])
    for n in range(1, 6):
        await services.repo.add_staff(9000 + n, f"Operator {n}", "operator")
    yield services
    await services.db.dispose()


async def file_report(svc: Services) -> int:
    return (await filed_report(svc, 5001, MONDAY)).id


def operator(staff_id: int) -> Actor:
    return Actor(ActorKind.STAFF, role=Role.OPERATOR, staff_id=staff_id)


async def test_two_operators_pressing_dispose_at_once_produce_one_transition(
    svc: Services,
) -> None:
    report_id = await file_report(svc)
    unit = (await svc.repo.list_units())[0]
    outcomes = await asyncio.gather(
        *(
            perform(
                svc,
                report_id,
                Action.DISPOSE,
                operator(n),
                expected_version=1,
                values={"unit_id": unit.id},
            )
            for n in range(1, 6)
        )
    )
    assert sum(isinstance(o, Done) for o in outcomes) == 1
    assert sum(isinstance(o, Stale) for o in outcomes) == 4
    events = await svc.repo.events(report_id)
    assert [e.action for e in events] == ["submit", "dispose"]
    report = await svc.repo.report(report_id)
    assert report is not None
    assert (report.stage, report.unit_id, report.version) == (Stage.DISPOSED, unit.id, 2)


async def test_a_second_press_without_a_version_is_refused_by_the_stage(svc: Services) -> None:
    report_id = await file_report(svc)
    first = await perform(svc, report_id, Action.REJECT, operator(1), note="Bukan wewenang")
    second = await perform(svc, report_id, Action.REJECT, operator(2), note="Bukan wewenang")
    assert isinstance(first, Done)
    assert second == Refused(Action.REJECT, Refusal.STAGE)
    assert [e.action for e in await svc.repo.events(report_id)] == ["submit", "reject"]


async def test_a_transition_writes_its_audit_row_and_outbox_messages_together(
    svc: Services,
) -> None:
    report_id = await file_report(svc)
    outcome = await perform(svc, report_id, Action.ASK_INFO, operator(1), note="Kapan kejadiannya?")
    assert isinstance(outcome, Done)
    event = (await svc.repo.events(report_id))[-1]
    assert (event.action, event.from_stage, event.to_stage, event.note, event.actor_staff_id) == (
        "ask_info",
        "submitted",
        "needs_info",
        "Kapan kejadiannya?",
        1,
    )
    pending = await svc.repo.outbox_items(status="pending")
    assert {(m.chat_id, m.kind) for m in pending} == {(STAFF_GROUP, "card"), (5001, "send_message")}
    question = next(m for m in pending if m.chat_id == 5001)
    assert "Kapan kejadiannya?" in question.payload["text"]


async def test_asking_for_information_pauses_the_clock_and_the_answer_resumes_it(
    svc: Services,
) -> None:
    report_id = await file_report(svc)
    before = await svc.repo.report(report_id)
    assert before is not None
    assert before.stage_due_at is None  # set by the intake layer, not by this bare submission
    asked = await perform(svc, report_id, Action.ASK_INFO, operator(1), note="Alamat lengkap?")
    assert isinstance(asked, Done)
    assert asked.report.stage == Stage.NEEDS_INFO
    assert asked.report.stage_due_at is not None, "silence closes the report at this time"
    answered = await perform(svc, report_id, Action.PROVIDE_INFO, REPORTER)
    assert isinstance(answered, Done)
    assert answered.report.stage == Stage.SUBMITTED
    assert answered.report.paused_stage_seconds is None


async def test_marking_a_duplicate_makes_its_reporter_follow_the_original_in_one_go(
    svc: Services,
) -> None:
    original_id = await file_report(svc)
    other = await svc.repo.ensure_reporter(5002)
    duplicate = await svc.repo.submit_report(
        NewReport(
            reporter_id=other.id,
            channel=Channel.TELEGRAM,
            type=ReportType.PENGADUAN,
            title="Puskesmas tutup lagi",
            description="Puskesmas masih tutup pada jam pelayanan, sama seperti laporan lain.",
            stage=Stage.SUBMITTED,
            submitted_at=MONDAY,
        ),
        numbering=numbering("LAPOR", MONDAY, svc.profile.zone),
    )
    outcome = await perform(
        svc,
        duplicate.id,
        Action.MARK_DUPLICATE,
        operator(1),
        values={"duplicate_of_id": original_id},
        data={"duplicate_of_number": "LAPOR-2026-000001"},
    )
    assert isinstance(outcome, Done)
    assert [r.id for r in await svc.repo.followers_of(original_id)] == [other.id]
    # Marking one's own second report a duplicate does not make one follow oneself.
    own = await file_report(svc)
    await perform(
        svc, own, Action.MARK_DUPLICATE, operator(2), values={"duplicate_of_id": original_id}
    )
    assert [r.id for r in await svc.repo.followers_of(original_id)] == [other.id]
