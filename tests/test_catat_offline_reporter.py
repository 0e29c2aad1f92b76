"""A reporter without Telegram (recorded with /catat): staff ask them, and record what they said.

Issue 10: "A report recorded with /catat for a reporter without Telegram gets stuck on 'Minta
keterangan': staff cannot record the reporter's answer, and it will close itself as unanswered."
The bot cannot ask such a reporter, so their silence closes nothing until staff record that
they tried to reach them; and the answer goes back to them by staff, through the original
channel, as the card and the thread say.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from bot.services.sla.sweep import run_sweep
from loopback import LoopbackBotApi
from storage.models import Report
from tests.citizen import Citizen
from tests.staff_kit import StaffWorld, staff_world

QUESTION = "Kapan permohonan izin usaha diajukan, dan ke loket mana?"
ANSWER_BY_PHONE = "Menurut pelapor (lewat telepon): diajukan 3 Maret di loket 2 DPMPTSP."
DESCRIPTION = (
    "Pelapor menelepon: permohonan izin usaha warungnya belum diproses sejak bulan lalu "
    "meskipun berkas sudah lengkap."
)


async def recorded_by_phone(w: StaffWorld, loopback: LoopbackBotApi) -> Report:
    """Record a telephone report with /catat, as the operator would."""
    ani = Citizen(loopback, w.ani)
    await ani.says("/catat")
    for answer in ("Telepon", "Pengaduan", "Layanan", "Perizinan", "Izin usaha lambat"):
        await ani.says(answer)
    await ani.says(DESCRIPTION)
    await ani.says("👤 Pelapor menyebutkan identitas")
    await ani.says("Yosef Nahak")
    await ani.says("081234567890")
    await ani.says("⏭️ Lewati")
    done = await ani.says("💾 Simpan laporan")
    number = re.search(r"LAPOR-\d{4}-\d{6}", done)
    assert number is not None, done
    await w.settle()
    report = await w.svc.repo.report_by_number(number.group())
    assert report is not None
    return report


async def asked(w: StaffWorld, loopback: LoopbackBotApi) -> Report:
    """Record it, hand it to the unit, and have the liaison ask the reporter a question."""
    report = await recorded_by_phone(w, loopback)
    await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
    await w.act(w.budi, report, "accept")
    await w.act(w.budi, report, "ask_info", text=QUESTION)
    assert (await w.report(report)).stage == "needs_info"
    return report


def buttons(card: dict[str, object]) -> list[str]:
    markup = card.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def thread(loopback: LoopbackBotApi, w: StaffWorld) -> str:
    return "\n".join(m.get("text", "") for m in loopback.bot_messages(w.group.id))


async def test_staff_record_the_answer_of_a_reporter_without_telegram_and_the_report_resumes(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await asked(w, loopback)
        card = await w.card(report)
        assert "📝 Catat keterangan pelapor" in buttons(card)
        assert "ajukan pertanyaannya melalui Telepon" in card["text"]
        # The question reaches staff in the thread, to put it to the reporter by phone.
        said = thread(loopback, w)
        assert f"Pertanyaan untuk pelapor {report.number}: {QUESTION}" in said
        assert "sampaikan pertanyaan ini melalui saluran asal laporan" in said

        await w.act(w.budi, report, "record_info", text=ANSWER_BY_PHONE)
        now = await w.report(report)
        assert now.stage == "in_progress", "the report resumes where it was"
        last = (await w.svc.repo.events(report.id))[-1]
        budi = await w.svc.repo.staff_by_telegram(w.budi.id)
        assert budi is not None
        assert (last.action, last.actor_kind, last.actor_staff_id, last.note) == (
            "record_info",
            "staff",
            budi.id,
            ANSWER_BY_PHONE,
        )
        assert (last.from_stage, last.to_stage) == ("needs_info", "in_progress")
        card = await w.card(report)
        assert "Keterangan pelapor dicatat petugas" in card["text"]
        assert "📝 Catat keterangan pelapor" not in buttons(card)


async def test_a_reporter_without_telegram_is_not_closed_as_unanswered_until_staff_record_trying(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await asked(w, loopback)
        waiting = await w.report(report)
        assert waiting.stage_due_at is None, "no closing time: the bot could not ask"
        later = w.svc.clock() + timedelta(days=60)
        assert (await run_sweep(w.svc, later)).closed == 0
        assert (await w.report(report)).stage == "needs_info"
        assert "ditutup otomatis hanya bila pelapor tetap diam" in (await w.card(report))["text"]

        await w.act(w.budi, report, "record_contact", text="Telepon dua kali, tidak diangkat.")
        tried = await w.report(report)
        assert tried.stage == "needs_info"
        assert tried.stage_due_at is not None, "from the try, silence closes it as usual"
        last = (await w.svc.repo.events(report.id))[-1]
        assert (last.action, last.note) == ("record_contact", "Telepon dua kali, tidak diangkat.")
        assert "⏰ Batas" in (await w.card(report))["text"]

        result = await run_sweep(w.svc, tried.stage_due_at + timedelta(minutes=1))
        assert result.closed == 1
        closed = await w.report(report)
        assert closed.stage == "closed"
        assert (await w.svc.repo.events(report.id))[-1].actor_kind == "system"


async def test_the_answer_to_a_reporter_without_telegram_is_delivered_by_staff_not_by_silence(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await recorded_by_phone(w, loopback)
        card = (await w.card(report))["text"]
        assert "bot tidak mengirim apa pun kepadanya" in card
        assert "jawaban disampaikan petugas melalui Telepon" in card
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        await w.act(w.budi, report, "accept")
        await w.act(w.budi, report, "answer", text="Izin usaha sudah terbit hari ini.")
        answered = await w.report(report)
        assert answered.stage == "answered"
        assert "sampaikan jawaban melalui Telepon" in (await w.card(report))["text"]
        assert "sampaikan jawaban melalui saluran asal" in thread(loopback, w)
        # Nobody can rate it: only staff, once they delivered it, close it.
        assert answered.stage_due_at is None
        assert (await run_sweep(w.svc, w.svc.clock() + timedelta(days=60))).closed == 0
        await w.act(w.ani, report, "close")
        assert (await w.report(report)).stage == "closed"


async def test_recording_the_answer_is_refused_for_a_reporter_on_telegram(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.act(w.ani, report, "ask_info", text="Jam berapa puskesmas tutup?")
        card = await w.card(report)
        assert "📝 Catat keterangan pelapor" not in buttons(card)
        assert "📞 Catat upaya menghubungi" not in buttons(card)
        answer = await w.press(w.ani, report, "record_info", forge=True)
        assert answer is not None
        assert "keterangannya dikirim sendiri melalui bot" in answer.get("text", "")
        assert (await w.report(report)).stage == "needs_info"
        assert (await w.report(report)).stage_due_at is not None, "the bot asked: silence counts"
