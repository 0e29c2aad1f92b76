"""The duplicate search's category is an indexed token of its FTS5 table (SQLite).

`report_search` (migration 0002) kept the category UNINDEXED: a search matched its words in every
category and filtered the matches on the category afterwards, one lookup in the content table a
match. At a million reports a check whose words are all common matched ~3,600 open reports to
keep the ~370 of its category, and those lookups were half its time. The table is made again with
the category as one indexed token (`CATEGORY_MARK` followed by the category's UTF-8 in hex, "" for
none): the search matches `category:<token> AND (...)`, FTS5 intersects the lists, and no row is
read to filter. The mark is a private-use character, which unicode61 keeps inside a token and no
search word can hold (storage/repo/search.py looks for [a-z0-9] words only), so a word never
finds a category. bm25's weight for the column stays 0; each row is one token longer, the same
for all, which moved no offer in the 300 checks of bench/pg_vs_sqlite.py.

The rows are copied from `reports` (the open, not `rahasia` ones, as 0002 chose them) and the
triggers are made again for the new column (the update trigger names its columns, as 0010 has).

SQLite only, like 0002; elsewhere this migration does nothing.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Frozen here, as in 0002 (a migration must not change when the code does).
_SEARCHABLE = "('submitted', 'disposed', 'in_progress', 'awaiting_approval', 'needs_info')"
_WHEN_NEW = f"NEW.stage IN {_SEARCHABLE} AND NOT NEW.confidential"
_TRIGGERS = ("report_search_insert", "report_search_update", "report_search_delete")


def _statements(category: str, indexed: bool) -> list[str]:
    """Return the table, its rows and its triggers, `category` being the SQL of its value."""
    column = "category" if indexed else "category UNINDEXED"
    new = category.replace("{row}", "NEW")
    return [
        f"""
        CREATE VIRTUAL TABLE report_search USING fts5(
            title, description, {column},
            tokenize = 'unicode61 remove_diacritics 2'
        )
        """,
        f"""
        INSERT INTO report_search (rowid, title, description, category)
        SELECT id, title, description, {category.replace("{row}.", "")} FROM reports
        WHERE stage IN {_SEARCHABLE} AND NOT confidential
        """,
        f"""
        CREATE TRIGGER report_search_insert AFTER INSERT ON reports
        WHEN {_WHEN_NEW}
        BEGIN
            INSERT INTO report_search (rowid, title, description, category)
            VALUES (NEW.id, NEW.title, NEW.description, {new});
        END
        """,
        f"""
        CREATE TRIGGER report_search_update
        AFTER UPDATE OF title, description, category, confidential, stage ON reports
        WHEN OLD.title IS NOT NEW.title
            OR OLD.description IS NOT NEW.description
            OR OLD.category IS NOT NEW.category
            OR OLD.confidential IS NOT NEW.confidential
            OR (OLD.stage IN {_SEARCHABLE}) IS NOT (NEW.stage IN {_SEARCHABLE})
        BEGIN
            DELETE FROM report_search WHERE rowid = OLD.id;
            INSERT INTO report_search (rowid, title, description, category)
            SELECT NEW.id, NEW.title, NEW.description, {new}
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


def _rebuild(category: str, indexed: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS report_search")
    for statement in _statements(category, indexed):
        op.execute(statement)


def upgrade() -> None:
    # char(57344) is U+E000, storage/repo/search.py's CATEGORY_MARK.
    _rebuild("char(57344) || hex(coalesce({row}.category, ''))", indexed=True)


def downgrade() -> None:
    _rebuild("coalesce({row}.category, '')", indexed=False)
