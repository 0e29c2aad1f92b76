"""Staff search (/cari): a tracking number on its index, words and phrases on the full-text index.

Each test asks in a staff member's private chat through the loopback Bot API and reads the
answer they get; the search index is the one migration 0008 builds over every report.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from handlers.staff.queue import search_query
from loopback import LoopbackBotApi
from storage.database import Database, alembic_config
from storage.models import StaffQuery, StaffSearch
from storage.repo import search
from storage.repository import Repository
from tests.staff_kit import StaffWorld, staff_world

NO_MATCH = "Tidak ada laporan yang cocok."


async def ask(w: StaffWorld, name: str, command: str) -> str:
    """Send a command in a staff member's private chat; return the bot's answer."""
    user = w.people[name]
    before = len(w.loopback.bot_messages(user.id))
    w.loopback.send_text(user, command)
    await w.settle()
    answers = w.loopback.bot_messages(user.id)
    assert len(answers) == before + 1, "the bot did not answer once"
    return str(answers[-1].get("text", ""))


async def test_a_tracking_number_finds_that_report_alone(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        first = await w.file(w.siti, title="Jalan berlubang di Oebobo")
        second = await w.file(w.rudi, title="Lampu jalan padam")
        answer = await ask(w, "dedi", f"/cari {second.number}")
        assert second.number in answer
        assert "Lampu jalan padam" in answer
        assert first.number not in answer
        # As a person types it: lower case, spaces for dashes.
        typed = second.number.lower().replace("-", " ")
        assert second.number in await ask(w, "dedi", f"/cari {typed}")
        # Part of a number is looked for as words.
        sequence = first.number.rsplit("-", 1)[1]
        partial = await ask(w, "dedi", f"/cari {sequence}")
        assert first.number in partial
        assert second.number not in partial


async def test_every_word_must_appear_in_the_title_text_or_place(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        road = await w.file(w.siti, title="Jalan berlubang di Oebobo")
        lamp = await w.file(w.rudi, title="Lampu jalan padam", description="Sudah seminggu gelap.")
        both = await ask(w, "dedi", "/cari JALAN")
        assert road.number in both
        assert lamp.number in both
        assert both.index(lamp.number) < both.index(road.number), "newest first"
        one = await ask(w, "dedi", "/cari jalan gelap")
        assert lamp.number in one
        assert road.number not in one
        # The place (location_text "Kel. Oebobo, Kupang") is searched too.
        place = await ask(w, "dedi", "/cari kupang")
        assert road.number in place
        assert lamp.number in place


async def test_a_quoted_phrase_needs_its_words_together_and_in_order(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        lamp = await w.file(w.siti, title="Lampu jalan padam")
        apart = await w.file(w.rudi, title="Jalan gelap tanpa lampu")
        answer = await ask(w, "dedi", '/cari "lampu jalan"')
        assert lamp.number in answer
        assert apart.number not in answer
        # Telegram clients often send curly quotes.
        assert apart.number not in await ask(w, "dedi", "/cari \u201clampu jalan\u201d")
        assert apart.number in await ask(w, "dedi", "/cari lampu jalan")


async def test_no_match_says_so(loopback: LoopbackBotApi, tmp_path: Path) -> None:
    async with staff_world(loopback, tmp_path) as w:
        await w.file(w.siti, title="Jalan berlubang di Oebobo")
        assert NO_MATCH in await ask(w, "dedi", "/cari jembatan")
        assert NO_MATCH in await ask(w, "dedi", "/cari NTT-2020-999999")
        assert NO_MATCH in await ask(w, "dedi", '/cari "" ,,')
        assert "/cari" in await ask(w, "dedi", "/cari")


async def test_a_closed_report_is_still_found(loopback: LoopbackBotApi, tmp_path: Path) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, title="Ujaran kasar di kantor camat")
        await w.act(w.ani, report, "reject", choice="abuse")
        assert (await w.report(report)).stage == "rejected"
        assert report.number in await ask(w, "dedi", "/cari camat")


async def test_rahasia_reports_are_found_only_by_who_may_read_them(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        plain = await w.file(w.rudi, title="Pungutan liar di puskesmas")
        secrets = []
        for n in range(12):
            report = await w.file(
                w.siti, title=f"Pungutan liar oleh petugas {n}", confidential=True
            )
            await w.act(w.ani, report, "dispose", choice=await w.unit_id("dinkes"))
            secrets.append(report)
        # Budi is the liaison of dinkes: the ten newest are his unit's rahasia reports.
        own = await ask(w, "budi", "/cari pungutan")
        assert secrets[-1].number in own
        assert "🔒 Pungutan liar oleh petugas 11" in own
        assert plain.number not in own, "a page of ten, newest first"
        # Eka (disdik) and Dedi (viewer) may not read them: the page is the plain report, not
        # an empty page because ten hidden reports came first.
        for name in ("eka", "dedi"):
            other = await ask(w, name, "/cari pungutan")
            assert plain.number in other
            assert not any(s.number in other for s in secrets)
            assert "petugas" not in other
            assert NO_MATCH in await ask(w, name, "/cari petugas")
            assert NO_MATCH in await ask(w, name, f"/cari {secrets[0].number}")
        assert secrets[0].number in await ask(w, "budi", f"/cari {secrets[0].number}")
        assert secrets[0].number in await ask(w, "citra", "/cari petugas 0")


async def test_an_anonymous_reporter_is_never_shown_nor_searchable(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, title="Pungutan liar di kelurahan", anonymous=True)
        answer = await ask(w, "citra", "/cari kelurahan")
        assert report.number in answer
        for identity in ("Siti", "Aminah", "081234567890", "siti_a", str(w.siti.id)):
            assert identity not in answer
        for identity in ("Aminah", "081234567890", "siti_a"):
            assert NO_MATCH in await ask(w, "citra", f"/cari {identity}")


async def test_very_common_words_search_the_newest_reports_and_say_so(
    loopback: LoopbackBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A million reports in miniature: the newest three are the window, a word in the newest
    # report is common.
    monkeypatch.setattr(search, "STAFF_WINDOW", 3)
    monkeypatch.setattr(search, "STAFF_PROBE", 1)  # slices of 1, then 4 (cut at the window)
    monkeypatch.setattr(search, "STAFF_COMMON", 1)
    async with staff_world(loopback, tmp_path) as w:
        old = [await w.file(w.siti, title=f"Jalan rusak {n}") for n in range(2)]
        new = [await w.file(w.rudi, title=f"Jalan licin {n}") for n in range(3)]
        common = await ask(w, "dedi", "/cari jalan")
        assert all(r.number in common for r in new)
        assert not any(r.number in common for r in old)
        assert "hanya 3 laporan terbaru" in common
        # A rarer word in the query: every report is searched, and nothing is said.
        rare = await ask(w, "dedi", "/cari jalan rusak")
        assert all(r.number in rare for r in old)
        assert "terbaru" not in rare
        miss = await ask(w, "dedi", '/cari "licin jalan"')
        assert NO_MATCH in miss
        assert "hanya 3 laporan terbaru" in miss


def test_the_query_reads_numbers_words_and_phrases() -> None:
    assert search_query("ntt 2026 000042") == StaffQuery(
        number="NTT-2026-000042", terms=("ntt", "2026", "000042")
    )
    assert search_query(' "lampu   jalan" padam ') == StaffQuery(terms=("lampu jalan", "padam"))
    assert search_query("\u201cjalan rusak\u201d") == StaffQuery(terms=("jalan rusak",))
    assert search_query('"" ') == StaffQuery()


def _version(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def _index_entries(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute(
        "SELECT coalesce(sum(ncell), 0) FROM dbstat WHERE name = ? AND pagetype = 'leaf'", (name,)
    ).fetchone()
    return int(row[0])


@pytest.mark.sqlite_only("an SQLite file at 0007; test_postgres.py tests the PG index")
async def test_the_migration_indexes_an_existing_database(tmp_path: Path) -> None:
    path = tmp_path / "aduan.db"
    with create_engine(f"sqlite:///{path}").begin() as sync:
        command.upgrade(alembic_config(sync), "0007")
    db = Database(f"sqlite+aiosqlite:///{path}")
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC).isoformat(sep=" ")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO reporters (language, created_at, updated_at) VALUES ('id', ?, ?)",
            (now, now),
        )
        for n, (stage, title) in enumerate(
            [("closed", "Jembatan putus"), ("submitted", "Jembatan retak"), ("rejected", "Spam")]
        ):
            conn.execute(
                "INSERT INTO reports (number, reporter_id, channel, type, title, description,"
                " stage, stage_started_at, stage_due_at, final_due_at, submitted_at, updated_at)"
                " VALUES (?, 1, 'telegram', 'pengaduan', ?, 'Di desa.', ?, ?, ?, ?, ?, ?)",
                (f"NTT-2026-{n + 1:06d}", title, stage, now, now, now, now, now),
            )
        conn.execute("INSERT INTO drafts VALUES (1, 'report', 'title', '{}', ?, NULL)", (now,))
        before = _index_entries(conn, "ix_reports_stage_unwarned")
    # 0008 narrowed the mark indexes to open reports; 0011 replaced them by the sla_marks table.
    with create_engine(f"sqlite:///{path}").begin() as sync:
        command.upgrade(alembic_config(sync), "0008")
    with sqlite3.connect(path) as conn:
        after = _index_entries(conn, "ix_reports_stage_unwarned")
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM reports WHERE stage = ?"
            " AND stage_due_at <= ? AND stage_warned_at IS NULL",
            ("submitted", now),
        ).fetchall()
    assert (before, after) == (3, 1), "the closed and the rejected report left the index"
    assert "ix_reports_stage_unwarned" in str(plan), "the sweep read the partial index"
    await db.upgrade()
    assert _version(path) >= "0011"
    repo = Repository(db)
    found = await repo.find_reports(StaffQuery(terms=("jembatan",)), secret_units=None)
    assert [r.number for r in found.reports] == ["NTT-2026-000002", "NTT-2026-000001"]
    drafts = await repo.drafts_of("report")
    assert [d.telegram_user_id for d in drafts] == [1]
    await db.dispose()


@pytest.mark.sqlite_only("times as SQLite text; test_postgres.py edits a report")
@pytest.mark.parametrize("confidential", [False, True])
async def test_an_edited_report_is_found_by_its_new_words(
    tmp_path: Path, confidential: bool
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/aduan.db")
    await db.upgrade()
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC).isoformat(sep=" ")
    async with db.write() as conn:
        await conn.execute(
            text("INSERT INTO reporters (language, created_at, updated_at) VALUES ('id', :t, :t)"),
            {"t": now},
        )
        await conn.execute(
            text(
                "INSERT INTO reports (number, reporter_id, channel, type, title, description,"
                " stage, stage_started_at, submitted_at, updated_at, confidential)"
                " VALUES ('NTT-2026-000001', 1, 'telegram', 'pengaduan', 'Sampah menumpuk',"
                " 'Di pasar.', 'submitted', :t, :t, :t, :c)"
            ),
            {"t": now, "c": confidential},
        )
        await conn.execute(text("UPDATE reports SET title = 'Sampah dibakar' WHERE id = 1"))
    repo = Repository(db)
    hidden: frozenset[int] | None = frozenset() if confidential else None
    assert await repo.find_reports(StaffQuery(terms=("menumpuk",)), secret_units=None) == (
        StaffSearch([])
    )
    found = await repo.find_reports(StaffQuery(terms=("dibakar",)), secret_units=None)
    assert [r.title for r in found.reports] == ["Sampah dibakar"]
    found = await repo.find_reports(StaffQuery(terms=("dibakar",)), secret_units=hidden)
    assert len(found.reports) == (0 if confidential else 1)
    async with db.write() as conn:
        await conn.execute(text("DELETE FROM reports"))
    assert (await repo.find_reports(StaffQuery(terms=("sampah",)), secret_units=None)).reports == []
    await db.dispose()
