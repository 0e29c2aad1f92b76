"""Staff record a report that came by letter or in person: /catat (issue 4)."""

from __future__ import annotations

import re
from pathlib import Path

from loopback import LoopbackBotApi
from tests.citizen import Citizen
from tests.staff_kit import staff_world

DESCRIPTION = (
    "Warga menyampaikan melalui surat bahwa jembatan di Desa Noelbaki rusak dan "
    "anak sekolah harus menyeberang sungai setiap pagi."
)


async def test_an_operator_records_a_letter_and_it_joins_the_same_workflow(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        ani = Citizen(loopback, w.ani)  # the same driver works for a staff member's private chat
        assert "Melalui saluran apa" in await ani.says("/catat")
        assert "Surat" in ani.buttons()
        assert "Jenis laporan" in await ani.says("Surat")
        assert "Kategori" in await ani.says("Pengaduan")
        assert "Subkategori" in await ani.says("Infrastruktur")
        assert "Judul" in await ani.says("Jalan dan jembatan")
        assert "Uraian" in await ani.says("Jembatan Noelbaki rusak")
        assert "terlalu pendek" in (await ani.says("pendek")).lower()
        # A letter requires the reporter's identity: no "anonymous" question (issue 10).
        assert "Nama pelapor" in await ani.says(DESCRIPTION)
        assert "Nomor HP" in await ani.says("Yakobus Nenobais")
        assert "Alamat" in await ani.says("⏭️ Lewati")
        summary = await ani.says("Desa Noelbaki RT 03, Kupang Tengah")
        assert "Yakobus Nenobais" in summary
        done = await ani.says("💾 Simpan laporan")
        assert "LAPOR-" in done
        await w.settle()

        number = re.search(r"LAPOR-\d{4}-\d{6}", done)
        assert number is not None
        report = await w.svc.repo.report_by_number(number.group())
        assert report is not None
        assert (report.channel, report.stage, report.title) == (
            "surat",
            "submitted",
            "Jembatan Noelbaki rusak",
        )
        operator = await w.svc.repo.staff_by_telegram(w.ani.id)
        assert operator is not None
        first = (await w.svc.repo.events(report.id))[0]
        assert (first.action, first.actor_kind, first.actor_staff_id) == (
            "submit",
            "staff",
            operator.id,
        )
        card = await w.card(report)
        assert card["text"].startswith(f"📋 {report.number}")
        assert "Yakobus Nenobais" in card["text"]


async def test_a_liaison_or_a_citizen_cannot_record_reports(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        for person in (w.budi, w.siti):
            text = await Citizen(loopback, person).says("/catat")
            assert "Hanya operator dan pimpinan" in text
        assert await w.svc.repo.draft(w.budi.id, "catat") is None


async def test_the_answer_to_a_recorded_report_is_handed_to_staff_to_deliver(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        ani = Citizen(loopback, w.ani)
        await ani.says("/catat")
        # By telephone, where the reporter may stay anonymous (face to face requires an ID).
        for answer in ("Telepon", "Pengaduan", "Layanan", "Perizinan", "Izin usaha lambat"):
            await ani.says(answer)
        await ani.says(DESCRIPTION)
        await ani.says("🙈 Pelapor minta anonim")
        done = await ani.says("💾 Simpan laporan")
        number = re.search(r"LAPOR-\d{4}-\d{6}", done)
        assert number is not None
        report = await w.svc.repo.report_by_number(number.group())
        assert report is not None
        await w.settle()
        assert "Anonim" in (await w.card(report))["text"]

        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        await w.act(w.budi, report, "accept")
        await w.act(w.budi, report, "answer", text="Izin usaha sudah terbit hari ini.")
        thread = [m.get("text", "") for m in loopback.bot_messages(w.group.id)]
        assert any("sampaikan jawaban melalui saluran asal" in t for t in thread)
        await w.act(w.ani, report, "close")
        assert (await w.report(report)).stage == "closed"
