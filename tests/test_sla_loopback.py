"""The SLA jobs in the running bot, against the loopback Bot API, with a controllable clock."""

from __future__ import annotations

from pathlib import Path

from bot.services.sla.sweep import run_sweep
from loopback import LoopbackBotApi
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


async def test_thresholds_reach_the_group_once_each_across_restarts(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    group = loopback.add_supergroup("Staf Pengaduan")
    clock = Clock(MONDAY)
    runner = BotRunner(
        make_settings(loopback, tmp_path, staff_chat_id=group.id, sla_jobs_enabled=True),
        clock=clock,
        loopback=loopback,
    )
    await runner.start()
    await file_report(runner.services, MONDAY)
    clock.now = wib(7, 8, 5)
    await run_sweep(runner.services, clock.now)

    def digests() -> list[str]:
        return group_texts(loopback, group.id, "Pengingat batas waktu")

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
    group = loopback.add_supergroup("Staf Pengaduan")
    clock = Clock(MONDAY)
    settings = make_settings(
        loopback, tmp_path, staff_chat_id=group.id, sla_jobs_enabled=True, sla_digest_inline_max=5
    )
    runner = BotRunner(settings, clock=clock, loopback=loopback)
    await runner.start()
    for n in range(8):
        await file_report(runner.services, MONDAY, title=f"Jalan rusak {n}")
    clock.now = wib(8, 9)
    await run_sweep(runner.services, clock.now)
    await runner.idle()
    # The group gets other documents too (the morning reports' workbook): take the digest.
    [call] = [
        c
        for c in loopback.calls("sendDocument", chat_id=group.id)
        if "Pengingat batas waktu" in str(c.params.get("caption"))
    ]
    await runner.stop()
    assert "8 lewat batas waktu" in str(call.params["caption"])
    [upload] = call.files.values()
    content = upload.content.decode("utf-8-sig")
    assert content.count("LAPOR-2026-") == 8
    assert len(group_texts(loopback, group.id, "Pengingat batas waktu")) == 1


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
