"""/catat in every office: the office's own channels, and the operator's menu kept afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.profile import load_profile
from bot.services.offline import channels
from loopback import LoopbackBotApi
from tests.citizen import Citizen
from tests.staff_kit import staff_world

PROFILES = sorted(p.stem for p in (Path(__file__).parents[1] / "profiles").glob("*.toml"))


@pytest.mark.parametrize("profile", PROFILES)
async def test_catat_offers_the_offices_channels_and_never_dead_ends(
    loopback: LoopbackBotApi, tmp_path: Path, profile: str
) -> None:
    office = load_profile(profile)
    async with staff_world(loopback, tmp_path, aduan_profile=profile) as w:
        ani = Citizen(loopback, w.ani)
        asked = await ani.says("/catat")
        offered = [b for b in ani.buttons() if not b.startswith("✖️")]
        names = [c.name.get("id") for c in office.channels if c.code in channels(office)]
        assert "Melalui saluran apa" in asked
        assert offered == names, "every channel but this bot, and nothing else"
        assert offered, f"{profile}: /catat offers no channel to choose"


async def test_seed_003_records_a_report_from_the_website_form(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile="pangkalpinang-bkpsdmd") as w:
        ani = Citizen(loopback, w.ani)
        website = "Situs web BKPSDMD (bkpsdmd.pangkalpinangkota.go.id)"
        await ani.says("/catat")
        assert website in ani.buttons()
        assert "Jenis laporan" in await ani.says(website)


async def test_the_operators_menu_comes_back_after_catat(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        ani = Citizen(loopback, w.ani)
        await ani.says("/start")
        menu = ani.buttons()
        await ani.says("/catat")
        assert "Pencatatan dibatalkan" in await ani.says("/batal")
        assert ani.buttons() == menu
