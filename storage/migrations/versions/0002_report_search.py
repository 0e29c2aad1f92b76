"""Full-text search over open reports for the duplicate check (SQLite FTS5; hand-written).

`report_search` holds the title, description and category of every report that is still being
handled and is not `rahasia`; triggers on `reports` keep it in step, so a report leaves the search
the moment it is answered, closed, rejected or marked duplicate (and comes back if it is reopened).
Only reports that can be offered as duplicates are indexed: the index stays as small as the open
workload, however long the history grows.

SQLite only. On other databases this migration does nothing and storage/repo/search.py falls back
to LIKE over a small window of recent open reports.

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


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("report_search_insert", "report_search_update", "report_search_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS report_search")
