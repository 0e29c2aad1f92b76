"""Seed 000 (Biro PBJ NTT) row by row: Masyarakat reports, the Ketua identifies, the Atasan acts.

docs/sops/000_2fbeb67c19f2efe0.txt L46-50; every time is "Tentatif". The Ketua is the operator
(Ani), the Atasan the supervisor (Citra).
"""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackBotApi
from tests.sop_walk import buttons, card_text, file, lihat, refused, texts
from tests.staff_kit import staff_world

TENTATIVE = "SOP: Tentatif (perkiraan, bukan janji)"
IDENTIFIED = "Pejabat pokja meminta imbalan 5% dari nilai kontrak; saksi: dua penyedia."


async def test_seed_000_masyarakat_melapor_ketua_mengidentifikasi_atasan_menyelesaikan(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile="ntt-pbj") as w:
        ketua, atasan = w.ani, w.citra
        unit = await w.unit_id("pengelolaan-pbj")

        # 1. Memberikan pengaduan kepada pimpinan (Masyarakat, Ketua) - Tentatif.
        report = await file(w, w.siti)
        card = await w.card(report)
        assert TENTATIVE in card["text"]
        assert "💬 Jawab langsung" not in buttons(card)
        assert "🏷️ Ubah jenis" not in buttons(card)

        # 2. Mengidentifikasi masalah (Ketua) - Tentatif: handing it on asks for the identification.
        await w.press(ketua, report, "dispose")
        await w.press(ketua, report, "dispose", unit)
        assert (await w.report(report)).stage == "submitted"  # nothing happens without it
        assert "identifikasi masalah" in w.prompt_for(ketua, w.group.id)["text"]
        await w.reply(ketua, IDENTIFIED)
        assert (await w.report(report)).stage == "in_progress"
        shown = await card_text(w, report)
        assert f"📝 Identifikasi masalah: {IDENTIFIED}" in shown
        assert TENTATIVE in shown
        detail = await lihat(w, atasan, report)
        assert f"Identifikasi masalah: {IDENTIFIED}" in detail
        assert TENTATIVE in detail

        # 3. Menyelesaikan penyalahgunaan wewenang (Atasan) - Tentatif; the Ketua may not.
        assert "Peran Anda" in await refused(w, ketua, report, "answer")
        await w.act(atasan, report, "answer", text="Pejabat pokja diperiksa Inspektorat.")
        assert (await w.report(report)).stage == "answered"
        assert await w.stages(report) == ["submit", "dispose", "answer"]
        events = await w.svc.repo.events(report.id)
        assert events[1].note == IDENTIFIED
        assert events[1].actor_staff_id is not None


async def test_ntt_pbj_ketua_cannot_change_the_type_or_answer_a_complaint_directly(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile="ntt-pbj") as w:
        report = await file(w, w.siti)
        # Forged presses of the buttons the card no longer offers: refused, nothing changes.
        assert "Langkah ini" in await refused(w, w.ani, report, "reclassify", "informasi")
        assert "Langkah ini" in await refused(w, w.ani, report, "answer_info")
        assert "Langkah ini" in await refused(w, w.citra, report, "answer_info")
        assert await w.stages(report) == ["submit"]
        assert not any("Jawaban" in t for t in texts(w, w.siti.id))
