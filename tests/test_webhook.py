"""Webhook mode through the loopback Bot API: the secret token, duplicates, /healthz.

`python -m bot run --webhook` starts the same application as polling does, but Telegram posts
each update to the bot (bot/telegram/webhook.py); the loopback server posts them as Telegram
does (loopback/webhook.py).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import build_application
from bot.settings import Settings
from bot.telegram import lifecycle
from bot.telegram.webhook import SECRET_HEADER, WebhookServer
from loopback import LoopbackBotApi
from storage import tables as t
from storage.models import OutboxMessage
from tests import harness
from tests.harness import BotRunner, make_settings

SECRET = "s3cret-Token_for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_settings(loopback: LoopbackBotApi, tmp_path: Path, **overrides: Any) -> Settings:
    """Return settings for webhook mode on a free local port (the URL is the direct one)."""
    port = free_port()
    values: dict[str, Any] = {
        "webhook_listen": "127.0.0.1",
        "webhook_port": port,
        "webhook_path": "/telegram",
        "webhook_url": f"http://127.0.0.1:{port}/telegram",
        "webhook_secret_token": SECRET,
    }
    values.update(overrides)
    return make_settings(loopback, tmp_path, **values)


def command(text: str) -> dict[str, Any]:
    """Return a message's content for a /command, as Telegram marks it."""
    return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}


class WebhookRunner(BotRunner):
    """A BotRunner that starts the bot as `python -m bot run --webhook` does."""

    server: WebhookServer | None = None

    async def start(self) -> None:
        """Build a fresh application and serve the webhook."""
        await harness._copy_template_database(self.settings)
        app = build_application(self.settings, clock=self.clock)
        s = self.settings
        assert s.webhook_url is not None
        assert s.webhook_secret_token is not None
        self.server = await lifecycle.start_webhook(
            app,
            url=s.webhook_url,
            listen=s.webhook_listen,
            port=s.webhook_port,
            path=s.webhook_path,
            secret_token=s.webhook_secret_token.get_secret_value(),
        )
        self.app = app

    @property
    def health_url(self) -> str:
        assert self.server is not None
        return f"http://{self.server.listen}:{self.server.port}/healthz"


@pytest.fixture
async def webhook_bot(loopback: LoopbackBotApi, tmp_path: Path) -> AsyncIterator[WebhookRunner]:
    runner = WebhookRunner(webhook_settings(loopback, tmp_path), loopback=loopback)
    await runner.start()
    yield runner
    await runner.stop()


async def test_the_bot_sets_its_webhook_with_the_secret_and_answers_a_citizen(
    loopback: LoopbackBotApi, webhook_bot: WebhookRunner
) -> None:
    [call] = loopback.calls("setWebhook")
    assert call.params["url"] == webhook_bot.settings.webhook_url
    assert call.params["secret_token"] == SECRET
    assert "callback_query" in call.params["allowed_updates"]
    assert loopback.calls("getUpdates") == []

    citizen = loopback.add_user("Siti")
    loopback.send_text(citizen, "/start")
    await loopback.wait_for("sendMessage", chat_id=citizen.id)
    await webhook_bot.idle()
    assert loopback.last_bot_message(citizen.id)["text"].startswith("Selamat datang di ")
    assert [p.status for p in loopback.webhook.posts] == [200]


async def test_a_post_without_the_secret_token_is_refused_and_handled_by_nobody(
    loopback: LoopbackBotApi, webhook_bot: WebhookRunner
) -> None:
    assert webhook_bot.server is not None
    citizen = loopback.add_user("Mallory")
    chat = citizen.private_chat().to_api()
    forged = {
        "update_id": 990001,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": chat,
            "from": citizen.to_api(),
            "text": "/start",
        },
    }
    async with httpx.AsyncClient() as client:
        missing = await client.post(webhook_bot.server.local_url, json=forged)
        wrong = await client.post(
            webhook_bot.server.local_url, json=forged, headers={SECRET_HEADER: "guess"}
        )
    assert (missing.status_code, wrong.status_code) == (403, 403)
    await webhook_bot.idle()
    assert loopback.calls("sendMessage", chat_id=citizen.id) == []
    repo = webhook_bot.services.repo
    assert not await repo.update_handled(loopback.bot_user.id, 990001)
    assert await repo.unhandled_updates(loopback.bot_user.id) == []


async def test_an_update_posted_twice_is_handled_once(
    loopback: LoopbackBotApi, webhook_bot: WebhookRunner
) -> None:
    citizen = loopback.add_user("Budi")
    message = loopback.send_text(citizen, "/start")
    await loopback.wait_for("sendMessage", chat_id=citizen.id)
    await webhook_bot.idle()
    # Telegram posts it again (it never heard our 200, say), to this or another replica.
    loopback.redeliver(loopback.update_id_of(message))
    await webhook_bot.idle()
    posted = [p for p in loopback.webhook.posts if p.update_id == loopback.update_id_of(message)]
    assert [p.status for p in posted] == [200, 200]
    assert len(loopback.calls("sendMessage", chat_id=citizen.id)) == 1
    assert webhook_bot.server is not None
    assert webhook_bot.server.duplicates == 1


async def test_healthz_shows_the_database_and_the_outbox_backlog(
    loopback: LoopbackBotApi, webhook_bot: WebhookRunner
) -> None:
    citizen = loopback.add_user("Ani")
    loopback.send_text(citizen, "/start")
    await webhook_bot.idle()
    async with httpx.AsyncClient() as client:
        healthy = await client.get(webhook_bot.health_url)
    assert healthy.status_code == 200
    body = healthy.json()
    assert body["ok"] is True
    assert body["database"] == "ok"
    assert body["outbox"] == {"pending": 0, "due": 0, "oldest_pending_age_seconds": None}
    assert "last_sweep" in body

    # A message Telegram keeps refusing waits in the outbox: the backlog shows it, still 200.
    loopback.inject_fault("sendMessage", "500", times=1000, chat_id=citizen.id)
    status = OutboxMessage(chat_id=citizen.id, kind="send_message", payload={"text": "Status"})
    await webhook_bot.services.repo.enqueue([status])
    sender = webhook_bot.services.outbox
    assert sender is not None
    await sender.drain()
    async with httpx.AsyncClient() as client:
        backlog = await client.get(webhook_bot.health_url)
    assert backlog.status_code == 200
    assert backlog.json()["outbox"]["pending"] == 1
    assert backlog.json()["outbox"]["oldest_pending_age_seconds"] >= 0
    loopback.clear_faults()


async def test_healthz_answers_503_when_the_database_cannot_be_reached(
    loopback: LoopbackBotApi, webhook_bot: WebhookRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable() -> None:
        raise ConnectionRefusedError("database server gone")

    # The repository's own query fails as a lost server makes it fail (not a Bot method).
    monkeypatch.setattr(webhook_bot.services.repo, "ping", unreachable)
    async with httpx.AsyncClient() as client:
        down = await client.get(webhook_bot.health_url)
    assert down.status_code == 503
    assert down.json() == {"database": "unreachable: ConnectionRefusedError", "ok": False}


async def test_an_update_a_dead_replica_left_unhandled_is_taken_over_once(
    loopback: LoopbackBotApi, webhook_bot: WebhookRunner
) -> None:
    assert webhook_bot.app is not None
    app, svc = webhook_bot.app, webhook_bot.services
    citizen = loopback.add_user("Rina")
    chat = loopback.chats.setdefault(citizen.id, citizen.private_chat())
    old = loopback.new_message(chat, citizen, command("/start"))
    young = loopback.new_message(chat, citizen, command("/help"))
    # Both stored by replicas that have not marked them: one died two minutes ago, the other
    # is handling its update right now.
    await svc.repo.store_updates(app.bot.id, [{"update_id": 5550001, "message": old}])
    async with svc.db.write() as conn:
        await conn.execute(
            t.inbound_updates.update()
            .where(t.inbound_updates.c.update_id == 5550001)
            .values(received_at=svc.clock() - timedelta(minutes=2))
        )
    await svc.repo.store_updates(app.bot.id, [{"update_id": 5550002, "message": young}])

    # Two replicas look for stale updates at the same moment: one takes it over.
    taken = await asyncio.gather(
        lifecycle.take_over_stale_updates(app), lifecycle.take_over_stale_updates(app)
    )
    await webhook_bot.idle()

    assert sorted(taken) == [0, 1]
    [reply] = loopback.bot_messages(citizen.id)
    assert reply["text"].startswith("Selamat datang di ")
    assert await svc.repo.update_handled(app.bot.id, 5550001)
    assert not await svc.repo.update_handled(app.bot.id, 5550002)  # its replica still runs it


@pytest.mark.parametrize(
    ("missing", "says"),
    [("WEBHOOK_URL", "WEBHOOK_URL is not set"), ("WEBHOOK_SECRET_TOKEN", "WEBHOOK_SECRET_TOKEN")],
)
def test_run_webhook_refuses_to_start_without_its_url_or_secret(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    missing: str,
    says: str,
) -> None:
    from bot.__main__ import main

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TOKEN")
    monkeypatch.setenv("STAFF_CHAT_ID", "-1001")
    monkeypatch.setenv("WEBHOOK_URL", "https://aduan.example.go.id/telegram")
    monkeypatch.setenv("WEBHOOK_SECRET_TOKEN", SECRET)
    monkeypatch.delenv(missing)

    assert main(["run", "--webhook"]) == 2
    assert says in capsys.readouterr().err
