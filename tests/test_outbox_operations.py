"""Operators list, retry and drop refused messages; check says what to fix; run needs a group."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from loopback import LoopbackBotApi
from storage import tables as t
from storage.database import Database
from storage.models import OutboxMessage
from storage.repository import Repository
from tests.harness import database_url, suite_data_keys
from tests.staff_kit import staff_world
from tests.test_cli import run_cli


async def cli(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """Run `python -m bot ...` without blocking the loop the loopback server answers on."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STAFF_"))}
    clean.update(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=clean,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_failed_messages_are_listed_retried_and_dropped_from_the_shell(
    tmp_path: Path,
) -> None:
    url = database_url(tmp_path)
    db = Database(url, suite_data_keys())
    await db.upgrade()
    repo = Repository(db)
    await repo.enqueue(
        [
            OutboxMessage(chat_id=501, kind="send_message", payload={"text": "satu"}),
            OutboxMessage(chat_id=502, kind="send_message", payload={"text": "dua"}),
            OutboxMessage(chat_id=503, kind="send_message", payload={"text": "tiga"}),
        ]
    )
    first, second, third = await repo.outbox_items()
    await repo.mark_failed(first, "bad request: chat not found")
    await repo.mark_failed(second, "forbidden: bot was blocked by the user")
    await db.dispose()

    listed = run_cli("outbox", "list", cwd=tmp_path, DATABASE_URL=url)
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 2, "the pending message is not in trouble"
    assert lines[0].startswith(f"{first.id}\tfailed\tsend_message\tchat 501")
    assert "chat not found" in lines[0]

    retried = run_cli("outbox", "retry", str(first.id), cwd=tmp_path, DATABASE_URL=url)
    assert retried.stdout.startswith("1 message(s) queued again")
    dropped = run_cli("outbox", "drop", str(second.id), cwd=tmp_path, DATABASE_URL=url)
    assert dropped.stdout.startswith("1 message(s) dropped")
    assert run_cli("outbox", "list", cwd=tmp_path, DATABASE_URL=url).stdout.startswith("no failed")

    db = Database(url, suite_data_keys())
    statuses = {i.id: i.status for i in await Repository(db).outbox_items()}
    await db.dispose()
    assert statuses == {first.id: "pending", second.id: "dropped", third.id: "pending"}


async def test_check_names_what_works_and_what_to_fix(tmp_path: Path) -> None:
    async with LoopbackBotApi() as api:
        group = api.add_supergroup("Staf Pengaduan")
        head = api.add_user("Kepala")
        api.set_member(group.id, head, "administrator")
        stranger = api.add_user("Orang Lain")
        env = {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url}
        code, out, _ = await cli("check", cwd=tmp_path, **env)
        assert code == 1
        assert "ok: the token belongs to @aduan_bot" in out
        assert "fix: STAFF_CHAT_ID is not set" in out

        code, out, _ = await cli(
            "check",
            cwd=tmp_path,
            STAFF_CHAT_ID=str(group.id),
            ADMIN_USER_IDS=f"{head.id},{stranger.id}",
            **env,
        )
        assert code == 1
        assert "ok: the staff group is 'Staf Pengaduan' (supergroup)" in out
        assert "ok: the bot is an administrator of the staff group" in out
        assert f"ok: admin {head.id} is a group administrator" in out
        assert f"fix: ADMIN_USER_IDS {stranger.id} is not in the staff group" in out

        api.set_member(group.id, stranger)
        code, out, _ = await cli(
            "check", cwd=tmp_path, STAFF_CHAT_ID=str(group.id), ADMIN_USER_IDS=str(head.id), **env
        )
        assert code == 0, out


def test_run_refuses_to_start_without_a_staff_group(tmp_path: Path) -> None:
    result = run_cli(
        "run", cwd=tmp_path, TELEGRAM_BOT_TOKEN="1:x", TELEGRAM_BASE_URL="http://127.0.0.1:9/bot"
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: STAFF_CHAT_ID is not set")
    assert "Traceback" not in result.stderr


async def test_supervisors_see_failed_and_stuck_messages_with_kotakkeluar(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        gone = loopback.add_user("Pergi")
        loopback.block_bot(gone)
        await w.svc.repo.enqueue(
            [OutboxMessage(chat_id=gone.id, kind="send_message", payload={"text": "halo"})]
        )
        await w.settle()
        loopback.send_text(w.ani, "/kotakkeluar", chat=w.group)
        await w.settle()
        refused = loopback.last_bot_message(w.group.id)["text"]
        assert "Kotak keluar" not in refused, "only supervisors read the outbox"
        loopback.send_text(w.citra, "/kotakkeluar", chat=w.group)
        await w.settle()
        shown = loopback.last_bot_message(w.group.id)["text"]
        assert "Kotak keluar" in shown
        assert f"chat {gone.id}" in shown
        assert "gagal" in shown
        assert "bot was blocked by the user" in shown
        assert shown != refused


async def test_the_daily_recap_counts_messages_undelivered_for_longer_than_the_setting(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    from bot.services.sla.recap import render_recap

    async with staff_world(loopback, tmp_path) as w:
        repo = w.svc.repo
        await repo.enqueue(
            [
                OutboxMessage(chat_id=901, kind="send_message", payload={"text": "lama"}),
                OutboxMessage(chat_id=902, kind="send_message", payload={"text": "baru"}),
            ]
        )
        old, new = (i for i in await repo.outbox_items() if i.chat_id in (901, 902))
        await repo.mark_failed(old, "bad request: chat not found")
        await repo.mark_failed(new, "bad request: chat not found")
        now = datetime.now(UTC)
        async with w.svc.db.write() as conn:
            await conn.execute(
                t.outbox.update()
                .where(t.outbox.c.id == old.id)
                .values(created_at=now - timedelta(hours=3))
            )
        recap = await render_recap(w.svc, now)
        assert "📮 1 pesan belum terkirim (gagal atau tertahan): /kotakkeluar" in recap
        await repo.drop_outbox([old.id])
        assert "/kotakkeluar" not in await render_recap(w.svc, now)
