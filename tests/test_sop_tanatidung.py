"""Seed 001 (Kab. Tana Tidung, SP4N) row by row: the application, the Admin, the liaison.

docs/sops/001_b1762dabda780584.txt L22-26. The Admin of the Sub Bagian is Ani (operator), the
Pejabat Penghubung of the Dinas Kesehatan is Budi (liaison).
"""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackBotApi
from tests.sop_walk import card_text, file, lihat, refused, texts
from tests.staff_kit import staff_world

NOT_OURS = "Ini kewenangan Dinas Pekerjaan Umum, bukan Dinas Kesehatan."


async def test_seed_001_aplikasi_verifikasi_admin_disposisi_pejabat_penghubung_merespon(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile="tanatidung") as w:
        admin, penghubung = w.ani, w.budi

        # 1. Aplikasi SP4N verifies, examines and disposes to the agency admin (1-3 hari): the
        # bot takes only a complete report and it reaches the admin at once.
        report = await file(w, w.siti)
        assert await w.stages(report) == ["submit"]
        assert (await w.report(report)).stage == "submitted"

        # 2. The Admin verifies and forwards it to the unit's liaison (3-5 hari).
        assert "SOP: 3-5 hari" in await card_text(w, report)
        assert "SOP: 3-5 hari" in await lihat(w, admin, report)
        assert "Hanya permintaan informasi" in await refused(w, admin, report, "answer_info")
        assert "Peran Anda" in await refused(w, penghubung, report, "dispose")
        await w.act(admin, report, "dispose", choice=await w.unit_id("dinkes"))
        assert (await w.report(report)).stage == "in_progress"
        assert any("diteruskan ke unit Anda" in t for t in texts(w, penghubung.id))

        # 3. The liaison responds within its authority, or returns it to the admin (5-10 hari).
        assert "SOP: 5-10 hari" in await card_text(w, report)
        assert "SOP: 5-10 hari" in await lihat(w, penghubung, report)
        seen = len(texts(w, admin.id))
        await w.act(penghubung, report, "return_to_triage", text=NOT_OURS)
        assert (await w.report(report)).stage == "submitted"
        # The reason reaches the admin directly, and stands on the card and in /lihat.
        news = texts(w, admin.id)[seen:]
        assert any(NOT_OURS in t and report.number in t for t in news), news
        assert f"📝 Alasan dikembalikan: {NOT_OURS}" in await card_text(w, report)
        assert NOT_OURS in await lihat(w, admin, report)

        await w.act(admin, report, "dispose", choice=await w.unit_id("pupr"))
        pupr = await w.add_staff("Hadi", "liaison", units=("pupr",))
        await w.act(pupr, report, "answer", text="Jalan diperbaiki pekan depan.")
        assert (await w.report(report)).stage == "answered"
        assert await w.stages(report) == [
            "submit",
            "dispose",
            "return_to_triage",
            "dispose",
            "answer",
        ]


async def test_a_liaison_returns_a_report_to_the_admin_after_accepting_it(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:  # nasional: the unit accepts first
        report = await file(w, w.siti)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        await w.act(w.budi, report, "accept")
        assert (await w.report(report)).stage == "in_progress"
        seen = len(texts(w, w.ani.id))
        await w.act(w.budi, report, "return_to_triage", text=NOT_OURS)
        returned = await w.report(report)
        assert (returned.stage, returned.unit_id, returned.assignee_id) == ("submitted", None, None)
        assert any(NOT_OURS in t for t in texts(w, w.ani.id)[seen:])
        assert any(NOT_OURS in t for t in texts(w, w.citra.id))
