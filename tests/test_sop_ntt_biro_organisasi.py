"""Seed 002 (Biro Organisasi NTT), the SP4N-LAPOR! procedure step by step, each by its actor.

docs/sops/002_aceaa952cbfd16b2.txt L43: the liaison checks and passes it to the Kepala Biro, who
dispositions; the assigned official drafts; the answer climbs "secara berjenjang" (Kepala
Bagian, then Kepala Biro) for approval; it goes out. Ani is the complaints officer (operator),
Citra the Kepala Biro and Fajar the Kepala Bagian (supervisors), Gita the assigned official.
"""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackBotApi
from storage.vocabulary import Channel
from tests.sop_walk import buttons, card_text, file, lihat, refused, texts
from tests.staff_kit import staff_world

CORRECTION = "Sebutkan dasar hukumnya."


async def test_seed_002_sp4n_lapor_disposisi_jawaban_berjenjang_dan_koreksi(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile="ntt-biro-organisasi") as w:
        petugas, kepala_biro = w.ani, w.citra
        kabag = await w.add_staff("Fajar", "supervisor")
        pejabat = await w.add_staff("Gita", "liaison", units=("kelembagaan",))
        # Each holds their approval level (as `/staf tambah <id> supervisor --tingkat <n>` does).
        await w.svc.repo.add_staff(kabag.id, "Fajar", "supervisor", approval_level=1)
        await w.svc.repo.add_staff(kepala_biro.id, "Citra", "supervisor", approval_level=2)

        # 1-2. The complaint arrives by SMS 1708 and is checked and passed to the Kepala Biro.
        report = await file(w, w.siti, channel=Channel.SMS)
        assert "💬 Jawab langsung" not in buttons(await w.card(report))
        assert "Hanya permintaan informasi" in await refused(w, petugas, report, "answer_info")
        assert "SOP: 3 hari kerja" in await card_text(w, report)

        # 3. The Kepala Biro dispositions it.
        assert "Peran Anda" in await refused(w, petugas, report, "dispose")
        await w.act(kepala_biro, report, "dispose", choice=await w.unit_id("kelembagaan"))
        assert (await w.report(report)).stage == "in_progress"

        # 4. The assigned official drafts the answer; it climbs, Kepala Bagian first.
        await w.act(pejabat, report, "answer", text="Draf jawaban pertama.")
        assert "tingkat 1/2 · Kepala Bagian" in await card_text(w, report)
        assert "SOP: 2 hari kerja" in await lihat(w, kabag, report)
        assert "Kepala Bagian" in await refused(w, kepala_biro, report, "approve")
        seen = len(texts(w, pejabat.id))
        await w.act(kabag, report, "send_back", text=CORRECTION)
        assert (await w.report(report)).stage == "in_progress"
        # The correction reaches the drafter directly, and stands on the card.
        news = texts(w, pejabat.id)[seen:]
        assert any(CORRECTION in t and report.number in t for t in news), news
        assert f"📝 Catatan perbaikan: {CORRECTION}" in await card_text(w, report)

        await w.act(pejabat, report, "answer", text="Jawaban dengan dasar hukum Perpres 76/2013.")
        await w.act(kabag, report, "approve")
        assert "tingkat 2/2 · Kepala Biro" in await card_text(w, report)
        await w.act(kepala_biro, report, "approve")

        # 5-6. The answer goes to the citizen.
        assert (await w.report(report)).stage == "answered"
        assert any("Perpres 76/2013" in t for t in texts(w, w.siti.id))
        assert not any("Draf jawaban pertama." in t for t in texts(w, w.siti.id))
