"""Time the SLA sweep on 10,000 overdue reports and count what it sends to the staff group.

Run: .venv/bin/python bench/sla_sweep_bench.py [COUNT]

Prints, for a fresh SQLite file: the first sweep (every report breached: one digest per
recipient, the full list as a CSV file), the next sweep (nothing new: the partial indexes hold no
candidates), the escalation sweep a working day later, and a sweep over as many reports that are
not due yet. The staff group receives one message per sweep whatever the count, so with the
default SLA_SWEEP_INTERVAL_SECONDS (300) the sweep uses at most 1 of the group's 20 messages a
minute.

Measured on the development container (Python 3.11, SQLite 3.40, 10,000 reports, load ~2.7 on
2 shared cores, 2 December 2026), before and after the sweep in batches (issue 15):
                                       before                  after
    first sweep (10,000 breaches)      2.46 s (CPU 2.25 s)     4.70 s (CPU 1.66 s)
    next sweep (nothing new)           0.04 s                  0.07 s (CPU 0.03 s)
    escalation sweep (10,000)                                  4.13 s (CPU 1.43 s)
The wall time after includes SLA_SWEEP_PAUSE_SECONDS (0.02 s) between each of the 100 batches of
SLA_BATCH_SIZE (100): the sweep gives way to updates; bench/sweep_1m.py measures that at 1M.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.services.container import Services, build_services
from bot.services.sla.sweep import run_sweep
from bot.settings import Settings
from storage import tables as t

GROUP = -1001234567890
WIB = timedelta(hours=7)
# Tuesday 5 May 2026, 09:00 WIB: every report was due the Monday before at closing.
TUESDAY = datetime(2026, 5, 5, 9, tzinfo=UTC) - WIB
MONDAY_CLOSING = datetime(2026, 5, 4, 16, tzinfo=UTC) - WIB


async def fill(svc: Services, count: int, unit_id: int, due: datetime, first: int = 1) -> None:
    reporter = await svc.repo.ensure_reporter(5001)
    rows = [
        {
            "number": f"LAPOR-2026-{n:06d}",
            "reporter_id": reporter.id,
            "channel": "telegram",
            "type": "pengaduan",
            "title": f"Laporan nomor {n}",
            "description": "Isi laporan.",
            "stage": "disposed",
            "unit_id": unit_id,
            "stage_started_at": due - timedelta(days=7),
            "stage_due_at": due + timedelta(seconds=n),
            "submitted_at": due - timedelta(days=7),
            "updated_at": due,
        }
        for n in range(first, first + count)
    ]
    async with svc.db.write() as conn:
        await conn.execute(insert(t.reports), rows)


async def timed(label: str, svc: Services, now: datetime) -> None:
    before = len(await svc.repo.outbox_items())
    started, cpu = time.perf_counter(), time.process_time()
    result = await run_sweep(svc, now)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    queued = (await svc.repo.outbox_items())[before:]
    to_group = sum(1 for m in queued if m.chat_id == GROUP)
    kinds = sorted({m.kind for m in queued})
    print(
        f"{label:<34} {took:7.3f} s (CPU {cpu:6.3f} s)  alerts={len(result.alerts):>6}"
        f"  digests={result.digests}"
        f"  group messages={to_group}  kinds={kinds}"
    )


async def main(count: int) -> None:
    print(f"load average: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{Path(folder)}/bench.db",
            staff_chat_id=GROUP,
        )
        svc = build_services(settings, clock=lambda: TUESDAY)
        await svc.db.upgrade()
        await svc.repo.seed_units([("dinkes", "Dinas Kesehatan", "opd")])
        unit = (await svc.repo.list_units())[0]
        await svc.repo.add_staff(7001, "Penghubung", "liaison", unit_ids=[unit.id])
        await svc.repo.add_staff(7002, "Kepala", "supervisor")
        for uid in (7001, 7002):
            await svc.repo.mark_private_chat(uid)

        started = time.perf_counter()
        await fill(svc, count, unit.id, MONDAY_CLOSING)
        label = f"insert {count:,} reports"
        print(f"{label:<34} {time.perf_counter() - started:7.3f} s")
        await timed("first sweep (all breached)", svc, TUESDAY)
        await timed("next sweep (nothing new)", svc, TUESDAY + timedelta(minutes=5))
        await timed("escalation sweep (+1 working day)", svc, TUESDAY + timedelta(days=1))
        await timed("sweep after that (nothing new)", svc, TUESDAY + timedelta(days=1, minutes=5))
        await fill(svc, count, unit.id, MONDAY_CLOSING + timedelta(days=60), first=count + 1)
        await timed(
            f"with {count:,} more not yet due", svc, TUESDAY + timedelta(days=1, minutes=10)
        )
        interval = settings.sla_sweep_interval_seconds
        print(
            f"group: at most 1 digest per sweep, every {interval:.0f} s ="
            f" {60 / interval:.2f} message(s) a minute (limit {settings.rate_group_max})"
        )
        await svc.db.dispose()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
