"""PostgreSQL itself: the harness, migrations from empty, sessions, and the search's own parts.

These run when the suite runs on PostgreSQL (`ADUAN_TEST_DB=postgresql`, `make test` does it
second); every other test of the suite runs there too, through the same fixtures.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text, update
from sqlalchemy.exc import DBAPIError

from bot.domain.tracking import numbering
from storage import crypto
from storage import tables as t
from storage.database import Database, alembic_config, include_object
from storage.models import NewEvent, NewReport, Report, ReportChange, StaffQuery
from storage.repository import Repository
from storage.tables import metadata
from storage.vocabulary import Action, ActorKind, Channel, ReportType, Stage
from tests import pg
from tests.harness import database_url, make_database

pytestmark = pytest.mark.skipif(
    not pg.enabled(), reason="PostgreSQL only: ADUAN_TEST_DB=postgresql (make test runs both)"
)

WITA = ZoneInfo("Asia/Makassar")
START = datetime(2026, 5, 4, 1, 0, tzinfo=UTC)
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


_telegram_ids = count(9001)


async def file(
    repo: Repository,
    title: str,
    description: str = "Mohon segera ditangani.",
    *,
    category: str = "infrastruktur",
    place: str | None = None,
) -> Report:
    reporter = await repo.ensure_reporter(next(_telegram_ids))
    return await repo.submit_report(
        NewReport(
            reporter_id=reporter.id,
            channel=Channel.TELEGRAM,
            type=ReportType.PENGADUAN,
            category=category,
            title=title,
            description=description,
            location_text=place,
            stage=Stage.SUBMITTED,
            submitted_at=START,
        ),
        numbering=numbering("NTT", START, WITA),
    )


async def close(repo: Repository, report: Report) -> None:
    before = await repo.report(report.id)
    assert before is not None
    event = NewEvent(
        START + timedelta(hours=1), ActorKind.SYSTEM, None, Action.CLOSE, before.stage, Stage.CLOSED
    )
    change = ReportChange(before.id, before.version, {"stage": "closed"}, event)
    assert await repo.apply_change(change) is not None


async def staff_find(repo: Repository, *terms: str) -> list[Report]:
    """Return what /cari finds for a supervisor (who may read every report)."""
    return (await repo.find_reports(StaffQuery(terms=terms), secret_units=None)).reports


async def duplicates(repo: Repository, *words: str) -> list[str]:
    hits = await repo.search_open_reports(words, category="infrastruktur")
    return [h.number for h in hits]


# The harness (tests/pg.py) ------------------------------------------------------------------


async def test_each_test_database_is_a_migrated_copy_that_is_dropped_afterwards(
    tmp_path: Path,
) -> None:
    url = database_url(tmp_path)
    assert database_url(tmp_path) == url, "the same path is the same database"
    assert database_url(tmp_path, "other.db") != url
    db = make_database(tmp_path)
    async with db.read() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        reports = (await conn.execute(text("SELECT count(*) FROM reports"))).scalar()
    await db.dispose()
    assert (version, reports) == (HEAD, 0)
    name = pg.database_name(str(tmp_path / "aduan.db"))
    assert name in await _databases()
    pg.drop_test_databases()
    await _until_dropped(name)


async def _databases() -> set[str]:
    admin = Database(pg.server().url("postgres"), [pg.TEST_DATA_KEY])
    async with admin.read() as conn:
        names = {row[0] for row in await conn.execute(text("SELECT datname FROM pg_database"))}
    await admin.dispose()
    return names


async def _until_dropped(name: str) -> None:
    for _ in range(200):
        if name not in await _databases():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} was not dropped")


def test_the_server_runs_unprivileged_on_loopback_with_durability_off() -> None:
    server = pg.server()
    assert server.data.stat().st_uid != 0, "initdb refuses root: the cluster is nobody's"
    assert server.url("x").startswith("postgresql+asyncpg://postgres@127.0.0.1:")
    options = (server.data / "postmaster.opts").read_text()
    for setting in ("fsync=off", "full_page_writes=off", "listen_addresses=127.0.0.1"):
        assert setting in options
    assert f'"-k" "{server.folder}"' in options, "its unix socket lives in its own folder"


# Migrations ---------------------------------------------------------------------------------


async def test_migrations_run_up_from_an_empty_database_and_agree_with_the_tables(
    tmp_path: Path,
) -> None:
    db = make_database(tmp_path, empty=True)
    async with db.read() as conn:
        assert await conn.run_sync(lambda c: inspect(c).get_table_names()) == []
    await db.upgrade()
    async with db.read() as conn:
        tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        diff = await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"include_object": include_object}), metadata
            )
        )
        extensions = {
            row[0] for row in await conn.execute(text("SELECT extname FROM pg_extension"))
        }
        indexes = {
            row[0]
            for row in await conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'reports'")
            )
        }
    await db.dispose()
    assert set(metadata.tables) <= tables
    assert diff == [], "the migrations and storage/tables.py disagree on PostgreSQL"
    assert {"unaccent", "pg_trgm", "btree_gin"} <= extensions
    assert "ix_reports_all_words" in indexes


async def test_migrations_go_down_to_nothing_and_up_again(tmp_path: Path) -> None:
    db = make_database(tmp_path, empty=True)
    await db.upgrade()

    def down_and_up(conn: Connection) -> None:
        command.downgrade(alembic_config(conn), "base")
        assert inspect(conn).get_table_names() == ["alembic_version"]
        command.upgrade(alembic_config(conn), "head")

    async with db.writer.connect() as conn:
        await conn.run_sync(down_and_up)
        await conn.commit()
    repo = Repository(db)
    report = await file(repo, "Jembatan gantung putus")
    assert await duplicates(repo, "jembatan") == [report.number]
    await db.dispose()


# Sessions -----------------------------------------------------------------------------------


async def test_sessions_run_in_utc_with_limits_and_reads_see_one_snapshot(
    repo: Repository,
) -> None:
    async with repo.db.read() as conn:
        shown = {
            name: (await conn.execute(text(f"SHOW {name}"))).scalar()
            for name in (
                "timezone",
                "statement_timeout",
                "idle_in_transaction_session_timeout",
                "transaction_isolation",
                "transaction_read_only",
            )
        }
    assert shown == {
        "timezone": "UTC",
        "statement_timeout": "30s",
        "idle_in_transaction_session_timeout": "1min",
        "transaction_isolation": "repeatable read",
        "transaction_read_only": "on",
    }
    async with repo.db.write() as conn:
        level = (await conn.execute(text("SHOW transaction_isolation"))).scalar()
    assert level == "read committed"
    with pytest.raises(DBAPIError, match="read-only transaction"):
        async with repo.db.read() as conn:
            await conn.execute(text("DELETE FROM reports"))


async def test_a_read_sees_one_snapshot_while_a_write_commits(repo: Repository) -> None:
    await file(repo, "Sampah menumpuk")
    async with repo.db.read() as conn:
        before = (await conn.execute(text("SELECT count(*) FROM reports"))).scalar()
        await file(repo, "Sampah dibakar")
        after = (await conn.execute(text("SELECT count(*) FROM reports"))).scalar()
    assert (before, after) == (1, 1)


async def test_times_come_back_aware_in_utc(repo: Repository) -> None:
    report = await file(repo, "Lampu jalan mati")
    assert report.submitted_at == START
    assert report.submitted_at.utcoffset() == timedelta(0)


async def test_a_database_other_than_sqlite_needs_its_keys() -> None:
    with pytest.raises(crypto.DataKeyError, match="DATA_KEYS is not set"):
        Database(pg.server().url("postgres"))


# Search -------------------------------------------------------------------------------------


async def test_the_duplicate_check_folds_accents_and_case_as_fts5_does(repo: Repository) -> None:
    report = await file(repo, "Jembatan di Désa Oélbiteno RUSAK", "Papan jembatan patah.")
    assert await duplicates(repo, "desa", "oelbiteno") == [report.number]
    assert await duplicates(repo, "rusak") == [report.number]
    assert await duplicates(repo, "rusa") == [], "whole words, no prefixes: as on SQLite"


async def test_the_duplicate_check_leaves_closed_and_rahasia_reports_out(
    repo: Repository,
) -> None:
    kept = await file(repo, "Jembatan Noelbaki putus")
    closed = await file(repo, "Jembatan Noelbaki retak")
    await close(repo, closed)
    reporter = await repo.ensure_reporter(next(_telegram_ids))
    await repo.submit_report(
        NewReport(
            reporter_id=reporter.id,
            channel=Channel.TELEGRAM,
            type=ReportType.PENGADUAN,
            category="infrastruktur",
            title="Jembatan Noelbaki dipungli",
            description="Rahasia.",
            confidential=True,
            stage=Stage.SUBMITTED,
            submitted_at=START,
        ),
        numbering=numbering("NTT", START, WITA),
    )
    assert await duplicates(repo, "jembatan", "noelbaki") == [kept.number]


async def test_the_title_counts_double_and_a_like_title_breaks_a_tie(repo: Repository) -> None:
    in_text = await file(repo, "Air mati", "Pipa bocor di depan pasar Oeba sejak kemarin.")
    in_title = await file(repo, "Pipa bocor", "Air tidak mengalir di depan pasar Oeba.")
    assert await duplicates(repo, "pipa", "bocor") == [in_title.number, in_text.number]
    first = await file(repo, "Jalan rusak parah di Oesapa", "Lubang jalan besar.")
    second = await file(repo, "Lubang besar", "Jalan rusak parah di Oesapa.")
    hits = await repo.search_open_reports(
        ["jalan", "rusak", "parah", "oesapa", "lubang", "besar"], category="infrastruktur"
    )
    assert [h.number for h in hits] == [first.number, second.number]
    assert hits[0].rank < hits[1].rank < 0, "lower is better, as bm25"


async def test_the_search_reads_its_gin_indexes(repo: Repository) -> None:
    await file(repo, "Jembatan putus")
    plans = []
    async with repo.db.write() as conn:
        await conn.execute(text("SET LOCAL enable_seqscan = off"))
        for sql in (
            "SELECT 1 FROM report_search_open WHERE words @@ aduan_query('jembatan')",
            "SELECT 1 FROM reports WHERE aduan_words(number || ' ' || title || ' ' || "
            "description || ' ' || coalesce(location_text, '')) @@ aduan_query('jembatan')",
        ):
            rows = await conn.execute(text("EXPLAIN " + sql))
            plans.append("\n".join(row[0] for row in rows))
    assert "ix_report_search_open_words" in plans[0]
    assert "ix_reports_all_words" in plans[1]


async def _search_tables(repo: Repository) -> tuple[set[Any], set[Any], dict[str, int]]:
    """Return report_search_open, what it should hold, and report_search_words beside a recount."""
    async with repo.db.read() as conn:
        held = set(
            await conn.execute(text("SELECT id, category, words::text FROM report_search_open"))
        )
        expected = set(
            await conn.execute(
                text(
                    "SELECT id, coalesce(category, ''), (setweight(aduan_words(title), 'A') || "
                    "setweight(aduan_words(description), 'B'))::text FROM reports "
                    "WHERE stage IN ('submitted', 'disposed', 'in_progress', "
                    "'awaiting_approval', 'needs_info') AND NOT confidential"
                )
            )
        )
        counts: dict[str, int] = dict(
            (await conn.execute(text("SELECT word, n FROM report_search_words WHERE n <> 0"))).all()
        )
        recount: dict[str, int] = dict(
            (
                await conn.execute(
                    text(
                        "SELECT word, count(*) FROM report_search_open, "
                        "unnest(tsvector_to_array(words)) AS word GROUP BY word"
                    )
                )
            ).all()
        )
    assert counts == recount
    return held, expected, counts


async def test_the_search_tables_follow_every_change_of_a_report(repo: Repository) -> None:
    first = await file(repo, "Jembatan putus", "Jembatan di Noelbaki putus.")
    second = await file(repo, "Jalan putus", "Jalan ke Oesapa.", category="transportasi")
    third = await file(repo, "Lampu jalan mati", "Di Oesapa.")
    held, expected, counts = await _search_tables(repo)
    assert held == expected
    assert len(held) == 3
    assert (counts["putus"], counts["jembatan"], counts["oesapa"]) == (2, 1, 2)
    changes = [
        f"UPDATE reports SET stage = 'in_progress' WHERE id = {first.id}",  # still open
        f"UPDATE reports SET title = 'Jembatan ambruk' WHERE id = {first.id}",
        f"UPDATE reports SET category = 'infrastruktur' WHERE id = {second.id}",
        f"UPDATE reports SET stage = 'closed' WHERE id = {second.id}",
        f"UPDATE reports SET confidential = true WHERE id = {third.id}",
        f"UPDATE reports SET confidential = false WHERE id = {third.id}",
        f"UPDATE reports SET stage = 'submitted' WHERE id = {second.id}",  # reopened
        f"UPDATE reports SET description = 'Jembatan kayu.' WHERE id = {second.id}",
    ]
    for change in changes:
        async with repo.db.write() as conn:
            await conn.execute(text(change))
        held, expected, counts = await _search_tables(repo)
        assert held == expected, change
    assert (counts["putus"], counts["ambruk"], counts["jembatan"], counts["oesapa"]) == (2, 1, 2, 1)
    async with repo.db.write() as conn:
        await conn.execute(text(f"DELETE FROM reports WHERE id IN ({first.id}, {third.id})"))
    held, expected, counts = await _search_tables(repo)
    assert held == expected
    assert {row[0] for row in held} == {second.id}
    assert counts == {"jembatan": 1, "kayu": 1, "jalan": 1, "putus": 1}


async def test_staff_find_a_report_by_part_of_its_number_a_phrase_or_its_place(
    repo: Repository,
) -> None:
    report = await file(repo, "Sampah menumpuk", "Di belakang pasar.", place="Kelurahan Oébobo")
    other = await file(repo, "Sampah dibakar", "Asap masuk ke rumah warga.")
    part = report.number.split("-", 1)[1]  # "2026-000001"
    for terms in [(part,), ("belakang pasar",), ("oebobo",), ("SAMPAH", "menumpuk")]:
        found = await staff_find(repo, *terms)
        assert [r.number for r in found] == [report.number], terms
    found = await staff_find(repo, "pasar belakang")
    assert found == [], "a phrase keeps its order"
    found = await staff_find(repo, "sampah")
    assert [r.number for r in found] == [other.number, report.number], "newest first"


async def test_an_edited_or_closed_report_is_found_by_its_new_words(repo: Repository) -> None:
    report = await file(repo, "Sampah menumpuk")
    async with repo.db.write() as conn:
        await conn.execute(
            update(t.reports).where(t.reports.c.id == report.id).values(title="Sampah dibakar")
        )
    old = await staff_find(repo, "menumpuk")
    new = await staff_find(repo, "dibakar")
    assert (old, [r.id for r in new]) == ([], [report.id])
    assert await duplicates(repo, "dibakar") == [report.number]
    await close(repo, report)
    assert await duplicates(repo, "dibakar") == [], "closed: out of the duplicate check"
    found = await staff_find(repo, "dibakar")
    assert [r.id for r in found] == [report.id], "staff still find it"


# Personal data ------------------------------------------------------------------------------


async def test_no_table_holds_a_reporters_name_or_phone_in_clear(repo: Repository) -> None:
    reporter = await repo.ensure_reporter(4711)
    async with repo.db.write() as conn:
        await conn.execute(
            update(t.reporters)
            .where(t.reporters.c.id == reporter.id)
            .values(name="Maria Kolo Seran", phone="+6281234567890", address="Jl. Kenari 7")
        )
    stored = await repo.reporter_by_telegram(4711)
    assert stored is not None
    assert (stored.name, stored.phone) == ("Maria Kolo Seran", "+6281234567890")
    listed = text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    async with repo.db.read() as conn:
        names = [row[0] for row in await conn.execute(listed)]
        rows = [
            (await conn.execute(text(f"SELECT string_agg(x::text, ' ') FROM {n} AS x"))).scalar()
            for n in names
        ]
    dump = " ".join(str(row) for row in rows)
    assert "reporters" in names
    for needle in ("Maria", "Kolo Seran", "81234567890", "Kenari"):
        assert needle not in dump, f"{needle!r} is stored in clear"
