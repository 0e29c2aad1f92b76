"""Seed 003 (BKPSDMD Pangkalpinang, ethics code) row by row, each step by the seed's actor.

docs/sops/003_ace89eff910b5c4d.txt L63-71. Operator/Agen is Ani (operator), Tim NKK Utama is
Citra (supervisor), Tim NKK Pembantu of the Dinas Kesehatan is Budi (liaison).
"""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackBotApi
from tests.citizen import Citizen
from tests.sop_walk import buttons, card_text, file, lihat, refused, texts
from tests.staff_kit import staff_world

PROFILE = "pangkalpinang-bkpsdmd"


async def test_seed_003_registrasi_klasifikasi_tanggapan_tim_utama_operator_terjawab(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        operator, tim_utama, tim_pembantu = w.ani, w.citra, w.budi

        # 1. Registrasi, kategori dan sub kategori, input pengaduan (User) - 15 menit.
        report = await file(w, w.siti, category="kode-etik", subcategory="berorganisasi")
        shown = await card_text(w, report)
        assert "Kode etik ASN › Etika dalam berorganisasi" in shown
        assert "Kode etik ASN › Etika dalam berorganisasi" in await lihat(w, tim_utama, report)

        # 2. Menerima input pengaduan (Operator) - 10 menit: the card reaches the Tim NKK at once.
        # 3. Mengklasifikasi (Tim NKK Utama) - 120 menit. A complaint is not answered directly.
        assert "SOP: 120 menit" in shown
        assert "SOP: 120 menit" in await lihat(w, tim_utama, report)
        assert "Hanya permintaan informasi" in await refused(w, operator, report, "answer_info")
        assert "Peran Anda" in await refused(w, operator, report, "dispose")
        await w.act(tim_utama, report, "dispose", choice=await w.unit_id("dinkes"))
        assert (await w.report(report)).stage == "in_progress"

        # 4. Menerima pengaduan dan memproses tanggapan (Tim NKK Pembantu) - 2 hari.
        assert "SOP: 2 hari" in await card_text(w, report)
        assert "SOP: 2 hari" in await lihat(w, tim_pembantu, report)
        await w.act(tim_pembantu, report, "answer", text="Pegawai telah diberi teguran tertulis.")
        assert (await w.report(report)).stage == "awaiting_approval"
        assert not any("teguran tertulis" in t for t in texts(w, w.siti.id))

        # 5. Menerima tanggapan (Tim NKK Utama) - 10 menit; the operator's level comes after.
        shown = await card_text(w, report)
        assert "tingkat 1/2 · Tim NKK Utama menerima tanggapan" in shown
        assert "SOP: 10 menit (Tim NKK Utama) + 30 menit (Operator/Agen)" in shown
        assert "Peran Anda" in await refused(w, operator, report, "approve")
        await w.act(tim_utama, report, "approve")
        assert (await w.report(report)).approval_level == 2

        # 6. Menginput tanggapan untuk pelapor (Operator/Agen) - 30 menit.
        assert "tingkat 2/2 · Operator/Agen menginput tanggapan" in await card_text(w, report)
        await w.act(operator, report, "approve")

        # 7. Proses pengaduan terjawab - 5 menit: answered when the response is sent.
        assert (await w.report(report)).stage == "answered"
        assert any("teguran tertulis" in t for t in texts(w, w.siti.id))
        assert await w.stages(report) == ["submit", "dispose", "answer", "approve", "approve"]


async def test_seed_003_tim_utama_classifies_information_and_the_operator_answers_it(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        report = await file(w, w.siti, title="Cara melapor pelanggaran kode etik?")
        # The operator may not classify; the Tim Utama does, from the office's own types only.
        assert "Peran Anda" in await refused(w, w.ani, report, "reclassify", "informasi")
        await w.press(w.citra, report, "reclassify")
        picker = buttons(await w.card(report))
        assert picker == ["Aspirasi", "Informasi", "⬅️ Kembali"]
        await w.press(w.citra, report, "reclassify", "informasi")
        events = await w.svc.repo.events(report.id)
        assert events[-1].action == "reclassify"
        assert events[-1].data == {"from": "pengaduan", "to": "informasi"}
        shown = await card_text(w, report)
        assert "Informasi" in shown.splitlines()[0]
        assert "🏷️ Jenis diubah dari Pengaduan menjadi Informasi oleh Citra" in shown
        # Information only: the operator answers it directly, the Tim Utama leaves it to them.
        assert "Peran Anda" in await refused(w, w.citra, report, "answer_info")
        await w.act(w.ani, report, "answer_info", text="Lapor melalui bot ini atau situs BKPSDMD.")
        assert (await w.report(report)).stage == "answered"


async def test_jawab_langsung_on_an_ethics_complaint_is_refused_even_when_forged(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        report = await file(w, w.siti, category="kode-perilaku", subcategory="integritas")
        assert "💬 Jawab langsung" not in buttons(await w.card(report))
        await refused(w, w.ani, report, "answer_info")
        assert await w.stages(report) == ["submit"]


async def test_seed_003_step_3_only_the_tim_utama_decides_a_report_is_only_information(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    # A reporter cannot file "Informasi" and have the operator answer it before the Tim Utama
    # has classified it: the type is not offered to reporters at all.
    async with staff_world(loopback, tmp_path, aduan_profile="pangkalpinang-bkpsdmd") as w:
        siti = Citizen(loopback, w.siti)
        await siti.says("/lapor")
        for _ in range(6):  # answer the questions before the type, whatever this office asks
            if "Apa jenis laporan" in siti.api.last_bot_message(siti.chat_id).get("text", ""):
                break
            await siti.says(siti.buttons()[0])
        assert "Apa jenis laporan" in siti.api.last_bot_message(siti.chat_id)["text"]
        offered = [b for b in siti.buttons() if not b.startswith(("⬅️", "✖️"))]
        assert offered == ["Pengaduan", "Aspirasi"]
        refused = await siti.says("Informasi")
        assert "Mohon pilih salah satu tombol" in refused
