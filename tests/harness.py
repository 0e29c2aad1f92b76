"""Run the real application against the loopback Bot API, as `python -m bot run` would."""

from __future__ import annotations

import asyncio
import atexit
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import build_application
from bot.services.container import Services, get_services
from bot.settings import Settings
from bot.telegram import lifecycle
from bot.telegram.lifecycle import App
from bot.telegram.outbox import OutboxSender
from loopback import LoopbackBotApi
from storage.database import Database
from storage.repository import Clock, utc_now
from tests import pg


def on_postgres() -> bool:
    """Return whether the run is on PostgreSQL (ADUAN_TEST_DB=postgresql: tests/pg.py)."""
    return pg.enabled()


def database_url(tmp_path: Path, name: str = "aduan.db", *, empty: bool = False) -> str:
    """Return the URL of a test's database: an SQLite file in `tmp_path`, or on PostgreSQL.

    On PostgreSQL the database is a copy of one migrated template (`empty`: no schema at all),
    the same database for the same path, dropped after the test.
    """
    if on_postgres():
        return pg.database_url(str(tmp_path / name), empty=empty)
    return f"sqlite+aiosqlite:///{tmp_path}/{name}"


def suite_data_keys() -> list[str]:
    """Return the data keys a test's Database needs: none on SQLite (the key file), else one."""
    return [pg.TEST_DATA_KEY] if on_postgres() else []


def make_database(tmp_path: Path, name: str = "aduan.db", *, empty: bool = False) -> Database:
    """Open a test's database (see database_url) with the keys it needs."""
    return Database(database_url(tmp_path, name, empty=empty), suite_data_keys())


def make_settings(loopback: LoopbackBotApi, tmp_path: Path, **overrides: Any) -> Settings:
    """Return settings that point the bot at the loopback server and a fresh database.

    The database is an SQLite file in `tmp_path`, or a fresh PostgreSQL database when the run
    is on PostgreSQL (its data key comes from DATA_KEYS in the environment: tests/pg.py).
    """
    values: dict[str, Any] = {
        "telegram_bot_token": loopback.token,
        "telegram_base_url": loopback.base_url,
        "telegram_base_file_url": loopback.base_file_url,
        "database_url": database_url(tmp_path),
        "outbox_interval_seconds": 0.05,
        "outbox_backoff_seconds": 0.1,
        "rate_max_retries": 0,
        "poll_timeout_seconds": 1,
        # Tests type faster than people; the flood guard has its own test.
        "limit_messages_per_minute": 1000,
        # The SLA jobs post digests and recaps by the real clock; their tests turn them on.
        "sla_jobs_enabled": False,
    }
    if on_postgres():
        values["data_keys"] = suite_data_keys()
    values.update(overrides)
    return Settings(_env_file=None, **values)


class BotRunner:
    """Start, stop and restart the application the way run_polling does, inside the test loop."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        loopback: LoopbackBotApi | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.loopback = loopback
        self.app: App | None = None

    @property
    def services(self) -> Services:
        """Return the running application's services."""
        assert self.app is not None, "the bot is not running"
        return get_services(self.app.bot_data)

    async def start(self) -> None:
        """Build a fresh application and start polling."""
        await _copy_template_database(self.settings)
        app = build_application(self.settings, clock=self.clock)
        await lifecycle.start(app, poll_timeout=self.settings.poll_timeout_seconds)
        self.app = app

    async def stop(self) -> None:
        """Stop polling and shut the application down (post_shutdown closes storage)."""
        app, self.app = self.app, None
        if app is not None:
            await lifecycle.stop(app)

    async def restart(self) -> None:
        """Stop and start again on the same database, as after a crash or a deploy."""
        await self.stop()
        await self.start()

    async def idle(self, *, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has finished reacting to everything so far, and not a moment longer.

        Idle means: the loopback server has handed out every update and the bot confirmed it,
        no call is open, the update queue is empty and no handler (or task it started) runs, no
        job runs or is due now (kick_outbox's run_once(..., 0)), no drain runs and the outbox has
        nothing due. Each wait is on an event of the part that is busy; only the outbox's rows
        live in the database alone, so that one is checked last and then everything again.
        A message waiting for its retry time is not due: time-based tests use `eventually`.
        """
        assert self.app is not None, "the bot is not running"
        assert self.loopback is not None, "BotRunner(..., loopback=...) to wait for idle"
        app, loopback, svc = self.app, self.loopback, self.services
        sender = svc.outbox
        assert isinstance(sender, OutboxSender), "the outbox sender starts in post_init"
        reason = "not started"
        try:
            async with asyncio.timeout(timeout):
                while True:
                    busy = _busy(app, loopback, sender)
                    if busy is not None:
                        reason, wait = busy
                        await wait()
                        continue
                    seen = (loopback.activity, sender.rounds)
                    if await svc.repo.due_outbox(1):
                        reason = "the outbox has messages due"
                        await sender.next_round()
                        continue
                    if _busy(app, loopback, sender) is None and seen == (
                        loopback.activity,
                        sender.rounds,
                    ):
                        return
        except TimeoutError:
            raise TimeoutError(f"the bot was not idle after {timeout}s: {reason}") from None


_template: Path | None = None


async def _copy_template_database(settings: Settings) -> None:
    """Give a bot's new SQLite file a copy of one migrated database instead of migrating it.

    Migrating a new file takes about five times longer than finding one at head, and the bot
    starts hundreds of times. The copy is taken once per test process from `upgrade()` itself;
    the bot's own `upgrade()` at start still runs (and finds nothing to do), and a file that
    exists already (a restart, a database a test wrote first) is left alone.
    """
    global _template
    url = make_url(settings.database_url)
    target = url.database
    if url.get_backend_name() != "sqlite" or not target or target.startswith(("file:", ":")):
        return
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="aduan-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = Database(f"sqlite+aiosqlite:///{folder}/template.db")
        await template.upgrade()
        await template.dispose()  # the last connection checkpoints the WAL into the file
        _template = folder / "template.db"
    _copy_if_new(_template, Path(target))


def _copy_if_new(template: Path, target: Path) -> None:
    """Copy the template to a database path nothing has created yet (a small local file)."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)


Wait = Callable[[], Awaitable[Any]]


def _busy(app: App, loopback: LoopbackBotApi, sender: OutboxSender) -> tuple[str, Wait] | None:
    """Return what keeps the bot busy and how to wait until it may be done, or None."""
    if (reason := loopback.busy()) is not None:
        return reason, loopback.changed
    # asyncio.Queue counts an update as unfinished until PTB's task_done after its handlers.
    if app.update_queue._unfinished_tasks:  # type: ignore[attr-defined]
        return "an update is queued or being handled", app.update_queue.join
    # Non-blocking handlers (block=False) and error handlers run as Application.create_task
    # tasks, which PTB only keeps in a private set (it awaits them on stop).
    tasks = set(getattr(app, "_Application__create_task_tasks", ()))
    if tasks:
        return f"{len(tasks)} handler task(s) running", lambda: asyncio.wait(tasks)
    assert app.job_queue is not None
    scheduler = app.job_queue.scheduler
    # APScheduler keeps the running jobs' tasks in its executor, and has no public view of them.
    running = {f for e in scheduler._executors.values() for f in getattr(e, "_pending_futures", ())}
    if running:
        return f"{len(running)} job(s) running", lambda: asyncio.wait(running)
    now = datetime.now(UTC)
    due = [str(job.name) for job in app.job_queue.jobs() if job.next_t and job.next_t <= now]
    if due:
        # A job whose time has come (kick_outbox's run_once(..., 0)) is handed to the executor
        # by a call_soon or call_later of the scheduler, so it starts within a turn or two of
        # the loop; there is no event for it: the one poll here, and it is 1 ms.
        return f"job(s) due now: {', '.join(due)}", lambda: asyncio.sleep(0.001)
    if sender.draining:
        return "the outbox is draining", sender.next_round
    return None


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 10.0) -> None:
    """Wait until an asynchronous check holds (the database is polled; it has no events).

    Only for what takes time on purpose (a retry after 429, a backoff, a clock-driven job);
    to wait for the bot to finish reacting, use `BotRunner.idle()`.
    """
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


class Writes:
    """Counts the write transactions the database opens."""

    def __init__(self, write: Callable[[], AbstractAsyncContextManager[AsyncConnection]]) -> None:
        self._write = write
        self.count = 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncConnection]:
        self.count += 1
        async with self._write() as conn:
            yield conn
