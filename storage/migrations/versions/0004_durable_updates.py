"""Updates are stored before Telegram is told they arrived; outbox rows carry a revision.

`inbound_updates` replaces `processed_updates`: each update is kept (keyed by the bot's id and the
update's id, so one database can serve two bots) from the moment it is fetched until its
handlers have run; its payload is cleared once handled. `outbox.revision` counts the refreshes
folded into a pending row, so that a sender that rendered an older revision leaves the row
pending for the newer one.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbound_updates",
        sa.Column("bot_id", _TG_ID, nullable=False),
        sa.Column("update_id", _TG_ID, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("received_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("handled_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_inbound_updates")),
    )
    with op.batch_alter_table("inbound_updates", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_updates_open", ["bot_id", "handled_at"], unique=False)
        batch_op.create_index("ix_inbound_updates_received", ["received_at"], unique=False)
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_processed_updates_at")
    op.drop_table("processed_updates")
    op.add_column("outbox", sa.Column("revision", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("revision")
    op.create_table(
        "processed_updates",
        sa.Column("update_id", _TG_ID, nullable=False),
        sa.Column("processed_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index("ix_processed_updates_at", ["processed_at"], unique=False)
    with op.batch_alter_table("inbound_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_updates_received")
        batch_op.drop_index("ix_inbound_updates_open")
    op.drop_table("inbound_updates")
