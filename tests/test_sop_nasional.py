"""The national default (SP4N-LAPOR!) step by step, each by its actor, with its times.

profiles/nasional.toml: verify and dispose within 3 working days (Admin SP4N-LAPOR!, Ani), the
unit follows up within 5 (Pejabat Penghubung, Budi), resolved within 60 days (Perpres 76/2013).
"""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackBotApi
from tests.sop_walk import buttons, card_text, file, lihat, refused, texts
from tests.staff_kit import staff_world


async def test_sp4n_verifikasi_disposisi_tindak_lanjut_unit_dan_jawaban(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        admin, penghubung = w.ani, w.budi

        # 1. The citizen reports. 2. The admin verifies and disposes within 3 hari.
        report = await file(w, w.siti)
        assert "SOP: 3 hari (SP4N)" in await card_text(w, report)
        assert "SOP: 3 hari (SP4N)" in await lihat(w, admin, report)
        assert "💬 Jawab langsung" not in buttons(await w.card(report))
        await w.act(admin, report, "dispose", choice=await w.unit_id("dinkes"))

        # 3. The unit follows up within 5 hari: it accepts (or returns it).
        assert (await w.report(report)).stage == "disposed"
        assert "SOP: 5 hari (SP4N)" in await card_text(w, report)
        assert "SOP: 5 hari (SP4N)" in await lihat(w, penghubung, report)
        assert "Peran Anda" in await refused(w, admin, report, "accept")
        await w.act(penghubung, report, "accept")

        # 4. The unit answers, within the 60-day limit.
        await w.act(penghubung, report, "answer", text="Puskesmas buka lagi mulai Senin.")
        assert (await w.report(report)).stage == "answered"
        assert any("Puskesmas buka lagi mulai Senin." in t for t in texts(w, w.siti.id))
        assert await w.stages(report) == ["submit", "dispose", "accept", "answer"]


async def test_sp4n_an_information_request_alone_is_answered_directly(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        question = await file(w, w.siti, type="informasi", title="Jam buka puskesmas?")
        assert "💬 Jawab langsung" in buttons(await w.card(question))
        await w.act(w.ani, question, "answer_info", text="Buka 08.00 sampai 16.00.")
        assert (await w.report(question)).stage == "answered"
        for kind in ("pengaduan", "aspirasi"):
            report = await file(w, w.rudi, type=kind)
            assert "💬 Jawab langsung" not in buttons(await w.card(report))
            await refused(w, w.ani, report, "answer_info")
