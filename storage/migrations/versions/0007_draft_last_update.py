"""Drafts remember the update whose answer they saved last (issue 14: a replay never applies twice).

An update is marked handled right after its handlers; a crash between a conversation step's
save and that mark would replay the answer into the next step. The draft records the update id
it saved, and the replay at start skips an update a draft already holds.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("last_update_id", _TG_ID, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("last_update_id")
