"""Two replicas, one PostgreSQL, one bot: nothing delivered twice, each chat in order, one sweep.

Both replicas run in webhook mode behind a round-robin "reverse proxy" (the loopback server posts
each update to one of them, loopback/webhook.py), share the database and drain the same outbox
(bot/telegram/outbox.py: each chat under its advisory lock). Citizens write to the bot, file
reports and get answers from staff acting on either replica; then both replicas sweep at once.
PostgreSQL only (ADUAN_TEST_DB=postgresql): SQLite is one process by design.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.domain.tracking import numbering
from bot.domain.vocabulary import Action, Role
from bot.domain.workflow import Actor, ActorKind
from bot.services import notify
from bot.services.container import Services
from bot.services.submit import unfiled_report
from bot.services.transition import Done, perform
from bot.telegram import jobs
from loopback import FakeUser, LoopbackBotApi
from storage import tables as t
from storage.models import NewReport
from storage.vocabulary import Channel, ReportType, Stage
from tests.harness import on_postgres
from tests.test_webhook import SECRET, WebhookRunner, free_port

pytestmark = pytest.mark.skipif(
    not on_postgres(), reason="replicas share a PostgreSQL server (ADUAN_TEST_DB=postgresql)"
)

CITIZENS = int(os.environ.get("REPLICA_CITIZENS", "100"))
PUBLIC_URL = "https://aduan.example.go.id/telegram"


def replica_settings(loopback: LoopbackBotApi, tmp_path: Path, group_id: int) -> Any:
    from tests.harness import make_settings

    port = free_port()
    return make_settings(
        loopback,
        tmp_path,  # the same path: the same PostgreSQL database for both replicas
        staff_chat_id=group_id,
        rate_group_max=100_000,
        rate_group_burst=99_999,
        rate_overall_per_second=10_000,
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_url=PUBLIC_URL,
        webhook_secret_token=SECRET,
        sla_jobs_enabled=True,
        sla_sweep_interval_seconds=3600,
    )


async def file_report(svc: Services, citizen: FakeUser, n: int) -> int:
    """File an information request for a citizen as the intake would (receipt, card)."""
    reporter = await svc.repo.ensure_reporter(citizen.id)
    now = datetime.now(UTC)
    new = NewReport(
        reporter_id=reporter.id,
        channel=Channel.TELEGRAM,
        type=ReportType.INFORMASI,
        title=f"Jam buka puskesmas {n}",
        description="Kapan puskesmas Oebobo buka pada hari Sabtu?",
        stage=Stage.SUBMITTED,
        submitted_at=now,
        anonymous=False,
        confidential=False,
        location_text="Kel. Oebobo, Kupang",
    )
    report = await svc.repo.submit_report(
        new,
        numbering=numbering(svc.profile.prefix, now, svc.profile.zone),
        attachments=[],
        identity={"name": f"Warga {n}"},
        messages=notify.after_submission(svc, reporter, unfiled_report(new), []),
    )
    return report.id


async def answer(svc: Services, staff_id: int, report_id: int) -> None:
    """Let the supervisor answer the request (as the card's buttons would, on this replica)."""
    actor = Actor(ActorKind.STAFF, role=Role.SUPERVISOR, staff_id=staff_id)
    outcome = await perform(
        svc,
        report_id,
        Action.ANSWER_INFO,
        actor,
        values={"answer": "Sabtu buka 08.00-12.00.", "answered_at": datetime.now(UTC)},
    )
    assert isinstance(outcome, Done), outcome


async def all_idle(loopback: LoopbackBotApi, replicas: list[WebhookRunner]) -> None:
    """Wait until both replicas are idle at the same time."""
    async with asyncio.timeout(120):
        while True:
            for replica in replicas:
                await replica.idle(timeout=120)
            backlog = await replicas[0].services.repo.outbox_backlog()
            if backlog.due == 0 and loopback.busy() is None:
                return
            await asyncio.sleep(0.05)


async def test_two_replicas_deliver_everything_once_in_order_and_sweep_once(
    loopback: LoopbackBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweeps: list[str] = []
    real_sweep = jobs.run_sweep

    async def counted_sweep(svc: Services) -> Any:
        sweeps.append(svc.settings.webhook_listen + str(svc.settings.webhook_port))
        return await real_sweep(svc)

    # Counting our own service (not a Bot method): how many sweeps ran across both replicas.
    monkeypatch.setattr(jobs, "run_sweep", counted_sweep)

    group = loopback.add_supergroup("Staf Pengaduan")
    replicas = [
        WebhookRunner(replica_settings(loopback, tmp_path, group.id), loopback=loopback)
        for _ in range(2)
    ]
    # One after the other (Alembic's context is one per process; real replicas are processes):
    # both catch up on the sweep at start.
    for replica in replicas:
        await replica.start()
    try:
        servers = [r.server for r in replicas]
        assert all(s is not None for s in servers)
        loopback.webhook.route(PUBLIC_URL, [s.local_url for s in servers if s is not None])
        svc1, svc2 = (r.services for r in replicas)
        supervisor = loopback.add_user("Citra")
        loopback.set_member(group.id, supervisor)
        staff = await svc1.repo.add_staff(supervisor.id, "Citra", "supervisor", unit_ids=[])

        started = time.monotonic()
        citizens = [loopback.add_user(f"Warga {n}") for n in range(CITIZENS)]
        # Each citizen writes first (each update to one replica or the other).
        for citizen in citizens:
            loopback.send_text(citizen, "/start")
        await all_idle(loopback, replicas)
        # Reports are filed and answered on both replicas, while both drain the outbox.
        reports = await asyncio.gather(
            *(file_report((svc1, svc2)[n % 2], c, n) for n, c in enumerate(citizens))
        )
        await asyncio.gather(
            *(answer((svc2, svc1)[n % 2], staff.id, r) for n, r in enumerate(reports))
        )
        await all_idle(loopback, replicas)
        # Both replicas' sweep jobs fire at the same moment.
        for replica in replicas:
            assert replica.app is not None
            assert replica.app.job_queue is not None
        callbacks = [
            r.app.job_queue.get_jobs_by_name(jobs.SWEEP_JOB)[0].callback  # type: ignore[union-attr]
            for r in replicas
        ]
        await asyncio.gather(*(cb(None) for cb in callbacks))
        await all_idle(loopback, replicas)
        elapsed = time.monotonic() - started
    finally:
        for replica in replicas:
            await replica.stop()

    posts = loopback.webhook.posts
    upstreams = {p.target for p in posts}
    assert len(upstreams) == 2, "the proxy spread the updates over both replicas"
    assert {p.update_id for p in posts} == {p.update_id for p in posts if p.status == 200}

    async with svc1.db.read() as conn:
        rows = [dict(r._mapping) for r in await conn.execute(t.outbox.select())]
        links = [dict(r._mapping) for r in await conn.execute(t.message_links.select())]
    await svc1.db.dispose()  # read after the replicas stopped: close what the read opened
    assert rows, "the reports queued messages"
    assert {r["status"] for r in rows} == {"sent"}, "every message delivered"

    for citizen in citizens:
        sent = [r for r in sorted(rows, key=lambda r: r["id"]) if r["chat_id"] == citizen.id]
        seen = loopback.bot_messages(citizen.id)
        # One answer to /start, then exactly the outbox's messages, once each, in their order.
        assert len(seen) == 1 + len(sent), (citizen.id, len(seen), len(sent))
        # Message ids grow in the order Telegram took them: the chat's order is the outbox's.
        assert [m["message_id"] for m in seen[1:]] == [r["sent_message_id"] for r in sent]

    group_sends = [c for c in loopback.calls("sendMessage", chat_id=group.id) if c.ok]
    # Replicas started in office hours also post the morning's recap they missed, once between
    # them: its texts are the group's messages of no report, each text once.
    morning = [
        r
        for r in rows
        if r["chat_id"] == group.id and r["report_id"] is None and r["kind"] == "send_message"
    ]
    texts = [r["payload"]["text"] for r in morning]
    assert len(set(texts)) == len(texts), "the morning's recap posted once"
    recap_ids = {r["sent_message_id"] for r in morning}
    card_sends = [c for c in group_sends if c.result["message_id"] not in recap_ids]
    assert len(card_sends) + len(morning) == len(group_sends)
    # Each report's card posted once (later changes edit it), whichever replica sent it.
    cards = {link["report_id"]: link["message_id"] for link in links if link["slot"] == "card"}
    assert sorted(cards) == sorted(reports)
    assert sorted(cards.values()) == sorted(c.result["message_id"] for c in card_sends)
    assert len(card_sends) == CITIZENS, len(card_sends)
    # The start-up catch-up of two replicas at once, and two sweep jobs firing together: one ran.
    assert len(sweeps) == 1, sweeps
    print(f"\n{CITIZENS} citizens, 2 replicas: {elapsed:.1f}s, load {os.getloadavg()}")
