"""`python -m bot db backup` and the copy taken before each automatic migration."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path

import pytest
from alembic import command

from bot.__main__ import main
from storage.database import Database, alembic_config
from tests.harness import on_postgres

sqlite_only = pytest.mark.skipif(on_postgres(), reason="VACUUM INTO copies an SQLite file")


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the command line at an SQLite file in a folder without a .env."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "DATA_KEYS", "BACKUP_DIR", "BACKUP_BEFORE_MIGRATION"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "data" / "aduan.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def at_revision(path: Path, revision: str) -> None:
    """Create the database at an older migration, with one reporter in it."""

    async def build() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        async with db.writer.connect() as conn:
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), revision))
            await conn.commit()
        await db.dispose()

    asyncio.run(build())
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO reporters (telegram_user_id, language, created_at, updated_at)"
            " VALUES (4242, 'id', '2026-12-01 08:00:00.000000', '2026-12-01 08:00:00.000000')"
        )


def revision_of(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


@sqlite_only
def test_backup_writes_a_private_copy_with_the_same_rows(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    at_revision(office, "head")
    out = office.parent / "copy.db"

    assert main(["db", "backup", "--out", str(out)]) == 0

    printed = capsys.readouterr().out
    assert f"backup written: {out}" in printed
    assert "aduan.db.key" in printed  # where the key is, to keep apart from the copy
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with sqlite3.connect(out) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT telegram_user_id FROM reporters").fetchall() == [(4242,)]


@sqlite_only
def test_backup_goes_to_a_backups_folder_and_never_overwrites(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "backup"]) == 0
    [copy] = (office.parent / "backups").iterdir()
    assert copy.name.startswith("aduan-manual-")
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
    capsys.readouterr()

    assert main(["db", "backup", "--out", str(copy)]) == 2
    assert "exists already" in capsys.readouterr().err


@sqlite_only
def test_a_migration_at_start_is_preceded_by_a_copy_of_the_old_database(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office.parent.mkdir(mode=0o700)
    at_revision(office, "0007")

    assert main(["db", "upgrade"]) == 0

    [copy] = (office.parent / "backups").iterdir()
    assert copy.name.startswith("aduan-before-migration-")
    assert f"backup before migrating: {copy}" in capsys.readouterr().out
    assert revision_of(copy) == "0007"
    assert revision_of(office) != "0007"
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM reporters").fetchone() == (1,)
    # Up to date now: the next start copies nothing.
    assert main(["db", "upgrade"]) == 0
    assert len(list((office.parent / "backups").iterdir())) == 1


@sqlite_only
def test_a_new_database_is_not_copied_before_its_first_migration(office: Path) -> None:
    assert main(["db", "upgrade"]) == 0
    assert not (office.parent / "backups").exists()


def test_backup_on_postgresql_prints_how_to_run_pg_dump_without_the_password(
    office: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://aduan:hunter2@db.internal:5433/aduan")
    monkeypatch.setenv("DATA_KEYS", "dGVzdC1rZXktZm9yLXRoZS1hZHVhbi1zdWl0ZS0wMDA=")

    assert main(["db", "backup", "--out", "malam.dump"]) == 0

    printed = capsys.readouterr().out
    assert (
        "pg_dump --format=custom --file=malam.dump --host=db.internal --port=5433"
        " --username=aduan aduan" in printed
    )
    assert "hunter2" not in printed
    assert "pg_restore" in printed
