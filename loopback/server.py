"""The loopback Telegram Bot API HTTP server: recording, long polling and fault injection."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import BodyPartReader, web

from .methods import ApiMethods, normalize_params
from .models import ApiError, FakeUser, RecordedRequest, UploadedFile, bad_request
from .state import Pulse
from .webhook import WebhookPusher
from .world import World

__all__ = ["FaultKind", "LoopbackBotApi"]

JSONDict = dict[str, Any]
_LOGGER = logging.getLogger(__name__)
# "drop" loses the connection before the call is applied; "drop_after" applies it first and
# loses the answer (Telegram delivered, the bot never heard).
FaultKind = Literal["429", "500", "502", "slow", "drop", "drop_after"]

_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running"
)


@dataclass
class _Fault:
    method: str | None
    kind: FaultKind
    remaining: int
    retry_after: int
    delay: float
    chat_id: int | None

    def matches(self, record: RecordedRequest) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is None:
            if record.method == "getUpdates":
                return False
        elif self.method.lower() != record.method.lower():
            return False
        return self.chat_id is None or record.chat_id == self.chat_id


class LoopbackBotApi(World):
    """A Telegram Bot API server on 127.0.0.1 for PTB's real Bot/Application to talk to."""

    def __init__(
        self,
        token: str = "123456:LOOPBACK-TOKEN",
        *,
        bot_username: str = "aduan_bot",
        bot_id: int = 123456,
    ) -> None:
        super().__init__(FakeUser(bot_id, "Aduan", username=bot_username, is_bot=True))
        self.token = token
        self.requests: list[RecordedRequest] = []
        self.api = ApiMethods(self)
        # setWebhook and the posting of updates to it (loopback/webhook.py).
        self.webhook = WebhookPusher(self)
        self.api.handlers.update(
            {
                "setWebhook": self.webhook.set_webhook,
                "deleteWebhook": self.webhook.delete_webhook,
                "getWebhookInfo": lambda _params: self.webhook.info(self.undelivered_count()),
            }
        )
        self._canonical = {name.lower(): name for name in (*self.api.handlers, "getUpdates")}
        self._faults: list[_Fault] = []
        self._request_pulse = Pulse()
        self._runner: web.AppRunner | None = None
        self._socket: socket.socket | None = None
        self._port = 0
        self._closing = False
        self._in_flight = 0
        self._last_activity = 0.0
        self._poll_generation = 0

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """Return the TCP port (0 before start)."""
        return self._port

    @property
    def base_url(self) -> str:
        """Return the base_url to give PTB (it appends the token)."""
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the base_file_url to give PTB."""
        return f"http://127.0.0.1:{self._port}/file/bot"

    async def start(self) -> None:
        """Start serving on 127.0.0.1 on a free port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._socket = sock
        self._port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        self._closing = False

    async def stop(self) -> None:
        """Stop serving, ending any pending long poll at once."""
        self._closing = True
        self.update_pulse.fire()
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- faults -----------------------------------------------------------------------------

    def inject_fault(
        self,
        method: str | None,
        kind: FaultKind,
        *,
        times: int = 1,
        retry_after: int = 1,
        delay: float = 2.0,
        chat_id: int | None = None,
    ) -> None:
        """Make the next `times` matching calls fail (method None: any but getUpdates)."""
        if kind not in ("429", "500", "502", "slow", "drop", "drop_after"):
            raise ValueError(f"unknown fault kind {kind!r}")
        self._faults.append(_Fault(method, kind, times, retry_after, delay, chat_id))

    def clear_faults(self) -> None:
        """Forget every fault not yet triggered."""
        self._faults.clear()

    def _take_fault(self, record: RecordedRequest) -> _Fault | None:
        for fault in self._faults:
            if fault.matches(record):
                fault.remaining -= 1
                return fault
        return None

    # -- observing --------------------------------------------------------------------------

    def calls(
        self, method: str | None = None, *, chat_id: int | None = None
    ) -> list[RecordedRequest]:
        """Return the recorded calls, optionally of one method and/or to one chat."""
        wanted = method.lower() if method is not None else None
        return [
            r
            for r in self.requests
            if (wanted is None or r.method.lower() == wanted)
            and (chat_id is None or r.chat_id == chat_id)
        ]

    def answered_callback(self, callback_query_id: str) -> RecordedRequest | None:
        """Return the successful answerCallbackQuery call for a query, if any."""
        for record in self.calls("answerCallbackQuery"):
            if record.ok and str(record.params.get("callback_query_id")) == callback_query_id:
                return record
        return None

    def _recent(self, count: int = 15) -> str:
        shown = [r for r in self.requests if r.method != "getUpdates"][-count:]
        polls = len(self.requests) - len([r for r in self.requests if r.method != "getUpdates"])
        lines = "\n".join(f"  {r!r}" for r in shown) or "  (none)"
        return f"recent calls (besides {polls} getUpdates):\n{lines}"

    async def wait_for(
        self,
        method: str,
        *,
        count: int = 1,
        chat_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the waiting is the point
    ) -> list[RecordedRequest]:
        """Wait until at least `count` such calls were answered; return all of them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [r for r in self.calls(method, chat_id=chat_id) if r.done]
            if len(found) >= count:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                where = f" to chat {chat_id}" if chat_id is not None else ""
                raise TimeoutError(
                    f"expected {count} {method} call(s){where} within {timeout}s, got "
                    f"{len(found)}; {self._recent()}"
                )
            await self._request_pulse.wait(remaining)

    def busy(self) -> str | None:
        """Say what keeps the bot busy on this side (None: every update fetched, no call open).

        An update counts until a later getUpdates confirms it: by then PTB has put it into the
        application's update queue, where the test harness takes over (tests/harness.py).
        """
        if unconfirmed := self.unconfirmed_count():
            return f"{unconfirmed} update(s) not yet fetched and confirmed by the bot"
        if self._in_flight:
            return f"{self._in_flight} Bot API call(s) in flight"
        return None

    async def changed(self, timeout: float = 1.0) -> None:  # noqa: ASYNC109
        """Wait until an update is queued or confirmed or a call starts or ends (or `timeout`)."""
        await self.activity_pulse.wait(timeout)

    async def settle(self, *, quiet: float = 0.15, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every queued update was fetched and the bot has been quiet for `quiet` s.

        A guess from the outside, for the sandbox and for tests of this server; a test that runs
        the bot waits with `BotRunner.idle()` instead, which knows when the bot is done.
        """
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            undelivered = self.undelivered_count()
            last = max(self._last_activity, self.last_delivery)
            if not undelivered and not self._in_flight and now - last >= quiet:
                return
            if now > deadline:
                raise TimeoutError(
                    f"not settled after {timeout}s: {undelivered} update(s) not fetched, "
                    f"{self._in_flight} call(s) in flight; {self._recent()}"
                )
            await asyncio.sleep(0.01)

    # -- HTTP -------------------------------------------------------------------------------

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise bad_request("request body must be a JSON object")
            raw.update(body)
        elif request.content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    content = bytes(await part.read())
                    mime = part.headers.get("Content-Type")
                    files[part.name] = UploadedFile(part.filename, content, mime)
                else:
                    raw[part.name] = await part.text()
        elif request.can_read_body:
            raw.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        return raw, files

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        method = self._canonical.get(method.lower(), method)
        record = RecordedRequest(method, {}, time.monotonic(), http_method=request.method)
        counted = method != "getUpdates"
        if counted:
            self._in_flight += 1
            self._last_activity = time.monotonic()
            self.touch()
        self.requests.append(record)
        status = 500
        body: JSONDict = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        try:
            try:
                raw, files = await self._read_params(request)
                record.params = normalize_params(raw)
                record.params.update(files)
                record.files = files
            except ApiError as error:
                return self._error_response(record, error)
            except ValueError:
                return self._error_response(record, bad_request("can't parse request body"))
            if request.match_info["token"] != self.token:
                return self._error_response(record, ApiError(401, "Unauthorized"))
            fault = self._take_fault(record)
            if fault is not None:
                record.fault = fault.kind
                response = await self._apply_fault(fault, record, request)
                if response is not None:
                    return response
            try:
                if method == "getUpdates":
                    result: Any = await self._get_updates(record.params, request)
                else:
                    result = self.api.call(method, record.params, files)
            except ApiError as error:
                return self._error_response(record, error)
            except Exception as exc:  # a bug of the loopback server: make it loud
                _LOGGER.exception("loopback Bot API failed on %s", method)
                bug = ApiError(500, f"Internal Server Error: loopback server bug: {exc!r}")
                return self._error_response(record, bug)
            status, body = 200, {"ok": True, "result": result}
            record.status, record.response = status, body
            if fault is not None and fault.kind == "drop_after":
                record.status = 0  # applied, but the bot never hears the answer
                if request.transport is not None:
                    request.transport.abort()
                return web.Response()
            return web.json_response(body, status=status)
        finally:
            if record.status is None:
                record.status, record.response = status, body
            if counted:
                self._in_flight -= 1
                self._last_activity = time.monotonic()
                self.touch()
            self._request_pulse.fire()

    def _error_response(self, record: RecordedRequest, error: ApiError) -> web.Response:
        record.status, record.response = error.code, error.to_api()
        return web.json_response(record.response, status=error.code)

    async def _apply_fault(
        self, fault: _Fault, record: RecordedRequest, request: web.Request
    ) -> web.StreamResponse | None:
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "drop_after":
            return None  # applied below, then the connection is lost
        if fault.kind == "429":
            return self._error_response(
                record,
                ApiError(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    {"retry_after": fault.retry_after},
                ),
            )
        if fault.kind == "500":
            return self._error_response(record, ApiError(500, "Internal Server Error"))
        if fault.kind == "502":
            record.status, record.response = 502, None
            html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
            return web.Response(status=502, text=html, content_type="text/html")
        record.status, record.response = 0, None
        if request.transport is not None:
            request.transport.abort()
        return web.Response()

    async def _get_updates(self, params: JSONDict, request: web.Request) -> list[JSONDict]:
        self.webhook.refuse_polling()
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        self.confirm(int(offset) if offset is not None else None)
        self._poll_generation += 1
        generation = self._poll_generation
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self.available(int(offset) if offset is not None else None, limit)
            if batch or self._closing:
                break
            if generation != self._poll_generation:
                raise ApiError(409, _CONFLICT)
            transport = request.transport
            remaining = deadline - loop.time()
            if transport is None or transport.is_closing() or remaining <= 0:
                break
            await self.update_pulse.wait(min(remaining, 0.05))
        self.mark_delivered(batch)
        return [entry.update for entry in batch]

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        record = RecordedRequest(
            "downloadFile",
            {"file_path": request.match_info["path"]},
            time.monotonic(),
            http_method="GET",
        )
        self.requests.append(record)
        try:
            stored = self.files_by_path.get(request.match_info["path"])
            if request.match_info["token"] != self.token or stored is None:
                record.status = 404
                return web.json_response(
                    {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
                )
            record.status = 200
            return web.Response(
                body=stored.data, content_type=stored.mime_type or "application/octet-stream"
            )
        finally:
            self._request_pulse.fire()
