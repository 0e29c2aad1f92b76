"""Staff hold an approval level: the order of approvals follows the profile, person by person.

`staff.approval_level` is the level (1-based, in the profile's `approval_levels` order) a member
approves; NULL for everyone already registered, so that an office that assigns no levels keeps
working as before (any member of the level's role approves it).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("approval_level", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("approval_level")
