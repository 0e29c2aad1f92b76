"""The reminder marks move from six report columns to a narrow table, `sla_marks` (issue 15).

A catch-up sweep after downtime fires a threshold on some 20,000 reports at a million: as report
columns, each mark rewrote a wide report row on its own page of a 1.4 GB table and left six
partial indexes (one per unfired mark); as rows of `sla_marks` (report, clock, mark, when; a
WITHOUT ROWID table on SQLite, its primary key its only index) they are inserted side by side.
Measured in plain sqlite3 at a million reports: 30,500 reports' marks by UPDATE 0.69-0.79 s of
CPU; 91,700 mark rows by INSERT 0.32-0.36 s.

- `sla_marks` is created and filled from the six columns (every report's marks that are set).
- The six partial indexes ix_reports_<clock>_un<mark> are dropped; the sweep reads open reports
  by stage and due time (ix_reports_stage_due, and the new ix_reports_open_final_due for the
  end-to-end clock) and leaves out those whose mark row exists.
- The six columns stay, unused: SQLite's DROP COLUMN rewrites the whole table (12 s a column at
  a million reports). `sla_breached_at` stays on reports.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_MARKS = [(c, m) for c in ("stage", "final") for m in ("warned", "breached", "escalated")]
# Frozen here (a migration must not change when the code does), as in 0008.
OPEN_PREDICATE = (
    "(stage = 'submitted' OR stage = 'disposed' OR stage = 'in_progress' OR "
    "stage = 'awaiting_approval' OR stage = 'needs_info' OR stage = 'answered')"
)


def _mark_index(clock: str, mark: str) -> None:
    where = f"{clock}_{mark}_at IS NULL AND {OPEN_PREDICATE}"
    op.create_index(
        f"ix_reports_{clock}_un{mark}",
        "reports",
        ["stage", f"{clock}_due_at"],
        unique=False,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    op.create_table(
        "sla_marks",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=8), nullable=False),
        sa.Column("mark", sa.String(length=12), nullable=False),
        sa.Column("fired_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_sla_marks_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "clock", "mark", name=op.f("pk_sla_marks")),
        sqlite_with_rowid=False,
    )
    for clock, mark in _MARKS:
        op.execute(
            f"INSERT INTO sla_marks (report_id, clock, mark, fired_at) "
            f"SELECT id, '{clock}', '{mark}', {clock}_{mark}_at FROM reports "
            f"WHERE {clock}_{mark}_at IS NOT NULL"
        )
        op.drop_index(f"ix_reports_{clock}_un{mark}", table_name="reports")
    op.create_index(
        "ix_reports_open_final_due",
        "reports",
        ["stage", "final_due_at"],
        unique=False,
        sqlite_where=sa.text(OPEN_PREDICATE),
        postgresql_where=sa.text(OPEN_PREDICATE),
    )


def downgrade() -> None:
    op.drop_index("ix_reports_open_final_due", table_name="reports")
    for clock, mark in _MARKS:
        op.execute(
            f"UPDATE reports SET {clock}_{mark}_at = (SELECT fired_at FROM sla_marks m "
            f"WHERE m.report_id = reports.id AND m.clock = '{clock}' AND m.mark = '{mark}')"
        )
        _mark_index(clock, mark)
    op.drop_table("sla_marks")
