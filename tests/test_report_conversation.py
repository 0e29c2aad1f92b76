"""Filing a report as a citizen would, through the real HTTP stack (issue 3, steps 1-7)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings
from loopback import LoopbackBotApi
from tests.citizen import Citizen
from tests.harness import BotRunner

NUMBER = re.compile(r"LAPOR-\d{4}-\d{6}")
DESCRIPTION = (
    "Jalan di depan SD Inpres Oesapa berlubang besar sejak dua bulan lalu, "
    "sudah dua pengendara motor jatuh minggu ini."
)


async def walk_to_title(citizen: Citizen, *, report_type: str = "Pengaduan") -> None:
    assert "Sebelum melapor" in await citizen.says("/lapor")
    assert "Apa jenis laporan" in await citizen.says("✅ Saya mengerti dan setuju")
    assert "Pilih kategori" in await citizen.says(report_type)
    assert "Pilih subkategori" in await citizen.says("Infrastruktur")
    assert "judul singkat" in await citizen.says("Jalan dan jembatan")


async def walk_content(citizen: Citizen) -> None:
    await walk_to_title(citizen)
    assert "Ceritakan masalahnya" in await citizen.says("Jalan berlubang di Oesapa")
    assert "Kapan kejadiannya" in await citizen.says(DESCRIPTION)
    assert "Di mana lokasinya" in await citizen.says("📅 Hari ini")
    assert "anonim" in await citizen.says("Jl. Timor Raya, Oesapa, Kupang")


async def test_a_complaint_from_checklist_to_tracking_number(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Maria", username="maria_k"))
    await walk_content(citizen)
    assert "Rahasiakan isi" in await citizen.says("👤 Tidak, tampilkan identitas saya")
    assert "Lampirkan bukti" in await citizen.says("📢 Tidak perlu dirahasiakan")
    assert "Berkas tersimpan (1/10)" in await citizen.sends_photo(caption="lubang")
    assert "Persetujuan pemrosesan data" in await citizen.says("✅ Selesai, lanjut")
    assert "Nama lengkap" in await citizen.says("✅ Setuju")
    assert "Nomor HP" in await citizen.says("Maria Kolo")
    assert "Alamat lengkap" in await citizen.says("0812 3456 7890")
    assert "surel" in await citizen.says("Jl. Timor Raya No. 5, Oesapa, Kelapa Lima")
    assert "foto KTP" in await citizen.says("⏭️ Lewati")
    summary = await citizen.says("⏭️ Lewati")
    for expected in ("Jalan berlubang di Oesapa", "Maria Kolo", "+6281234567890", "1 berkas"):
        assert expected in summary
    assert citizen.buttons()[:2] == ["📨 Kirim laporan", "✏️ Ubah"]

    done = await citizen.says("📨 Kirim laporan")
    number = NUMBER.search(done)
    assert number is not None, done
    assert "/status" in done
    report = await bot.services.repo.report_by_number(number.group())
    assert report is not None
    assert (report.type, report.category, report.subcategory) == (
        "pengaduan",
        "infrastruktur",
        "jalan",
    )
    assert (report.stage, report.anonymous, report.confidential) == ("submitted", False, False)
    assert report.stage_due_at is not None
    assert report.final_due_at is not None
    reporter = await bot.services.repo.reporter_by_telegram(citizen.user.id)
    assert reporter is not None
    assert (reporter.name, reporter.phone) == ("Maria Kolo", "+6281234567890")
    assert reporter.consent_at is not None
    assert await bot.services.repo.attachment_count(report.id) == 1
    assert await bot.services.repo.draft(citizen.user.id, "report") is None


@pytest.mark.parametrize(
    ("label", "stored"), [("Aspirasi", "aspirasi"), ("Permintaan informasi", "informasi")]
)
async def test_aspirations_and_information_requests_are_filed_too(
    loopback: LoopbackBotApi, bot: BotRunner, label: str, stored: str
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Yohanes"))
    await walk_to_title(citizen, report_type=label)
    await citizen.says("Usulan lampu jalan di Oesapa")
    await citizen.says(DESCRIPTION)
    await citizen.says("📅 Kemarin")
    await citizen.says("⏭️ Lewati")
    await citizen.says("🙈 Ya, anonim")
    await citizen.says("🔒 Ya, rahasiakan isinya")
    summary = await citizen.says("⏭️ Lewati")
    assert "anonim" in summary
    done = await citizen.says("📨 Kirim laporan")
    number = NUMBER.search(done)
    assert number is not None
    report = await bot.services.repo.report_by_number(number.group())
    assert report is not None
    assert (report.type, report.anonymous, report.confidential) == (stored, True, True)


async def test_a_restart_between_two_steps_resumes_with_the_answers_kept(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Agus"))
    await walk_to_title(citizen)
    assert "Ceritakan masalahnya" in await citizen.says("Air PDAM mati tiga hari")
    await bot.restart()
    assert "Kapan kejadiannya" in await citizen.says(DESCRIPTION)
    await citizen.says("📅 Hari ini")
    await citizen.says("⏭️ Lewati")
    await citizen.says("🙈 Ya, anonim")
    await citizen.says("📢 Tidak perlu dirahasiakan")
    summary = await citizen.says("⏭️ Lewati")
    assert "Air PDAM mati tiga hari" in summary
    assert "Jalan dan jembatan" in summary


async def test_lapor_with_text_starts_with_the_description_filled_in(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Sari"))
    assert "Sebelum melapor" in await citizen.says(f"/lapor {DESCRIPTION}")
    await citizen.says("✅ Saya mengerti dan setuju")
    await citizen.says("Pengaduan")
    await citizen.says("Infrastruktur")
    await citizen.says("Jalan dan jembatan")
    # The description is already there: after the title comes the date.
    assert "Kapan kejadiannya" in await citizen.says("Jalan berlubang")


async def test_back_returns_to_the_previous_question_and_cancel_drops_the_draft(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Rina"))
    await walk_to_title(citizen)
    assert "Pilih subkategori" in await citizen.says("⬅️ Kembali")
    assert "Pilih kategori" in await citizen.says("⬅️ Kembali")
    # A typed category close to a button ("Pelayanan publik") is taken: its subcategories next.
    assert "Pilih subkategori" in await citizen.says("Layanan")
    assert "dibatalkan" in await citizen.says("/batal")
    assert await bot.services.repo.draft(citizen.user.id, "report") is None
    assert "📝 Buat Laporan" in citizen.buttons()


async def test_lapor_during_a_report_asks_to_resume_or_start_over(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Dewi"))
    await walk_to_title(citizen)
    await citizen.says("Sampah menumpuk di pasar")
    assert "belum selesai" in await citizen.says("/lapor")
    assert citizen.buttons() == ["▶️ Lanjutkan", "🔄 Mulai baru"]
    assert "Ceritakan masalahnya" in await citizen.says("▶️ Lanjutkan")
    await citizen.says("/lapor")
    assert "Sebelum melapor" in await citizen.says("🔄 Mulai baru")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("abc", "Terlalu pendek"),
        ("x" * 101, "Terlalu panjang"),
    ],
)
async def test_a_bad_title_is_explained_and_asked_again(
    loopback: LoopbackBotApi, bot: BotRunner, answer: str, expected: str
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Budi"))
    await walk_to_title(citizen)
    assert expected in await citizen.says(answer)
    assert "Ceritakan masalahnya" in await citizen.says("Judul yang benar")


async def test_invalid_input_at_every_kind_of_step_gets_a_polite_answer(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Nus"))
    assert "Sebelum melapor" in await citizen.says("/lapor")
    assert "pilih salah satu tombol" in await citizen.says("bukan pilihan")
    assert "mengetik teks" in await citizen.sends("sticker")
    await citizen.says("1")  # typed number of the only choice
    await citizen.says("pengaduan")  # typed, lower case
    await citizen.says("Infrastruktur")
    await citizen.says("Jalan dan jembatan")
    await citizen.says("Judul <b>tebal</b> & aneh")
    assert "paling sedikit 50 karakter" in await citizen.says("terlalu pendek")
    assert "lebih lengkap" in await citizen.says("a" * 60)
    await citizen.says(DESCRIPTION)
    assert "belum terjadi" in await citizen.says("01-01-2099")
    assert "tidak dikenali" in await citizen.says("kemarin lusa")
    await citizen.says("17-08-2025")
    await citizen.says("Kupang")
    await citizen.says("👤 Tidak, tampilkan identitas saya")
    await citizen.says("📢 Tidak perlu dirahasiakan")
    assert "tidak dapat kami simpan" in await citizen.sends_document(
        b"MZ\x90\x00", "setup.exe", "application/x-msdownload"
    )
    assert "Berkas tersimpan" in await citizen.sends_document(
        b"%PDF-1.4 bukti", "kuitansi.pdf", "application/pdf"
    )
    await citizen.says("✅ Selesai, lanjut")
    await citizen.says("✅ Setuju")
    assert "huruf" in await citizen.says("12345")
    await citizen.says("Nus Tefa")
    assert "tidak valid" in await citizen.says("12345")
    assert "Alamat lengkap" in await citizen.says("+62 812-3456-7890")
    await citizen.says("Jl. El Tari No. 1, Kupang")
    assert "bukan pilihan" not in await citizen.says("⏭️ Lewati")
    assert "Periksa laporan" in await citizen.says("⏭️ Lewati")
    summary_html = citizen.last_html()
    assert "Judul &lt;b&gt;tebal&lt;/b&gt; &amp; aneh" in summary_html


async def test_submitting_twice_files_one_report(loopback: LoopbackBotApi, bot: BotRunner) -> None:
    citizen = Citizen(loopback, loopback.add_user("Tono"))
    await walk_to_title(citizen)
    await citizen.says("Lampu jalan mati")
    await citizen.says(DESCRIPTION)
    await citizen.says("📅 Hari ini")
    await citizen.says("⏭️ Lewati")
    await citizen.says("🙈 Ya, anonim")
    await citizen.says("📢 Tidak perlu dirahasiakan")
    await citizen.says("⏭️ Lewati")
    message = loopback.send_text(citizen.user, "📨 Kirim laporan")
    loopback.send_text(citizen.user, "📨 Kirim laporan")
    await loopback.wait_for("sendMessage", chat_id=citizen.chat_id, count=10)
    loopback.redeliver(loopback.update_id_of(message))
    await bot.idle()
    reporter = await bot.services.repo.reporter_by_telegram(citizen.user.id)
    assert reporter is not None
    assert len(await bot.services.repo.open_reports_of(reporter.id)) == 1


async def test_an_anonymous_report_with_two_photos_and_a_document(
    loopback: LoopbackBotApi, settings: Settings, tmp_path: Path
) -> None:
    group = loopback.add_supergroup("Staf")
    runner = BotRunner(settings.model_copy(update={"staff_chat_id": group.id}), loopback=loopback)
    await runner.start()
    try:
        citizen = Citizen(loopback, loopback.add_user("Rahasia", username="saksi_kunci"))
        await walk_content(citizen)
        evidence = await citizen.says("🙈 Ya, anonim")
        assert "Rahasiakan" in evidence
        warning = await citizen.says("📢 Tidak perlu dirahasiakan")
        assert "dapat memuat nama penulis" in warning
        await citizen.sends_photo()
        await citizen.sends_photo(caption="foto kedua")
        await citizen.sends_document(b"%PDF-1.4 x", "surat.pdf", "application/pdf")
        summary = await citizen.says("✅ Selesai, lanjut")
        assert "3 berkas" in summary
        done = await citizen.says("📨 Kirim laporan")
        assert NUMBER.search(done)
        await loopback.wait_for("copyMessage", chat_id=group.id, count=3)
        await runner.idle()
        # Everything the group shows: texts, captions, buttons, senders and forward headers.
        staff_view = " ".join(str(m) for m in loopback.messages_in(group.id))
        for secret in ("Rahasia", "saksi_kunci"):
            assert secret not in staff_view
        assert not re.search(rf"(?<![\d-]){citizen.user.id}(?!\d)", staff_view)
        assert "forward_origin" not in staff_view
        assert not loopback.calls("forwardMessage")
    finally:
        await runner.stop()


async def test_an_oversize_file_and_an_over_long_description_are_refused_politely(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Lina"))
    await walk_to_title(citizen)
    await citizen.says("Banjir di Oebobo")
    assert "Terlalu panjang" in await citizen.says("kata " * 800)
    await citizen.says(DESCRIPTION)
    await citizen.says("📅 Hari ini")
    await citizen.says("Oebobo")
    await citizen.says("🙈 Ya, anonim")
    await citizen.says("📢 Tidak perlu dirahasiakan")
    big = b"0" * (20 * 1024 * 1024 + 1)
    assert "terlalu besar" in await citizen.sends_document(big, "video.pdf", "application/pdf")
    assert "Berkas tersimpan (1/10)" in await citizen.sends_photo()
    summary = await citizen.says("✅ Selesai, lanjut")
    assert "1 berkas" in summary


async def test_changing_the_title_from_the_summary_returns_to_the_summary(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Eko"))
    await walk_content(citizen)
    await citizen.says("🙈 Ya, anonim")
    await citizen.says("📢 Tidak perlu dirahasiakan")
    assert "Periksa laporan" in await citizen.says("⏭️ Lewati")
    assert "Bagian mana" in await citizen.says("✏️ Ubah")
    assert "Judul" in citizen.buttons()
    assert "judul singkat" in await citizen.says("Judul")
    summary = await citizen.says("Jalan Timor Raya rusak parah")
    assert "Periksa laporan" in summary
    assert "Jalan Timor Raya rusak parah" in summary
    assert "Jalan berlubang di Oesapa" not in summary


async def test_a_whistleblowing_office_asks_about_privacy_right_after_the_checklist(
    loopback: LoopbackBotApi, settings: Settings
) -> None:
    runner = BotRunner(settings.model_copy(update={"aduan_profile": "ntt-diskominfo"}))
    await runner.start()
    try:
        citizen = Citizen(loopback, loopback.add_user("Saksi"))
        checklist = await citizen.says("/lapor")
        assert "bukan ujaran kebencian, SARA" in checklist
        assert "Laporkan secara anonim" in await citizen.says("✅ Saya mengerti dan setuju")
        assert "Rahasiakan isi" in await citizen.says("🙈 Ya, anonim")
        # One report type only: the type question is skipped.
        assert "Pilih kategori" in await citizen.says("🔒 Ya, rahasiakan isinya")
        assert "Gratifikasi" in citizen.buttons()
    finally:
        await runner.stop()


async def test_the_daily_report_limit_keeps_the_draft_and_says_why(
    loopback: LoopbackBotApi, settings: Settings
) -> None:
    runner = BotRunner(settings.model_copy(update={"limit_reports_per_day": 1}))
    await runner.start()
    try:
        citizen = Citizen(loopback, loopback.add_user("Rajin"))
        stories = {
            "Lampu jalan mati": DESCRIPTION,
            "Got tersumbat": (
                "Saluran air di belakang pasar Kasih tersumbat sampah plastik sehingga setiap "
                "hujan air meluap ke rumah warga RT 07."
            ),
        }
        answers = []
        for title, story in stories.items():
            await walk_to_title(citizen)
            await citizen.says(title)
            await citizen.says(story)
            await citizen.says("📅 Hari ini")
            await citizen.says("⏭️ Lewati")
            await citizen.says("🙈 Ya, anonim")
            await citizen.says("📢 Tidak perlu dirahasiakan")
            await citizen.says("⏭️ Lewati")
            answers.append(await citizen.says("📨 Kirim laporan"))
        assert NUMBER.search(answers[0])
        assert "batas harian" in answers[1]
        assert await runner.services.repo.draft(citizen.user.id, "report") is not None
    finally:
        await runner.stop()


async def test_an_album_of_photos_gets_one_receipt_that_counts_them(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Album"))
    await walk_content(citizen)
    await citizen.says("🙈 Ya, anonim")
    await citizen.says("📢 Tidak perlu dirahasiakan")
    before = len(loopback.bot_messages(citizen.chat_id))
    for _ in range(3):
        loopback.send_photo(citizen.user, media_group_id="album-1")
    await loopback.wait_for("editMessageText", chat_id=citizen.chat_id, count=2)
    await bot.idle()
    receipts = loopback.bot_messages(citizen.chat_id)[before:]
    assert len(receipts) == 1
    assert "Berkas tersimpan (3/10)" in receipts[0]["text"]
    summary = await citizen.says("✅ Selesai, lanjut")
    assert "3 berkas" in summary
