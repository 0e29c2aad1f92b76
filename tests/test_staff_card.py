"""The report's life on the staff group's card, through the loopback Bot API."""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackBotApi
from tests.staff_kit import staff_world


def texts(loopback: LoopbackBotApi, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in loopback.bot_messages(chat_id)]


async def test_a_complaint_is_disposed_accepted_answered_and_closed(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        card = await w.card(report)
        assert card["text"].startswith(f"📋 {report.number}")
        assert "Siti Aminah" in card["text"]
        dinkes = await w.unit_id("dinkes")

        await w.act(w.ani, report, "dispose", choice=dinkes)
        assert (await w.report(report)).stage == "disposed"
        assert "Dinas Kesehatan" in (await w.card(report))["text"]
        assert any("diteruskan ke unit Anda" in t for t in texts(loopback, w.budi.id))

        await w.act(w.budi, report, "accept")
        await w.act(w.budi, report, "answer", text="Puskesmas buka lagi mulai Senin.")
        assert (await w.report(report)).stage == "answered"
        assert "Puskesmas buka lagi mulai Senin." in texts(loopback, w.siti.id)[-1]

        await w.act(w.ani, report, "close")
        assert (await w.report(report)).stage == "closed"
        assert await w.stages(report) == [
            "submit",
            "dispose",
            "accept",
            "answer",
            "close",
        ]


async def test_liaison_returns_a_report_outside_its_authority_and_it_is_disposed_again(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        await w.act(w.budi, report, "return_to_triage", text="Ini urusan sekolah, bukan puskesmas.")
        returned = await w.report(report)
        assert (returned.stage, returned.unit_id) == ("submitted", None)
        events = await w.svc.repo.events(report.id)
        assert events[-1].note == "Ini urusan sekolah, bukan puskesmas."

        await w.act(w.ani, report, "dispose", choice=await w.unit_id("disdik"))
        await w.act(w.ani, report, "reassign", choice=await w.unit_id("rsud"))
        moved = await w.report(report)
        assert (moved.stage, moved.unit_id) == ("disposed", await w.unit_id("rsud"))
        assert "Rumah Sakit Umum Daerah" in (await w.card(report))["text"]
        assert await w.stages(report) == [
            "submit",
            "dispose",
            "return_to_triage",
            "dispose",
            "reassign",
        ]


async def test_an_answer_climbs_two_approval_levels_after_a_send_back(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile="ntt-biro-organisasi") as w:
        kepala_biro = w.citra
        kabag = await w.add_staff("Fajar", "supervisor")
        await w.add_staff("Gita", "liaison", units=("kelembagaan",))
        report = await w.file(w.siti)
        await w.act(kepala_biro, report, "dispose", choice=await w.unit_id("kelembagaan"))
        assert (await w.report(report)).stage == "in_progress"

        await w.act(w.gita, report, "answer", text="Draf jawaban pertama.")
        assert (await w.report(report)).stage == "awaiting_approval"
        assert "Draf jawaban pertama." in (await w.card(report))["text"]
        await w.act(kabag, report, "approve")
        assert (await w.report(report)).approval_level == 2
        # One person, one level: the same supervisor cannot approve the second level too.
        refused = await w.press(kabag, report, "approve")
        assert refused is not None
        assert refused["show_alert"] is True
        await w.act(kepala_biro, report, "send_back", text="Sebutkan dasar hukumnya.")
        assert (await w.report(report)).stage == "in_progress"

        await w.act(w.gita, report, "answer", text="Jawaban dengan dasar hukum Perpres 76/2013.")
        await w.act(kabag, report, "approve")
        await w.act(kepala_biro, report, "approve")
        answered = await w.report(report)
        assert answered.stage == "answered"
        assert "Perpres 76/2013" in texts(loopback, w.siti.id)[-1]
        assert not any("Draf jawaban pertama." in t for t in texts(loopback, w.siti.id))


async def test_asking_for_information_reaches_the_reporter_and_the_answer_resumes_triage(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    from bot.domain.vocabulary import Action
    from bot.domain.workflow import REPORTER
    from bot.services.transition import perform

    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.act(w.ani, report, "ask_info", text="Jam berapa puskesmas tutup?")
        assert (await w.report(report)).stage == "needs_info"
        assert "Jam berapa puskesmas tutup?" in texts(loopback, w.siti.id)[-1]
        assert "Menunggu keterangan" in (await w.card(report))["text"]

        await perform(w.svc, report.id, Action.PROVIDE_INFO, REPORTER, note="Jam 10 pagi.")
        await w.settle()
        assert (await w.report(report)).stage == "submitted"
        assert "Keterangan dikirim pelapor" in (await w.card(report))["text"]


async def test_a_supervisor_extends_the_due_date_and_the_reporter_is_told(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        before = await w.report(report)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        disposed = await w.report(report)
        assert disposed.stage_due_at is not None
        await w.act(w.citra, report, "extend", choice=5, text="Menunggu hasil inspeksi lapangan.")
        extended = await w.report(report)
        assert extended.stage_due_at is not None
        assert extended.stage_due_at > disposed.stage_due_at
        last = texts(loopback, w.siti.id)[-1]
        assert "diperpanjang" in last
        assert "Menunggu hasil inspeksi lapangan." in last
        assert before.version < extended.version


async def test_triage_rejects_reclassifies_and_marks_duplicates(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        first = await w.file(w.siti)
        second = await w.file(w.rudi, name="Rudi", title="Puskesmas tutup lagi")
        third = await w.file(w.rudi, name="Rudi", title="Iklan judi")

        await w.act(w.ani, second, "reclassify", choice="aspirasi")
        assert (await w.report(second)).type == "aspirasi"
        await w.act(w.ani, second, "mark_duplicate", text=first.number.lower())
        duplicate = await w.report(second)
        assert (duplicate.stage, duplicate.duplicate_of_id) == ("duplicate", first.id)
        assert any(first.number in t for t in texts(loopback, w.rudi.id))
        # Rudi now follows the original: its next step reaches him too.
        seen = len(texts(loopback, w.rudi.id))
        await w.act(w.ani, first, "dispose", choice=await w.unit_id("dinkes"))
        news = texts(loopback, w.rudi.id)[seen:]
        assert len(news) == 1
        assert first.number in news[0]
        assert "Dinas Kesehatan" in news[0]

        await w.act(w.ani, third, "reject", choice="abuse")
        assert (await w.report(third)).stage == "rejected"
        assert "SARA" in texts(loopback, w.rudi.id)[-1]
        card = await w.card(third)
        assert [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row] == [
            "📄 Detail (pribadi)"
        ]


async def test_an_information_request_is_answered_directly(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, type="informasi", title="Jam buka kantor?")
        await w.act(w.ani, report, "answer_info", text="Kantor buka 08.00 sampai 16.00 WIB.")
        assert (await w.report(report)).stage == "answered"
        assert "08.00 sampai 16.00" in texts(loopback, w.siti.id)[-1]


async def test_a_double_press_produces_one_transition_and_a_stale_alert(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        card = await w.card(report)
        from bot.telegram import callbacks

        version = (await w.report(report)).version
        data = callbacks.build("rpt", "accept", report.id, version)
        first = loopback.press_button(w.budi, card, data)
        second = loopback.press_button(w.citra, card, data)
        await w.settle()
        assert await w.stages(report) == ["submit", "dispose", "accept"]
        answers = [loopback.answered_callback(q) for q in (first, second)]
        assert all(a is not None for a in answers)
        assert answers[1] is not None
        assert answers[1].params["show_alert"] is True
        assert "berubah" in answers[1].params["text"]


async def test_a_reply_to_the_card_is_an_internal_note_the_reporter_never_sees(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        before = texts(loopback, w.siti.id)
        card = await w.card(report)
        loopback.send_text(
            w.ani, "Sudah ditelepon, pelapor kooperatif.", chat=w.group, reply_to=card["message_id"]
        )
        await w.settle()
        events = await w.svc.repo.events(report.id)
        assert (events[-1].action, events[-1].note) == (
            "note",
            "Sudah ditelepon, pelapor kooperatif.",
        )
        assert texts(loopback, w.siti.id) == before
        assert "Catatan internal" in (await w.card(report))["text"]


async def test_a_prompt_is_still_answered_after_a_restart(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.press(w.ani, report, "ask_info")
        await w.runner.restart()
        await w.reply(w.ani, "Di mana lokasi tepatnya?")
        assert (await w.report(report)).stage == "needs_info"


async def test_the_card_says_when_the_reporter_blocked_the_bot(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        loopback.block_bot(w.siti)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        reporter = await w.svc.repo.reporter_by_telegram(w.siti.id)
        assert reporter is not None
        assert reporter.blocked_at is not None
        await w.act(w.budi, report, "accept")
        assert "Pelapor memblokir bot" in (await w.card(report))["text"]
