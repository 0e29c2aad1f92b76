"""Time the first catch-up SLA sweep at 1M reports (~20,000 overdue) and what a citizen waits.

Run: nice -n 10 .venv/bin/python bench/sweep_1m.py [--db /tmp/aduan-1m/million.db] [--work DIR]
     [--phase solo|citizen|both] [--bot-in-process]

The database is the shared 1M world (bench/million.py; built if `--db` does not exist). Each
phase runs in a child process on its own copy of it (cp --reflink=auto), at the builder's NOW:

- solo: the services alone (no bot) run the first sweep: wall and CPU time, peak resident memory
  of the process (ru_maxrss), SQL statements (an executemany counts once), alerts and digests.
  A second sweep right after shows the steady state.
- citizen: the real application polls the loopback Bot API (tests/harness.py BotRunner); citizens
  send /start one after another, first alone (the floor), then while the same first sweep runs in
  the bot's event loop. Each wait is from the update's arrival to the answer's sendMessage; the
  figures are p50/p99/max of the floor and of the waits that overlapped the sweep.
  Since 2026-12-03 (session 8) the bot runs in a process of its own (`--bot-process`, the
  default), as bench/update_cpu.py's bots do: build_application + lifecycle.start, the same
  settings, clock and frozen start-up heap, commands one JSON line each on stdin/stdout
  ("ready?": idle after start-up; "watch"; "sweep": run_sweep in the bot's own loop; "stop").
  The phase's process keeps the loopback server and the citizens; a wait during the sweep counts
  if it overlaps the time from the "sweep" command to its answer. Printed apart: the bot
  process's peak RSS (the 200 MB target) and the parent's (the server keeps every document the
  bot sent), the bot process's CPU during the sweep and the parent's, the event-loop stretches
  of the bot's loop. `--bot-in-process`: all of it in one process and one event loop, as in the
  tables below up to then (its peak RSS is the bot's and the server's together).

Figures go to stdout with the load average before and after each phase; the machine is shared, so
CPU time is the figure to compare.

Measured 2 December 2026 (2 cores shared with six other benches; load in brackets), 1M world of
bench/million.py: 21,485 overdue reports, 25,782 alerts, 38 digests:

                                   before (470216c^)          after (1ba291d)
    first sweep, CPU               20.6 s  (load 5-11)         5.7 s  (load 2.1-2.3)
    first sweep, wall              75.2 s                      12.3 s (incl. 215 pauses of 0.02 s)
    statements                     433                         1,543 (215 batches of 100)
    peak RSS (solo)                226 MB                      163 MB
    next sweep                     0.16 s / 42 statements      0.02 s / 20 statements
    citizen /start during sweep    p50 198, p99 1,049,         p50 28-36, p99 165-491,
                                   max 48,573 ms (load 8-10)   max 891-1,573 ms (load 2-4)
    citizen /start alone           p50 23, p99 309 ms          p50 13-27, p99 23-37 ms
    longest event-loop stretch     10,515 ms of CPU            116-152 ms of CPU
    peak RSS (bot + loopback)      379 MB                      216-223 MB

Of the 5.7 s: writing the marks 1.9 s (SQLite's own UPDATE of 21k scattered rows 0.76 s), reading
the rows 0.75 s, rendering 38 digests with 37 MB of CSV 0.7-1.0 s, deciding 0.4 s, queueing 0.4 s.
Batches of 500 instead of 100: 4.0 s of CPU, but an update then waits behind longer writes.

3 December 2026, the marks as rows of sla_marks (migration 0011) with one insert per batch, one
probe per report in the candidate read, a CSV line shared by the group's file and the private
ones. Before and after run one after the other on fresh copies (before, after, before, after),
so that both saw the same machine:

                                   before (df50494^)           after (724546d)
    first sweep, CPU               4.41, 4.63 s (load 4.5, 4.0) 3.93, 4.25 s (load 4.4, 3.2)
    first sweep, wall              12.9, 10.0 s                 10.1, 8.9 s
    statements                     1,543                        1,971
    peak RSS (solo)                162-165 MB                   160 MB
    next sweep                     0.01-0.02 s / 20 statements  0.05-0.08 s / 23 statements
    citizen /start during sweep    p50 27, p99 90, max 332 ms   p50 27-28, p99 68-125,
                                   (load 1.7)                   max 574-635 ms (load 1.6-2.0)
    longest event-loop stretch     152 ms of CPU                140-199 ms of CPU
    peak RSS (bot + loopback)      247 MB                       239-338 MB
    bot start-up                   0.6 s                        3.5-4.3 s (migration 0011 at 1M,
                                                                once)
    again at 67955fd (staff rows without the reporters join), after, before, after (load 4.8-5.8):
    first sweep, CPU               6.17 s                       4.56, 4.45 s
    first sweep, wall              18.7 s                       13.2, 14.2 s
    next sweep                     0.01 s                       0.07 s

The first sweep is still four times the 1 s goal. Where its ~4 s go (batches of 500, load 2.4):
reading the rows 0.86 s (SQLite reads 21k report rows from 21k scattered pages of a 1.4 GB
table), writing 1.67 s (of it the marks 0.9 s: rows of sla_marks, plus `sla_breached_at` which
stays a report column, an UPDATE of the same 21k wide rows; the version check 0.23 s; the
commits), deciding 0.39 s, rendering 0.66 s, queueing 37 MB of digests 0.39 s. In plain sqlite3
the narrow rows win (91,662 mark rows inserted in 0.32 s against 0.69-0.79 s to UPDATE 30,500
reports), but an executemany of them through SQLAlchemy cost more than the UPDATE it replaced
(write 2.56 s): hence one statement per batch (json_each / unnest). The steady state now reads
every overdue report's (stage, due) entry and probes its mark: 0.06 s of CPU at 21k overdue,
where the partial indexes of unfired marks held none. PostgreSQL (bench/pg_vs_sqlite.py --only
sweep at 724546d^^, load 8-10): 31.2 s wall, 4.05 s CPU of the bot's process (SQLite in the same
run: 31.0 s wall, 6.20 s CPU); the earlier figure at load 2 was 14.7 s wall, 4.3 s CPU.

2026-12-03 06:55-07:21 (lead), the machine quiet (this bench alone, load 0.2-0.9):
    solo, session start (63412f1) vs now: CPU 5.57 vs 5.14, 5.36 s; wall 11.5 vs 10.6, 11.3 s;
    peak RSS 166 vs 160 MB; next sweep 0.02 vs 0.08 s.
    citizen phase, the start-up heap frozen (bot/telegram/lifecycle.py freeze_startup_heap, as
    `python -m bot run` does since then) or not (ADUAN_BENCH_NO_FREEZE=1), interleaved:
                                   not frozen                  frozen
    citizen /start during sweep    p99 165, 123 ms             p99 45, 56 ms (45, 135 in two
                                   max 558, 693 ms             earlier runs); max 545-782 ms
    longest event-loop stretch     148, 150 ms of CPU          65-90 ms of CPU
    peak RSS (bot + loopback)      239-339 MB                  236-237 MB
The longest stretch was a full garbage collection: with gc.callbacks, generation 2 ran twice
during the sweep, 243 ms in all and 127 ms at most, walking start-up's ~180,000 objects
(modules, templates, tables, the model); frozen, 49 ms in all and 36 ms at most. The maximum
wait (one update in each run, 0.5-0.8 s) is something else, not found yet: it did not follow
the event loop's stretches. The peak RSS here includes the loopback server, which keeps every
document the bot sends (the digests' 37 MB among them).

2026-12-03 10:02-10:08 (session 7, another machine: the same code costs about half the CPU it
did above), the machine quiet (this bench alone, load 0.2-0.7), session start (36bfd62) and now
(780f83f) interleaved: base, new, base, new:
                                   before (36bfd62)            after (780f83f)
    first sweep, CPU               2.68, 2.77 s                1.81, 1.70 s
    first sweep, wall              8.26, 8.32 s                4.94, 4.55 s
    statements                     1,971                       357
    peak RSS (solo)                158-159 MB                  154 MB
    citizen /start during sweep    p99 50, 32 ms               p99 62, 49 ms
                                   max 391, 446 ms             max 79, 86 ms
    longest event-loop stretch     64, 35 ms of CPU            44, 31 ms of CPU
    peak RSS (bot + loopback)      234-235 MB                  227-228 MB
What changed: each distinct digest file is stored once (outbox_files: 9 files, 12.5 MB, for 38
digests that carried 37.4 MB) and sent after its first upload by Telegram's file_id; each file
in a short transaction of its own; the digests' rendering rests 20 ms after each 5 ms of work
(bot/services/pacing.py), where one loop turn every 250 alerts let the one long wait of each
run (0.3-0.45 s, while digests rendered; found with the longest waits printed above) happen:
answering an update takes dozens of loop turns and each waited for a chunk; each batch reads,
decides and writes in one transaction (no version re-read); the marks are sent grouped by
clock and mark; batches of 500 (100: 2.14 s of CPU in the same build). Of the 1.7 s (batches of
500, pause 0): rendering the digests 0.37 s, deciding 0.23 s, SQLite inserting 77,000 mark rows
0.16 s, reading the 21,000 rows 0.10 s, `sla_breached_at` on the wide report rows 0.09 s,
queueing the digests 0.10 s, the candidate ids 0.06 s; the rest SQLAlchemy and asyncio. Still
short of the 1 s goal.

2026-12-03 13:36-13:41 (session 8, the same machine as session 7; load 1.5-2.2), session start
(8ab8d9c, in a worktree with this bench file, SLA_SWEEP_PAUSE_SECONDS=0.02 as it shipped) and
now (f9d49ca, pause 0.01), interleaved: base, new, base, new; the citizen phase with the bot in
a process of its own:
                                   before (8ab8d9c)            after (f9d49ca)
    first sweep, CPU               1.69, 1.70 s                0.89, 0.93 s   (target 1 s: met)
    first sweep, wall              4.65, 4.97 s                2.70, 2.53 s
    statements                     357                         251
    peak RSS (solo)                154-155 MB                  135 MB
    peak RSS of the bot process    226 MB (idle 148 MB)        194 MB (idle 150 MB) (200: met)
    citizen /start during sweep    p99 70, 108 ms              p99 38, 54 ms
                                   max 77, 134 ms              max 43, 54 ms  (100 ms: met)
    citizen /start alone           p50 7-8, p99 35-40 ms       p50 5, p99 36-37 ms
    longest event-loop stretch     32.6, 33.3 ms of CPU        14.0, 14.3 ms of CPU
    next sweep                     0.04 s / 23 statements      0.03 s / 13 statements
What changed (phases measured with time.thread_time and process_time around each step, pause 0,
load 2-3; the process's CPU 1.75 s at the start): a report's first breach is a row of
sla_breaches (migration 0015): the UPDATE of 21,000 wide report rows and writing their pages to
the WAL was 0.37 s; a threshold's mark stands for the lower ones, one sla_marks row per
threshold announced (77,000 -> 26,000 rows: -0.13 s); each decision once per (due time, level,
marks), due times repeating (~750 distinct); alerts filed by audience class, one shared list per
set of recipients (the per-file tuple of 300,000 ids was 0.2 s under the profiler); CSV cells
quoted by hand and due times formatted once per language (0.23 -> 0.07 s); the batch's rows
read raw with the ids bound as one JSON/array value; the journal four numbers per alert; the
sweep's records plain (not frozen) dataclasses (2.5 -> 0.4 us each, 0.93 -> 0.86 s); one
rendered digest per shared list; each file built as bytes and stored as soon as it is rendered
(the bot's peak 216 -> 194 MB: the files' str had been held at two bytes a character because of
the byte-order mark, 23.4 MB for 12.5 MB, helper B's tracemalloc); the rest after each batch
10 ms instead of 20 ms: after each 20 ms rest the work ran ~2 ms of CPU slower (0.15 s over the
catch-up's 75 rests at load 1-2, likely the core idling deeper; 10 ms: next to none), and a
citizen's longest wait stayed 63-87 ms in four runs at load 2-3 (48-101 ms at 20 ms; 139-183 ms
at 5 ms or none). Where the 0.85 s of pause 0 goes: the batches 0.58 s (SQLite's reads and
inserts in the worker thread about 0.3 s, deciding 0.07 s), the CSV files 0.07 s, the candidate
ids 0.05 s, the rest asyncio and SQLAlchemy. The bot process idles at 148-150 MB after start at
a million reports (imports alone are 105 MB: SQLAlchemy 30, python-telegram-bot 23, numpy and
the model 17, alembic 11).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from million import GROUP_CHAT, NOW, build
from sqlalchemy import event

from bot.services.container import Services, build_services
from bot.services.sla.sweep import run_sweep
from bot.settings import Settings

DEFAULT_DB = Path("/tmp/aduan-1m/million.db")
# The citizen phase's bot freezes its start-up heap as the run command does
# (ADUAN_BENCH_NO_FREEZE=1: as before 2026-12-03). The solo phase has no bot and does not.
FREEZE = not os.environ.get("ADUAN_BENCH_NO_FREEZE")


def _copy(src: Path, dst: Path) -> None:
    # A WAL left by an earlier run that was stopped would be applied to the new copy.
    for suffix in ("", "-wal", "-shm", ".key"):
        target = Path(f"{dst}{suffix}")
        if target.exists():
            target.unlink()
    subprocess.run(["cp", "--reflink=auto", str(src), str(dst)], check=True)
    key = Path(f"{src}.key")
    if key.exists():
        shutil.copyfile(key, f"{dst}.key")


def _count_statements(svc: Services) -> list[int]:
    counter = [0]

    def seen(*_args: Any) -> None:
        counter[0] += 1

    for engine in {svc.db.writer, svc.db.reader}:
        event.listen(engine.sync_engine, "before_cursor_execute", seen)
    return counter


def _settings(db: Path, **extra: Any) -> Settings:
    # No housekeeping job (pruning three million sent outbox rows at start is its own bench).
    quiet: dict[str, Any] = {
        k: 0 for k in ("outbox_keep_days", "draft_keep_days") if k in Settings.model_fields
    }
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db}",
        staff_chat_id=GROUP_CHAT,
        aduan_profile="nasional",
        sla_jobs_enabled=False,
        **quiet,
        **extra,
    )


def _clock() -> Any:
    """Return a clock that starts at NOW and runs with the real time."""
    started = time.monotonic()
    return lambda: NOW + timedelta(seconds=time.monotonic() - started)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _solo(db: Path) -> dict[str, Any]:
    clock = _clock()
    svc = build_services(_settings(db), clock=clock)
    await svc.db.upgrade()
    statements = _count_statements(svc)
    rss_before = _rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    result = await run_sweep(svc, clock())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    first = {
        "wall": wall,
        "cpu": cpu,
        "statements": statements[0],
        "alerts": len(result.alerts),
        "digests": result.digests,
        "reminders": result.reporter_reminders,
        "closed": result.closed,
        "rss_before": rss_before,
        "rss_peak": _rss_mb(),
    }
    statements[0] = 0
    wall, cpu = time.perf_counter(), time.process_time()
    again = await run_sweep(svc, clock())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    second = {
        "wall": wall,
        "cpu": cpu,
        "statements": statements[0],
        "alerts": len(again.alerts),
    }
    await svc.db.dispose()
    return {"first": first, "second": second}


async def _start_once(api: Any, user: Any) -> tuple[float, float]:
    """Send /start as `user`; return when it was sent and how long the bot took to answer."""
    before = len(api.calls("sendMessage", chat_id=user.id))
    sent = time.perf_counter()
    api.send_text(user, "/start")
    await api.wait_for("sendMessage", chat_id=user.id, count=before + 1, timeout=60)
    return sent, time.perf_counter() - sent


async def _citizen(db: Path, floor_count: int) -> dict[str, Any]:
    from loopback import LoopbackBotApi
    from tests.harness import BotRunner

    async with LoopbackBotApi() as api:
        api.add_supergroup("Staf Pengaduan", chat_id=GROUP_CHAT)
        people = [api.add_user(f"Warga {n}") for n in range(400)]
        settings = _settings(
            db,
            telegram_bot_token=api.token,
            telegram_base_url=api.base_url,
            telegram_base_file_url=api.base_file_url,
            poll_timeout_seconds=1,
            limit_messages_per_minute=100_000,
        )
        clock = _clock()
        runner = BotRunner(settings, clock=clock, loopback=api)
        started = time.perf_counter()
        await runner.start()
        startup = time.perf_counter() - started
        # Whatever the bot does at start (menus, housekeeping jobs) is over before the floor.
        await runner.idle(timeout=900)
        if FREEZE:
            from bot.telegram.lifecycle import freeze_startup_heap

            freeze_startup_heap()  # as `python -m bot run` does once started
        settled = time.perf_counter() - started
        svc = runner.services
        turn = itertools.cycle(people)  # a citizen comes back after 400 others

        async def start_once() -> tuple[float, float]:
            return await _start_once(api, next(turn))

        for _ in range(5):  # warm up: templates, statement caches
            await start_once()
        done = asyncio.Event()
        slices: list[float] = []

        async def monitor() -> None:
            # The main thread's CPU time between two turns of this task: the longest stretch
            # of work the event loop did without a turn for anybody (load-independent).
            last = time.thread_time()
            while not done.is_set():
                await asyncio.sleep(0.001)
                now = time.thread_time()
                slices.append(now - last)
                last = now

        watch = asyncio.create_task(monitor())
        floor = [(await start_once())[1] for _ in range(floor_count)]
        done.set()
        await watch
        floor_slices, slices = slices, []
        done.clear()
        waits: list[tuple[float, float]] = []

        async def citizens() -> None:
            while not done.is_set():
                waits.append(await start_once())
                await asyncio.sleep(0.005)

        watch = asyncio.create_task(monitor())
        talk = asyncio.create_task(citizens())
        await asyncio.sleep(0.1)
        sweep_start, sweep_cpu = time.perf_counter(), time.process_time()
        result = await run_sweep(svc, clock())
        sweep_end, sweep_cpu = time.perf_counter(), time.process_time() - sweep_cpu
        done.set()
        await talk
        await watch
        await runner.stop()
    overlapping = [(s, w) for s, w in waits if s < sweep_end and s + w > sweep_start]
    during = [w for _s, w in overlapping]
    # The longest waits, by when they began (seconds after the sweep's start).
    longest = sorted(((w, s - sweep_start) for s, w in overlapping), reverse=True)[:5]
    return {
        "startup": startup,
        "settled": settled,
        "sweep_cpu": sweep_cpu,
        "floor": floor,
        "during": during,
        "longest": longest,
        "sweep_wall": sweep_end - sweep_start,
        "slices": slices,
        "floor_slices": floor_slices,
        "alerts": len(result.alerts),
        "rss_peak": _rss_mb(),
    }


# --- the citizen phase with the bot in a process of its own (the default) -------------------

REPLY = "REPLY "  # the bot child's answers on stdout; anything else there is not one


class _Monitor:
    """The event loop's longest stretches without a turn, as in `_citizen`, started and stopped."""

    def __init__(self) -> None:
        self.slices: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self._done = asyncio.Event()

    def start(self) -> None:
        self.slices, self._done = [], asyncio.Event()
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> list[float]:
        self._done.set()
        if self._task is not None:
            await self._task
            self._task = None
        return self.slices

    async def _watch(self) -> None:
        last = time.thread_time()
        while not self._done.is_set():
            await asyncio.sleep(0.001)
            now = time.thread_time()
            self.slices.append(now - last)
            last = now


class _ServerElsewhere:
    """What BotRunner.idle asks of the loopback server, for a bot whose server is in the parent.

    The child sees its own side only (update queue, handler tasks, jobs, the outbox); the parent
    then waits until its server is settled (every update fetched, no call open).
    """

    activity = 0

    def busy(self) -> str | None:
        return None

    async def changed(self, timeout: float = 1.0) -> None:  # noqa: ASYNC109
        await asyncio.sleep(0.01)


async def _bot_child(config: dict[str, Any]) -> None:
    """Run the bot as `_citizen` does, in this process, and answer the parent's commands.

    One command a line on stdin, one JSON answer a line on stdout (prefixed REPLY): "ready?"
    (start-up over and idle), "watch" (the event-loop monitor on, for the floor), "sweep" (the
    first sweep in this event loop, with this process's figures), "stop".
    """
    import logging

    from bot.app import build_application
    from bot.services.container import get_services
    from bot.telegram import lifecycle
    from tests.harness import BotRunner

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    settings = _settings(
        Path(config["db"]),
        telegram_bot_token=config["token"],
        telegram_base_url=config["base_url"],
        telegram_base_file_url=config["file_url"],
        poll_timeout_seconds=1,
        limit_messages_per_minute=100_000,
    )
    clock = _clock()
    started = time.perf_counter()
    app = build_application(settings, clock=clock)
    await lifecycle.start(app, poll_timeout=settings.poll_timeout_seconds)
    startup = time.perf_counter() - started
    runner = BotRunner(settings, clock=clock, loopback=_ServerElsewhere())  # type: ignore[arg-type]
    runner.app = app
    svc = get_services(app.bot_data)
    monitor = _Monitor()

    async def ready() -> dict[str, Any]:
        await runner.idle(timeout=900)
        if FREEZE:
            from bot.telegram.lifecycle import freeze_startup_heap

            freeze_startup_heap()  # as `python -m bot run` does once started
        return {"startup": startup, "settled": time.perf_counter() - started, "rss": _rss_mb()}

    def watch() -> dict[str, Any]:
        monitor.start()
        return {"ok": True}

    async def sweep() -> dict[str, Any]:
        floor_slices = await monitor.stop()
        monitor.start()
        rss_before = _rss_mb()
        wall, cpu = time.perf_counter(), time.process_time()
        result = await run_sweep(svc, clock())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return {
            "wall": wall,
            "cpu": cpu,
            "alerts": len(result.alerts),
            "rss_before": rss_before,
            "rss_peak": _rss_mb(),
            "slices": await monitor.stop(),
            "floor_slices": floor_slices,
        }

    async def stop() -> dict[str, Any]:
        await lifecycle.stop(app)
        return {"rss_peak": _rss_mb()}

    commands = {"ready?": ready, "watch": watch, "sweep": sweep, "stop": stop}
    while True:
        line = (await asyncio.to_thread(sys.stdin.readline)).strip()
        if not line:
            await lifecycle.stop(app)
            return
        answer = commands[line]()
        if asyncio.iscoroutine(answer):
            answer = await answer
        print(REPLY + json.dumps(answer), flush=True)
        if line == "stop":
            return


async def _citizen_bot_process(db: Path, floor_count: int) -> dict[str, Any]:
    """Run the loopback server and the citizens here, the bot in a child process of its own."""
    from loopback import LoopbackBotApi

    async with LoopbackBotApi() as api:
        api.add_supergroup("Staf Pengaduan", chat_id=GROUP_CHAT)
        people = [api.add_user(f"Warga {n}") for n in range(400)]
        config = {
            "db": str(db),
            "token": api.token,
            "base_url": api.base_url,
            "file_url": api.base_file_url,
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--bot-child",
            json.dumps(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 26,  # the sweep's answer carries every event-loop stretch
        )
        stdin, stdout = proc.stdin, proc.stdout
        assert stdin is not None
        assert stdout is not None

        async def ask(command: str) -> dict[str, Any]:
            stdin.write(f"{command}\n".encode())
            await stdin.drain()
            while True:
                line = (await stdout.readline()).decode()
                if not line:
                    raise RuntimeError(f"the bot process ended before answering {command!r}")
                if line.startswith(REPLY):
                    return dict(json.loads(line[len(REPLY) :]))

        try:
            ready = await ask("ready?")
            # The child saw its own side idle; this side: every update fetched, no call open.
            await api.settle(quiet=0.5, timeout=900)
            turn = itertools.cycle(people)  # a citizen comes back after 400 others

            async def start_once() -> tuple[float, float]:
                return await _start_once(api, next(turn))

            for _ in range(5):  # warm up: templates, statement caches
                await start_once()
            await ask("watch")
            floor = [(await start_once())[1] for _ in range(floor_count)]
            done = asyncio.Event()
            waits: list[tuple[float, float]] = []

            async def citizens() -> None:
                while not done.is_set():
                    waits.append(await start_once())
                    await asyncio.sleep(0.005)

            talk = asyncio.create_task(citizens())
            await asyncio.sleep(0.1)
            sweep_start, parent_cpu = time.perf_counter(), time.process_time()
            swept = await ask("sweep")  # from the command sent to the answer read
            sweep_end, parent_cpu = time.perf_counter(), time.process_time() - parent_cpu
            done.set()
            await talk
            stopped = await ask("stop")
            await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        parent_rss = _rss_mb()
    overlapping = [(s, w) for s, w in waits if s < sweep_end and s + w > sweep_start]
    longest = sorted(((w, s - sweep_start) for s, w in overlapping), reverse=True)[:5]
    return {
        "mode": "bot process",
        "startup": ready["startup"],
        "settled": ready["settled"],
        "sweep_cpu": swept["cpu"],
        "sweep_wall_child": swept["wall"],
        "parent_cpu": parent_cpu,
        "floor": floor,
        "during": [w for _s, w in overlapping],
        "longest": longest,
        "sweep_wall": sweep_end - sweep_start,
        "slices": swept["slices"],
        "floor_slices": swept["floor_slices"],
        "alerts": swept["alerts"],
        "rss_ready": ready["rss"],
        "rss_before_sweep": swept["rss_before"],
        "rss_sweep": swept["rss_peak"],
        "rss_peak": stopped["rss_peak"],
        "rss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "rss_parent": parent_rss,
    }


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def _child(phase: str, db: Path, in_process: bool) -> None:
    if phase == "solo":
        run = _solo(db)
    elif in_process:
        run = _citizen(db, floor_count=40)
    else:
        run = _citizen_bot_process(db, floor_count=40)
    out = asyncio.run(run)
    print("RESULT " + json.dumps(out))


def _run_phase(phase: str, src: Path, work: Path, in_process: bool) -> dict[str, Any]:
    copy = work / f"sweep-{phase}.db"
    started = time.perf_counter()
    _copy(src, copy)
    print(f"[{phase}] copied the 1M database in {time.perf_counter() - started:.1f} s", flush=True)
    if phase == "citizen":
        # The running bot's outbox drain did not go idle over 3M sent rows (reported to the
        # outbox's owner); the pruning job would have removed them: start without them.
        with sqlite3.connect(copy) as con:
            con.execute("DELETE FROM outbox")
        print(f"[{phase}] sent outbox rows removed from the copy", flush=True)
    print(f"[{phase}] load average before: {os.getloadavg()}", flush=True)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            phase,
            "--db",
            str(copy),
            *(["--bot-in-process"] if in_process else []),
        ],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"[{phase}] failed")
    print(f"[{phase}] load average after: {os.getloadavg()}", flush=True)
    for suffix in ("", "-wal", "-shm", ".key"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return dict(json.loads(line[len("RESULT ") :]))


def main() -> None:
    """Build the world if needed, run both phases on copies, print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--work", type=Path, default=Path("/tmp/S/sweep-bench"))
    parser.add_argument("--child", choices=("solo", "citizen"))
    parser.add_argument("--phase", choices=("solo", "citizen", "both"), default="both")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--bot-process",
        dest="in_process",
        action="store_false",
        help="citizen phase: the bot in a child process of its own (the default)",
    )
    mode.add_argument(
        "--bot-in-process",
        dest="in_process",
        action="store_true",
        help="citizen phase: the bot, the loopback server and the citizens in one process",
    )
    parser.set_defaults(in_process=False)
    parser.add_argument("--bot-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bot_child:
        asyncio.run(_bot_child(json.loads(args.bot_child)))
        return
    if args.child:
        _child(args.child, args.db, args.in_process)
        return
    if not args.db.exists():
        print(f"building {args.db} (bench/million.py)", flush=True)
        build(args.db)
    args.work.mkdir(parents=True, exist_ok=True)
    phases = ("solo", "citizen") if args.phase == "both" else (args.phase,)
    for phase in phases:
        _print({phase: _run_phase(phase, args.db, args.work, args.in_process)})


def _print(results: dict[str, Any]) -> None:
    if "solo" in results:
        first, second = results["solo"]["first"], results["solo"]["second"]
        print(
            f"first sweep:  wall {first['wall']:.2f} s  CPU {first['cpu']:.2f} s"
            f"  statements {first['statements']}  alerts {first['alerts']}"
            f"  digests {first['digests']}  reminders {first['reminders']}"
            f"  closed {first['closed']}"
        )
        print(
            f"  peak RSS {first['rss_peak']:.0f} MB (before the sweep {first['rss_before']:.0f} MB)"
            "  targets: 1 s of work, 200 MB"
        )
        print(
            f"next sweep:   wall {second['wall']:.2f} s  CPU {second['cpu']:.2f} s"
            f"  statements {second['statements']}  alerts {second['alerts']}"
        )
    if "citizen" in results:
        c = results["citizen"]
        floor, during = [1000 * x for x in c["floor"]], [1000 * x for x in c["during"]]
        own = c.get("mode") == "bot process"
        if own:
            print(
                f"bot start-up {c['startup']:.2f} s (idle after {c['settled']:.2f} s), in a"
                f" process of its own; sweep in the bot's loop: wall {c['sweep_wall_child']:.2f} s"
                f" ({c['sweep_wall']:.2f} s from the parent's command to the answer), CPU of the"
                f" bot process {c['sweep_cpu']:.2f} s (sweep + the citizens' updates), of the"
                f" parent {c['parent_cpu']:.2f} s (loopback server + citizens)"
            )
        else:
            print(
                f"bot start-up {c['startup']:.2f} s (idle after {c['settled']:.2f} s);"
                f" sweep in the bot's loop: wall {c['sweep_wall']:.2f} s, CPU of the process"
                f" {c['sweep_cpu']:.2f} s (sweep + citizens + loopback server)"
            )
        print(
            f"citizen /start alone:        n={len(floor)}  p50 {_quantile(floor, 0.5):.0f} ms"
            f"  p99 {_quantile(floor, 0.99):.0f} ms  max {max(floor):.0f} ms"
        )
        if during:
            print(
                f"citizen /start during sweep: n={len(during)}  p50 {_quantile(during, 0.5):.0f} ms"
                f"  p99 {_quantile(during, 0.99):.0f} ms  max {max(during):.0f} ms"
                "  (target: no wait over 100 ms behind the sweep)"
            )
            print(
                "  longest waits (ms, begun s after the sweep's start): "
                + ", ".join(f"{1000 * w:.0f} at {at:.2f}" for w, at in c["longest"])
            )
        for label, key in (("citizens alone", "floor_slices"), ("during the sweep", "slices")):
            slices = [1000 * x for x in c[key]]
            print(
                f"event loop, {label}: longest stretch without a turn {max(slices):.1f} ms"
                f" of main-thread CPU, p99 {_quantile(slices, 0.99):.1f} ms (n={len(slices)})"
            )
        if own:
            print(
                f"  peak RSS of the bot process {c['rss_peak']:.0f} MB (idle after start-up"
                f" {c['rss_ready']:.0f} MB, before the sweep {c['rss_before_sweep']:.0f} MB,"
                f" after it {c['rss_sweep']:.0f} MB; the parent's RUSAGE_CHILDREN"
                f" {c['rss_children']:.0f} MB)  target: 200 MB"
            )
            print(f"  peak RSS of the parent (loopback server + citizens) {c['rss_parent']:.0f} MB")
        else:
            print(f"  peak RSS of the process (bot + loopback server) {c['rss_peak']:.0f} MB")


if __name__ == "__main__":
    main()
