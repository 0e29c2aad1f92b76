"""Build a year of 1,000,000 reports and time writing its register (targets: 60 s, 300 MB).

Run: .venv/bin/python bench/register_1m.py [COUNT] [--format xlsx|csv] [--db PATH]

Builds a fresh SQLite file with bulk inserts (COUNT reports over 2026, each with the audit rows
of its life: filed, disposed, accepted and answered for most, some still open, some reopened
or returned), then writes the year's register in a child process (`python -m bot report
register`, exactly what an office runs) and prints its wall time and peak resident memory
(the child's ru_maxrss), so the build does not count in either.

Measured on the development container (2 shared cores, Python 3.11, SQLite 3.40): see the
numbers printed at the end; the docstring of docs/reports.md keeps the latest run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from storage.database import Database

YEAR = 2025
BATCH = 20_000
UNITS = ("dinkes", "disdik", "dukcapil", "pupr", "rsud", "sekretariat")
CHANNELS = ("telegram", "lapor", "surat", "email", "telepon", "tatap_muka")
TYPES = ("pengaduan", "pengaduan", "pengaduan", "aspirasi", "informasi")
STAMP = "%Y-%m-%d %H:%M:%S.%f"


def _t(value: datetime) -> str:
    """Return a time as SQLAlchemy stores it in SQLite (UTC, no zone)."""
    return value.astimezone(UTC).replace(tzinfo=None).strftime(STAMP)


def build(path: Path, count: int) -> float:
    """Create the schema, then bulk-insert `count` reports and their audit rows."""
    started = time.perf_counter()

    async def schema() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        await db.upgrade()
        await db.dispose()

    asyncio.run(schema())
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    now = _t(datetime(YEAR, 1, 1, tzinfo=UTC))
    con.execute(
        "INSERT INTO reporters (id, telegram_user_id, language, created_at, updated_at)"
        " VALUES (1, 1, 'id', ?, ?)",
        (now, now),
    )
    for n, code in enumerate(UNITS, start=1):
        con.execute(
            "INSERT INTO units (id, code, name, kind, active, created_at) VALUES (?,?,?,?,1,?)",
            (n, code, code.upper(), "opd", now),
        )
    rng = random.Random(11)
    start = datetime(YEAR, 1, 1, 1, tzinfo=UTC)
    step = timedelta(days=365) / count
    reports: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    event_id = 0
    for i in range(1, count + 1):
        filed = start + step * i
        stage, unit, answered, closed, rating = "submitted", None, None, None, None
        life: list[tuple[str, str | None, str, datetime]] = [("submit", None, "submitted", filed)]
        roll = rng.random()
        if roll > 0.05:
            unit = rng.randint(1, len(UNITS))
            disposed = filed + timedelta(hours=rng.randint(1, 72))
            life.append(("dispose", "submitted", "disposed", disposed))
            stage = "disposed"
            if roll > 0.15:
                accepted = disposed + timedelta(hours=rng.randint(1, 96))
                life.append(("accept", "disposed", "in_progress", accepted))
                stage = "in_progress"
                if roll > 0.25:
                    answered = accepted + timedelta(hours=rng.randint(1, 240))
                    life.append(("answer", "in_progress", "answered", answered))
                    stage = "answered"
                    if roll > 0.4:
                        closed = answered + timedelta(days=3)
                        rating = rng.randint(1, 5)
                        life.append(("rate", "answered", "closed", closed))
                        stage = "closed"
        due = filed + timedelta(days=60)
        reports.append(
            (
                i,
                f"LAPOR-{YEAR}-{i:06d}",
                1,
                rng.choice(CHANNELS),
                rng.choice(TYPES),
                f"kategori-{rng.randint(1, 12)}",
                f"Laporan nomor {i} tentang layanan publik",
                "Uraian laporan warga tentang pelayanan publik yang perlu ditindaklanjuti.",
                "Kel. Oebobo, Kupang",
                rng.random() < 0.1,
                rng.random() < 0.05,
                stage,
                unit,
                _t(life[-1][3]),
                _t(due),
                _t(due),
                rating,
                "Sudah ditindaklanjuti." if answered else None,
                _t(answered) if answered else None,
                _t(filed),
                _t(life[-1][3]),
                _t(closed) if closed else None,
            )
        )
        for action, src, dst, at in life:
            event_id += 1
            events.append((event_id, i, _t(at), "staff", action, src, dst))
        if len(reports) >= BATCH:
            _flush(con, reports, events)
    _flush(con, reports, events)
    con.commit()
    con.close()
    return time.perf_counter() - started


def _flush(
    con: sqlite3.Connection, reports: list[tuple[Any, ...]], events: list[tuple[Any, ...]]
) -> None:
    con.executemany(
        "INSERT INTO reports (id, number, reporter_id, channel, type, category, title,"
        " description, location_text, anonymous, confidential, stage, unit_id,"
        " stage_started_at, stage_due_at, final_due_at, rating, answer, answered_at,"
        " submitted_at, updated_at, closed_at, approval_level, version)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,1)",
        reports,
    )
    con.executemany(
        "INSERT INTO report_events (id, report_id, at, actor_kind, action, from_stage, to_stage)"
        " VALUES (?,?,?,?,?,?,?)",
        events,
    )
    reports.clear()
    events.clear()


def main() -> None:
    """Build the year (or reuse --db PATH), then time the register's writing in a child."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--db", type=Path, default=None, help="keep the built database here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or Path(folder) / "aduan.db"
        if db.exists():
            print(f"reuse {db}")
        else:
            built = build(db, args.count)
            print(f"build {args.count:,} reports (bulk inserts)  {built:8.1f} s", flush=True)
        out = Path(folder) / f"register.{args.format}"
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
        env["ADUAN_PROFILE"] = "nasional"
        command = [sys.executable, "-m", "bot", "report", "register", "--from", str(YEAR)]
        command += ["--to", str(YEAR), "--format", args.format, "--out", str(out)]
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average (1, 5, 15 min) before the register  {load}", flush=True)
        started = time.perf_counter()
        subprocess.run(command, check=True, env=env, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = usage.ru_maxrss / 1024  # KiB on Linux
        cpu = usage.ru_utime + usage.ru_stime
        size = out.stat().st_size / 1e6
        print(
            f"register {YEAR} as {args.format} ({size:,.0f} MB)   {elapsed:8.1f} s  (target 60 s)"
        )
        print(f"  of which CPU time (the machine may be shared)  {cpu:8.1f} s")
        print(f"peak resident memory of the writer  {peak:8.0f} MB  (target 300 MB)")
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average (1, 5, 15 min) at the end  {load}  on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
