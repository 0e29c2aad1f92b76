"""Command line: `python -m bot run|db ...`; the only place that configures logging."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from telegram.error import InvalidToken

from bot.cli import check as cli_check
from bot.cli import keys as cli_keys
from bot.cli import outbox as cli_outbox
from bot.cli import profile as cli_profile
from bot.cli import report as cli_report
from bot.cli import sandbox as cli_sandbox
from bot.cli import screen as cli_screen
from bot.cli import staff as cli_staff
from bot.domain.profile import ProfileError
from bot.settings import Settings, SettingsError, load_settings
from storage.crypto import DataKeyError

EXIT_CONFIG = 2
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "chat_member"]
log = logging.getLogger("bot")


class _RedactToken(logging.Filter):
    """Hide the bot token wherever a library logs it (httpx logs request URLs)."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token and self.token in record.getMessage():
            record.msg = record.getMessage().replace(self.token, "<token>")
            record.args = ()
        return True


def configure_logging(settings: Settings) -> None:
    """Log to stderr at the configured level, never the token."""
    handler = logging.StreamHandler()
    secret = settings.telegram_bot_token
    handler.addFilter(_RedactToken(secret.get_secret_value() if secret else None))
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[handler],
    )
    # httpx logs every request URL, which contains the token, at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    from bot.telegram.jobs import CancelledAtShutdown  # only where the bot runs

    logging.getLogger("apscheduler.executors.default").addFilter(CancelledAtShutdown())


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Start long polling (durable: bot/telegram/updates.py) until SIGINT or SIGTERM."""
    if settings.telegram_bot_token is None and getattr(args, "sandbox_without_token", False):
        print(
            "TELEGRAM_BOT_TOKEN is not set, so this starts the demo console instead of the bot:"
            " the same bot against a pretend Telegram, in your browser. Put a token in .env to"
            " run the real bot.",
            flush=True,
        )
        return cli_sandbox.cmd_sandbox(settings, cli_sandbox.default_args())
    settings.token  # noqa: B018 -- fail before any network call when the token is missing
    webhook_url = _webhook_url(settings) if getattr(args, "webhook", False) else None
    from bot.app import build_application
    from bot.domain.screening.learned import default_model
    from bot.telegram import lifecycle

    configure_logging(settings)
    # The screening model loads once, here, not when the first citizen waits for a verdict.
    default_model()

    async def serve() -> None:
        application = build_application(settings)
        if settings.staff_chat_id is None:
            # A bot without a staff group takes reports nobody sees: refuse to start.
            raise SettingsError(
                "STAFF_CHAT_ID is not set: reports would reach no staff. Add the bot to the "
                "staff group and set STAFF_CHAT_ID to its id (`python -m bot check` helps)"
            )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if webhook_url is not None:
            secret = settings.webhook_secret_token
            server = await lifecycle.start_webhook(
                application,
                url=webhook_url,
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                path=settings.webhook_path,
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("webhook mode: listening on %s (healthz beside it)", server.local_url)
        else:
            log.info("starting long polling against %s", settings.telegram_base_url)
            await lifecycle.start(
                application,
                poll_timeout=settings.poll_timeout_seconds,
                allowed_updates=ALLOWED_UPDATES,
            )
        lifecycle.freeze_startup_heap()
        try:
            await stop.wait()
        finally:
            await lifecycle.stop(application)

    try:
        asyncio.run(serve())
    except InvalidToken:
        print(
            "error: Telegram refused TELEGRAM_BOT_TOKEN; copy it again from @BotFather",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    return 0


def _webhook_url(settings: Settings) -> str:
    """Return WEBHOOK_URL, or raise the one-line error that says what webhook mode needs."""
    if not settings.webhook_url:
        raise SettingsError(
            "WEBHOOK_URL is not set: webhook mode needs the public HTTPS URL of the reverse "
            "proxy in front of the bot (e.g. https://aduan.example.go.id/telegram)"
        )
    if settings.webhook_secret_token is None:
        raise SettingsError(
            "WEBHOOK_SECRET_TOKEN is not set: without it anyone who finds the URL can post "
            "updates as any citizen (python3 -c 'import secrets; print(secrets.token_urlsafe(32))' "
            "prints a good one)"
        )
    return settings.webhook_url


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    """Create or upgrade the database schema (an SQLite file is copied first)."""
    from storage.backup import backup_before_migration
    from storage.database import Database

    async def upgrade() -> None:
        db = Database(settings.database_url, settings.data_key_values)
        try:
            if settings.backup_before_migration:
                copy = await backup_before_migration(db, settings.backup_dir)
                if copy is not None:
                    print(f"backup before migrating: {copy}")
            await db.upgrade()
        finally:
            await db.dispose()

    asyncio.run(upgrade())
    print(f"database is up to date: {settings.database_url}")
    return 0


def cmd_db_backup(settings: Settings, args: argparse.Namespace) -> int:
    """Copy the SQLite database (VACUUM INTO); for PostgreSQL, print how to run pg_dump."""
    from datetime import UTC, datetime

    from storage.backup import BackupError, backup_sqlite, default_path, pg_dump_command
    from storage.database import Database

    db = Database(settings.database_url, settings.data_key_values)
    if db.sqlite_file is None:
        asyncio.run(db.dispose())
        if db.is_sqlite:
            print("error: an in-memory database has nothing to back up", file=sys.stderr)
            return EXIT_CONFIG
        out = args.out or f"aduan-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.dump"
        print("PostgreSQL is backed up with its own tool, from any machine that reaches it:")
        print(f"  PGPASSWORD=... {pg_dump_command(db.url, str(out))}")
        print("restore into an empty database with: pg_restore --dbname=<name> " + str(out))
        print("keep DATA_KEYS with the dump, stored apart from it: without it the personal data")
        print("in the dump cannot be read.")
        return 0
    path = db.sqlite_file
    out_path = Path(args.out) if args.out else None

    async def backup() -> Path:
        try:
            target = out_path or default_path(
                path, settings.backup_dir, reason="manual", at=datetime.now(UTC)
            )
            return await backup_sqlite(db, target)
        finally:
            await db.dispose()

    try:
        written = asyncio.run(backup())
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"backup written: {written}")
    if not settings.data_keys:
        key = path.with_name(path.name + ".key")
        print(f"personal data in it is encrypted with the key in {key}: keep a copy of that key")
        print("apart from the backup; without it the backup's personal data cannot be read.")
    return 0


def cmd_db_revision(_settings: Settings, args: argparse.Namespace) -> int:
    """Generate a migration from the difference between storage/tables.py and the migrations."""
    import tempfile

    from alembic import command

    from storage.database import Database, alembic_config

    async def generate(path: str) -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await db.upgrade()
            async with db.writer.connect() as conn:
                await conn.run_sync(
                    lambda c: command.revision(
                        alembic_config(c),
                        message=args.message,
                        autogenerate=True,
                        rev_id=args.rev_id,
                    )
                )
        finally:
            await db.dispose()

    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(generate(f"{folder}/schema.db"))
    return 0


Command = Callable[[Settings, argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Aduan: a Telegram bot for public-service complaints.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run = sub.add_parser("run", help="start the bot (long polling)")
    run.set_defaults(func=cmd_run)
    run.add_argument(
        "--webhook",
        action="store_true",
        help="serve Telegram's webhook (WEBHOOK_URL, WEBHOOK_SECRET_TOKEN) instead of polling",
    )
    run.add_argument(
        "--sandbox-without-token",
        action="store_true",
        help="without TELEGRAM_BOT_TOKEN, start the demo console instead (make run)",
    )
    cli_sandbox.register(sub)
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply schema migrations").set_defaults(func=cmd_db_upgrade)
    backup = db_sub.add_parser(
        "backup", help="copy the SQLite database (VACUUM INTO); PostgreSQL: how to run pg_dump"
    )
    backup.add_argument(
        "--out", help="the new file to write (default: backups/ beside the database)"
    )
    backup.set_defaults(func=cmd_db_backup)
    revision = db_sub.add_parser(
        "revision", help="generate a migration from changes to storage/tables.py (developers)"
    )
    revision.add_argument("message", help="what the migration changes")
    revision.add_argument("--rev-id", help="revision id (default: random)")
    revision.set_defaults(func=cmd_db_revision)
    cli_check.register(sub)
    cli_outbox.register(sub)
    cli_profile.register(sub)
    cli_report.register(sub)
    cli_screen.register(sub)
    cli_staff.register(sub)
    cli_keys.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; configuration errors print one line and exit 2."""
    args = build_parser().parse_args(argv)
    func: Command = args.func
    try:
        return func(load_settings(), args)
    except (SettingsError, ProfileError, DataKeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
