"""After submission: /status, /laporan, withdrawing, rating and "belum puas", as a citizen would."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.domain.vocabulary import Action
from loopback import LoopbackBotApi
from tests.citizen_after import (
    answered,
    bot_texts,
    buttons_of,
    last_with,
    press,
    say,
    staff_do,
)
from tests.staff_kit import staff_world


async def test_the_reporter_sees_everything_and_the_history_with_a_forgiving_number(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, title="Jalan berlubang <besar>")
        await staff_do(w, report, Action.NOTE, note="internal: pelapor sering melapor")
        await staff_do(w, report, Action.ASK_INFO, note="Di RT berapa?")
        typed = report.number.lower().replace("-", " ")
        text = await say(w, w.siti, f"/status {typed}")
        assert text.startswith(f"📄 Laporan {report.number}")
        assert "Jalan berlubang <besar>" in text
        assert "Status: Menunggu keterangan Anda" in text
        assert "Riwayat" in text
        assert "Laporan dikirim" in text
        assert "Meminta keterangan: Di RT berapa?" in text
        assert "internal" not in text, "staff's internal notes stay internal"
        message = w.loopback.last_bot_message(w.siti.id)
        assert f"cz:add:{report.id}" in buttons_of(message)
        assert f"cz:wd:{report.id}" in buttons_of(message)


async def test_the_reporter_sees_which_unit_handles_the_report_and_a_stranger_does_not(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, title="Lampu jalan mati")
        unit = (await w.svc.repo.list_units())[0]
        await staff_do(w, report, Action.DISPOSE, values={"unit_id": unit.id})
        text = await say(w, w.siti, f"/status {report.number}")
        assert f"({unit.name})" in text
        assert "Lampu jalan mati" in text
        text = await say(w, w.rudi, f"/status {report.number}")
        assert unit.name not in text
        assert "Lampu jalan mati" not in text


async def test_someone_else_with_the_number_sees_only_the_stage_and_dates(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, title="Pungutan liar di kelurahan")
        text = await say(w, w.rudi, f"/status {report.number}")
        assert text.startswith(f"🔎 Status laporan {report.number}")
        assert "Masuk, menunggu verifikasi" in text
        assert "Dikirim:" in text
        assert "Pungutan liar" not in text
        assert "Riwayat" not in text
        assert buttons_of(w.loopback.last_bot_message(w.rudi.id)) == []


async def test_status_without_a_number_asks_for_it_and_an_unknown_number_is_explained(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        asked = await say(w, w.rudi, "/status")
        assert asked.startswith("Ketik nomor laporan")
        missing = await say(w, w.rudi, "LAPOR-1999-000999")
        assert "tidak ditemukan" in missing
        again = await say(w, w.rudi, "/status")
        assert again.startswith("Ketik nomor laporan")
        found = await say(w, w.rudi, report.number)
        assert found.startswith(f"🔎 Status laporan {report.number}")
        await say(w, w.rudi, "/status")
        kept = await say(w, w.rudi, "Saya mau melapor soal antrean panjang di kantor camat")
        assert kept.startswith("Pesan Anda belum terhubung"), "a message is not taken for a number"


async def test_my_reports_lists_them_with_stages_pages_and_opens_one(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        reports = [await w.file(w.siti, title=f"Laporan nomor {n}") for n in range(7)]
        text = await say(w, w.siti, "/laporan")
        assert text.startswith("📋 Laporan Anda (7)")
        assert "Laporan nomor 6" in text
        assert "Laporan nomor 2" in text
        assert "Laporan nomor 1" not in text
        assert "Halaman 1 dari 2" in text
        first_page = w.loopback.last_bot_message(w.siti.id)
        await press(w, w.siti, "cz:list:1", message=first_page)
        page_two = w.loopback.get_message(w.siti.id, first_page["message_id"])
        assert page_two is not None
        assert "Laporan nomor 0" in page_two["text"]
        assert "Halaman 2 dari 2" in page_two["text"]
        await press(w, w.siti, f"cz:show:{reports[0].id}", message=page_two)
        shown = w.loopback.get_message(w.siti.id, first_page["message_id"])
        assert shown is not None
        assert shown["text"].startswith(f"📄 Laporan {reports[0].number}")
        assert "cz:list:0" in buttons_of(shown)


async def test_a_citizen_without_reports_is_told_how_to_file_one(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        text = await say(w, w.rudi, "/laporan")
        assert "belum punya laporan" in text
        assert "/lapor" in text


async def test_a_forged_show_button_for_someone_elses_report_reveals_nothing(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, title="Rahasia sekali")
        await say(w, w.rudi, "/laporan")
        message = w.loopback.last_bot_message(w.rudi.id)
        answer = await press(w, w.rudi, f"cz:show:{report.id}", message=message, forge=True)
        assert answer["text"] == "Laporan ini tidak ditemukan di akun Anda."
        assert not any("Rahasia sekali" in t for t in bot_texts(w, w.rudi.id))
        junk = await press(w, w.rudi, "cz:zzz:1", message=message, forge=True)
        assert junk["text"] == "Tombol ini sudah tidak berlaku."


async def test_withdrawing_asks_a_reason_and_a_confirmation_then_tells_staff(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await say(w, w.siti, f"/status {report.number}")
        await press(w, w.siti, f"cz:wd:{report.id}")
        assert bot_texts(w, w.siti.id)[-1].startswith(f"Anda akan mencabut laporan {report.number}")
        confirm = await say(w, w.siti, "Sudah diperbaiki sendiri oleh warga")
        assert confirm.startswith(f"Yakin mencabut laporan {report.number}?")
        assert "Sudah diperbaiki sendiri oleh warga" in confirm
        assert (await w.report(report)).stage == "submitted", "nothing happens before confirming"
        await press(w, w.siti, f"cz:wdok:{report.id}")
        assert bot_texts(w, w.siti.id)[-1].startswith(f"Laporan {report.number} telah dicabut")
        after = await w.report(report)
        assert after.stage == "closed"
        event = (await w.svc.repo.events(report.id))[-1]
        assert (event.action, event.actor_kind, event.note) == (
            "withdraw",
            "reporter",
            "Sudah diperbaiki sendiri oleh warga",
        )
        group = bot_texts(w, w.group.id)
        assert any("dicabut oleh pelapor" in t and "diperbaiki sendiri" in t for t in group)
        again = await press(
            w,
            w.siti,
            f"cz:wdok:{report.id}",
            message=w.loopback.last_bot_message(w.siti.id),
            forge=True,
        )
        assert again["text"] == "Laporan ini sudah ditutup."
        assert [e.action for e in await w.svc.repo.events(report.id)].count(Action.WITHDRAW) == 1


async def test_withdrawing_can_be_cancelled_and_needs_no_reason(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, confidential=True)
        await say(w, w.siti, f"/status {report.number}")
        await press(w, w.siti, f"cz:wd:{report.id}")
        await press(w, w.siti, "cz:cancel")
        assert bot_texts(w, w.siti.id)[-1] == "Dibatalkan. Tidak ada yang diubah."
        assert (await w.report(report)).stage == "submitted"
        await say(w, w.siti, f"/status {report.number}")
        await press(w, w.siti, f"cz:wd:{report.id}")
        await press(w, w.siti, f"cz:wdskip:{report.id}")
        await press(w, w.siti, f"cz:wdok:{report.id}")
        assert (await w.report(report)).stage == "closed"
        notice = [t for t in bot_texts(w, w.group.id) if "dicabut oleh pelapor" in t]
        assert notice
        assert "Laporan rahasia" in notice[-1]


async def test_a_rating_closes_the_report_once_and_keeps_a_comment(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, type="informasi")
        await answered(w, report, "Jadwal buka: Senin sampai Jumat.")
        answer = last_with(w, w.siti.id, f"fb:rate:{report.id}:4")
        assert "Jadwal buka" in answer["text"]
        await press(w, w.siti, f"fb:rate:{report.id}:4", message=answer)
        assert bot_texts(w, w.siti.id)[-1].startswith("Terima kasih! Nilai 4/5")
        second = await press(w, w.siti, f"fb:rate:{report.id}:5", message=answer, forge=True)
        assert second["text"] == "Laporan ini sudah dinilai atau sudah ditutup."
        after = await w.report(report)
        assert (after.stage, after.rating) == ("closed", 4)
        assert await say(w, w.siti, "Petugasnya ramah sekali") == (
            f"Komentar Anda untuk laporan {report.number} tersimpan. Terima kasih."
        )
        after = await w.report(report)
        assert after.rating_comment == "Petugasnya ramah sekali"
        actions = [e.action for e in await w.svc.repo.events(report.id)]
        assert actions.count(Action.RATE) == 1


async def test_a_low_rating_offers_belum_puas_first_and_the_dispute_reopens_it(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, type="informasi")
        await answered(w, report)
        await press(w, w.siti, f"fb:rate:{report.id}:1")
        offer = w.loopback.last_bot_message(w.siti.id)
        assert "belum memuaskan" in offer["text"]
        assert buttons_of(offer) == [f"fb:dispute:{report.id}", f"fb:rateok:{report.id}:1"]
        assert (await w.report(report)).stage == "answered", "a low rating waits for a choice"
        await press(w, w.siti, f"fb:dispute:{report.id}", message=offer)
        assert bot_texts(w, w.siti.id)[-1].startswith("Apa yang belum selesai")
        short = await say(w, w.siti, "no")
        assert "sedikit lebih lengkap" in short
        reopened = await say(w, w.siti, "Jalan masih berlubang di depan sekolah")
        assert reopened.startswith(f"Laporan {report.number} dibuka kembali")
        after = await w.report(report)
        assert after.stage == "in_progress"
        event = (await w.svc.repo.events(report.id))[-1]
        assert (event.action, event.note) == ("dispute", "Jalan masih berlubang di depan sekolah")
        assert any("belum puas" in t and "depan sekolah" in t for t in bot_texts(w, w.group.id))


async def test_keeping_a_low_rating_closes_the_report(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, type="informasi")
        await answered(w, report)
        await press(w, w.siti, f"fb:rate:{report.id}:2")
        await press(w, w.siti, f"fb:rateok:{report.id}:2")
        after = await w.report(report)
        assert (after.stage, after.rating) == ("closed", 2)
        await press(w, w.siti, f"fb:skip:{report.id}")
        assert await w.svc.repo.draft(w.siti.id, "citizen") is None


async def test_belum_puas_after_the_profiles_period_is_refused_politely(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, type="informasi")
        long_ago = datetime(2020, 1, 6, 2, 0, tzinfo=UTC)
        await staff_do(
            w, report, Action.ANSWER_INFO, values={"answer": "Sudah.", "answered_at": long_ago}
        )
        await press(w, w.siti, f"fb:dispute:{report.id}")
        assert "sudah lewat" in bot_texts(w, w.siti.id)[-1]
        assert (await w.report(report)).stage == "answered"


async def test_someone_else_cannot_rate_a_report(loopback: LoopbackBotApi, tmp_path: Path) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, type="informasi")
        await answered(w, report)
        await say(w, w.rudi, "/laporan")
        message = w.loopback.last_bot_message(w.rudi.id)
        answer = await press(w, w.rudi, f"fb:rate:{report.id}:5", message=message, forge=True)
        assert answer["text"] == "Laporan ini tidak ditemukan di akun Anda."
        assert (await w.report(report)).stage == "answered"


async def test_menu_buttons_open_my_reports_and_the_status_question(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        listed = await say(w, w.siti, "📋 Laporan Saya")
        assert listed.startswith("📋 Laporan Anda (1)")
        assert buttons_of(w.loopback.last_bot_message(w.siti.id)) == [f"cz:show:{report.id}"]
        asked = await say(w, w.siti, "🔎 Cek Status")
        assert asked.startswith("Ketik nomor laporan")


async def test_the_reporter_reads_their_report_in_english_after_choosing_it(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await say(w, w.siti, "/bahasa en")
        text = await say(w, w.siti, f"/status {report.number}")
        assert text.startswith(f"📄 Report {report.number}")
        assert "History" in text
        assert "Withdraw the report" in str(w.loopback.last_bot_message(w.siti.id)["reply_markup"])


async def test_a_dispute_reason_typed_after_a_restart_still_reopens_the_report(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, type="informasi")
        await answered(w, report)
        await press(w, w.siti, f"fb:dispute:{report.id}")
        await w.runner.restart()
        reopened = await say(w, w.siti, "Informasinya tidak sesuai dengan kenyataan")
        assert reopened.startswith(f"Laporan {report.number} dibuka kembali")
        assert (await w.report(report)).stage == "in_progress"
