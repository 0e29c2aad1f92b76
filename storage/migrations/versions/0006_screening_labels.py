"""The office's screening decisions, kept as labels for retraining the learned screen (issue 13).

A report staff rejected as hate speech, SARA or abuse, or a screened (flagged) report staff let
through, leaves one row: the text, the labels, the decision and who took it.
`python -m bot screen train --with-decisions` reads them.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sara", sa.Boolean(), nullable=False),
        sa.Column("abusive", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_screening_labels_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_screening_labels_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_labels")),
        sa.UniqueConstraint("report_id", name=op.f("uq_screening_labels_report_id")),
    )


def downgrade() -> None:
    op.drop_table("screening_labels")
