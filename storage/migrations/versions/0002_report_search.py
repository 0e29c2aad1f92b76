"""Full-text search over open reports for the duplicate check (SQLite FTS5; hand-written).

`report_search` holds the title, description and category of every report that is still being
handled and is not `rahasia`; triggers on `reports` keep it in step, so a report leaves the search
the moment it is answered, closed, rejected or marked duplicate (and comes back if it is reopened).
Only reports that can be offered as duplicates are indexed: the index stays as small as the open
workload, however long the history grows.

PostgreSQL gets the same search from its own parts: a text search configuration `aduan_simple`
(the `simple` one, no stemming and no stop words, with `unaccent` before it: "Désa" finds
"desa", as unicode61's remove_diacritics does), the function `aduan_words(text)` that turns a
column into its words (a hyphen separates words, as in FTS5: "NTT-2026-000123" is three), and a
partial GIN index over the title (weight A) and description (weight B) of exactly the reports
FTS5 would hold: open and not `rahasia`. The index is the table: no trigger, no copy of the text.
`pg_trgm` is installed for the ranking (storage/repo/search.py). Both extensions ship with
PostgreSQL (contrib) and are trusted: the database's owner may create them.

Other databases: nothing; storage/repo/search.py falls back to LIKE over recent open reports.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The stages in which a report is still being handled (frozen here: a migration must not change
# when the code does). "answered" is left out: the office has answered, and a citizen who meets
# the problem again files a new report.
_SEARCHABLE = "('submitted', 'disposed', 'in_progress', 'awaiting_approval', 'needs_info')"
_WHEN_NEW = f"NEW.stage IN {_SEARCHABLE} AND NOT NEW.confidential"

_STATEMENTS = [
    # unicode61 folds case and strips diacritics; the category is stored to filter on, not indexed.
    """
    CREATE VIRTUAL TABLE report_search USING fts5(
        title, description, category UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    f"""
    INSERT INTO report_search (rowid, title, description, category)
    SELECT id, title, description, coalesce(category, '') FROM reports
    WHERE stage IN {_SEARCHABLE} AND NOT confidential
    """,
    f"""
    CREATE TRIGGER report_search_insert AFTER INSERT ON reports
    WHEN {_WHEN_NEW}
    BEGIN
        INSERT INTO report_search (rowid, title, description, category)
        VALUES (NEW.id, NEW.title, NEW.description, coalesce(NEW.category, ''));
    END
    """,
    # Only changes that matter to the search rewrite its row: most transitions move between
    # open stages and leave it alone.
    f"""
    CREATE TRIGGER report_search_update AFTER UPDATE ON reports
    WHEN OLD.title IS NOT NEW.title
        OR OLD.description IS NOT NEW.description
        OR OLD.category IS NOT NEW.category
        OR OLD.confidential IS NOT NEW.confidential
        OR (OLD.stage IN {_SEARCHABLE}) IS NOT (NEW.stage IN {_SEARCHABLE})
    BEGIN
        DELETE FROM report_search WHERE rowid = OLD.id;
        INSERT INTO report_search (rowid, title, description, category)
        SELECT NEW.id, NEW.title, NEW.description, coalesce(NEW.category, '')
        WHERE {_WHEN_NEW};
    END
    """,
    """
    CREATE TRIGGER report_search_delete AFTER DELETE ON reports
    BEGIN
        DELETE FROM report_search WHERE rowid = OLD.id;
    END
    """,
]


# PostgreSQL: the words of a column (storage/repo/search.py builds its queries with the same
# function and configuration, so the planner matches the index's expression).
_PG_OPEN = f"stage IN {_SEARCHABLE} AND NOT confidential"
_PG_STATEMENTS = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TEXT SEARCH CONFIGURATION aduan_simple (COPY = pg_catalog.simple)",
    """
    ALTER TEXT SEARCH CONFIGURATION aduan_simple
        ALTER MAPPING FOR word, hword, hword_part WITH unaccent, simple
    """,
    # IMMUTABLE is true: to_tsvector with a fixed configuration is, and an index needs it.
    """
    CREATE FUNCTION aduan_words(value text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT to_tsvector('aduan_simple'::regconfig, translate(coalesce(value, ''), '-', ' '))
    $$
    """,
    """
    CREATE FUNCTION aduan_query(value text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT phraseto_tsquery('aduan_simple'::regconfig, translate(coalesce(value, ''), '-', ' '))
    $$
    """,
    f"""
    CREATE INDEX ix_reports_open_words ON reports USING gin (
        (setweight(aduan_words(title), 'A') || setweight(aduan_words(description), 'B'))
    ) WHERE {_PG_OPEN}
    """,
]
_PG_DOWN = [
    "DROP INDEX IF EXISTS ix_reports_open_words",
    "DROP FUNCTION IF EXISTS aduan_query(text)",
    "DROP FUNCTION IF EXISTS aduan_words(text)",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS aduan_simple",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in _PG_STATEMENTS:
            op.execute(statement)
    if dialect != "sqlite":
        return
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # The extensions stay: other objects may use them, and they hold no data.
        for statement in _PG_DOWN:
            op.execute(statement)
    if dialect != "sqlite":
        return
    for trigger in ("report_search_insert", "report_search_update", "report_search_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS report_search")
