"""Seed 004 (Diskominfo NTT): its checks come before the form; then SP4N's steps, each by its actor.

docs/sops/004_9fcf3bd64cfc4a36.txt has no table of steps: the four checks [L33-36] are asked
before the report (tests/test_report_conversation.py), and the handling is SP4N's
(profiles/ntt-diskominfo.toml). Pengelola Pengaduan is Ani (operator), the Pejabat Penghubung
of the Diskominfo is Hadi (liaison).
"""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackBotApi
from tests.sop_walk import buttons, card_text, file, lihat, refused, texts
from tests.staff_kit import staff_world


async def test_seed_004_pengaduan_diverifikasi_didisposisi_diterima_dan_dijawab(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile="ntt-diskominfo") as w:
        pengelola = w.ani
        penghubung = await w.add_staff("Hadi", "liaison", units=("diskominfo",))

        report = await file(w, w.siti)
        card = await w.card(report)
        # A complaint only, one type: no direct answer and no change of type.
        assert "💬 Jawab langsung" not in buttons(card)
        assert "🏷️ Ubah jenis" not in buttons(card)
        await refused(w, pengelola, report, "answer_info")
        await refused(w, pengelola, report, "reclassify", "informasi")

        # Verify and dispose within 3 hari (Pengelola Pengaduan).
        assert "SOP: 3 hari (SP4N)" in card["text"]
        assert "SOP: 3 hari (SP4N)" in await lihat(w, pengelola, report)
        await w.act(pengelola, report, "dispose", choice=await w.unit_id("diskominfo"))

        # The unit accepts within 5 hari and answers (Pejabat Penghubung).
        assert "SOP: 5 hari (SP4N)" in await card_text(w, report)
        assert "SOP: 5 hari (SP4N)" in await lihat(w, penghubung, report)
        await w.act(penghubung, report, "accept")
        await w.act(penghubung, report, "answer", text="Laporan diteruskan ke Inspektorat.")
        assert (await w.report(report)).stage == "answered"
        assert any("Inspektorat" in t for t in texts(w, w.siti.id))
