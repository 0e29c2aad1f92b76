"""PostgreSQL: the duplicate check's own table of open reports' words, and each word's count.

The duplicate check leaves out a word found in `COMMON_CAP` (1000) open reports or more, orders
the others rarest first, and ranks the matches (storage/repo/search.py). On migration 0002's
partial GIN index over `reports` both were slow at a million reports: a capped count is a
bitmap scan that reads the word's whole posting list before its LIMIT applies (about 15 ms a
common word, 16 words a check: 200 ms of the check's 210), where FTS5 stops at the cap; and
ts_rank parsed each match's title and description again (about 60 us a row, 400 rows when
every word is common), where bm25 reads FTS5's stored index.

So PostgreSQL gets what FTS5 keeps on SQLite (migration 0002's `report_search`):

- `report_search_open` (id, category, words): one row per open, non-`rahasia` report, the
  words of its title (weight A) and description (B) as a stored tsvector, and one GIN index
  over the category and the words (`btree_gin`), so that a match reads only the rows of its
  category; the search matches and ranks here.
- `report_search_words` (word, n): per word (an `aduan_words` lexeme), how many of those
  reports hold it; a count is one primary key lookup.

A trigger on `reports` keeps both in step in the writing transaction: a report that enters the
search adds its row and one to each of its words, one that leaves takes them off, an edit of its
text or category rewrites the row and moves the difference. Most updates touch neither the
columns the search reads nor which side of "open" the stage is on (the SLA marks, a move
between two open stages) and do not run the body. The counts are changed in word order, so two
reports filed at once never deadlock on their shared words. `aduan_rebuild_search()` fills both
again from `reports` (this migration's first fill; after a bulk load with triggers off).

Migration 0002's `ix_reports_open_words` is dropped: nothing reads it any more, and every
report written paid for it. The tables' names start with `report_search`: hand-written search
objects that autogenerate leaves alone (storage/database.py `include_object`). SQLite and other
databases: nothing (FTS5 keeps its own).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Frozen here, as in 0002 (a migration must not change when the code does).
_SEARCHABLE = "('submitted', 'disposed', 'in_progress', 'awaiting_approval', 'needs_info')"


def _vector(row: str) -> str:
    title, description = f"aduan_words({row}.title)", f"aduan_words({row}.description)"
    return f"setweight({title}, 'A') || setweight({description}, 'B')"


_OPEN = f"stage IN {_SEARCHABLE} AND NOT confidential"

_STATEMENTS = [
    # btree_gin: the category in the same GIN index as the words (contrib, trusted).
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "DROP INDEX IF EXISTS ix_reports_open_words",
    """
    CREATE TABLE report_search_open (
        id integer PRIMARY KEY,
        category text NOT NULL,
        words tsvector NOT NULL
    )
    """,
    "CREATE TABLE report_search_words (word text PRIMARY KEY, n integer NOT NULL)",
    f"""
    CREATE FUNCTION aduan_rebuild_search() RETURNS void
    LANGUAGE sql
    AS $$
        LOCK TABLE reports IN SHARE MODE;
        DELETE FROM report_search_open;
        DELETE FROM report_search_words;
        INSERT INTO report_search_open (id, category, words)
        SELECT r.id, coalesce(r.category, ''), {_vector("r")} FROM reports AS r WHERE {_OPEN};
        INSERT INTO report_search_words (word, n)
        SELECT word, count(*) FROM report_search_open, unnest(tsvector_to_array(words)) AS word
        GROUP BY word;
    $$
    """,
    f"""
    CREATE FUNCTION aduan_search_row() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
        gone text[] := '{{}}';
        came text[] := '{{}}';
        kept tsvector;
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            DELETE FROM report_search_open WHERE id = OLD.id RETURNING words INTO kept;
            IF FOUND THEN
                gone := tsvector_to_array(kept);
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF NEW.stage IN {_SEARCHABLE} AND NOT NEW.confidential THEN
                INSERT INTO report_search_open (id, category, words)
                VALUES (NEW.id, coalesce(NEW.category, ''), {_vector("NEW")})
                RETURNING words INTO kept;
                came := tsvector_to_array(kept);
            END IF;
        END IF;
        IF gone = came THEN
            RETURN NULL;
        END IF;
        INSERT INTO report_search_words AS s (word, n)
        SELECT word, sum(delta) FROM (
            SELECT unnest(came) AS word, 1 AS delta
            UNION ALL
            SELECT unnest(gone), -1
        ) AS d
        GROUP BY word HAVING sum(delta) <> 0
        ORDER BY word
        ON CONFLICT (word) DO UPDATE SET n = s.n + excluded.n;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER report_search_insert_delete AFTER INSERT OR DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION aduan_search_row()
    """,
    f"""
    CREATE TRIGGER report_search_update
    AFTER UPDATE OF title, description, category, stage, confidential ON reports
    FOR EACH ROW
    WHEN (
        OLD.title IS DISTINCT FROM NEW.title
        OR OLD.description IS DISTINCT FROM NEW.description
        OR OLD.category IS DISTINCT FROM NEW.category
        OR OLD.confidential IS DISTINCT FROM NEW.confidential
        OR (OLD.stage IN {_SEARCHABLE}) IS DISTINCT FROM (NEW.stage IN {_SEARCHABLE})
    )
    EXECUTE FUNCTION aduan_search_row()
    """,
    "SELECT aduan_rebuild_search()",
    # Built after the first fill (a GIN index built whole is compact). fastupdate off: each
    # report written goes into the index at once, where a pending list (until a vacuum) would
    # be read through at every search: 17 ms a check instead of 5 at a million.
    """
    CREATE INDEX ix_report_search_open_words ON report_search_open
    USING gin (category, words) WITH (fastupdate = off)
    """,
]
_DOWN = [
    "DROP TRIGGER IF EXISTS report_search_update ON reports",
    "DROP TRIGGER IF EXISTS report_search_insert_delete ON reports",
    "DROP FUNCTION IF EXISTS aduan_search_row()",
    "DROP FUNCTION IF EXISTS aduan_rebuild_search()",
    "DROP TABLE IF EXISTS report_search_words",
    "DROP TABLE IF EXISTS report_search_open",
    f"""
    CREATE INDEX ix_reports_open_words ON reports USING gin (
        (setweight(aduan_words(title), 'A') || setweight(aduan_words(description), 'B'))
    ) WHERE {_OPEN}
    """,
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _DOWN:
        op.execute(statement)
