"""The staff registry: /staf and /unit in the group, `python -m bot staff|unit` in the shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from loopback import LoopbackBotApi
from tests.harness import database_url
from tests.staff_kit import StaffWorld, staff_world


async def say(w: StaffWorld, user: object, text: str, *, reply_to: int | None = None) -> str:
    before = len(w.loopback.bot_messages(w.group.id))
    w.loopback.send_text(user, text, chat=w.group, reply_to=reply_to)  # type: ignore[arg-type]
    await w.settle()
    assert len(w.loopback.bot_messages(w.group.id)) > before, "the bot did not answer"
    return str(w.loopback.bot_messages(w.group.id)[-1]["text"])


async def test_a_supervisor_adds_a_liaison_by_replying_and_a_unit_by_code(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        newcomer = loopback.add_user("Joko")
        loopback.set_member(w.group.id, newcomer)
        hello = loopback.send_text(newcomer, "Halo, saya dari puskesmas.", chat=w.group)
        await w.settle()
        added = await say(w, w.citra, "/staf tambah liaison dinkes", reply_to=hello["message_id"])
        assert "Joko" in added
        assert "Pejabat Penghubung" in added, "the profile's name for the role, not its code"
        member = await w.svc.repo.staff_by_telegram(newcomer.id)
        assert member is not None
        assert member.unit_ids == {await w.unit_id("dinkes")}

        unit = await say(w, w.citra, "/unit tambah pkm-oebobo Puskesmas Oebobo")
        assert "pkm-oebobo" in unit
        assert "Puskesmas Oebobo" in await say(w, w.citra, "/unit")
        assert "Joko" in await say(w, w.citra, "/staf")

        assert "Peran Anda" in await say(w, w.ani, f"/staf hapus {newcomer.id}")
        await say(w, w.citra, f"/staf hapus {newcomer.id}")
        assert await w.svc.repo.staff_by_telegram(newcomer.id) is None


async def test_staff_lookups_answer_privately_by_role(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, title="Jalan berlubang di Oebobo")
        await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))

        async def ask(name: str, text: str) -> str:
            user = w.people[name]
            before = len(loopback.bot_messages(user.id))
            loopback.send_text(user, text)
            await w.settle()
            assert len(loopback.bot_messages(user.id)) > before, "the bot did not answer"
            return str(loopback.bot_messages(user.id)[-1].get("text", ""))

        assert report.number in await ask("budi", "/antrian")
        assert report.number not in await ask("eka", "/antrian")
        assert report.number in await ask("dedi", "/cari berlubang")
        assert "tidak terdaftar" in await ask("siti", "/antrian")


def test_the_command_line_adds_lists_and_removes_staff_and_units(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In this process, through the same main() `python -m bot` calls (tests/test_cli.py runs
    # the real command): eight interpreter starts cost this test 16 s.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url(tmp_path))

    def cli(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    assert cli("unit", "add", "pkm-oebobo", "Puskesmas Oebobo")[0] == 0
    assert "pkm-oebobo" in cli("unit", "list")[1]
    code, _out, err = cli(
        "staff", "add", "4242", "liaison", "--name", "Budi", "--unit", "pkm-oebobo"
    )
    assert code == 0, err
    assert "4242\tliaison\tBudi\tpkm-oebobo" in cli("staff", "list")[1]
    assert cli("staff", "add", "43", "liaison")[0] == 1
    assert cli("staff", "remove", "4242")[0] == 0
    assert "4242" not in cli("staff", "list")[1]


async def test_a_supervisor_from_admin_user_ids_is_shown_by_name_once_they_act(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    head = loopback.add_user("Kepala", last_name="Biro", user_id=7777)
    async with staff_world(loopback, tmp_path, admin_user_ids=frozenset({head.id})) as w:
        loopback.set_member(w.group.id, head)
        report = await w.file(w.siti)
        await w.act(head, report, "dispose", choice=await w.unit_id("dinkes"))
        card = (await w.card(report))["text"]
        assert "Diteruskan ke unit · Kepala Biro" in card
        assert "7777" not in card


async def test_the_staff_list_shows_the_offices_names_for_roles(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile="pangkalpinang-bkpsdmd") as w:
        listing = await say(w, w.citra, "/staf")
        for name in ("Operator/Agen", "Tim NKK Pembantu OPD", "Tim NKK Utama"):
            assert name in listing
        for code in ("· operator", "· liaison", "· supervisor"):
            assert code not in listing
        usage = await say(w, w.citra, "/staf salah")
        assert "liaison (Tim NKK Pembantu OPD)" in usage
