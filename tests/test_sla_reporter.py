"""The reporter's side of the clock: reminded while staff wait, closed after silence."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.vocabulary import Action, Stage
from bot.domain.workflow import REPORTER
from bot.services.container import Services
from bot.services.sla.sweep import run_sweep
from bot.services.transition import Done, perform
from storage.vocabulary import ReportType
from tests.test_sla_sweep import MONDAY, clock, file_report, operator, svc, wib

__all__ = ["clock", "svc"]  # the fixtures, shared with test_sla_sweep

REPORTER_CHAT = 5001


async def reporter_texts(svc: Services) -> list[str]:
    return [
        m.payload["text"]
        for m in await svc.repo.outbox_items()
        if m.chat_id == REPORTER_CHAT and m.kind == "send_message"
    ]


async def test_the_reporter_is_reminded_once_then_the_silent_report_closes(svc: Services) -> None:
    await svc.repo.add_staff(9001, "Operator", "operator")
    report_id = await file_report(svc, MONDAY, reporter_chat=REPORTER_CHAT)
    asked = await perform(svc, report_id, Action.ASK_INFO, operator(1), note="Alamat lengkap?")
    assert isinstance(asked, Done)
    # Nasional: silence closes after 10 working days (Wednesday 20 May 16:00, past Ascension
    # Day); the reminder goes when 3 working days of office time are left: Wednesday 13 May at
    # closing, which in office time is the next opening (Monday 18 May 08:00).
    close_at = asked.report.stage_due_at
    assert close_at == wib(20, 16)
    before = len(await reporter_texts(svc))

    assert (await run_sweep(svc, wib(13, 15))).reporter_reminders == 0
    # The bot was down on Monday morning; the evening's sweep reminds at once.
    result = await run_sweep(svc, wib(18, 21))
    assert result.reporter_reminders == 1
    reminder = (await svc.repo.outbox_items())[-1]
    assert reminder.not_before <= wib(18, 21), "citizens are not held until office hours"
    texts = await reporter_texts(svc)
    assert len(texts) == before + 1
    assert "masih menunggu keterangan Anda" in texts[-1]
    assert (await run_sweep(svc, wib(19, 9))).reporter_reminders == 0, "reminded once"

    assert (await run_sweep(svc, close_at - timedelta(minutes=1))).closed == 0
    assert (await run_sweep(svc, close_at + timedelta(minutes=1))).closed == 1
    report = await svc.repo.report(report_id)
    assert report is not None
    assert report.stage == Stage.CLOSED
    event = (await svc.repo.events(report_id))[-1]
    assert (event.action, event.actor_kind) == ("close", "system")
    assert event.note == "Keterangan yang diminta belum dikirim sampai batas waktu."
    assert "ditutup" in (await reporter_texts(svc))[-1]
    assert (await run_sweep(svc, close_at + timedelta(days=1))).closed == 0


async def test_an_answer_the_reporter_does_not_react_to_closes_after_the_period(
    svc: Services,
) -> None:
    await svc.repo.add_staff(9001, "Operator", "operator")
    # Answered directly: an information request (a complaint is never answered that way).
    report_id = await file_report(
        svc, MONDAY, reporter_chat=REPORTER_CHAT, type=ReportType.INFORMASI
    )
    answered = await perform(
        svc,
        report_id,
        Action.ANSWER_INFO,
        operator(1),
        values={"answer": "Jadwal layanan 08.00-16.00.", "answered_at": MONDAY},
    )
    assert isinstance(answered, Done)
    close_at = answered.report.stage_due_at
    assert close_at is not None
    assert (await run_sweep(svc, close_at - timedelta(minutes=1))).closed == 0
    assert (await run_sweep(svc, close_at)).closed == 1
    report = await svc.repo.report(report_id)
    assert report is not None
    assert report.stage == Stage.CLOSED
    event = (await svc.repo.events(report_id))[-1]
    assert event.note == "Jawaban tidak ditanggapi sampai batas waktu."


async def test_a_reporter_who_answers_in_time_is_neither_reminded_nor_closed(
    svc: Services,
) -> None:
    await svc.repo.add_staff(9001, "Operator", "operator")
    report_id = await file_report(svc, MONDAY, reporter_chat=REPORTER_CHAT)
    await perform(svc, report_id, Action.ASK_INFO, operator(1), note="Alamat lengkap?")
    await perform(svc, report_id, Action.PROVIDE_INFO, REPORTER, at=wib(5, 9))
    result = await run_sweep(svc, wib(20, 21))
    assert (result.reporter_reminders, result.closed) == (0, 0)
    report = await svc.repo.report(report_id)
    assert report is not None
    assert report.stage == Stage.SUBMITTED
