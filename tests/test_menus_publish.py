"""Command menus are published side by side at start, and only where they changed (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.telegram.menus import staff_private_commands
from loopback import LoopbackBotApi
from tests.staff_kit import staff_world


def scopes(loopback: LoopbackBotApi, method: str, since: int = 0) -> list[tuple[Any, ...]]:
    """Return (scope type, chat id, language) of each call of a menu method after `since`."""
    found = []
    for call in loopback.calls(method)[since:]:
        scope: Any = call.params.get("scope") or {"type": "default"}
        if isinstance(scope, str):
            scope = json.loads(scope)
        found.append((scope["type"], scope.get("chat_id"), call.params.get("language_code")))
    return found


async def test_a_restart_with_nothing_changed_publishes_no_menu(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        await w.runner.restart()  # the staff added since the first start get their menus
        first = scopes(loopback, "setMyCommands")
        assert ("chat", w.ani.id, None) in first
        assert ("chat", w.citra.id, "en") in first
        before = len(loopback.calls("setMyCommands"))

        await w.runner.restart()

        assert scopes(loopback, "setMyCommands", before) == []
        assert loopback.calls("deleteMyCommands") == []


async def test_a_staff_member_whose_role_changed_gets_only_their_menu_again(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        await w.runner.restart()
        before = len(loopback.calls("setMyCommands"))
        await w.svc.repo.add_staff(w.dedi.id, "Dedi", "supervisor")  # the viewer promoted

        await w.runner.restart()

        calls = loopback.calls("setMyCommands")[before:]
        assert sorted(scopes(loopback, "setMyCommands", before), key=str) == [
            ("chat", w.dedi.id, "en"),
            ("chat", w.dedi.id, None),
        ]
        supervisor = [c.name for c in staff_private_commands("supervisor")]
        for call in calls:
            assert [c["command"] for c in call.params["commands"]] == supervisor
        assert "rekap" in supervisor
        assert "rekap" not in [c.name for c in staff_private_commands("viewer")]


async def test_a_staff_member_who_left_goes_back_to_the_citizen_menu(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        await w.runner.restart()
        before = len(loopback.calls("setMyCommands"))
        assert await w.svc.repo.remove_staff(w.eka.id)

        await w.runner.restart()

        assert scopes(loopback, "setMyCommands", before) == []
        assert sorted(scopes(loopback, "deleteMyCommands"), key=str) == [
            ("chat", w.eka.id, "en"),
            ("chat", w.eka.id, None),
        ]
        # Telegram now shows Eka the citizens' menu; a third start asks nothing more.
        await w.runner.restart()
        assert len(scopes(loopback, "deleteMyCommands")) == 2


async def test_a_menu_telegram_refused_is_published_at_the_next_start(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        loopback.inject_fault("setMyCommands", "500", times=100)
        await w.runner.restart()  # the staff's menus are new, and every one is refused
        loopback.clear_faults()
        before = len(loopback.calls("setMyCommands"))

        await w.runner.restart()

        again = scopes(loopback, "setMyCommands", before)
        assert ("chat", w.budi.id, "en") in again
        assert ("chat", w.ani.id, None) in again
        # The citizens' menu went out at the very first start and has not changed since.
        assert ("all_private_chats", None, None) not in again
