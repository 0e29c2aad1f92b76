"""The duplicate search's update trigger fires only when a column it reads changes (SQLite).

`report_search_update` (migration 0002) was `AFTER UPDATE ON reports`: every update of a report
ran it, the SLA sweep's marks included, and SQLite builds the whole old and new row for its
WHEN clause each time. At a million reports the catch-up sweep's 20,000 mark updates spent
2.1 s of CPU of which 1.4 s was this trigger doing nothing (issue 15). The same trigger now
names its columns (`AFTER UPDATE OF title, description, category, confidential, stage`): the
WHEN clause and the body are unchanged, and an update of other columns skips it.

SQLite only, like 0002; elsewhere this migration does nothing.

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen here, as in 0002 (a migration must not change when the code does).
_SEARCHABLE = "('submitted', 'disposed', 'in_progress', 'awaiting_approval', 'needs_info')"
_WHEN_NEW = f"NEW.stage IN {_SEARCHABLE} AND NOT NEW.confidential"
_WHEN = f"""
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
"""


def _recreate(event: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS report_search_update")
    op.execute(f"CREATE TRIGGER report_search_update {event} ON reports {_WHEN}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _recreate("AFTER UPDATE OF title, description, category, confidential, stage")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _recreate("AFTER UPDATE")
