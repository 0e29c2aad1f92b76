"""Bot API requests that ride out Telegram's short faults instead of failing a person's action.

Reads, answering a press and the command menus are safe to repeat. Sending or editing a message
is repeated too: a prompt a handler sends directly would otherwise be lost on a 5xx or a dropped
line, leaving a person without the next question. When the line drops after Telegram applied a
send, the repeat shows the message twice: the Bot API has no idempotency key, and a doubled
prompt is better than a missing one. (An edit repeated is "not modified", which callers accept.)
A press that cannot be answered at all is logged and let go: the spinner stops by itself, and
the handler goes on to do what the person asked.

A call without files goes as one JSON body (`application/json`, which the Bot API accepts for
every method) instead of PTB's form encoding, which quotes a message's text character by
character after encoding each JSON-valued parameter (a keyboard) to a string of its own: a
prompt of ~350 characters with a five-row keyboard took 178 us of CPU to encode as a form and
93 us as JSON. Uploads keep PTB's multipart form.
"""

from __future__ import annotations

import asyncio
import json
import logging
from http import HTTPStatus
from typing import Any

import anyio
import httpcore
import httpx
from httpcore._backends.anyio import AnyIOBackend, AnyIOStream
from httpcore._utils import is_socket_readable
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)


REPEATABLE = frozenset(
    {
        "getMe",
        "getChat",
        "getChatMember",
        "getChatAdministrators",
        "getChatMemberCount",
        "getFile",
        "getMyCommands",
        "setMyCommands",
        "deleteMyCommands",
        "answerCallbackQuery",
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "copyMessage",
        "deleteMessage",
    }
)
# A press answered late is better than a handler that stops half-way.
BEST_EFFORT = frozenset({"answerCallbackQuery"})
ATTEMPTS = 4
FIRST_BACKOFF = 0.25
# A longer 429 than this is not waited out inside a handler.
MAX_RETRY_AFTER = 5.0
ANSWERED = b'{"ok": true, "result": true}'
JSON_HEADERS = {"User-Agent": HTTPXRequest.USER_AGENT, "Content-Type": "application/json"}


class _Stream(AnyIOStream):
    """httpcore's anyio stream, its socket looked up once instead of at every pool check.

    Before each request and after each response the connection pool asks every idle
    connection whether the server closed it ("is_readable"); anyio builds the stream's whole
    attribute table for that (a getpeername() call among them) only to hand back the socket:
    ~6 us per idle connection, twice a request, with a connection per chat answered at once.
    """

    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        super().__init__(stream)
        self._socket = stream.extra(anyio.abc.SocketAttribute.raw_socket, None)

    def get_extra_info(self, info: str) -> Any:
        """Answer "is_readable" from the socket kept; anything else as httpcore does."""
        if info == "is_readable":
            return is_socket_readable(self._socket)
        return super().get_extra_info(info)

    async def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        """Wrap the TLS stream the same way."""
        tls = await super().start_tls(*args, **kwargs)
        assert isinstance(tls, AnyIOStream)
        return _Stream(tls._stream)


class _Backend(AnyIOBackend):
    """httpcore's anyio backend, making `_Stream`s."""

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        """Connect as httpcore does; keep the socket of the stream."""
        stream = await super().connect_tcp(*args, **kwargs)
        assert isinstance(stream, AnyIOStream)
        return _Stream(stream._stream)


class ResilientRequest(HTTPXRequest):
    """HTTPXRequest that repeats repeatable calls after a 429, a 5xx, a timeout or a lost line."""

    def _build_client(self) -> httpx.AsyncClient:
        client = super()._build_client()
        # httpx names no network backend; its pool's is swapped for ours (tests check it).
        pool = getattr(getattr(client, "_transport", None), "_pool", None)
        if isinstance(pool, httpcore.AsyncConnectionPool):
            pool._network_backend = _Backend()
        return client

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the call; repeat a repeatable one on a transient fault, with backoff."""
        endpoint = url.rsplit("/", 1)[-1]
        timeouts = {
            "read_timeout": read_timeout,
            "write_timeout": write_timeout,
            "connect_timeout": connect_timeout,
            "pool_timeout": pool_timeout,
        }
        if endpoint not in REPEATABLE:
            return await self._send(url, method, request_data, **timeouts)
        delay = FIRST_BACKOFF
        answer: tuple[int, bytes] | None = None
        failure: NetworkError | None = None
        for attempt in range(1, ATTEMPTS + 1):
            try:
                answer = await self._send(url, method, request_data, **timeouts)
                failure = None
            except NetworkError as exc:  # a timeout or a dropped connection
                answer, failure, wait = None, exc, delay
            else:
                code, body = answer
                if code == HTTPStatus.TOO_MANY_REQUESTS:
                    wait = _retry_after(body)
                    if wait > MAX_RETRY_AFTER:
                        break
                elif code >= HTTPStatus.INTERNAL_SERVER_ERROR:
                    wait = delay
                elif code == HTTPStatus.BAD_REQUEST and endpoint in BEST_EFFORT:
                    # "query is too old": an earlier attempt did reach Telegram, or it waited.
                    log.warning("%s refused, let go: %s", endpoint, body[:200])
                    return HTTPStatus.OK, ANSWERED
                else:
                    return answer
            if attempt == ATTEMPTS:
                break
            log.info("%s: transient fault (attempt %s), again in %.2fs", endpoint, attempt, wait)
            await asyncio.sleep(wait)
            delay *= 2
        if endpoint in BEST_EFFORT:
            log.warning("%s could not be answered, let go", endpoint)
            return HTTPStatus.OK, ANSWERED
        if failure is not None:
            raise failure
        assert answer is not None
        return answer

    async def _send(
        self,
        url: str,
        method: str,
        request_data: RequestData | None,
        *,
        read_timeout: ODVInput[float],
        write_timeout: ODVInput[float],
        connect_timeout: ODVInput[float],
        pool_timeout: ODVInput[float],
    ) -> tuple[int, bytes]:
        """Send one call: a JSON body, or PTB's multipart form when it uploads files."""
        if request_data is None or request_data.contains_files:
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        client = self._client
        if client.is_closed:
            raise RuntimeError("This HTTPXRequest is not initialized!")
        # The timeouts as HTTPXRequest.do_request resolves them (a default: the client's own).
        default = client.timeout
        timeout = httpx.Timeout(
            connect=_given(connect_timeout, default.connect),
            read=_given(read_timeout, default.read),
            write=_given(write_timeout, default.write),
            pool=_given(pool_timeout, default.pool),
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        try:
            res = await client.request(
                method=method, url=url, headers=JSON_HEADERS, timeout=timeout, content=body
            )
        except httpx.TimeoutException as err:  # PTB's own mapping of httpx's errors
            if isinstance(err, httpx.PoolTimeout):
                raise TimedOut(
                    message="Pool timeout: all connections in the pool are busy; not sent"
                ) from err
            raise TimedOut from err
        except httpx.HTTPError as err:
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        return res.status_code, res.content


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _retry_after(body: bytes) -> float:
    try:
        return float(json.loads(body)["parameters"]["retry_after"])
    except (ValueError, KeyError, TypeError):
        return FIRST_BACKOFF
