"""The staff command menu: for the staff group and for each staff member's private chat."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.telegram.menus import Audience, commands_for, group_commands, staff_private_commands
from loopback import LoopbackBotApi
from tests.citizen_after import say
from tests.staff_kit import staff_world

STAFF = [c.name for c in commands_for(Audience.STAFF)]
CITIZEN = [c.name for c in commands_for(Audience.CITIZEN)]


def menus(loopback: LoopbackBotApi) -> dict[tuple[str, int | None, str | None], list[str]]:
    """Return the last published menu per (scope type, chat id, language)."""
    found: dict[tuple[str, int | None, str | None], list[str]] = {}
    for call in loopback.calls("setMyCommands"):
        scope: Any = call.params.get("scope") or {"type": "default"}
        if isinstance(scope, str):
            scope = json.loads(scope)
        commands = call.params["commands"]
        if isinstance(commands, str):
            commands = json.loads(commands)
        key = (scope["type"], scope.get("chat_id"), call.params.get("language_code"))
        found[key] = [c["command"] for c in commands]
    return found


async def test_the_staff_group_and_staff_private_chats_get_the_staff_commands(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        published = menus(loopback)
        for lang in (None, "en"):
            assert published[("chat", w.group.id, lang)] == [c.name for c in group_commands()]
            assert published[("all_private_chats", None, lang)] == CITIZEN

        await w.runner.restart()  # the registry now holds staff who have started the bot
        published = menus(loopback)
        roles = [
            (w.ani, "operator"),
            (w.budi, "liaison"),
            (w.citra, "supervisor"),
            (w.dedi, "viewer"),
            (w.eka, "liaison"),
        ]
        for person, role in roles:
            mine = [c.name for c in staff_private_commands(role)]
            for lang in (None, "en"):
                assert published[("chat", person.id, lang)] == mine
        # The citizens' commands and those their role may use; a supervisor's are all of them.
        assert [c.name for c in staff_private_commands("supervisor")] == CITIZEN + STAFF
        assert "rekap" not in published[("chat", w.budi.id, None)]
        assert ("chat", w.siti.id, None) not in published, "citizens keep the citizen menu"


async def test_a_staff_member_who_starts_the_bot_later_gets_the_staff_menu_then(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        fajar = await w.add_staff("Fajar", "operator", private=False)
        assert ("chat", fajar.id, None) not in menus(loopback)
        await say(w, fajar, "/start")
        assert menus(loopback)[("chat", fajar.id, None)] == [
            c.name for c in staff_private_commands("operator")
        ]
        await say(w, w.siti, "/start")
        assert ("chat", w.siti.id, None) not in menus(loopback)


async def test_a_failing_staff_menu_is_logged_and_the_bot_runs_on(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        loopback.inject_fault("setMyCommands", "500", times=20)
        await w.runner.restart()
        fajar = await w.add_staff("Fajar", "operator", private=False)
        assert (await say(w, fajar, "/start")).startswith("Selamat datang")
