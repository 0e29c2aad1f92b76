"""A queued document's bytes are stored once, however many chats it goes to (issue 15).

A catch-up sweep at a million reports queues 38 digests whose CSV files are 9 distinct files
(the liaisons of one unit, the supervisors, share theirs): 37 MB of JSON payloads for 12.5 MB of
files, encoded and written in the sweep's last transaction, and uploaded 38 times.

- `outbox_files` (id, sha256, content, telegram_file_id, created_at): one row per distinct
  file; the sender records Telegram's file_id after the first upload and sends the same file to
  the next chat by that id (no upload).
- `outbox.document_id` names the file a `send_document` row sends; a partial index of the rows
  that name one, so that pruning finds the files no row needs any more.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("telegram_file_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_outbox_files_sha256")),
    )
    # SQLite adds a nullable column without rewriting the table; no foreign key, which SQLite
    # cannot add to an existing table (the repository keeps a named file until no row names it).
    op.add_column("outbox", sa.Column("document_id", sa.Integer(), nullable=True))
    op.create_index(
        "ix_outbox_document",
        "outbox",
        ["document_id"],
        unique=False,
        sqlite_where=sa.text("document_id IS NOT NULL"),
        postgresql_where=sa.text("document_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_document", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("document_id")
    op.drop_table("outbox_files")
