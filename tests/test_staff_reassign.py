"""Reassigning a report to one person of its unit: the picker, the holder, and who may act."""

from __future__ import annotations

from pathlib import Path

from loopback import LoopbackBotApi
from tests.staff_kit import staff_world

# After the report is reassigned to Hana (a second dinkes liaison): who presses what, and the
# alert they get (None: the step goes ahead). Each row runs in order on the same report.
TABLE: list[tuple[str, str, str | None]] = [
    ("budi", "accept", "holder"),  # the unit's other liaison no longer holds it
    ("eka", "accept", "unit"),  # another unit's liaison
    ("ani", "accept", "role"),  # operators do not accept
    ("dedi", "accept", "role"),  # viewers never act
    ("budi", "return_to_triage", "holder"),
    ("hana", "accept", None),  # the holder
    ("budi", "answer", "holder"),
    ("eka", "answer", "unit"),
    ("citra", "answer", None),  # a supervisor may still answer (a prompt opens)
    ("hana", "answer", None),
]


async def test_a_report_reassigned_to_a_person_is_theirs_to_accept_and_answer(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        await w.add_staff("Hana", "liaison", units=("dinkes",))
        hana = await w.svc.repo.staff_by_telegram(w.hana.id)
        assert hana is not None
        report = await w.file(w.siti)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        dms_before = len(loopback.bot_messages(w.budi.id))

        await w.press(w.ani, report, "reassign")
        picker = (await w.card(report))["reply_markup"]["inline_keyboard"]
        names = [row[0]["text"] for row in picker]
        assert "👤 Budi" in names
        assert "👤 Hana" in names
        assert "Rumah Sakit Umum Daerah" in names
        await w.press(w.ani, report, "reassign", f"p{hana.id}")
        moved = await w.report(report)
        assert (moved.stage, moved.unit_id, moved.assignee_id) == (
            "disposed",
            await w.unit_id("dinkes"),
            hana.id,
        )
        assert "· Hana" in (await w.card(report))["text"]
        assert any("dialihkan kepada Anda" in m["text"] for m in loopback.bot_messages(w.hana.id))
        assert len(loopback.bot_messages(w.budi.id)) == dms_before  # only the holder hears

        for person, action, expected in TABLE:
            answered = await w.press(getattr(w, person), report, action)
            assert answered is not None
            if expected is None:
                assert not answered.get("show_alert"), (person, action)
            else:
                assert answered.get("show_alert") is True, (person, action)
                alert = w.svc.renderer.label("id", f"staff_alert.{expected}")
                assert answered["text"] == alert, (person, action)
        await w.reply(w.hana, "Puskesmas buka lagi mulai Senin.")
        assert (await w.report(report)).stage == "answered"


async def test_a_person_of_another_unit_or_a_forged_choice_cannot_be_picked(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        eka = await w.svc.repo.staff_by_telegram(w.eka.id)
        assert eka is not None
        report = await w.file(w.siti)
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
        for forged in (f"p{eka.id}", "p999", "pX"):
            answered = await w.press(w.ani, report, "reassign", forged, forge=True)
            assert answered is not None
            assert answered.get("show_alert") is True
        current = await w.report(report)
        assert current.assignee_id is None
        assert await w.stages(report) == ["submit", "dispose"]
