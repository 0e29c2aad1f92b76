"""Staff search through a full-text index of every report; indexes that shrink with the workload.

- `report_search_all` (SQLite FTS5; hand-written): the number, title, description and place of
  EVERY report, for the staff's `/cari` (storage/repo/search.py). It is a second index beside
  `report_search` (migration 0002) on purpose: that one holds only the open, non-`rahasia`
  reports the duplicate check may offer, and its word counts and bm25 statistics are those of
  the open workload; staff search years of history, `rahasia` reports included (the repository
  filters them by who asks). It is an external-content table (`content='reports'`): it stores
  the index only, never a second copy of the text, and `columnsize=0` drops the per-row sizes
  only bm25 would read (staff results are ranked newest first). Triggers keep it in step;
  building it reads every report once (about a minute at a million reports).
- The six partial indexes of unfired reminder marks hold only OPEN reports: a report that closed
  before a threshold fired kept its mark unset, and so stayed in every index for ever (195 MiB
  at a million reports). The stage condition is written as an OR of equalities so that the
  sweep's `stage = :stage AND <mark> IS NULL` implies it (SQLite proves a partial index usable
  only from terms it can match; an IN list is not matched by an equality).
- `ix_drafts_conversation_updated`: start-up reads the drafts of one conversation, and the
  housekeeping job finds abandoned drafts by age (bot/services/housekeeping.py).

PostgreSQL: the words of every report's number, title, description and place in one GIN index
(`ix_reports_all_words`, over `aduan_words` of migration 0002; the same expression in
storage/repo/search.py); no trigger and no copy of the text.

Other databases: the two kinds of index as on SQLite; the full-text part is SQLite's and
PostgreSQL's only (the repository's generic search falls back to LIKE there).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The open stages, frozen here (storage/repo/reports.py OPEN when this was written).
_OPEN = ("submitted", "disposed", "in_progress", "awaiting_approval", "needs_info", "answered")
OPEN_PREDICATE = "(" + " OR ".join(f"stage = '{stage}'" for stage in _OPEN) + ")"
_MARKS = [
    (clock, mark) for clock in ("stage", "final") for mark in ("warned", "breached", "escalated")
]
_FIELDS = "number, title, description, location_text"
_NEW = "NEW.number, NEW.title, NEW.description, NEW.location_text"
_OLD = "OLD.number, OLD.title, OLD.description, OLD.location_text"

_FTS_STATEMENTS = [
    # unicode61 folds case and strips diacritics, as report_search does; '-' separates words, so
    # "NTT-2026-000123" is the three words a partial number is looked up by.
    f"""
    CREATE VIRTUAL TABLE report_search_all USING fts5(
        {_FIELDS},
        content = 'reports', content_rowid = 'id', columnsize = 0,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    "INSERT INTO report_search_all (report_search_all) VALUES ('rebuild')",
    f"""
    CREATE TRIGGER report_search_all_insert AFTER INSERT ON reports
    BEGIN
        INSERT INTO report_search_all (rowid, {_FIELDS}) VALUES (NEW.id, {_NEW});
    END
    """,
    # Only the four searched columns: a transition rewrites nothing here.
    f"""
    CREATE TRIGGER report_search_all_update
    AFTER UPDATE OF number, title, description, location_text ON reports
    BEGIN
        INSERT INTO report_search_all (report_search_all, rowid, {_FIELDS})
        VALUES ('delete', OLD.id, {_OLD});
        INSERT INTO report_search_all (rowid, {_FIELDS}) VALUES (NEW.id, {_NEW});
    END
    """,
    f"""
    CREATE TRIGGER report_search_all_delete AFTER DELETE ON reports
    BEGIN
        INSERT INTO report_search_all (report_search_all, rowid, {_FIELDS})
        VALUES ('delete', OLD.id, {_OLD});
    END
    """,
]


# PostgreSQL (added by the PostgreSQL port): one expression, the repository's too.
PG_ALL_WORDS = (
    "aduan_words(number || ' ' || title || ' ' || description || ' ' || "
    "coalesce(location_text, ''))"
)


def _mark_index(clock: str, mark: str, *, open_only: bool) -> None:
    where = f"{clock}_{mark}_at IS NULL"
    if open_only:
        where += f" AND {OPEN_PREDICATE}"
    op.create_index(
        f"ix_reports_{clock}_un{mark}",
        "reports",
        ["stage", f"{clock}_due_at"],
        unique=False,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    for clock, mark in _MARKS:
        op.drop_index(f"ix_reports_{clock}_un{mark}", table_name="reports")
        _mark_index(clock, mark, open_only=True)
    op.create_index(
        "ix_drafts_conversation_updated", "drafts", ["conversation", "updated_at"], unique=False
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in _FTS_STATEMENTS:
            op.execute(statement)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_reports_all_words ON reports USING gin (({PG_ALL_WORDS}))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS report_search_all_{trigger}")
        op.execute("DROP TABLE IF EXISTS report_search_all")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_reports_all_words")
    op.drop_index("ix_drafts_conversation_updated", table_name="drafts")
    for clock, mark in _MARKS:
        op.drop_index(f"ix_reports_{clock}_un{mark}", table_name="reports")
        _mark_index(clock, mark, open_only=False)
