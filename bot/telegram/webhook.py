"""Webhook mode: Telegram posts each update here, behind a reverse proxy; /healthz beside it.

PTB's `run_webhook` puts a posted update straight into the update queue and answers 200: a
crash before its handlers ran loses it, and one server per process cannot say whether the
database answers. This server does what `run_webhook` does (setWebhook with the URL, the
allowed updates and the `secret_token`; a request without that token gets 403) but answers 200
only once the update is stored (bot/telegram/updates.py: `keep_update`), like the polling loop:
an update Telegram posts twice, or that reaches two replicas, is stored once and handled once
(inbound_updates is keyed by bot and update id). A database error answers 500 and Telegram
posts the update again later.

`GET /healthz` answers JSON: the database reachable, the outbox backlog and its oldest pending
message's age, the last sweep. 503 only when the database cannot be reached: a Telegram outage
grows the backlog on every replica alike, and taking them all out of the proxy would not help.
"""

from __future__ import annotations

import hmac
import json
import logging
import socket
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.services.container import get_services
from bot.telegram.jobs import LAST_SWEEP_KEY
from bot.telegram.updates import App, keep_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"


class WebhookServer:
    """An aiohttp server for Telegram's posts and the health check."""

    def __init__(
        self, app: App, *, listen: str, port: int, path: str, secret_token: str | None
    ) -> None:
        self.app = app
        self.listen = listen
        self.port = port
        self.path = path
        self.secret_token = secret_token
        self.received = 0
        self.duplicates = 0
        self._runner: web.AppRunner | None = None

    @property
    def local_url(self) -> str:
        """Return the URL this server answers on (the proxy's upstream)."""
        return f"http://{self.listen}:{self.port}{self.path}"

    async def start(self) -> None:
        """Listen (port 0: a free port, read back into `port`)."""
        server = web.Application(client_max_size=1024 * 1024)
        server.router.add_post(self.path, self._post_update)
        server.router.add_get(HEALTH_PATH, self._health)
        runner = web.AppRunner(server, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        # Our own socket, so that port 0 (tests) can be read back.
        sock = socket.create_server((self.listen, self.port), reuse_port=False)
        self.port = int(sock.getsockname()[1])
        await web.SockSite(runner, sock).start()
        self._runner = runner
        log.info("webhook listening on %s:%s%s", self.listen, self.port, self.path)

    async def stop(self) -> None:
        """Stop answering (Telegram keeps the updates and posts them to another replica)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _post_update(self, request: web.Request) -> web.Response:
        if self.secret_token is not None:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                # Never log the header: a wrong token may be a typo of the real one.
                log.warning("webhook: a request without the secret token was refused")
                return web.Response(status=403, text="forbidden")
        try:
            raw = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="not JSON")
        if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        try:
            fresh = await keep_update(self.app, raw)
        except Exception:  # the database: not acknowledged, so Telegram posts it again
            log.exception("webhook: update %s could not be stored", raw["update_id"])
            return web.Response(status=500, text="not stored")
        self.received += 1
        if not fresh:
            self.duplicates += 1
        return web.Response(status=200, text="ok")

    async def _health(self, _request: web.Request) -> web.Response:
        return await health_response(self.app)


async def health_figures(app: App) -> tuple[bool, dict[str, Any]]:
    """Return whether the replica is healthy and the figures /healthz shows."""
    svc = get_services(app.bot_data)
    now = svc.clock()
    body: dict[str, Any] = {"database": "ok"}
    try:
        await svc.repo.ping()
        backlog = await svc.repo.outbox_backlog()
        last_sweep = await svc.repo.get_kv(LAST_SWEEP_KEY)
    except Exception as exc:
        log.warning("healthz: the database cannot be reached (%s)", type(exc).__name__)
        body["database"] = f"unreachable: {type(exc).__name__}"
        body["ok"] = False
        return False, body
    oldest = backlog.oldest_pending_at
    body["outbox"] = {
        "pending": backlog.pending,
        "due": backlog.due,
        "oldest_pending_age_seconds": (
            round((now - oldest).total_seconds(), 1) if oldest is not None else None
        ),
    }
    body["last_sweep"] = last_sweep
    if isinstance(last_sweep, str):
        age = now - datetime.fromisoformat(last_sweep)
        body["last_sweep_age_seconds"] = round(age.total_seconds(), 1)
    body["ok"] = True
    return True, body


async def health_response(app: App) -> web.Response:
    """Answer /healthz: 200 with the figures, 503 when the database cannot be reached."""
    ok, body = await health_figures(app)
    return web.json_response(body, status=200 if ok else 503)
