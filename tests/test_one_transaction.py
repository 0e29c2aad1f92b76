"""A citizen's step and everything it causes are written in one transaction, or not at all.

Each test counts the write transactions a use case opens (a small wrapper around the database's
`write()`), and where it matters, breaks the rendering of a message to show that nothing of the
change is left half done: staff never miss a withdrawal, a "belum puas" or a confidential report.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.domain.intake import ReportDraft
from bot.domain.vocabulary import Action, Role, Stage
from bot.domain.workflow import Actor, ActorKind
from bot.services import citizen, notify
from bot.services.container import Services, build_services
from bot.services.submit import DailyLimit, submit
from bot.services.transition import Done, perform
from bot.settings import Settings
from storage.models import OutboxItem, Report
from storage.vocabulary import ReportType
from tests.factories import filed_report
from tests.harness import Writes, database_url

STAFF_GROUP = -1001234567890
# Monday 4 May 2026, 09:00 WIB.
MONDAY = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
CITIZEN = 5001
OPERATOR = 9001


@pytest.fixture
async def svc(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(
        _env_file=None,
        database_url=database_url(tmp_path),
        staff_chat_id=STAFF_GROUP,
    )
    services = build_services(settings, clock=lambda: MONDAY)
    await services.db.upgrade()
    operator = await services.repo.add_staff(OPERATOR, "Ani", "operator")
    await services.repo.mark_private_chat(operator.telegram_user_id)
    yield services
    await services.db.dispose()


@pytest.fixture
def writes(svc: Services, monkeypatch: pytest.MonkeyPatch) -> Writes:
    counter = Writes(svc.db.write)
    monkeypatch.setattr(svc.db, "write", counter)
    return counter


async def answered_report(svc: Services) -> Report:
    """File a report and answer it, as staff would, so that the reporter may rate or dispute."""
    report = await filed_report(
        svc,
        CITIZEN,
        MONDAY,
        type=ReportType.INFORMASI,
        title="Jam buka puskesmas",
        description="Jam berapa Puskesmas Oebobo buka pada hari Sabtu?",
    )
    staff = Actor(ActorKind.STAFF, role=Role.OPERATOR, staff_id=1)
    answer = "Sabtu buka pukul 08.00 sampai 12.00."
    outcome = await perform(
        svc,
        report.id,
        Action.ANSWER_INFO,
        staff,
        note=answer,
        values={"answer": answer, "answered_at": MONDAY},
    )
    assert isinstance(outcome, Done)
    return outcome.report


def thread_notices(items: list[OutboxItem]) -> list[str]:
    return [i.payload["text"] for i in items if i.kind == "send_to_thread"]


async def test_a_confidential_reports_details_reach_the_triage_staff_with_the_report(
    svc: Services, writes: Writes
) -> None:
    reporter = await svc.repo.ensure_reporter(CITIZEN)
    draft = ReportDraft(
        type="pengaduan",
        title="Pungutan liar di kantor desa",
        description="Petugas meminta uang untuk surat keterangan yang seharusnya gratis.",
        confidential=True,
        attachments=[
            {"kind": "photo", "file_id": "f-1", "file_unique_id": "u-1",
             "source_chat_id": CITIZEN, "source_message_id": 11},
        ],
    )  # fmt: skip
    before = writes.count

    report = await submit(svc, reporter, draft, limit_per_day=5)

    assert not isinstance(report, DailyLimit)
    assert writes.count - before == 1
    queued = [(i.chat_id, i.kind, i.report_id) for i in await svc.repo.outbox_items()]
    assert queued == [
        (STAFF_GROUP, "card", report.id),
        (OPERATOR, "detail", report.id),
        (OPERATOR, "copy_message", report.id),
    ]
    card = (await svc.repo.outbox_items())[0]
    assert card.coalesce_key == f"card:{report.id}"


async def test_a_withdrawal_and_the_staffs_notice_are_one_write(
    svc: Services, writes: Writes
) -> None:
    report = await answered_report(svc)
    before = writes.count

    outcome = await citizen.withdraw(svc, report.id, "Sudah dijawab langsung di loket.")

    assert isinstance(outcome, Done)
    assert outcome.report.stage == Stage.CLOSED
    assert writes.count - before == 1
    notices = thread_notices(await svc.repo.outbox_items())
    assert any("Sudah dijawab langsung di loket." in text for text in notices)


async def test_a_withdrawal_staff_cannot_be_told_about_leaves_the_report_open(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = await answered_report(svc)
    queued = len(await svc.repo.outbox_items())
    events = len(await svc.repo.events(report.id))

    def unrenderable(*_args: Any, **_values: Any) -> list[Any]:
        raise RuntimeError("the notice could not be rendered")

    monkeypatch.setattr(notify, "staff_notice", unrenderable)
    with pytest.raises(RuntimeError):
        await citizen.withdraw(svc, report.id, None)

    assert await svc.repo.report(report.id) == report
    assert len(await svc.repo.events(report.id)) == events
    assert len(await svc.repo.outbox_items()) == queued


async def test_belum_puas_reopens_the_report_and_tells_staff_in_one_write(
    svc: Services, writes: Writes
) -> None:
    report = await answered_report(svc)
    before = writes.count

    outcome = await citizen.dispute(svc, report, "Jawaban belum menjawab pertanyaan saya.")

    assert isinstance(outcome, Done)
    assert outcome.report.stage == Stage.IN_PROGRESS
    assert writes.count - before == 1
    notices = thread_notices(await svc.repo.outbox_items())
    assert any("Jawaban belum menjawab pertanyaan saya." in text for text in notices)


async def test_information_added_to_an_open_report_and_its_notice_are_one_write(
    svc: Services, writes: Writes
) -> None:
    report = await answered_report(svc)
    before = writes.count

    added = await citizen.add_information(svc, report.id, "Saya datang hari Sabtu lalu.", [])

    assert added is not None
    assert writes.count - before == 1
    events = await svc.repo.events(report.id)
    assert (events[-1].action, events[-1].note) == ("note", "Saya datang hari Sabtu lalu.")
    assert any(
        "Saya datang hari Sabtu lalu." in t for t in thread_notices(await svc.repo.outbox_items())
    )
    # A note is not a transition: the staff's buttons (the card's version) stay valid.
    assert (await svc.repo.report(report.id)) == report
