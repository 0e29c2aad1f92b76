"""When a report's staff clock first ran out moves to a narrow table, `sla_breaches` (issue 15).

The catch-up sweep at a million reports records a first breach on some 21,000 overdue reports.
As the report column `sla_breached_at` each one rewrote a wide report row on a page of its own
of a 1.4 GB table: 0.37 s of the catch-up's 1.75 s of CPU, most of it writing those 21,000
pages to the write-ahead log. As rows of `sla_breaches` (report, breached_at; WITHOUT ROWID on
SQLite, its primary key its only index) they go in side by side, as the marks do (0011).

- `sla_breaches` is created and filled from `reports.sla_breached_at`.
- The column stays, unused: SQLite's DROP COLUMN rewrites the whole table (12 s at a million
  reports), as for the marks' six columns in 0011.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_breaches",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("breached_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_sla_breaches_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_sla_breaches")),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO sla_breaches (report_id, breached_at) "
        "SELECT id, sla_breached_at FROM reports WHERE sla_breached_at IS NOT NULL"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE reports SET sla_breached_at = "
        "(SELECT breached_at FROM sla_breaches WHERE sla_breaches.report_id = reports.id)"
    )
    op.drop_table("sla_breaches")
