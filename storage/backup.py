"""Backups: an SQLite database copied with `VACUUM INTO`, and before each automatic migration.

`VACUUM INTO` writes a consistent, compacted copy while the bot runs (readers and the writer go on;
WAL mode). The copy holds personal data encrypted with the key in `<database>.key` or DATA_KEYS:
it is 0600 in a 0700 folder, and useless without the key, which is not copied beside it.
PostgreSQL is backed up with its own tools (`pg_dump`): `pg_dump_command` says how.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.engine import URL

from storage.database import FILE_MODE, FOLDER_MODE, Database, alembic_config


class BackupError(Exception):
    """A backup could not be written; the message says why in one line."""


def default_path(database_file: Path, folder: Path | None, *, reason: str, at: datetime) -> Path:
    """Return `<folder>/<name>-<reason>-<UTC time>.db` (folder: `backups` beside the file)."""
    where = folder if folder is not None else database_file.parent / "backups"
    stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return where / f"{database_file.stem}-{reason}-{stamp}.db"


async def backup_sqlite(db: Database, out: Path) -> Path:
    """Copy the SQLite database to `out` (a new file, 0600) with VACUUM INTO; return it."""
    if db.sqlite_file is None:
        raise BackupError("only an SQLite database file can be copied with VACUUM INTO")
    _prepare(out)
    async with db.reader.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        # Outside any transaction (VACUUM refuses to run inside one): the driver's own call.
        await driver.execute("VACUUM INTO ?", (str(out),))
    out.chmod(FILE_MODE)  # noqa: ASYNC240 - one system call on a local file
    return out


def _prepare(out: Path) -> None:
    if out.exists():
        raise BackupError(f"{out} exists already: choose a new file")
    if not out.parent.exists():
        out.parent.mkdir(mode=FOLDER_MODE, parents=True)


def _revisions(connection: Connection) -> tuple[str | None, str | None]:
    current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return current, head


async def needs_migration(db: Database) -> bool:
    """Tell whether an existing database is behind the newest migration (an empty one is not)."""
    async with db.writer.connect() as conn:
        current, head = await conn.run_sync(_revisions)
        await conn.rollback()
    return current is not None and current != head


async def backup_before_migration(db: Database, folder: Path | None) -> Path | None:
    """Copy an SQLite database that a migration is about to change; return the copy, if any."""
    if db.sqlite_file is None or not await needs_migration(db):
        return None
    out = default_path(db.sqlite_file, folder, reason="before-migration", at=datetime.now(UTC))
    return await backup_sqlite(db, out)


def pg_dump_command(url: URL, out: str) -> str:
    """Return the pg_dump command line for a PostgreSQL URL (the password left out)."""
    parts = ["pg_dump", "--format=custom", f"--file={out}"]
    if url.host:
        parts.append(f"--host={url.host}")
    if url.port:
        parts.append(f"--port={url.port}")
    if url.username:
        parts.append(f"--username={url.username}")
    parts.append(url.database or "aduan")
    return " ".join(parts)
