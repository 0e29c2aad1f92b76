"""Who may press what: every card action against every role, plus outsiders (nasional profile)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.profile import load_profile
from bot.domain.vocabulary import Action, Role
from loopback import LoopbackBotApi
from storage.models import Report
from tests.staff_kit import StaffWorld, staff_world

PROFILE = load_profile("nasional")
# The stage each action is tried at, reached by these steps from a fresh report.
SETUP: dict[Action, list[str]] = {
    Action.DISPOSE: [],
    Action.ANSWER_INFO: [],
    Action.RECLASSIFY: [],
    Action.REJECT: [],
    Action.MARK_DUPLICATE: [],
    Action.ASK_INFO: [],
    Action.EXTEND: [],
    Action.ACCEPT: ["dispose"],
    Action.RETURN_TO_TRIAGE: ["dispose"],
    Action.REASSIGN: ["dispose"],
    Action.ANSWER: ["dispose", "accept"],
    Action.CLOSE: ["dispose", "accept", "answer"],
}
# Who presses, as (person, role, handles reports of the dinkes unit).
PRESSERS = [
    ("ani", Role.OPERATOR, True),
    ("budi", Role.LIAISON, True),
    ("eka", Role.LIAISON, False),
    ("citra", Role.SUPERVISOR, True),
    ("dedi", Role.VIEWER, False),
]


async def prepare(w: StaffWorld, steps: list[str], type: str = "pengaduan") -> Report:
    report = await w.file(w.siti, type=type)
    for step in steps:
        if step == "dispose":
            await w.act(w.citra, report, "dispose", choice=await w.unit_id("dinkes"))
        elif step == "answer":
            await w.act(w.citra, report, "answer", text="Jawaban.")
        else:
            await w.act(w.citra, report, step)
    return report


@pytest.mark.parametrize("action", list(SETUP), ids=lambda a: a.value)
async def test_every_role_gets_exactly_the_actions_its_profile_allows(
    loopback: LoopbackBotApi, tmp_path: Path, action: Action
) -> None:
    # A direct answer is for an information request only (seed 003, step 3).
    kind = "informasi" if action is Action.ANSWER_INFO else "pengaduan"
    async with staff_world(loopback, tmp_path) as w:
        report = await prepare(w, SETUP[action], kind)
        for person, role, own_unit in PRESSERS:
            before = await w.report(report)
            answer = await w.press(w.people[person], report, action.value, forge=True)
            assert answer is not None
            # A liaison acts only on reports already at their unit.
            at_unit = own_unit and before.unit_id is not None
            allowed = PROFILE.may(role, action) and (role is not Role.LIAISON or at_unit)
            if allowed:
                assert not answer.get("show_alert"), (person, answer)
                if (await w.report(report)).version != before.version:
                    report = await prepare(w, SETUP[action], kind)  # it happened: start afresh
            else:
                assert answer["show_alert"] is True, (person, answer)
                assert (await w.report(report)).version == before.version


async def test_outsiders_get_an_alert_and_nothing_changes(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        former = await w.add_staff("Hana", "operator", member=False)
        stranger = loopback.add_user("Iwan")
        loopback.set_member(w.group.id, stranger)
        for person, expected in ((former, "anggota grup"), (stranger, "tidak terdaftar")):
            answer = await w.press(person, report, "dispose")
            assert answer is not None
            assert answer["show_alert"] is True
            assert expected in answer["text"]
            forged = await w.press(person, report, "dispose", await w.unit_id("dinkes"), forge=True)
            assert forged is not None
            assert forged["show_alert"] is True
        assert await w.stages(report) == ["submit"]
        assert (await w.report(report)).version == 1


async def test_a_member_who_left_the_group_loses_access_at_once(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        await w.press(w.ani, report, "dispose")
        loopback.set_member(w.group.id, w.ani, "left")
        assert w.runner.app is not None
        w.runner.app.bot_data.pop("staff_membership", None)  # as a chat_member update would
        answer = await w.press(w.ani, report, "dispose", await w.unit_id("dinkes"))
        assert answer is not None
        assert answer["show_alert"] is True
        assert (await w.report(report)).stage == "submitted"


async def test_a_forged_button_for_a_stage_already_left_alerts_and_redraws_the_card(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti)
        edits = len(loopback.calls("editMessageText", chat_id=w.group.id))
        answer = await w.press(w.budi, report, "accept", forge=True)
        assert answer is not None
        assert answer["show_alert"] is True
        assert len(loopback.calls("editMessageText", chat_id=w.group.id)) > edits
        assert await w.stages(report) == ["submit"]
