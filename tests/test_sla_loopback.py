"""The SLA jobs in the running bot, against the loopback Bot API, with a controllable clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.services.sla.sweep import run_sweep
from loopback import FakeChat, LoopbackBotApi, RecordedRequest
from tests.harness import BotRunner, make_settings
from tests.test_sla_sweep import MONDAY, Clock, file_report, wib


def group_texts(loopback: LoopbackBotApi, chat_id: int, marker: str) -> list[str]:
    found = []
    for call in loopback.calls(None, chat_id=chat_id):
        if not call.ok or call.method not in ("sendMessage", "sendDocument"):
            continue
        text = str(call.params.get("text") or call.params.get("caption") or "")
        if marker in text:
            found.append(text)
    return found


DIGEST = "Pengingat batas waktu"


def digest_documents(loopback: LoopbackBotApi, chat_id: int) -> list[RecordedRequest]:
    """Return the sendDocument calls of reminder digests to a chat (answered or refused)."""
    return [
        c
        for c in loopback.calls("sendDocument", chat_id=chat_id)
        if DIGEST in str(c.params.get("caption"))
    ]


async def start_with_group(
    loopback: LoopbackBotApi, tmp_path: Path, **settings: Any
) -> tuple[FakeChat, Clock, BotRunner]:
    """Start the bot on Monday with a staff group and the SLA jobs on."""
    group = loopback.add_supergroup("Staf Pengaduan")
    clock = Clock(MONDAY)
    runner = BotRunner(
        make_settings(
            loopback, tmp_path, staff_chat_id=group.id, sla_jobs_enabled=True, **settings
        ),
        clock=clock,
        loopback=loopback,
    )
    await runner.start()
    return group, clock, runner


async def test_thresholds_reach_the_group_once_each_across_restarts(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    group, clock, runner = await start_with_group(loopback, tmp_path)
    await file_report(runner.services, MONDAY)
    clock.now = wib(7, 8, 5)
    await run_sweep(runner.services, clock.now)

    def digests() -> list[str]:
        return group_texts(loopback, group.id, DIGEST)

    await runner.idle()
    assert len(digests()) == 1
    assert "mendekati batas waktu" in digests()[0]

    await runner.restart()  # the start-up sweep runs at once and finds nothing new
    await run_sweep(runner.services, clock.now)
    await runner.services.sender().drain()
    assert len(digests()) == 1

    await runner.stop()
    clock.now = wib(8, 8, 5)  # the bot was down overnight; it starts on Friday morning
    await runner.start()
    await runner.idle()  # the start-up sweep, and the digest it queued
    assert len(digests()) == 2
    assert "lewat batas waktu" in digests()[1]
    await runner.stop()
    assert len(digests()) == 2


async def test_a_long_digest_is_one_document_with_the_summary_as_caption(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    group, clock, runner = await start_with_group(loopback, tmp_path, sla_digest_inline_max=5)
    for n in range(8):
        await file_report(runner.services, MONDAY, title=f"Jalan rusak {n}")
    clock.now = wib(8, 9)
    await run_sweep(runner.services, clock.now)
    await runner.idle()
    # The group gets other documents too (the morning reports' workbook): take the digest.
    [call] = digest_documents(loopback, group.id)
    await runner.stop()
    assert "8 lewat batas waktu" in str(call.params["caption"])
    [upload] = call.files.values()
    content = upload.content.decode("utf-8-sig")
    assert content.count("LAPOR-2026-") == 8
    assert len(group_texts(loopback, group.id, DIGEST)) == 1


async def test_the_morning_recap_is_posted_once_when_the_bot_starts_during_office_hours(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    group = loopback.add_supergroup("Staf Pengaduan")
    clock = Clock(wib(4, 8, 30))
    runner = BotRunner(
        make_settings(loopback, tmp_path, staff_chat_id=group.id, sla_jobs_enabled=True),
        clock=clock,
        loopback=loopback,
    )
    await runner.start()
    await runner.idle()  # the catch-up recap runs at once
    assert group_texts(loopback, group.id, "Rekap harian")
    await runner.restart()
    await runner.idle()
    await runner.stop()
    assert len(group_texts(loopback, group.id, "Rekap harian")) == 1


async def test_a_digest_file_shared_by_several_chats_is_stored_and_uploaded_once(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    heads = [loopback.add_user(name) for name in ("Kepala", "Wakil Kepala")]
    group, clock, runner = await start_with_group(loopback, tmp_path, sla_digest_inline_max=1)
    svc = runner.services
    for head in heads:
        await svc.repo.add_staff(head.id, head.first_name, "supervisor")
        await svc.repo.mark_private_chat(head.id)
    for n in range(3):
        await file_report(svc, MONDAY, title=f"Jalan rusak {n}")
    clock.now = wib(13, 8)  # every report escalated: both supervisors hear of all three
    await run_sweep(svc, clock.now)
    queued = [m for m in await svc.repo.outbox_items() if m.chat_id in {h.id for h in heads}]
    await runner.idle()
    chats = [group.id, *(h.id for h in heads)]
    sends = [c for chat in chats for c in digest_documents(loopback, chat) if c.ok]
    await runner.stop()

    # One stored file for the two supervisors (the same list), named by both rows.
    assert len(queued) == 2
    assert queued[0].document_id is not None
    assert queued[0].document_id == queued[1].document_id
    assert "document_text" not in queued[0].payload
    # The group's list is the same file (no confidential title to leave out): one upload in
    # all, the other chats get the file by Telegram's file_id.
    assert len(sends) == 3
    [uploaded] = [c for c in sends if c.files]
    assert list(uploaded.files) == ["document"]
    assert uploaded.response is not None
    file_id = uploaded.response["result"]["document"]["file_id"]
    assert sorted(c.params["document"] for c in sends if not c.files) == [file_id, file_id]
    received = {
        loopback.files[str(c.response["result"]["document"]["file_id"])].data
        for c in sends
        if c.response is not None
    }
    [data] = received
    assert data.decode("utf-8-sig").count("LAPOR-2026-") == 3


async def test_a_file_id_telegram_refuses_is_forgotten_and_the_file_uploaded_again(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    group, clock, runner = await start_with_group(loopback, tmp_path, sla_digest_inline_max=1)
    svc = runner.services
    for n in range(2):
        await file_report(svc, MONDAY, title=f"Jalan rusak {n}")
    clock.now = wib(8, 9)
    await run_sweep(svc, clock.now)
    [digest] = [m for m in await svc.repo.outbox_items(status="pending") if m.document_id]
    assert digest.document_id is not None
    # As after the bot's token changed: a file_id of another bot.
    await svc.repo.remember_telegram_file(digest.document_id, "BQACAgIAAxkBAAIBOGZ-another-bot")
    await runner.idle()
    stored = await svc.repo.outbox_file(digest.document_id)
    [sent] = [m for m in await svc.repo.outbox_items(status="sent") if m.id == digest.id]
    calls = digest_documents(loopback, group.id)
    await runner.stop()

    refused, uploaded = calls[-2:]
    assert not refused.ok
    assert refused.files == {}
    assert uploaded.ok
    assert list(uploaded.files) == ["document"]
    assert uploaded.response is not None
    assert stored is not None
    assert stored.telegram_file_id == uploaded.response["result"]["document"]["file_id"]
    assert sent.sent_message_id == uploaded.response["result"]["message_id"]
