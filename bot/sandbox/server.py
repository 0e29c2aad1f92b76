"""The web console: an aiohttp server for the page, its actions and live updates (SSE).

The page's words are in static/ (the page is the user interface); the server answers with
data and short error codes the page turns into words.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.sandbox.view import CallLog, snapshot
from bot.sandbox.world import STEPS, DemoWorld, profile_names
from bot.settings import Settings

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MAX_UPLOAD = 20 * 1024 * 1024
PUSH_INTERVAL = 0.08
KEEPALIVE_SECONDS = 15.0


class Console:
    """One demo at a time, its page, and the browsers watching it."""

    def __init__(self, base: Settings, profile: str) -> None:
        self.base = base
        self.world = DemoWorld(base, profile)
        self.log = CallLog()
        self.profiles = profile_names()
        self.lock = asyncio.Lock()
        self.generation = 0
        self._runner: web.AppRunner | None = None

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self, host: str, port: int) -> str:
        """Serve the page and start the demo; return the page's address."""
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.add_routes(
            [
                web.get("/", self.index),
                web.get("/api/state", self.state),
                web.get("/api/events", self.events),
                web.get("/api/file/{file_id}", self.file),
                web.post("/api/act", self.act),
                web.post("/api/upload", self.upload),
                web.post("/api/clock", self.clock),
                web.post("/api/reset", self.reset),
                web.static("/static", STATIC),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        await self.world.start()
        bound = port
        server = getattr(site, "_server", None)
        if port == 0 and server is not None and server.sockets:
            bound = int(server.sockets[0].getsockname()[1])
        return f"http://{host}:{bound}"

    async def stop(self) -> None:
        """Stop serving and stop the demo."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.world.stop()

    # -- reading ----------------------------------------------------------------------------

    def current(self) -> dict[str, Any]:
        """Return the page's state now."""
        self.log.catch_up(self.world)
        return snapshot(self.world, self.log, self.profiles)

    def marker(self) -> tuple[int, int]:
        """Return what changes whenever the page should redraw."""
        if self.log.catch_up(self.world):
            self.world.version += 1
        return (self.generation, self.world.version)

    async def index(self, _request: web.Request) -> web.StreamResponse:
        """Serve the page."""
        return web.FileResponse(STATIC / "index.html")

    async def state(self, _request: web.Request) -> web.Response:
        """Answer the whole state as JSON."""
        return web.json_response(self.current())

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Stream the state (server-sent events) each time it changes."""
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        last: tuple[int, int] | None = None
        quiet = 0.0
        try:
            while True:
                if self.lock.locked():
                    await asyncio.sleep(PUSH_INTERVAL)
                    continue
                mark = self.marker()
                if mark != last:
                    last, quiet = mark, 0.0
                    data = json.dumps(self.current(), ensure_ascii=False)
                    await response.write(f"data: {data}\n\n".encode())
                elif quiet >= KEEPALIVE_SECONDS:
                    quiet = 0.0
                    await response.write(b": keep-alive\n\n")
                await asyncio.sleep(PUSH_INTERVAL)
                quiet += PUSH_INTERVAL
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def file(self, request: web.Request) -> web.StreamResponse:
        """Serve a file of the loopback world (photos and documents in the chats)."""
        stored = self.world.api.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "max-age=3600"}
        if stored.file_name:
            headers["Content-Disposition"] = f'inline; filename="{stored.file_name}"'
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type or "application/octet-stream",
            headers=headers,
        )

    # -- acting -----------------------------------------------------------------------------

    async def act(self, request: web.Request) -> web.Response:
        """Do one thing a person did: type, press, share a contact or a location."""
        body = await _json(request)
        try:
            self.world.act(str(body.get("person")), str(body.get("where")), body.get("action", {}))
        except KeyError:
            return _error("unknown")
        except PermissionError:
            return _error("not-staff")
        except LookupError:
            return _error("gone")
        except (ValueError, TypeError):
            return _error("bad-action")
        return web.json_response({"ok": True})

    async def upload(self, request: web.Request) -> web.Response:
        """Send a picked file as a photo or a document."""
        form = await request.post()
        picked = form.get("file")
        if not isinstance(picked, web.FileField):
            return _error("empty-file")
        data = picked.file.read()
        if not data:
            return _error("empty-file")
        fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        name, mime = picked.filename or "file", picked.content_type
        reply_to = fields.get("reply_to")
        try:
            self.world.upload(
                fields.get("person", ""),
                fields.get("where", "private"),
                data,
                file_name=name,
                mime_type=mime,
                caption=fields.get("caption") or None,
                reply_to=int(reply_to) if reply_to else None,
            )
        except KeyError:
            return _error("unknown")
        except PermissionError:
            return _error("not-staff")
        except LookupError:
            return _error("gone")
        return web.json_response({"ok": True})

    async def clock(self, request: web.Request) -> web.Response:
        """Move the demo's clock forward and run the reminders and the daily report."""
        step = str((await _json(request)).get("step"))
        if step not in (*STEPS, "due"):
            return _error("bad-step")
        async with self.lock:
            try:
                now = await self.world.move_clock(step)
            except LookupError:
                return _error("no-due")
        return web.json_response({"ok": True, "clock": self.world.calendar.local(now).isoformat()})

    async def reset(self, request: web.Request) -> web.Response:
        """Start the demo again from nothing, with the chosen profile."""
        profile = str((await _json(request)).get("profile") or self.world.profile_name)
        if profile not in self.profiles:
            return _error("bad-profile")
        async with self.lock:
            await self.world.stop()
            self.world = DemoWorld(self.base, profile)
            self.log = CallLog()
            self.generation += 1
            await self.world.start()
        return web.json_response({"ok": True})


async def _json(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object (an empty one when it is not an object)."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _error(code: str, status: int = 400) -> web.Response:
    """Answer an error code for the page to put into words."""
    return web.json_response({"ok": False, "error": code}, status=status)
