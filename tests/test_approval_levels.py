"""Issue 10, seed 002: the order of approval levels follows the profile, person by person.

docs/sops/002_aceaa952cbfd16b2.txt L41, L43: the answer climbs "secara berjenjang", the Kepala
Bagian first, then the Kepala Biro (profiles/ntt-biro-organisasi.toml, steps.approval_names).
A supervisor assigns each level to a person (`/staf tambah <id> supervisor --tingkat <n>`, or
`python -m bot staff add <id> supervisor --level <n>`); a level nobody holds stays open to every
member of its role, as before. Citra is the Kepala Biro, Fajar the Kepala Bagian, Hadi another
supervisor, Gita the assigned official.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, text

from bot.__main__ import main
from bot.domain.profile import load_profile
from bot.domain.vocabulary import Action, Role
from bot.domain.workflow import Actor, ActorKind
from bot.services.transition import Done, perform
from loopback import LoopbackBotApi
from loopback.models import FakeUser
from storage.database import Database, alembic_config
from storage.models import Report
from storage.repository import Repository
from tests.harness import database_url
from tests.sop_walk import buttons, card_text, file, refused
from tests.staff_kit import StaffWorld, staff_world
from tests.test_sla_sweep import MONDAY, Clock, file_report, start_services, sweep_and_take

PROFILE = "ntt-biro-organisasi"
KABAG_ONLY = "ditetapkan untuk Kepala Bagian"
KABIRO_ONLY = "ditetapkan untuk Kepala Biro"


async def say(w: StaffWorld, user: FakeUser, text: str) -> str:
    """Send a command in the staff group and return the bot's answer."""
    before = len(w.loopback.bot_messages(w.group.id))
    w.loopback.send_text(user, text, chat=w.group)
    await w.settle()
    assert len(w.loopback.bot_messages(w.group.id)) > before, "the bot did not answer"
    return str(w.loopback.bot_messages(w.group.id)[-1]["text"])


async def assign(w: StaffWorld, user: FakeUser, name: str, level: int) -> str:
    """Give a registered supervisor an approval level with /staf, as the Kepala Biro would."""
    return await say(w, w.citra, f"/staf tambah {user.id} supervisor --tingkat {level} {name}")


async def drafted(w: StaffWorld) -> Report:
    """File a report, disposition it and draft its answer: it waits for approval at level 1."""
    pejabat = await w.add_staff("Gita", "liaison", units=("kelembagaan",))
    report = await file(w, w.siti)
    await w.act(w.citra, report, "dispose", choice=await w.unit_id("kelembagaan"))
    await w.act(pejabat, report, "answer", text="Jawaban dengan dasar hukum Perpres 76/2013.")
    assert "tingkat 1/2 · Kepala Bagian" in await card_text(w, report)
    return report


async def test_seed_002_the_kepala_biro_cannot_approve_the_kepala_bagians_level(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        kepala_biro = w.citra
        kabag = await w.add_staff("Fajar", "supervisor")
        other = await w.add_staff("Hadi", "supervisor")
        await assign(w, kepala_biro, "Citra", 2)
        await assign(w, kabag, "Fajar", 1)
        report = await drafted(w)

        # The button is on the group's card for everyone; the press says whose level it is.
        assert "👍 Setujui" in buttons(await w.card(report))
        assert KABAG_ONLY in await refused(w, kepala_biro, report, "approve")
        assert KABAG_ONLY in await refused(w, other, report, "approve")
        assert KABAG_ONLY in await refused(w, kepala_biro, report, "send_back")

        await w.act(kabag, report, "approve")
        assert "tingkat 2/2 · Kepala Biro" in await card_text(w, report)
        assert KABIRO_ONLY in await refused(w, other, report, "approve")
        await w.act(kepala_biro, report, "approve")
        assert (await w.report(report)).stage == "answered"
        approvals = [e for e in await w.svc.repo.events(report.id) if e.action == "approve"]
        by = {m.id: m.display_name for m in await w.svc.repo.list_staff()}
        assert [by[e.actor_staff_id or 0] for e in approvals] == ["Fajar", "Citra"]


async def test_seed_002_without_levels_assigned_any_supervisor_approves_each_level(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        kabag = await w.add_staff("Fajar", "supervisor")
        report = await drafted(w)
        # Nobody holds a level: the office works as it did before levels were assigned.
        await w.act(w.citra, report, "approve")
        assert "tingkat 2/2 · Kepala Biro" in await card_text(w, report)
        await w.act(kabag, report, "approve")
        assert (await w.report(report)).stage == "answered"


async def test_seed_002_a_level_nobody_holds_stays_open_to_its_role(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        other = await w.add_staff("Hadi", "supervisor")
        await assign(w, w.citra, "Citra", 2)
        report = await drafted(w)
        await w.act(other, report, "approve")  # level 1 is nobody's: any supervisor
        assert KABIRO_ONLY in await refused(w, other, report, "approve")
        await w.act(w.citra, report, "approve")
        assert (await w.report(report)).stage == "answered"


async def test_staf_tambah_tingkat_stores_the_level_and_the_list_names_it(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path, aduan_profile=PROFILE) as w:
        kabag = loopback.add_user("Fajar")
        loopback.set_member(w.group.id, kabag)
        added = await say(w, w.citra, f"/staf tambah {kabag.id} supervisor --tingkat 1 Fajar")
        assert "persetujuan tingkat 1 (Kepala Bagian)" in added
        member = await w.svc.repo.staff_by_telegram(kabag.id)
        assert member is not None
        assert (member.display_name, member.approval_level) == ("Fajar", 1)
        assert "Fajar" in (listing := await say(w, w.citra, "/staf"))
        assert "persetujuan tingkat 1 (Kepala Bagian)" in listing

        # A level the office does not have, or one the role cannot hold, is refused.
        for wrong in (f"{kabag.id} supervisor --tingkat 3", f"{kabag.id} operator --tingkat 1"):
            answer = await say(w, w.citra, f"/staf tambah {wrong} Fajar")
            assert "--tingkat 1 Kepala Bagian" in answer
            assert "--tingkat 2 Kepala Biro" in answer
        member = await w.svc.repo.staff_by_telegram(kabag.id)
        assert member is not None
        assert (member.role, member.approval_level) == (Role.SUPERVISOR, 1)


async def test_staf_tambah_tingkat_is_refused_where_the_profile_names_no_levels(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:  # nasional: no approval levels
        answer = await say(w, w.citra, f"/staf tambah {w.citra.id} supervisor --tingkat 1 Citra")
        assert "tidak menamai tingkat persetujuannya" in answer
        member = await w.svc.repo.staff_by_telegram(w.citra.id)
        assert member is not None
        assert member.approval_level is None


def test_the_command_line_sets_and_lists_the_approval_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url(tmp_path))
    monkeypatch.setenv("ADUAN_PROFILE", PROFILE)

    def cli(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(args))
        return code, capsys.readouterr().out

    code, out = cli("staff", "add", "4242", "supervisor", "--name", "Citra", "--level", "2")
    assert code == 0, out
    assert "4242\tsupervisor\tCitra\t2:Kepala Biro" in out
    assert "4242\tsupervisor\tCitra\t\t2:Kepala Biro" in cli("staff", "list")[1]
    code, out = cli("staff", "add", "43", "operator", "--level", "1")
    assert code == 1
    assert "1=Kepala Bagian (supervisor)" in out


@pytest.mark.sqlite_only("SQLite's SQL at 0002; test_postgres.py migrates from empty")
async def test_the_level_column_is_added_to_an_existing_database(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/aduan.db")

    def to_0002(conn: Connection) -> None:
        command.upgrade(alembic_config(conn), "0002")

    async with db.writer.connect() as conn:
        await conn.run_sync(to_0002)
        await conn.execute(
            text(
                "INSERT INTO staff (telegram_user_id, display_name, role, active, created_at,"
                " updated_at) VALUES (4242, 'Citra', 'supervisor', 1, '2026-05-04 02:00:00',"
                " '2026-05-04 02:00:00')"
            )
        )
        await conn.commit()
    await db.upgrade()
    async with db.read() as conn:
        columns = await conn.run_sync(
            lambda c: {x["name"] for x in inspect(c).get_columns("staff")}
        )
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    assert "approval_level" in columns
    assert version is not None
    assert version >= "0003", "upgraded to the level column's migration or later"
    member = await Repository(db).staff_by_telegram(4242)
    await db.dispose()
    assert member is not None
    assert (member.display_name, member.approval_level) == ("Citra", None)


async def test_the_approval_reminder_goes_to_the_holder_of_the_current_level(
    tmp_path: Path,
) -> None:
    svc = await start_services(tmp_path, Clock(MONDAY), profile=load_profile(PROFILE))
    await svc.repo.add_unit("kelembagaan", "Bagian Kelembagaan")
    unit = await svc.repo.unit_by_code("kelembagaan")
    assert unit is not None
    kabiro = await svc.repo.add_staff(7001, "Citra", "supervisor", approval_level=2)
    kabag = await svc.repo.add_staff(7002, "Fajar", "supervisor", approval_level=1)
    pejabat = await svc.repo.add_staff(7003, "Gita", "liaison", unit_ids=[unit.id])
    for uid in (7001, 7002, 7003):
        await svc.repo.mark_private_chat(uid)
    report_id = await file_report(svc, MONDAY)
    steps: list[tuple[Action, int, Role, dict[str, object]]] = [
        (Action.DISPOSE, kabiro.id, Role.SUPERVISOR, {"unit_id": unit.id}),
        (Action.ANSWER, pejabat.id, Role.LIAISON, {"answer": "Jawaban."}),
    ]
    for action, staff_id, role, values in steps:
        actor = Actor(ActorKind.STAFF, role=role, staff_id=staff_id)
        assert isinstance(await perform(svc, report_id, action, actor, values=values), Done)
    report = await svc.repo.report(report_id)
    assert report is not None
    assert report.stage_due_at is not None
    # The morning after the level's due time: the group and the Kepala Bagian hear, the Kepala
    # Biro does not.
    breached = await sweep_and_take(svc, report.stage_due_at + timedelta(hours=17))
    private = {m.chat_id for m in breached} - {svc.staff_chat_id}
    await svc.db.dispose()
    assert private == {kabag.telegram_user_id}
