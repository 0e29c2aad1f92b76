"""A confidential (rahasia) report filed through the conversation reaches only who may act on it."""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackBotApi
from tests.citizen import Citizen
from tests.staff_kit import staff_world
from tests.test_report_conversation import DESCRIPTION, NUMBER, walk_to_title


async def test_a_confidential_report_goes_privately_to_those_who_triage_it(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        citizen = Citizen(loopback, w.siti)
        await walk_to_title(citizen)
        await citizen.says("Pungli di kantor kelurahan")
        await citizen.says(DESCRIPTION)
        await citizen.says("📅 Hari ini")
        await citizen.says("Kelurahan Oesapa")
        await citizen.says("🙈 Ya, anonim")
        await citizen.says("🔒 Ya, rahasiakan isinya")
        await citizen.sends_photo(caption="kuitansi")
        await citizen.says("✅ Selesai, lanjut")
        number = NUMBER.search(await citizen.says("📨 Kirim laporan"))
        assert number is not None
        report = await w.svc.repo.report_by_number(number.group())
        assert report is not None
        await w.settle()

        card = (await w.card(report))["text"]
        assert report.number in card
        assert "Pungli" not in card
        group_view = " ".join(str(m) for m in loopback.messages_in(w.group.id))
        assert "kuitansi" not in group_view
        assert "Pungli" not in group_view

        def private(user_id: int) -> str:
            return " ".join(str(m) for m in loopback.bot_messages(user_id))

        for reader in (w.ani, w.citra):  # the operator and the supervisor triage it
            assert "Pungli di kantor kelurahan" in private(reader.id)
            assert "kuitansi" in private(reader.id)
        for outsider in (w.budi, w.dedi, w.eka):  # liaisons of no unit yet, the viewer
            assert "Pungli" not in private(outsider.id)
        for view in (private(w.ani.id), private(w.citra.id), group_view):
            assert "Siti" not in view
            assert "siti_a" not in view
