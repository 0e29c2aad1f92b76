"""Housekeeping: sent outbox rows kept OUTBOX_KEEP_DAYS, abandoned drafts DRAFT_KEEP_DAYS.

The job runs in the real application (bot/telegram/jobs.py); what a citizen sees afterwards is
read through the loopback Bot API, what is kept from the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from bot.services import housekeeping
from bot.services.container import Services, build_services
from bot.settings import Settings
from loopback import LoopbackBotApi
from storage import tables as t
from storage.models import OutboxMessage
from storage.repo.base import insert_outbox_rows
from tests.citizen import Citizen
from tests.harness import BotRunner, Writes, database_url, make_settings
from tests.test_report_conversation import walk_to_title

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
CHAT = 5001


async def add_row(
    svc: Services,
    *,
    status: str,
    age_days: float,
    sent: bool = False,
    attempts: int = 0,
    retry_in: timedelta = timedelta(0),
) -> int:
    """Add one message already `age_days` old in the given state.

    Inserted in its final state in one statement: queued as pending first, the running bot's
    outbox could take it between the two writes and send it (or fail it) after the update.
    """
    at = svc.clock() - timedelta(days=age_days)
    async with svc.db.write() as conn:
        row_id = (
            await conn.execute(
                insert(t.outbox)
                .values(
                    chat_id=CHAT,
                    kind="send_message",
                    payload={"text": f"{status} {age_days}"},
                    status=status,
                    created_at=at,
                    not_before=svc.clock() + retry_in if retry_in else at,
                    sent_at=at + timedelta(seconds=1) if sent else None,
                    attempts=attempts,
                )
                .returning(t.outbox.c.id)
            )
        ).scalar_one()
    return row_id


async def age_draft(svc: Services, user_id: int, days: float) -> None:
    """Make a user's draft look untouched for `days`."""
    async with svc.db.write() as conn:
        await conn.execute(
            update(t.drafts)
            .where(t.drafts.c.telegram_user_id == user_id)
            .values(updated_at=svc.clock() - timedelta(days=days))
        )


async def test_the_job_prunes_old_sent_messages_and_abandoned_drafts_only(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    settings = make_settings(loopback, tmp_path, prune_interval_seconds=0.2)
    runner = BotRunner(settings, loopback=loopback)
    await runner.start()
    try:
        svc = runner.services
        gone = loopback.add_user("Dewi")
        live = loopback.add_user("Rudi")
        for user in (gone, live):
            citizen = Citizen(loopback, user)
            await walk_to_title(citizen)
            assert "Ceritakan masalahnya" in await citizen.says("Sampah menumpuk di pasar")
        await age_draft(svc, gone.id, days=31)
        await age_draft(svc, live.id, days=29)
        old_sent = await add_row(svc, status="sent", age_days=15, sent=True)
        kept = {
            "recent sent": await add_row(svc, status="sent", age_days=13, sent=True),
            "stuck pending": await add_row(
                svc, status="pending", age_days=40, attempts=25, retry_in=timedelta(hours=1)
            ),
            "failed": await add_row(svc, status="failed", age_days=40),
            "dropped": await add_row(svc, status="dropped", age_days=40),
        }
        for _ in range(100):
            ids = {item.id for item in await svc.repo.outbox_items()}
            if old_sent not in ids and await svc.repo.draft(gone.id, "report") is None:
                break
            await asyncio.sleep(0.05)
        assert old_sent not in ids, "the job did not prune the old sent message"
        assert {name: row in ids for name, row in kept.items()} == dict.fromkeys(kept, True)
        assert await svc.repo.draft(gone.id, "report") is None
        assert await svc.repo.draft(live.id, "report") is not None
        # What each citizen meets: one starts over, the other is offered the report begun.
        assert "Sebelum melapor" in await Citizen(loopback, gone).says("/lapor")
        assert "belum selesai" in await Citizen(loopback, live).says("/lapor")
    finally:
        await runner.stop()


@pytest.fixture
async def svc(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(
        _env_file=None,
        database_url=database_url(tmp_path),
        prune_batch_size=2,
    )
    services = build_services(settings, clock=lambda: NOW)
    await services.db.upgrade()
    yield services
    await services.db.dispose()


async def test_each_batch_is_its_own_transaction(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        await add_row(svc, status="sent", age_days=20, sent=True)
    for user_id in (1, 2, 3):
        await svc.repo.save_draft(user_id, "report", "TITLE", {})
        await age_draft(svc, user_id, days=40)
    await svc.repo.save_draft(4, "catat", "NAME", {})
    await age_draft(svc, 4, days=40)
    await svc.repo.save_draft(5, "report", "TITLE", {})
    writes = Writes(svc.db.write)
    monkeypatch.setattr(svc.db, "write", writes)
    assert await housekeeping.prune(svc, pause=0) == housekeeping.Pruned(outbox=5, drafts=4)
    assert writes.count == 3 + 3, "batches of two: 2+2+1 messages; 2+2 drafts and an empty one"
    assert await svc.repo.outbox_items() == []
    assert [d.telegram_user_id for d in await svc.repo.drafts_of("report")] == [5]
    assert await svc.repo.drafts_of("catat") == []


async def test_zero_days_keeps_everything(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url(tmp_path),
        outbox_keep_days=0,
        draft_keep_days=0,
    )
    svc = build_services(settings, clock=lambda: NOW)
    await svc.db.upgrade()
    try:
        await add_row(svc, status="sent", age_days=400, sent=True)
        await svc.repo.save_draft(1, "report", "TITLE", {})
        await age_draft(svc, 1, days=400)
        assert await housekeeping.prune(svc, pause=0) == housekeeping.Pruned()
        assert len(await svc.repo.outbox_items()) == 1
        assert await svc.repo.draft(1, "report") is not None
    finally:
        await svc.db.dispose()


async def mark_sent(svc: Services, row_id: int, at: datetime) -> None:
    """Record a queued row as delivered at `at`."""
    async with svc.db.write() as conn:
        await conn.execute(
            update(t.outbox).where(t.outbox.c.id == row_id).values(status="sent", sent_at=at)
        )


async def test_a_stored_document_goes_with_the_last_row_that_sends_it(svc: Services) -> None:
    old = NOW - timedelta(days=20)
    digest = OutboxMessage(
        chat_id=CHAT, kind="send_document", payload={"caption": "c", "document_text": "a;b\n"}
    )
    async with svc.db.write() as conn:
        await insert_outbox_rows(conn, [digest, replace(digest, chat_id=CHAT + 1)], old)
    first, second = await svc.repo.outbox_items()
    assert first.document_id is not None
    assert first.document_id == second.document_id
    await mark_sent(svc, first.id, old + timedelta(seconds=1))
    assert await housekeeping.prune(svc, pause=0) == housekeeping.Pruned(outbox=1)
    # The second chat's digest is still pending: its file stays.
    stored = await svc.repo.outbox_file(first.document_id)
    assert stored is not None
    assert stored.content == b"\xef\xbb\xbfa;b\n"  # UTF-8 with its byte-order mark
    await mark_sent(svc, second.id, old + timedelta(seconds=1))
    assert await housekeeping.prune(svc, pause=0) == housekeeping.Pruned(outbox=1)
    assert await svc.repo.outbox_file(first.document_id) is None


async def test_a_document_queued_again_is_kept_for_its_new_rows(svc: Services) -> None:
    digest = OutboxMessage(
        chat_id=CHAT, kind="send_document", payload={"caption": "c", "document_text": "x\n"}
    )
    async with svc.db.write() as conn:
        await insert_outbox_rows(conn, [digest], NOW - timedelta(days=20))
    [first] = await svc.repo.outbox_items()
    await mark_sent(svc, first.id, NOW - timedelta(days=20))
    async with svc.db.write() as conn:
        # The same list again today (a later sweep): the stored file is reused.
        await insert_outbox_rows(conn, [digest], NOW)
    [_, again] = await svc.repo.outbox_items()
    assert again.document_id == first.document_id
    await mark_sent(svc, again.id, NOW)
    assert await housekeeping.prune(svc, pause=0) == housekeeping.Pruned(outbox=1)
    assert first.document_id is not None
    assert await svc.repo.outbox_file(first.document_id) is not None
