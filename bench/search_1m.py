"""/cari at 1M reports before and after its full-text index, and the database size with pruning.

Run: nice -n 10 .venv/bin/python bench/search_1m.py --db /tmp/Q/million.db [--per-kind 60]
     [--old-per-kind 4] [--skip-vacuum]

`--db` is a working copy of the shared 1M world (bench/million.py; `cp --reflink=auto
/tmp/aduan-1m/million.db* /tmp/Q/`): the bench CHANGES it (it takes migration 0008's objects
out for the "before" figures, puts them back, prunes and vacuums). Phases, in order:

1. before: the file's size and the parts issue 15 names (outbox, the six partial indexes of
   unfired reminder marks), read with dbstat, in the state before migration 0008.
2. migration 0008 applied (the full-text index built from every report): wall and CPU time.
3. queries of each kind a staff member types (below), made from the data itself.
4. old /cari (StaffWorkRepo.search_reports: lower(...) LIKE on four columns over every report)
   on `--old-per-kind` queries of each kind, new /cari (`find_reports` through handlers'
   `search_query`) on `--per-kind`; per kind and overall p50/p99/max, and CPU per query.
   The first query of each run is reported apart (the cache as the previous phase left it).
5. the sweep's partial-index query plan (it must still read ix_reports_stage_unwarned).
6. housekeeping at the builder's NOW: rows deleted, wall and CPU time, the longest batch (the
   longest any other writer could wait behind it), then sizes again, and after VACUUM.

Every phase prints the load average beside its figures: the machine is shared, compare CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from million import NOW
from sqlalchemy import create_engine, text
from sqlalchemy.dialects import sqlite as sqlite_dialect

from bot.domain import access
from bot.services import housekeeping
from bot.services.container import Services, build_services
from bot.settings import Settings
from handlers.staff.queue import QUEUE_PAGE, search_query
from storage.models import StaffMember
from storage.repo.sla import MarkName, candidate_ids_query
from storage.vocabulary import Role

ROOT = Path(__file__).resolve().parent.parent
MIGRATION = ROOT / "storage/migrations/versions/0008_search_and_retention.py"
MARK_INDEXES = [
    f"ix_reports_{clock}_un{mark}"
    for clock in ("stage", "final")
    for mark in ("warned", "breached", "escalated")
]
MiB = 1024 * 1024
# Set in the task that stands for a citizen while housekeeping runs (its writes are not batches).
OTHER_WRITER: ContextVar[bool] = ContextVar("other_writer", default=False)
# CPU time of each query (ms) of the current kind: on a shared machine the figure to compare.
CPU_TIMES: list[float] = []


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0008", MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _has_fts(path: Path) -> bool:
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'report_search_all'"
        ).fetchone()
    return row is not None


def _run_migration(path: Path, direction: str) -> tuple[float, float]:
    """Run 0008's upgrade or downgrade on the file; keep alembic_version in step."""
    module = _migration()
    engine = create_engine(f"sqlite:///{path}")
    wall, cpu = time.perf_counter(), time.process_time()
    with engine.begin() as conn:
        with Operations.context(MigrationContext.configure(conn)):
            getattr(module, direction)()
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if direction == "upgrade" and version == "0007":
            conn.execute(text("UPDATE alembic_version SET version_num = '0008'"))
        if direction == "downgrade" and version == "0008":
            conn.execute(text("UPDATE alembic_version SET version_num = '0007'"))
    engine.dispose()
    return time.perf_counter() - wall, time.process_time() - cpu


def _sizes(path: Path) -> dict[str, float]:
    """Return MiB: the file, its free pages, and the parts issue 15 names (dbstat)."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name != ''")]

        def size(wanted: list[str]) -> float:
            total = 0
            for name in wanted:
                if name in names:
                    total += conn.execute(
                        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?"
                        " AND aggregate = 1",
                        (name,),
                    ).fetchone()[0]
            return total / MiB

        outbox = ["outbox", *(n for n in names if n.startswith("ix_outbox_"))]
        fts_all = [n for n in names if n.startswith("report_search_all")]
        fts_open = [
            n
            for n in names
            if n.startswith("report_search") and not n.startswith("report_search_all")
        ]
        outbox_rows = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        sent_rows = conn.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
        drafts = conn.execute("SELECT count(*) FROM drafts").fetchone()[0]
    return {
        "file": path.stat().st_size / MiB,
        "free pages": free * page / MiB,
        "outbox (table + indexes)": size(outbox),
        "outbox rows": outbox_rows,
        "outbox sent rows": sent_rows,
        "drafts rows": drafts,
        "six unfired-mark indexes": size(MARK_INDEXES),
        "report_search (open, duplicates)": size(fts_open),
        "report_search_all (/cari)": size(fts_all),
    }


def _print_sizes(label: str, sizes: dict[str, float]) -> None:
    print(f"[size] {label} ({_load()})")
    for name, value in sizes.items():
        unit = "" if "rows" in name else " MiB"
        figure = f"{int(value):,}" if "rows" in name else f"{value:,.1f}"
        print(f"    {name:<36} {figure}{unit}")


def _queries(path: Path, per_kind: int, seed: int) -> dict[str, list[str]]:
    """Return what staff type, by kind, drawn from the data (and some that match nothing)."""
    rng = random.Random(seed)
    with sqlite3.connect(path) as conn:
        top = conn.execute("SELECT max(id) FROM reports").fetchone()[0]
        ids = [rng.randint(1, top) for _ in range(per_kind)]
        rows = [
            conn.execute(
                "SELECT number, title, description FROM reports WHERE id = ?", (i,)
            ).fetchone()
            for i in ids
        ]
        conn.execute(
            "CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, report_search_all, 'row')"
        )
        vocab = conn.execute(
            "SELECT term, doc FROM temp.vocab WHERE term GLOB '[a-z]*' ORDER BY doc DESC"
        ).fetchall()
    common = [term for term, _doc in vocab[:40]]
    words = [term for term, _doc in vocab]
    numbers = [r[0] for r in rows]
    titles = [r[1] for r in rows]
    prefix, year, _seq = numbers[0].split("-")
    kinds: dict[str, list[str]] = {
        "number (exact)": numbers,
        "number typed loosely": [n.lower().replace("-", " ") for n in numbers],
        "number missing": [f"{prefix}-{year}-9{rng.randint(0, 99_999):05d}" for _ in ids],
        "number in part": [n.rsplit("-", 1)[1] for n in numbers],
        "one common word": [rng.choice(common) for _ in ids],
        "two words": [" ".join(rng.sample(common, 2)) for _ in ids],
        "three words": [" ".join(rng.sample(words, 3)) for _ in ids],
        "title phrase": [f'"{t.lower()}"' for t in titles],
        "phrase, no match": [f'"{" ".join(rng.sample(common, 2))} zzq"' for _ in ids],
        "unknown word": [f"kata{rng.randint(0, 10**6)}x" for _ in ids],
        "common word + unknown": [f"{rng.choice(common)} qwz{rng.randint(0, 999)}" for _ in ids],
    }
    # A phrase of common words that are never next to each other in this order.
    with sqlite3.connect(path) as conn:
        misses = []
        for _ in range(per_kind * 4):
            phrase = " ".join(rng.sample(common, 2))
            hit = conn.execute(
                "SELECT 1 FROM report_search_all WHERE report_search_all MATCH ? LIMIT 1",
                (f'"{phrase}"',),
            ).fetchone()
            if hit is None:
                misses.append(f'"{phrase}"')
            if len(misses) == per_kind:
                break
    kinds["phrase of common words, no match"] = misses
    return kinds


def _member(role: Role, units: frozenset[int] = frozenset()) -> StaffMember:
    return StaffMember(
        id=1,
        telegram_user_id=1,
        display_name="bench",
        role=role,
        active=True,
        unit_ids=units,
    )


async def _timed(
    calls: list[Callable[[], Awaitable[Any]]],
) -> tuple[list[float], float, list[int]]:
    """Run calls one after another; return each wall time (ms), total CPU (s), result sizes."""
    times, sizes = [], []
    cpu = time.process_time()
    for call in calls:
        start, own = time.perf_counter(), time.process_time()
        result = await call()
        times.append((time.perf_counter() - start) * 1000)
        CPU_TIMES.append((time.process_time() - own) * 1000)
        sizes.append(len(result))
    return times, time.process_time() - cpu, sizes


def _p(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _report(
    label: str, kind: str, times: list[float], cpu_times: list[float], sizes: list[int]
) -> None:
    print(
        f"    {label:<4} {kind:<36} n={len(times):>4}  wall p50 {_p(times, 50):7.1f}"
        f"  p99 {_p(times, 99):7.1f}  max {max(times):7.1f} ms · cpu p50"
        f" {_p(cpu_times, 50):6.1f}  p99 {_p(cpu_times, 99):6.1f} ms"
        f" · hits avg {statistics.mean(sizes):.1f}"
    )


async def _search(svc: Services, kinds: dict[str, list[str]], old_per_kind: int) -> None:
    viewer = _member(Role.VIEWER)
    liaison = _member(Role.LIAISON, frozenset({1}))
    supervisor = _member(Role.SUPERVISOR)
    askers = [supervisor, viewer, liaison]
    windows = [0]  # answers that said "only the newest reports were searched"

    def new(text_: str, who: StaffMember) -> Callable[[], Awaitable[Any]]:
        async def call() -> Any:
            query = search_query(text_)
            found = await svc.repo.find_reports(
                query, secret_units=access.secret_units(who), limit=QUEUE_PAGE
            )
            windows[0] += found.newest_only is not None
            return [r for r in found.reports if access.may_read(who, r)]

        return call

    def old(text_: str, who: StaffMember) -> Callable[[], Awaitable[Any]]:
        async def call() -> Any:
            found = await svc.repo.search_reports(text_.split(), limit=QUEUE_PAGE)
            return [r for r in found if access.may_read(who, r)]

        return call

    for label, build, per_kind in (("old", old, old_per_kind), ("new", new, None)):
        if per_kind == 0:
            continue
        print(f"[search] {label} /cari ({_load()})")
        _first_kind, first_queries = next(iter(kinds.items()))
        times, _cpu, _sizes = await _timed([build(first_queries[0], supervisor)])
        print(f"    {label:<4} first query after the previous phase: {times[0]:.1f} ms")
        everything: list[float] = []
        every_cpu: list[float] = []
        for kind, queries in kinds.items():
            chosen = queries[:per_kind] if per_kind else queries
            calls = [build(q, askers[i % len(askers)]) for i, q in enumerate(chosen)]
            CPU_TIMES.clear()
            times, _cpu, sizes = await _timed(calls)
            everything += times
            every_cpu += CPU_TIMES
            _report(label, kind, times, list(CPU_TIMES), sizes)
            if windows[0]:
                print(f"         ({windows[0]} of them said: only the newest reports searched)")
                windows[0] = 0
        _report(label, "ALL (misses included)", everything, every_cpu, [0])
        print(f"    ({_load()})")


def _plan(path: Path) -> None:
    """Print SQLite's plan of the sweep's candidate read, as storage/repo/sla.py builds it."""
    horizons: dict[MarkName, datetime] = {
        "warned": NOW,
        "breached": NOW - timedelta(days=1),
        "escalated": NOW - timedelta(days=3),
    }
    compiled = candidate_ids_query("submitted", "stage", horizons).compile(
        dialect=sqlite_dialect.dialect()
    )
    params = [
        value.isoformat(sep=" ") if isinstance(value, datetime) else value
        for value in (compiled.params[name] for name in compiled.positiontup or ())
    ]
    with sqlite3.connect(path) as conn:
        plan = conn.execute(f"EXPLAIN QUERY PLAN {compiled}", params).fetchall()
    print(f"[plan] the sweep's candidate read: {' | '.join(str(r[3]) for r in plan)}")


async def _prune(svc: Services) -> None:
    longest = [0.0]
    batches = [0]
    original = svc.db.write

    def timed_write() -> Any:
        manager = original()

        class Timed:
            async def __aenter__(self) -> Any:
                self.start = time.perf_counter()
                return await manager.__aenter__()

            async def __aexit__(self, *exc: Any) -> Any:
                result = await manager.__aexit__(*exc)
                if not OTHER_WRITER.get():
                    longest[0] = max(longest[0], time.perf_counter() - self.start)
                    batches[0] += 1
                return result

        return Timed()

    svc.db.write = timed_write  # type: ignore[method-assign]
    print(
        f"[prune] housekeeping at NOW={NOW.isoformat()}, batches of"
        f" {svc.settings.prune_batch_size} ({_load()})"
    )
    done = asyncio.Event()
    waits: list[float] = []

    async def citizen() -> None:
        # Another writer meanwhile, as a citizen's step is: one small write every 50 ms.
        OTHER_WRITER.set(True)
        while not done.is_set():
            start = time.perf_counter()
            await svc.repo.save_draft(1, "bench", "TITLE", {"n": len(waits)})
            waits.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.05)

    other = asyncio.create_task(citizen())
    wall, cpu = time.perf_counter(), time.process_time()
    pruned = await housekeeping.prune(svc)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done.set()
    await other
    await svc.repo.drop_draft(1, "bench")
    svc.db.write = original  # type: ignore[method-assign]
    print(
        f"    deleted {pruned.outbox:,} sent messages, {pruned.drafts:,} drafts in"
        f" {batches[0]:,} transactions: wall {wall:.1f} s, cpu {cpu:.1f} s (both writers),"
        f" longest transaction {longest[0] * 1000:.1f} ms ({_load()})"
    )
    if waits:
        print(
            f"    a concurrent small write waited p50 {_p(waits, 50):.1f} ms, p99"
            f" {_p(waits, 99):.1f} ms, max {max(waits):.1f} ms (n={len(waits)})"
        )


async def _with_services(path: Path, work: Callable[[Services], Awaitable[None]]) -> None:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{path}",
        aduan_profile="nasional",
        sla_jobs_enabled=False,
    )
    svc = build_services(settings, clock=lambda: NOW)
    try:
        await work(svc)
    finally:
        await svc.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/Q/million.db"))
    parser.add_argument("--per-kind", type=int, default=60)
    parser.add_argument("--old-per-kind", type=int, default=4)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--skip-vacuum", action="store_true")
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="a database already at 0008: only the searches (no sizes, pruning or VACUUM)",
    )
    args = parser.parse_args()
    path: Path = args.db
    with sqlite3.connect(path) as conn:
        reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    print(f"[db] {path}: {reports:,} reports ({_load()})")

    if args.search_only:
        kinds = _queries(path, args.per_kind, args.seed)
        asyncio.run(_with_services(path, lambda svc: _search(svc, kinds, args.old_per_kind)))
        return
    if _has_fts(path):
        wall, cpu = _run_migration(path, "downgrade")
        print(f"[migration] 0008 taken out for the before figures: wall {wall:.1f} s")
    _print_sizes("before migration 0008", _sizes(path))
    wall, cpu = _run_migration(path, "upgrade")
    print(f"[migration] 0008 applied: wall {wall:.1f} s, cpu {cpu:.1f} s ({_load()})")
    _print_sizes("after migration 0008", _sizes(path))
    _plan(path)

    kinds = _queries(path, args.per_kind, args.seed)
    asyncio.run(_with_services(path, lambda svc: _search(svc, kinds, args.old_per_kind)))

    asyncio.run(_with_services(path, _prune))
    _print_sizes("after pruning (before VACUUM)", _sizes(path))
    if not args.skip_vacuum:
        wall = time.perf_counter()
        with sqlite3.connect(path) as conn:
            conn.execute("VACUUM")
        print(f"[vacuum] wall {time.perf_counter() - wall:.1f} s ({_load()})")
        _print_sizes("after VACUUM", _sizes(path))


if __name__ == "__main__":
    main()
