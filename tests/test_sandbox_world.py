"""The demo world behind the console: its people per profile, its clock, its HTTP answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.domain.access import held_levels
from bot.sandbox.server import Console
from bot.sandbox.world import DemoWorld, profile_names
from bot.settings import Settings
from storage.vocabulary import Role


def base(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/unused.db")


def test_the_demo_offers_all_six_profiles() -> None:
    assert len(profile_names()) == 6
    assert "nasional" in profile_names()


@pytest.mark.parametrize("profile", profile_names())
async def test_each_profile_gets_its_operator_liaisons_and_every_approval_level(
    profile: str, tmp_path: Path
) -> None:
    world = DemoWorld(base(tmp_path), profile)
    await world.start()
    try:
        svc = world.services
        staff = await svc.repo.list_staff()
        units = {u.id for u in await svc.repo.list_units()}
        roles = [m.role for m in staff]
        assert roles.count(Role.OPERATOR) == 1
        liaisons = [m for m in staff if m.role == Role.LIAISON]
        assert liaisons
        assert all(m.unit_ids and m.unit_ids <= units for m in liaisons)
        levels = len(svc.profile.steps.approval_levels)
        # Someone holds each approval level the profile has, with the level's role.
        assert held_levels(svc.profile, staff) == frozenset(range(1, levels + 1))
        assert Role.SUPERVISOR in roles
        citizens = [p for p in world.people.values() if p.kind == "citizen"]
        assert len(citizens) == 3
        # Every staff member is in the staff group and the page names them by the office's roles.
        assert world.group is not None
        for person in world.people.values():
            if person.kind == "staff":
                assert world.api.member_status(world.group.id, person.user.id) == "member"
                assert person.label
        # The demo starts in office hours, so the first reminders reach the group at once.
        assert world.calendar.is_office_open(world.clock())
    finally:
        await world.stop()


async def test_the_clock_only_moves_forward_and_needs_a_due_date_to_jump_to(
    tmp_path: Path,
) -> None:
    world = DemoWorld(base(tmp_path), "nasional")
    await world.start()
    try:
        start = world.clock()
        after = await world.move_clock("hour")
        assert timedelta(minutes=59) < after - start < timedelta(minutes=61)
        with pytest.raises(LookupError):
            await world.move_clock("due")  # no open report yet
        assert world.clock.advance_to(start) >= after
    finally:
        await world.stop()


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[tuple[Console, str]]:
    demo = Console(base(tmp_path), "nasional")
    address = await demo.start("127.0.0.1", 0)
    try:
        yield demo, address
    finally:
        await demo.stop()


async def test_the_page_resets_to_another_profile_and_refuses_what_it_does_not_know(
    console: tuple[Console, str],
) -> None:
    demo, address = console
    async with aiohttp.ClientSession() as http:
        async with http.get(address) as page:
            assert "Ponsel warga" in await page.text()
        async with http.post(f"{address}/api/act", json={"person": "nobody"}) as answer:
            assert answer.status == 400
            assert (await answer.json())["error"] == "unknown"
        act = {"person": "siti", "where": "group", "action": {"kind": "text", "text": "halo"}}
        async with http.post(f"{address}/api/act", json=act) as answer:
            assert (await answer.json())["error"] == "not-staff"
        async with http.post(f"{address}/api/clock", json={"step": "week"}) as answer:
            assert (await answer.json())["error"] == "bad-step"
        async with http.post(f"{address}/api/reset", json={"profile": "../etc"}) as answer:
            assert (await answer.json())["error"] == "bad-profile"
        async with http.post(f"{address}/api/reset", json={"profile": "tanatidung"}) as answer:
            assert (await answer.json())["ok"] is True
        async with http.get(f"{address}/api/state") as answer:
            state = await answer.json()
    assert state["profile"] == "tanatidung"
    assert demo.world.profile_name == "tanatidung"
    assert all(not chat["messages"] for chat in state["chats"].values())
