"""Start-up time and setMyCommands calls with 43 staff, each with a private chat to the bot.

Run: nice -n 10 .venv/bin/python bench/startup_menus.py [--staff 43] [--round-trip 0.1]

The loopback Bot API answers setMyCommands (and deleteMyCommands) after `--round-trip` seconds,
as Telegram's servers would from Indonesia, and everything else at once. Prints, for a first
start (every menu new), a second start (nothing changed) and a third after one staff member's
role changed: the wall time of the start (initialize, post_init, the fetch loop), its CPU time,
and the menu calls made. Run it against an older checkout (PYTHONPATH=<tree>) for "before".
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("PYTHONPATH") or str(Path(__file__).resolve().parent.parent))

from bot.app import build_application
from bot.services.container import get_services
from bot.settings import Settings
from bot.telegram import lifecycle
from loopback import LoopbackBotApi
from storage.database import Database
from storage.repository import Repository

TOKEN = "123456:LOOPBACK-TOKEN"


async def seed(db_url: str, staff: int, first_user: int) -> None:
    """Register the staff, each having written to the bot privately."""
    db = Database(db_url)
    await db.upgrade()
    repo = Repository(db)
    for n in range(staff):
        role = ("operator", "liaison", "supervisor", "viewer")[n % 4]
        await repo.add_staff(first_user + n, f"Staf {n}", role)
        await repo.mark_private_chat(first_user + n)
    await db.dispose()


async def one_start(api: LoopbackBotApi, settings: Settings, round_trip: float) -> str:
    """Start and stop the bot once; return the figures of the start."""
    for method in ("setMyCommands", "deleteMyCommands"):
        api.inject_fault(method, "slow", times=10_000, delay=round_trip)
    before = {m: len(api.calls(m)) for m in ("setMyCommands", "deleteMyCommands")}
    app = build_application(settings)
    wall, cpu = time.monotonic(), time.process_time()
    await lifecycle.start(app, poll_timeout=settings.poll_timeout_seconds)
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    await lifecycle.stop(app)
    api.clear_faults()
    made = {m: len(api.calls(m)) - n for m, n in before.items()}
    get_services(app.bot_data)  # the application was real
    return (
        f"start-up {wall:.2f} s wall, {cpu:.2f} s CPU, setMyCommands {made['setMyCommands']}, "
        f"deleteMyCommands {made['deleteMyCommands']}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=43)
    parser.add_argument("--round-trip", type=float, default=0.1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(f"load average before: {os.getloadavg()}  cpus: {os.cpu_count()}")
    folder = Path(tempfile.mkdtemp(prefix="startup-menus-"))
    db_url = f"sqlite+aiosqlite:///{folder}/aduan.db"
    async with LoopbackBotApi(TOKEN) as api:
        group = api.add_supergroup("Staf Pengaduan")
        first_user = 50_000
        await seed(db_url, args.staff, first_user)
        settings = Settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            telegram_base_url=api.base_url,
            telegram_base_file_url=api.base_file_url,
            database_url=db_url,
            staff_chat_id=group.id,
            poll_timeout_seconds=1,
            sla_jobs_enabled=False,
        )
        rt = args.round_trip
        print(f"{args.staff} staff, menu round trip {rt * 1000:.0f} ms")
        print(f"  first start (every menu new):   {await one_start(api, settings, rt)}")
        print(f"  second start (nothing changed): {await one_start(api, settings, rt)}")
        db = Database(db_url)
        await Repository(db).add_staff(first_user + 3, "Staf 3", "supervisor")  # was a viewer
        await db.dispose()
        print(f"  third start (one role changed): {await one_start(api, settings, rt)}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
