"""What /help, the welcome and the command menus offer: only what works, in the office's terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.telegram.menus import Audience, commands_for, group_commands
from loopback import LoopbackBotApi
from tests.citizen_after import bot_texts, say
from tests.harness import eventually
from tests.staff_kit import StaffWorld, staff_world
from tests.test_staff_commands import menus


async def in_group(w: StaffWorld, text: str) -> str:
    """Send a text in the staff group as the supervisor; return the bot's last message there."""
    before = len(w.loopback.bot_messages(w.group.id))
    w.loopback.send_text(w.citra, text, chat=w.group)

    async def answered() -> bool:  # a text, or a file with its caption (/ekspor)
        return len(w.loopback.bot_messages(w.group.id)) > before

    await eventually(answered)
    await w.settle()
    return bot_texts(w, w.group.id)[-1]


async def test_the_group_menu_lists_only_commands_that_answer_in_the_group(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        offered = menus(loopback)[("chat", w.group.id, None)]
        assert offered == ["help", "staf", "unit", "rekap", "ekspor"]
        for name in offered:
            assert (await in_group(w, f"/{name}")).strip(), f"/{name} gets no answer in the group"


async def test_help_in_the_group_says_where_the_other_staff_commands_work(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        text = await in_group(w, "/help")
        for command in group_commands():
            assert f"/{command.name}" in text
        assert "/antrian" in text
        assert "chat pribadi" in text
        assert "/lapor" not in text, "citizen commands do not belong in the staff group's help"


async def test_staff_help_in_private_lists_the_staff_commands_too(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        staff_help = await say(w, w.ani, "/help")
        for command in commands_for(Audience.STAFF):
            assert f"/{command.name}" in staff_help
        citizen_help = await say(w, w.siti, "/help")
        assert "/lapor" in citizen_help
        assert "/antrian" not in citizen_help, "citizens are not shown staff commands"


async def test_help_shows_the_offices_other_channels_from_its_profile(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile="ntt-diskominfo") as w:
        text = await say(w, w.siti, "/help")
        for channel in ("085137377763", "www.lapor.go.id", "diskominfo@nttprov.go.id"):
            assert channel in text
        assert "@dinaskominfontt" in text


@pytest.mark.parametrize(
    ("profile", "offered", "not_offered"),
    [
        ("ntt-pbj", ["pengaduan"], ["aspirasi", "permintaan informasi"]),
        ("ntt-biro-organisasi", ["pengaduan", "saran", "permintaan informasi"], ["aspirasi"]),
        ("nasional", ["pengaduan", "aspirasi", "permintaan informasi"], []),
    ],
)
async def test_the_welcome_offers_only_the_report_types_the_office_takes(
    loopback: LoopbackBotApi,
    tmp_path: Path,
    profile: str,
    offered: list[str],
    not_offered: list[str],
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=profile) as w:
        welcome = (await say(w, w.siti, "/start")).split("\n\n")[1]
        for name in offered:
            assert name in welcome
        for name in not_offered:
            assert name not in welcome


@pytest.mark.parametrize(
    ("typed", "answer_starts"),
    [
        ("Bantuan", "Bantuan"),
        ("bantuan", "Bantuan"),
        ("ℹ️ Bantuan", "Bantuan"),
        ("cek status", "Ketik nomor"),
    ],
)
async def test_a_menu_label_typed_without_its_emoji_works_like_the_button(
    loopback: LoopbackBotApi, tmp_path: Path, typed: str, answer_starts: str
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        await say(w, w.siti, "/start")
        assert (await say(w, w.siti, typed)).startswith(answer_starts)
