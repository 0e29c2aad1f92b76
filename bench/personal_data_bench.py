"""What encrypting personal data costs, and whether retention and erasure read by index.

Run: .venv/bin/python bench/personal_data_bench.py [REPORTERS]

Builds a fresh SQLite file with REPORTERS reporters (name, phone, address, e-mail, each
encrypted) and three reports each, most closed long ago, then prints:
- Fernet: microseconds to encrypt and to decrypt one value;
- reading one reporter by Telegram id (what a handler does per update), in microseconds, with
  its decryption, and the same row read raw (no decryption) for comparison;
- the retention sweep: reports purged per second, and SQLite's plan for its queries (each must
  SEARCH an index, never SCAN the reports table);
- erasing one reporter (/hapus_data) in milliseconds;
- `keys rotate`: reporters re-encrypted per second.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Text, select, text, type_coerce

from storage import crypto
from storage import tables as t
from storage.database import Database
from storage.repository import Repository


def _per_call(count: int, started: float) -> float:
    return (time.perf_counter() - started) / count * 1e6


async def main(reporters: int) -> None:
    """Build the database and print the figures."""
    with tempfile.TemporaryDirectory(prefix="aduan-pd-bench-") as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await db.upgrade()
        repo = Repository(db)

        started = time.perf_counter()
        tokens = [crypto.encrypt(f"Warga Nomor {n}") for n in range(2000)]
        encrypt_us = _per_call(2000, started)
        started = time.perf_counter()
        for token in tokens:
            crypto.decrypt(token)
        decrypt_us = _per_call(2000, started)
        print(f"fernet: encrypt {encrypt_us:.1f} us, decrypt {decrypt_us:.1f} us per value")

        now = datetime.now(UTC)
        long_ago = now - timedelta(days=400)
        started = time.perf_counter()
        async with db.write() as conn:
            rows = [
                {
                    "telegram_user_id": 10_000 + n,
                    "language": "id",
                    "name": f"Warga Nomor {n}",
                    "phone": f"+62812{n:07d}",
                    "address": f"Jl. Contoh No. {n}, Kupang",
                    "email": f"warga{n}@contoh.id",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(reporters)
            ]
            await conn.execute(t.reporters.insert(), rows)
            ids = [r for (r,) in await conn.execute(select(t.reporters.c.id))]
            reports = []
            for index, reporter_id in enumerate(ids):
                for k in range(3):
                    closed = (index + k) % 5 != 0
                    reports.append(
                        {
                            "number": f"B-{reporter_id}-{k}",
                            "reporter_id": reporter_id,
                            "channel": "telegram",
                            "type": "pengaduan",
                            "title": "Jalan rusak",
                            "description": "Jalan rusak di depan sekolah.",
                            "stage": "closed" if closed else "submitted",
                            "stage_started_at": long_ago,
                            "submitted_at": long_ago,
                            "updated_at": long_ago,
                            "closed_at": long_ago if closed else None,
                        }
                    )
            await conn.execute(t.reports.insert(), reports)
        print(
            f"built {reporters} reporters (4 encrypted values each) and {len(reports)} reports "
            f"in {time.perf_counter() - started:.1f} s"
        )

        probes = [10_000 + n for n in range(0, reporters, max(1, reporters // 500))]
        started = time.perf_counter()
        for telegram_id in probes:
            await repo.reporter_by_telegram(telegram_id)
        read_us = _per_call(len(probes), started)
        raw = [type_coerce(t.reporters.c[c], Text) for c in ("name", "phone", "address", "email")]
        started = time.perf_counter()
        for telegram_id in probes:
            async with db.read() as conn:
                (
                    await conn.execute(
                        select(*raw).where(t.reporters.c.telegram_user_id == telegram_id)
                    )
                ).first()
        raw_us = _per_call(len(probes), started)
        print(f"reporter by telegram id: {read_us:.0f} us decrypted, {raw_us:.0f} us raw")

        async with db.read() as conn:
            cutoff = now - timedelta(days=365)
            plans = {
                "purge candidates": (
                    "SELECT id, reporter_id FROM reports WHERE personal_purged_at IS NULL "
                    "AND closed_at < :c AND stage IN ('closed','rejected','duplicate') "
                    "ORDER BY closed_at LIMIT 500"
                ),
                "reporter still needed": (
                    "SELECT EXISTS (SELECT id FROM reports WHERE reporter_id = 1 AND "
                    "(closed_at IS NULL OR closed_at >= :c OR stage NOT IN "
                    "('closed','rejected','duplicate')))"
                ),
                "reports of a reporter": "SELECT id FROM reports WHERE reporter_id = 1",
            }
            for name, sql in plans.items():
                plan = await conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"), {"c": cutoff})
                details = "; ".join(str(row[-1]) for row in plan)
                print(f"plan, {name}: {details}")

        started = time.perf_counter()
        purged = await repo.purge_expired(now - timedelta(days=365), limit=reporters * 3)
        elapsed = time.perf_counter() - started
        print(f"retention: {purged} reports purged in {elapsed:.2f} s ({purged / elapsed:.0f}/s)")

        started = time.perf_counter()
        await repo.erase_reporter(ids[-1], [])
        print(f"erasure of one reporter: {(time.perf_counter() - started) * 1000:.1f} ms")

        crypto.configure([crypto.new_key(), *crypto.keyring.keys])
        started = time.perf_counter()
        rotated = await repo.rotate_personal_data()
        elapsed = time.perf_counter() - started
        print(f"keys rotate: {rotated} reporters in {elapsed:.2f} s ({rotated / elapsed:.0f}/s)")
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
