"""Storage: migrations, tracking numbers, drafts, redelivered updates (real SQLite files)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.domain.tracking import normalize_number, numbering
from storage.database import Database, include_object
from storage.models import NewReport
from storage.repository import Repository
from storage.tables import metadata
from storage.vocabulary import Channel, ReportType, Stage
from tests.harness import make_database

WIT = ZoneInfo("Asia/Jayapura")


def new_report(reporter_id: int, at: datetime, title: str = "Jalan rusak") -> NewReport:
    return NewReport(
        reporter_id=reporter_id,
        channel=Channel.TELEGRAM,
        type=ReportType.PENGADUAN,
        title=title,
        description="Jalan di depan kantor desa berlubang sejak dua bulan.",
        stage=Stage.SUBMITTED,
        submitted_at=at,
    )


@pytest.mark.sqlite_only("the file and pragmas; test_postgres.py migrates an empty PG")
async def test_upgrade_creates_every_table_of_the_schema_in_an_empty_database(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/nested/folder/aduan.db")
    await database.upgrade()
    async with database.read() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        diff = await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"include_object": include_object}), metadata
            )
        )
        mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
        fks = (await conn.execute(text("PRAGMA foreign_keys"))).scalar()
    await database.dispose()
    assert (tmp_path / "nested" / "folder" / "aduan.db").exists()
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables
    assert diff == [], "the migrations and storage/tables.py disagree"
    assert mode == "wal"
    assert fks == 1


async def test_upgrade_twice_is_harmless(db: Database) -> None:
    await db.upgrade()
    async with db.read() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    assert version == "0015"


async def test_tracking_numbers_never_collide_under_concurrent_submissions(
    repo: Repository,
) -> None:
    reporter = await repo.ensure_reporter(1001)
    at = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
    reports = await asyncio.gather(
        *(
            repo.submit_report(new_report(reporter.id, at), numbering=numbering("LAPOR", at, WIT))
            for _ in range(60)
        )
    )
    numbers = sorted(r.number for r in reports)
    assert len(set(numbers)) == 60
    assert numbers[0] == "LAPOR-2026-000001"
    assert numbers[-1] == "LAPOR-2026-000060"


async def test_sequence_restarts_each_year_in_the_offices_timezone(repo: Repository) -> None:
    reporter = await repo.ensure_reporter(1001)
    late_2026_utc = datetime(2026, 12, 31, 14, 0, tzinfo=UTC)  # 23:00 WIT, still 2026
    new_year_wit = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 01:00 WIT on 1 Jan 2027
    first, second, third = [
        await repo.submit_report(new_report(reporter.id, at), numbering=numbering("NTT", at, WIT))
        for at in (late_2026_utc, new_year_wit, new_year_wit)
    ]
    assert [first.number, second.number, third.number] == [
        "NTT-2026-000001",
        "NTT-2027-000001",
        "NTT-2027-000002",
    ]


@pytest.mark.parametrize(
    "typed", ["LAPOR-2026-000001", "lapor-2026-000001", " lapor 2026 000001 ", "lapor2026000001"]
)
async def test_a_number_typed_in_lower_case_or_with_spaces_still_finds_the_report(
    repo: Repository, typed: str
) -> None:
    reporter = await repo.ensure_reporter(1001)
    at = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
    report = await repo.submit_report(
        new_report(reporter.id, at), numbering=numbering("LAPOR", at, WIT)
    )
    number = normalize_number(typed)
    assert number is not None
    found = await repo.report_by_number(number)
    assert found is not None
    assert found.id == report.id


async def test_submission_writes_the_report_its_audit_row_and_its_times_in_utc(
    repo: Repository,
) -> None:
    reporter = await repo.ensure_reporter(1001)
    at = datetime(2026, 5, 4, 10, 0, tzinfo=ZoneInfo("Asia/Makassar"))
    report = await repo.submit_report(
        new_report(reporter.id, at), numbering=numbering("LAPOR", at, WIT)
    )
    events = await repo.events(report.id)
    assert report.submitted_at == at
    assert report.submitted_at.tzinfo is not None
    assert [(e.action, e.from_stage, e.to_stage, e.actor_kind) for e in events] == [
        ("submit", "draft", "submitted", "reporter")
    ]


async def test_an_update_is_claimed_once(repo: Repository) -> None:
    assert await repo.claim_update(42) is True
    assert await repo.claim_update(42) is False
    assert await repo.claim_update(43) is True


async def test_a_draft_survives_a_new_repository_on_the_same_file(
    db: Database, tmp_path: Path
) -> None:
    await Repository(db).save_draft(1001, "report", "title", {"type": "pengaduan"})
    await db.dispose()
    reopened = make_database(tmp_path)
    draft = await Repository(reopened).draft(1001, "report")
    await reopened.dispose()
    assert draft is not None
    assert (draft.step, draft.data) == ("title", {"type": "pengaduan"})


async def test_language_choice_is_remembered(repo: Repository) -> None:
    await repo.set_language(1001, "en")
    reporter = await repo.reporter_by_telegram(1001)
    assert reporter is not None
    assert reporter.language == "en"


async def test_two_processes_writing_the_same_file_still_get_distinct_numbers(
    db: Database, tmp_path: Path
) -> None:
    other = make_database(tmp_path)
    first, second = Repository(db), Repository(other)
    reporter = await first.ensure_reporter(1001)
    at = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
    reports = await asyncio.gather(
        *(
            repo.submit_report(new_report(reporter.id, at), numbering=numbering("LAPOR", at, WIT))
            for _ in range(20)
            for repo in (first, second)
        )
    )
    await other.dispose()
    assert len({r.number for r in reports}) == 40


async def test_handled_update_ids_older_than_a_week_are_forgotten(db: Database) -> None:
    now = datetime(2026, 5, 20, tzinfo=UTC)
    old = Repository(db, clock=lambda: now - timedelta(days=8))
    recent = Repository(db, clock=lambda: now - timedelta(days=1))
    assert await old.claim_update(1)
    assert await recent.claim_update(2)
    pruned = await Repository(db, clock=lambda: now).prune_processed_updates(timedelta(days=7))
    assert pruned == 1
    assert await recent.claim_update(1) is True
    assert await recent.claim_update(2) is False


async def test_reads_of_one_use_case_share_one_read_transaction_and_its_snapshot(
    db: Database, repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
    numbers = numbering("LAPOR", at, WIT)
    reporter = await repo.ensure_reporter(4242)
    report = await repo.submit_report(new_report(reporter.id, at), numbering=numbers)
    opened = 0
    original = db.read

    def counted() -> object:
        nonlocal opened
        opened += 1
        return original()

    monkeypatch.setattr(db, "read", counted)
    async with repo.reading():
        first = await repo.report(report.id)
        # Filed meanwhile (the writer commits it): not in the snapshot the block reads.
        later = await repo.submit_report(new_report(reporter.id, at), numbering=numbers)
        assert await repo.report(later.id) is None
        assert (await repo.reporter_of_report(report.id)).id == reporter.id
        assert len(await repo.events(report.id)) == 1
        assert await repo.list_staff(active_only=False) == []

        async def elsewhere() -> int:  # another task reads in a transaction of its own
            return await repo.attachment_count(report.id)

        assert await asyncio.gather(elsewhere(), elsewhere()) == [0, 0]
    assert opened == 3, "one for the block, one for each other task"
    assert first == report
    assert await repo.report(later.id) == later
