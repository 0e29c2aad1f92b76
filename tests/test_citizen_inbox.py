"""Plain messages outside a conversation, information added to reports, and the flood limit."""

from __future__ import annotations

from pathlib import Path

from bot.domain.vocabulary import Action
from loopback import LoopbackBotApi
from tests.citizen import Citizen
from tests.citizen_after import bot_texts, buttons_of, last_with, press, say, staff_do
from tests.staff_kit import staff_world

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


async def test_adding_text_and_files_to_an_open_report_tells_staff_without_forwarding(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, anonymous=True, name=None, phone=None, evidence=0)
        await say(w, w.siti, f"/status {report.number}")
        await press(w, w.siti, f"cz:add:{report.id}")
        assert bot_texts(w, w.siti.id)[-1].startswith("Kirim keterangan tambahan")
        added = await say(w, w.siti, "Lubangnya makin besar <b>sejak</b> hujan kemarin")
        assert added.startswith(f"✅ Ditambahkan ke laporan {report.number}")
        w.loopback.send_photo(w.siti, caption="foto terbaru")
        w.loopback.send_document(w.siti, PDF, file_name="surat.pdf", mime_type="application/pdf")
        await w.loopback.wait_for("sendMessage", chat_id=w.siti.id, count=5)
        await w.settle()
        files = await w.svc.repo.attachments_of(report.id)
        assert [(f.kind, f.file_name) for f in files] == [
            ("photo", None),
            ("document", "surat.pdf"),
        ]
        notes = [e for e in await w.svc.repo.events(report.id) if e.action == "note"]
        assert next((e.actor_kind, e.note) for e in notes) == (
            "reporter",
            "Lubangnya makin besar <b>sejak</b> hujan kemarin",
        )
        assert all(f.event_id is not None for f in files)
        group = bot_texts(w, w.group.id)
        assert any("Keterangan tambahan dari pelapor" in t and "<b>sejak</b>" in t for t in group)
        assert len(loopback.calls("copyMessage", chat_id=w.group.id)) == 2
        assert not loopback.calls("forwardMessage")
        assert not any("Siti" in t for t in group), "an anonymous reporter stays unnamed"
        await press(w, w.siti, "cz:done")
        assert bot_texts(w, w.siti.id)[-1].startswith("Selesai. Keterangan Anda tersimpan")
        assert await w.svc.repo.draft(w.siti.id, "citizen") is None


async def test_information_for_a_confidential_report_stays_out_of_the_group(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, confidential=True, evidence=0)
        await say(w, w.siti, f"/status {report.number}")
        await press(w, w.siti, f"cz:add:{report.id}")
        await say(w, w.siti, "Nama pejabatnya Pak Bambang di bagian keuangan")
        w.loopback.send_photo(w.siti)
        await w.loopback.wait_for("sendMessage", chat_id=w.siti.id, count=4)
        await w.settle()
        group = bot_texts(w, w.group.id)
        assert not any("Bambang" in t for t in group)
        assert any("Keterangan tambahan" in t and "Laporan rahasia" in t for t in group)
        assert not loopback.calls("copyMessage", chat_id=w.group.id)
        assert len(await w.svc.repo.attachments_of(report.id)) == 1


async def test_bad_files_and_stickers_are_refused_politely_and_nothing_is_attached(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, evidence=0)
        await say(w, w.siti, f"/status {report.number}")
        await press(w, w.siti, f"cz:add:{report.id}")
        w.loopback.send_sticker(w.siti)
        await w.loopback.wait_for("sendMessage", chat_id=w.siti.id, count=3)
        assert "stiker tidak bisa" in bot_texts(w, w.siti.id)[-1]
        w.loopback.send_document(
            w.siti, b"MZ", file_name="virus.exe", mime_type="application/x-msdownload"
        )
        await w.loopback.wait_for("sendMessage", chat_id=w.siti.id, count=4)
        assert "jenis berkas ini tidak dapat" in bot_texts(w, w.siti.id)[-1]
        big = b"0" * (20 * 1024 * 1024 + 1)
        w.loopback.send_document(w.siti, big, file_name="besar.pdf", mime_type="application/pdf")
        await w.loopback.wait_for("sendMessage", chat_id=w.siti.id, count=5)
        assert "lebih besar dari 20 MB" in bot_texts(w, w.siti.id)[-1]
        long = await say(w, w.siti, "kata " * 1000)
        assert "terlalu panjang" in long
        await w.settle()
        assert await w.svc.repo.attachments_of(report.id) == []
        assert "note" not in [e.action for e in await w.svc.repo.events(report.id)]


async def test_a_plain_message_answers_the_one_request_for_information(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, evidence=0)
        await staff_do(w, report, Action.ASK_INFO, note="Di RT berapa kejadiannya?")
        answer = await say(w, w.siti, "RT 05 RW 02, dekat masjid")
        assert answer.startswith(f"✅ Terima kasih, keterangan Anda untuk laporan {report.number}")
        after = await w.report(report)
        assert after.stage == "submitted"
        event = (await w.svc.repo.events(report.id))[-1]
        assert (event.action, event.actor_kind, event.note) == (
            "provide_info",
            "reporter",
            "RT 05 RW 02, dekat masjid",
        )
        w.loopback.send_photo(w.siti, caption="lokasinya")
        await w.loopback.wait_for("sendMessage", chat_id=w.siti.id, count=3)
        await w.settle()
        files = await w.svc.repo.attachments_of(report.id)
        assert len(files) == 1
        group = bot_texts(w, w.group.id)
        assert any("menjawab permintaan keterangan" in t and "RT 05" in t for t in group)


async def test_with_several_requests_waiting_the_citizen_chooses_which_one(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        first = await w.file(w.siti, title="Lampu jalan mati", evidence=0)
        second = await w.file(w.siti, title="Sampah menumpuk", evidence=0)
        await staff_do(w, first, Action.ASK_INFO, note="Jalan apa?")
        await staff_do(w, second, Action.ASK_INFO, note="Sejak kapan?")
        w.loopback.send_photo(w.siti, caption="sudah dua minggu")
        await w.loopback.wait_for("sendMessage", chat_id=w.siti.id, count=3)
        await w.settle()
        choice = w.loopback.last_bot_message(w.siti.id)
        assert choice["text"].startswith("Petugas menunggu keterangan Anda untuk beberapa laporan")
        assert buttons_of(choice) == [f"cz:ans:{second.id}", f"cz:ans:{first.id}"]
        assert (await w.report(second)).stage == "needs_info", "nothing happens before choosing"
        await press(w, w.siti, f"cz:ans:{second.id}", message=choice)
        assert (await w.report(second)).stage == "submitted"
        assert (await w.report(first)).stage == "needs_info"
        files = await w.svc.repo.attachments_of(second.id)
        assert [f.caption for f in files] == ["sudah dua minggu"]
        assert buttons_of(w.loopback.get_message(w.siti.id, choice["message_id"]) or {}) == []
        again = await press(w, w.siti, f"cz:ans:{first.id}", message=choice, forge=True)
        assert again["text"] == "Pesan ini sudah diproses."


async def test_a_plain_message_without_a_request_offers_a_report_or_an_open_one(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, evidence=0)
        text = "Tolong, saluran air di depan rumah saya tersumbat sejak minggu lalu dan meluap"
        offer = await say(w, w.siti, text)
        assert offer.startswith("Pesan Anda belum terhubung ke laporan mana pun")
        message = w.loopback.last_bot_message(w.siti.id)
        assert buttons_of(message) == [
            "intake:from_text",
            f"cz:addto:{report.id}",
            "cz:mine",
            "cz:cancel",
        ]
        draft = await w.svc.repo.draft(w.siti.id, "report")
        assert draft is not None
        assert text in str(draft.data)
        await press(w, w.siti, f"cz:addto:{report.id}", message=message)
        assert bot_texts(w, w.siti.id)[-1].startswith(f"✅ Ditambahkan ke laporan {report.number}")
        notes = [e.note for e in await w.svc.repo.events(report.id) if e.action == "note"]
        assert notes == [text]
        assert await w.svc.repo.draft(w.siti.id, "report") is None, "the offered draft is dropped"


async def test_a_plain_message_from_a_newcomer_can_start_a_report(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        text = "Jalan di desa kami rusak parah dan belum diperbaiki sejak tahun lalu sama sekali"
        await say(w, w.rudi, text)
        message = last_with(w, w.rudi.id, "intake:from_text")
        assert buttons_of(message) == ["intake:from_text", "cz:cancel"]
        more = await say(w, w.rudi, "Lokasinya di Desa Oesao")
        assert "juga disimpan (2 pesan)" in more
        draft = await w.svc.repo.draft(w.rudi.id, "report")
        assert draft is not None
        assert text in str(draft.data), "the first text is kept"
        assert "Desa Oesao" in str(draft.data), "and the second"
        await press(w, w.rudi, "intake:from_text", message=message)
        assert bot_texts(w, w.rudi.id)[-1].startswith("📝 Buat laporan")
        await say(w, w.rudi, "/batal")
        fresh = await say(w, w.rudi, "Satu pertanyaan lagi tentang jadwal pelayanan di kantor")
        assert fresh.startswith("Pesan Anda belum terhubung"), "the old offer is forgotten"
        draft = await w.svc.repo.draft(w.rudi.id, "report")
        assert draft is not None
        assert "Desa Oesao" not in str(draft.data)


async def test_a_cancelled_offer_forgets_the_kept_message_and_the_draft(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        await say(w, w.rudi, "Halo, saya mau tanya soal pelayanan KTP di kecamatan kami")
        await press(w, w.rudi, "cz:cancel")
        assert bot_texts(w, w.rudi.id)[-1] == "Dibatalkan. Tidak ada yang diubah."
        assert await w.svc.repo.draft(w.rudi.id, "report") is None
        assert await w.svc.repo.draft(w.rudi.id, "citizen") is None


async def test_a_sticker_outside_a_conversation_gets_a_polite_answer(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        w.loopback.send_sticker(w.rudi)
        await w.loopback.wait_for("sendMessage", chat_id=w.rudi.id)
        assert "stiker tidak bisa" in bot_texts(w, w.rudi.id)[-1]


async def test_menu_buttons_are_not_taken_for_plain_messages(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        reply = await say(w, w.rudi, "ℹ️ Bantuan")
        assert "/status" in reply
        assert len(w.loopback.bot_messages(w.rudi.id)) == 1


async def test_messages_past_the_per_minute_limit_are_stopped_with_one_polite_message(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, limit_messages_per_minute=3) as w:
        for n in range(6):
            w.loopback.send_text(w.rudi, f"/status LAPOR-2026-00000{n}")
        await w.settle()
        texts = bot_texts(w, w.rudi.id)
        assert sum("tidak ditemukan" in t for t in texts) == 3
        assert sum("mengirim banyak pesan" in t for t in texts) == 1
        assert len(texts) == 4
        await say(w, w.siti, "/laporan")  # others are not held back


async def test_a_kept_photo_and_document_become_the_new_reports_evidence(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        text = "Jalan di desa kami rusak parah dan belum diperbaiki sejak tahun lalu sama sekali"
        photo = w.loopback.send_photo(w.rudi, caption=text)
        await w.loopback.wait_for("sendMessage", chat_id=w.rudi.id, count=1)
        await w.settle()
        offer = last_with(w, w.rudi.id, "intake:from_text")
        document = w.loopback.send_document(
            w.rudi, PDF, file_name="foto_jalan.pdf", mime_type="application/pdf"
        )
        await w.loopback.wait_for("sendMessage", chat_id=w.rudi.id, count=2)
        await w.settle()
        draft = await w.svc.repo.draft(w.rudi.id, "report")
        assert draft is not None
        kept = draft.data["attachments"]
        assert [(f["kind"], f["source_message_id"]) for f in kept] == [
            ("photo", photo["message_id"]),
            ("document", document["message_id"]),
        ]
        assert "EVIDENCE" not in draft.data["done"], "the citizen may still add files"

        await press(w, w.rudi, "intake:from_text", message=offer)
        assert bot_texts(w, w.rudi.id)[-1].startswith("📝 Buat laporan")
        citizen = Citizen(w.loopback, w.rudi)
        assert "Apa jenis laporan" in await citizen.says("✅ Saya mengerti dan setuju")
        await citizen.says("Pengaduan")
        await citizen.says("Infrastruktur")
        await citizen.says("Jalan dan jembatan")
        assert "Kapan kejadiannya" in await citizen.says("Jalan desa rusak")
        await citizen.says("📅 Hari ini")
        await citizen.says("Desa Oesao, Kupang")
        assert "Rahasiakan isi" in await citizen.says("👤 Tidak, tampilkan identitas saya")
        evidence = await citizen.says("📢 Tidak perlu dirahasiakan")
        assert "Terlampir: 2 berkas" in evidence
        assert "Berkas tersimpan (3/10)" in await citizen.sends_photo()


async def test_an_offer_survives_a_restart_without_opening_a_conversation(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        text = "Lampu penerangan jalan di depan gereja sudah mati dua minggu, gelap sekali malam"
        await say(w, w.rudi, text)
        await w.runner.restart()
        # After the restart the next message is still a plain message, not a checklist answer.
        more = await say(w, w.rudi, "Lokasinya di Jalan Soeharto, Naikoten")
        assert "juga disimpan (2 pesan)" in more
        message = last_with(w, w.rudi.id, "intake:from_text")
        await press(w, w.rudi, "intake:from_text", message=message)
        assert bot_texts(w, w.rudi.id)[-1].startswith("📝 Buat laporan")
        draft = await w.svc.repo.draft(w.rudi.id, "report")
        assert draft is not None
        assert text in str(draft.data)
