"""Webhook delivery for the loopback Bot API: setWebhook, and POSTing updates as Telegram does.

After setWebhook, getUpdates answers 409 (as Telegram does) and every queued update is posted to
the webhook URL with the `X-Telegram-Bot-Api-Secret-Token` header, one at a time in update_id
order (Telegram's `max_connections=1`); an update is confirmed (dropped from the queue) only by a
2xx answer, else posted again after a short wait. `route(url, [upstreams])` plays the reverse
proxy in front of several replicas: posts to `url` go round-robin to the upstreams.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from .models import ApiError, bad_request

if TYPE_CHECKING:
    from .state import WorldState

JSONDict = dict[str, Any]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
RETRY_WAIT = 0.05
GET_UPDATES_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)


@dataclass
class WebhookPost:
    """One delivery attempt: which update, where, and the HTTP status (0: no answer)."""

    update_id: int
    target: str
    status: int


class WebhookPusher:
    """Hold the webhook settings and post queued updates to it."""

    def __init__(self, world: WorldState) -> None:
        self.world = world
        self.url: str | None = None
        self.secret_token: str | None = None
        self.allowed_updates: list[str] | None = None
        self.routes: dict[str, list[str]] = {}
        self.posts: list[WebhookPost] = []
        self._task: asyncio.Task[None] | None = None
        self._turn = 0
        self._stopping = False

    @property
    def active(self) -> bool:
        """Tell whether a webhook is set."""
        return self.url is not None

    def route(self, url: str, upstreams: list[str]) -> None:
        """Send posts for `url` round-robin to `upstreams` (a reverse proxy in front)."""
        self.routes[url] = list(upstreams)

    # -- Bot API methods ----------------------------------------------------------------------

    def set_webhook(self, params: JSONDict) -> bool:
        """Answer setWebhook: remember the URL and secret, start posting."""
        url = params.get("url")
        if not url:
            return self.delete_webhook(params)
        if not str(url).startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        self.url = str(url)
        self.secret_token = str(secret) if secret is not None else None
        allowed = params.get("allowed_updates")
        self.allowed_updates = list(allowed) if isinstance(allowed, list) else None
        if params.get("drop_pending_updates"):
            self.world.pending.clear()
        self._stopping = False
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._push(), name="webhook")
        self.world.update_pulse.fire()
        return True

    def delete_webhook(self, params: JSONDict) -> bool:
        """Answer deleteWebhook: stop posting (getUpdates works again)."""
        self.url = None
        if params.get("drop_pending_updates"):
            self.world.pending.clear()
        self.world.update_pulse.fire()
        return True

    def info(self, pending: int) -> JSONDict:
        """Answer getWebhookInfo."""
        info: JSONDict = {
            "url": self.url or "",
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if self.allowed_updates is not None:
            info["allowed_updates"] = self.allowed_updates
        return info

    def refuse_polling(self) -> None:
        """Raise Telegram's 409 when getUpdates is called while a webhook is set."""
        if self.active:
            raise ApiError(409, GET_UPDATES_CONFLICT)

    # -- delivery -------------------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop posting."""
        task, self._task = self._task, None
        self._stopping = True  # wait_for in 3.11 can swallow a cancel: the loop checks this
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _push(self) -> None:
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while self.url is not None and not self._stopping:
                if not self.world.pending:
                    await self.world.update_pulse.wait(0.2)
                    continue
                entry = self.world.pending[0]
                status = await self._post(session, self.url, entry.update)
                if 200 <= status < 300:
                    if entry in self.world.pending:
                        self.world.pending.remove(entry)
                    self.world.mark_delivered([entry])
                    self.world.touch()
                else:
                    await asyncio.sleep(RETRY_WAIT)

    async def _post(self, session: aiohttp.ClientSession, url: str, update: JSONDict) -> int:
        upstreams = self.routes.get(url) or [url]
        target = upstreams[self._turn % len(upstreams)]
        self._turn += 1
        headers = {SECRET_HEADER: self.secret_token} if self.secret_token else {}
        status = 0
        try:
            async with session.post(target, json=update, headers=headers) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        self.posts.append(WebhookPost(int(update["update_id"]), target, status))
        return status
