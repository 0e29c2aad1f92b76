"""`python -m bot outbox list|retry|drop`: the messages Telegram refused or that are stuck."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from bot.settings import Settings
from storage.database import Database
from storage.repository import Repository

Job = Callable[[Repository], Awaitable[int]]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `outbox` subcommand."""
    outbox = subparsers.add_parser(
        "outbox", help="messages that failed or are stuck: list, retry, drop"
    )
    sub = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list failed and stuck messages, oldest first")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(func=cmd_outbox_list)
    retry = sub.add_parser("retry", help="send failed messages again (all, or the ids given)")
    retry.add_argument("ids", type=int, nargs="*")
    retry.set_defaults(func=cmd_outbox_retry)
    drop = sub.add_parser("drop", help="give up on messages for good (kept as dropped)")
    drop.add_argument("ids", type=int, nargs="+")
    drop.set_defaults(func=cmd_outbox_drop)


def _run(settings: Settings, job: Job) -> int:
    async def main() -> int:
        db = Database(settings.database_url, settings.data_key_values)
        try:
            await db.upgrade()
            return await job(Repository(db))
        finally:
            await db.dispose()

    return asyncio.run(main())


def cmd_outbox_list(settings: Settings, args: argparse.Namespace) -> int:
    """Print failed and stuck messages, one line each."""

    async def job(repo: Repository) -> int:
        items = await repo.outbox_trouble(
            stuck_after=settings.outbox_max_attempts, limit=args.limit
        )
        if not items:
            print("no failed or stuck messages")
        for item in items:
            report = f" report {item.report_id}" if item.report_id is not None else ""
            print(
                f"{item.id}\t{item.status}\t{item.kind}\tchat {item.chat_id}{report}\t"
                f"{item.attempts} attempts\t{item.created_at:%Y-%m-%d %H:%M}\t{item.last_error}"
            )
        return 0

    return _run(settings, job)


def cmd_outbox_retry(settings: Settings, args: argparse.Namespace) -> int:
    """Queue failed messages again."""

    async def job(repo: Repository) -> int:
        count = await repo.retry_outbox(args.ids or None)
        print(f"{count} message(s) queued again; the running bot sends them within seconds")
        return 0

    return _run(settings, job)


def cmd_outbox_drop(settings: Settings, args: argparse.Namespace) -> int:
    """Give up on messages."""

    async def job(repo: Repository) -> int:
        count = await repo.drop_outbox(args.ids)
        print(f"{count} message(s) dropped")
        return 0 if count else 1

    return _run(settings, job)
