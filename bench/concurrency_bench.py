"""Updates per second of one process: the per-chat processor against one update at a time.

Run: nice -n 10 .venv/bin/python bench/concurrency_bench.py [CITIZENS] [MESSAGES] [LATENCY_MS]

The same harness as the tests: the loopback Bot API, the real application, an SQLite file (or
PostgreSQL with DATABASE_URL set). CITIZENS private chats each send MESSAGES commands (/start,
/help alternately) at once; the clock runs from the first update queued until every reply has
been answered by the server. LATENCY_MS delays every sendMessage answer (Telegram's round trip
from an Indonesian server is 100-300 ms; 0 measures the bot's CPU alone). Prints, for
UPDATE_CONCURRENCY=1 (PTB's concurrent_updates(False)) and for the per-chat processor (32): wall
time, updates per second, the process's CPU time, and the load average before and after.
BENCH_RATE sets the bot's overall send limit (default 30 a second, Telegram's). On PostgreSQL
(DATABASE_URL=postgresql+asyncpg://.../aduan_bench{run}, DATA_KEYS set) each run gets its own
database.

Measured on the development container (2 cores shared with six other jobs, load 14-15),
50 chats x 4 updates:
    latency 100 ms, SQLite      one at a time  40.4 s   4.9 updates/s  7.5 s CPU
                                per chat       15.1 s  13.3 updates/s  4.1 s CPU
    latency 100 ms, PostgreSQL  one at a time  38.8 s   5.2 updates/s  6.2 s CPU
                                per chat       14.6 s  13.7 updates/s  3.5 s CPU
    latency 0, SQLite           one at a time  19.3 s  10.4 updates/s  4.9 s CPU
                                per chat       14.0 s  14.2 updates/s  4.0 s CPU
Under that load the per-chat figure is bound by CPU, not by the 30 messages/s ceiling.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from loopback import LoopbackBotApi
from tests.harness import BotRunner, make_settings


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def one_run(
    concurrency: int, citizens: int, messages: int, latency: float
) -> dict[str, float]:
    async with LoopbackBotApi() as loopback:
        folder = Path(tempfile.mkdtemp(prefix="aduan-bench-"))
        overrides: dict[str, object] = {
            "update_concurrency": concurrency,
            "log_level": "WARNING",
            # Telegram's own ceiling for a bot (30 messages a second) unless BENCH_RATE says.
            "rate_overall_per_second": float(os.environ.get("BENCH_RATE", "30")),
        }
        if os.environ.get("DATABASE_URL"):
            # "{run}" in the URL: a database per run (aduan_bench1, aduan_bench2 made beforehand).
            url = os.environ["DATABASE_URL"].replace("{run}", "1" if concurrency == 1 else "2")
            overrides["database_url"] = url
        runner = BotRunner(make_settings(loopback, folder, **overrides), loopback=loopback)
        await runner.start()
        try:
            people = [loopback.add_user(f"Warga {n}") for n in range(citizens)]
            if latency > 0:
                loopback.inject_fault("sendMessage", "slow", delay=latency, times=10**9)
            started_wall, started_cpu = time.perf_counter(), cpu_seconds()
            for m in range(messages):
                for person in people:
                    loopback.send_text(person, "/start" if m % 2 == 0 else "/help")
            await loopback.wait_for("sendMessage", count=citizens * messages, timeout=600)
            wall = time.perf_counter() - started_wall
            cpu = cpu_seconds() - started_cpu
            await runner.idle(timeout=120)
            loopback.clear_faults()
        finally:
            await runner.stop()
    updates = citizens * messages
    return {"wall": wall, "cpu": cpu, "rate": updates / wall}


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    citizens = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    messages = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    latency = (int(sys.argv[3]) if len(sys.argv) > 3 else 100) / 1000
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(
        f"{citizens} chats x {messages} updates, sendMessage answered after"
        f" {latency * 1000:.0f} ms,"
        f" {database}, at most {os.environ.get('BENCH_RATE', '30')} messages/s;"
        f" load before {tuple(round(x, 2) for x in os.getloadavg())}"
    )
    for label, concurrency in (("one at a time (UPDATE_CONCURRENCY=1)", 1), ("per chat (32)", 32)):
        figures = await one_run(concurrency, citizens, messages, latency)
        print(
            f"  {label:38s} {figures['wall']:7.2f} s wall  {figures['rate']:7.1f} updates/s"
            f"  {figures['cpu']:6.2f} s CPU  load {tuple(round(x, 2) for x in os.getloadavg())}"
        )


if __name__ == "__main__":
    asyncio.run(main())
