"""The crash suite: `python -m bot run` killed with SIGKILL while citizens file and staff act.

The bot runs as a subprocess against the loopback Bot API; the test kills it at random points
(seeded), starts it again on the same database, and at the end counts what every person should
have: one report per citizen, one tracking number each, one card per report, one disposal per
press. Nothing may be lost or doubled. Conversation prompts that a replayed update asked again
are counted and printed (a replay is at-least-once for a prompt), not failed.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.telegram import callbacks
from loopback import FakeUser, LoopbackBotApi
from storage.models import Report
from storage.repository import Repository
from tests.harness import database_url, make_database

NUMBER = re.compile(r"LAPOR-\d{4}-\d{6}")
SEED = int(os.environ.get("CRASH_SEED", "1402"))  # another seed: CRASH_SEED=n
STEPS: list[tuple[str, str]] = [
    ("text", "/lapor"),
    ("text", "✅ Saya mengerti dan setuju"),
    ("text", "Pengaduan"),
    ("text", "Infrastruktur"),
    ("text", "Jalan dan jembatan"),
    ("text", "Jalan berlubang di Oesapa"),
    ("text", "Jalan di depan SD Inpres Oesapa berlubang besar sejak dua bulan lalu, berbahaya."),
    ("text", "📅 Hari ini"),
    ("text", "Jl. Timor Raya, Oesapa, Kupang"),
    ("text", "👤 Tidak, tampilkan identitas saya"),
    ("text", "📢 Tidak perlu dirahasiakan"),
    ("photo", "lubang"),
    ("text", "✅ Selesai, lanjut"),
    ("text", "✅ Setuju"),
    ("text", "NAME"),
    ("text", "0812 3456 7890"),
    ("text", "Jl. Timor Raya No. 5, Oesapa, Kelapa Lima"),
    ("text", "⏭️ Lewati"),
    ("text", "⏭️ Lewati"),
    ("text", "📨 Kirim laporan"),
]


class BotProcess:
    """`python -m bot run` as a child process that the test can kill and start again."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.process: asyncio.subprocess.Process | None = None
        self.kills = 0
        self.log = cwd / "bot.log"

    async def start(self) -> None:
        """Start the bot (its stderr goes to a file the test prints on failure)."""
        with self.log.open("ab") as err:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=self.cwd, env=self.env, stderr=err
            )

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.kills += 1

    async def stop(self) -> None:
        """Stop the bot the polite way at the end."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def until(check: Callable[[], bool], *, within: float, what: str) -> None:
    """Wait until a check on the loopback holds (the bot is another process: no idle signal)."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.02)


def bot_env(api: LoopbackBotApi, tmp_path: Path, group_id: int, admin: FakeUser) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STAFF_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_BASE_URL=api.base_url,
        TELEGRAM_BASE_FILE_URL=api.base_file_url,
        STAFF_CHAT_ID=str(group_id),
        ADMIN_USER_IDS=str(admin.id),
        DATABASE_URL=database_url(tmp_path),
        POLL_TIMEOUT_SECONDS="1",
        OUTBOX_INTERVAL_SECONDS="0.1",
        OUTBOX_BACKOFF_SECONDS="0.2",
        RATE_GROUP_MAX="1000",
        RATE_GROUP_BURST="999",
        RATE_MAX_RETRIES="0",
        LIMIT_MESSAGES_PER_MINUTE="1000",
        SLA_JOBS_ENABLED="false",
        LOG_LEVEL="WARNING",
    )
    return env


def is_receipt(message: dict[str, Any]) -> bool:
    """Tell whether a message is the tracking number sent when a report is filed."""
    text = str(message.get("text", ""))
    return "sudah kami terima" in text and NUMBER.search(text) is not None


async def reports_of(repo: Repository, user: FakeUser) -> list[Report]:
    reporter = await repo.reporter_by_telegram(user.id)
    return [] if reporter is None else await repo.reports_of(reporter.id)


async def walk(api: LoopbackBotApi, user: FakeUser, name: str, counts: dict[str, int]) -> None:
    """Send each step of the filing once, waiting for any answer before the next."""
    for kind, value in STEPS:
        before = len(api.bot_messages(user.id))

        def answered(before: int = before) -> bool:
            return len(api.bot_messages(user.id)) > before

        if kind == "photo":
            api.send_photo(user, caption=value)
        else:
            api.send_text(user, name if value == "NAME" else value)
        counts["updates"] += 1
        await until(answered, within=45, what=f"{name}: {value}")
        await asyncio.sleep(0.05)  # a person reads before typing
    await until(
        lambda: any(is_receipt(m) for m in api.bot_messages(user.id)),
        within=45,
        what=f"{name}: tracking number",
    )


async def killer(
    bot: BotProcess,
    rng: random.Random,
    times: int,
    busy: Awaitable[Any],
    *,
    between: tuple[float, float] = (0.8, 2.5),
) -> None:
    """Kill the bot at random moments while `busy` runs, and start it again each time."""
    task = asyncio.ensure_future(busy)
    for _ in range(times):
        await asyncio.sleep(rng.uniform(*between))
        if task.done():
            break
        await bot.kill()
        await asyncio.sleep(rng.uniform(0.0, 0.3))
        await bot.start()
    await task


async def test_sigkill_while_citizens_file_and_staff_dispose_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    counts = {"updates": 0, "presses": 0}
    async with LoopbackBotApi() as api:
        group = api.add_supergroup("Staf Pengaduan")
        admin = api.add_user("Kepala")
        api.set_member(group.id, admin, "administrator")
        citizens = {f"Warga {n}": api.add_user(f"Warga{n}") for n in range(1, 4)}
        bot = BotProcess(bot_env(api, tmp_path, group.id, admin), tmp_path)
        await bot.start()
        try:
            await killer(
                bot,
                rng,
                3,
                asyncio.gather(*(walk(api, u, n, counts) for n, u in citizens.items())),
            )
            db = make_database(tmp_path)
            repo = Repository(db)
            try:
                reports = {n: await reports_of(repo, u) for n, u in citizens.items()}
                # The bot posts the last cards from its outbox: read them again until all are in.
                deadline = time.monotonic() + 15
                while True:
                    cards = {
                        n: await repo.linked_message(r[0].id, "card", group.id)
                        for n, r in reports.items()
                        if len(r) == 1
                    }
                    if None not in cards.values():
                        break
                    if time.monotonic() > deadline:
                        raise TimeoutError("cards")
                    await asyncio.sleep(0.1)
                unit = (await repo.list_units())[0]

                async def dispose_all() -> None:
                    for rs in reports.values():
                        report = rs[0]
                        card_id = await repo.linked_message(report.id, "card", group.id)
                        assert card_id is not None
                        for extra in ((), (unit.id,)):
                            card = api.get_message(group.id, card_id)
                            assert card is not None
                            current = await repo.report(report.id)
                            assert current is not None
                            data = callbacks.build(
                                "rpt", "dispose", report.id, current.version, *extra
                            )
                            query = api.press_button(admin, card, data, forge=bool(extra))
                            counts["presses"] += 1

                            def answered(q: str = query) -> bool:
                                return api.answered_callback(q) is not None

                            await until(answered, within=45, what="press answered")
                        await asyncio.sleep(0.1)

                await killer(bot, rng, 2, dispose_all(), between=(0.05, 0.4))

                async def all_disposed() -> bool:
                    events = [await repo.events(rs[0].id) for rs in reports.values()]
                    return all([str(e.action) for e in ev].count("dispose") >= 1 for ev in events)

                deadline = time.monotonic() + 30
                while not await all_disposed():
                    assert time.monotonic() < deadline, "a disposal was lost"
                    await asyncio.sleep(0.1)
                await asyncio.sleep(1.0)  # what is still queued goes out
                events = {
                    n: [str(e.action) for e in await repo.events(r[0].id)]
                    for n, r in reports.items()
                }
                stored = {n: await repo.reporter_by_telegram(u.id) for n, u in citizens.items()}
            finally:
                await db.dispose()
        finally:
            await bot.stop()

        receipts = {
            n: [m for m in api.bot_messages(u.id) if is_receipt(m)] for n, u in citizens.items()
        }
        card_posts = [
            m
            for m in api.bot_messages(group.id)
            if NUMBER.search(m.get("text", "")) and "📋" in m["text"]
        ]
        replies = sum(len(api.bot_messages(u.id)) for u in citizens.values())
        expected_replies = len(citizens) * len(STEPS)
        print(
            f"\ncrash suite: {bot.kills} SIGKILLs, {counts['updates']} citizen updates, "
            f"{counts['presses']} staff presses; reports {sum(len(r) for r in reports.values())}"
            f"/{len(citizens)}, receipts {sum(len(r) for r in receipts.values())}, cards "
            f"{len(card_posts)}, disposals {sum(e.count('dispose') for e in events.values())}; "
            f"prompts {replies} for {expected_replies} steps "
            f"({replies - expected_replies} asked again after a replay)"
        )
    assert bot.kills == 5, (tmp_path / "bot.log").read_text()[-3000:]
    assert {n: len(r) for n, r in reports.items()} == dict.fromkeys(citizens, 1), "lost or doubled"
    assert {n: len(r) for n, r in receipts.items()} == dict.fromkeys(citizens, 1)
    assert {n: e.count("dispose") for n, e in events.items()} == dict.fromkeys(citizens, 1)
    assert len(card_posts) == len(citizens), "one card per report"
    for name, reporter in stored.items():
        assert reporter is not None
        assert reporter.name == name, f"{name}'s identity was stored as {reporter.name!r}"


async def test_a_crash_after_the_acknowledgement_before_the_handler_ends_loses_nothing(
    tmp_path: Path,
) -> None:
    async with LoopbackBotApi() as api:
        group = api.add_supergroup("Staf Pengaduan")
        admin = api.add_user("Kepala")
        citizen = api.add_user("Siti")
        bot = BotProcess(bot_env(api, tmp_path, group.id, admin), tmp_path)
        # The bot's answer to /start hangs in Telegram: the handler is still running.
        api.inject_fault("sendMessage", "slow", delay=120, chat_id=citizen.id)
        await bot.start()
        try:
            api.send_text(citizen, "/start")
            await until(
                lambda: bool(api.calls("sendMessage", chat_id=citizen.id)),
                within=30,
                what="the handler's answer started",
            )
            # Telegram was told the update arrived: the bot has asked for the next ones.
            await until(lambda: api.undelivered_count() == 0, within=5, what="acknowledged")
            await bot.kill()
            await bot.start()
            await until(
                lambda: len(api.bot_messages(citizen.id)) >= 1, within=30, what="answered after"
            )
        finally:
            await bot.stop()
    (answer,) = api.bot_messages(citizen.id)
    assert answer["text"].startswith("Selamat datang")
