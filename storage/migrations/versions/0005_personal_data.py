"""Personal data at rest: encrypted identity columns, erasure and retention marks, the access log.

- `reporters.name`, `phone`, `address`, `email`, `id_photo_file_id` become TEXT: they hold Fernet
  tokens (storage/crypto.py), longer than the clear values. On SQLite each column is swapped in
  place (add, copy, drop, rename: no table rebuild, which foreign keys to `reporters` forbid).
  Values already stored are copied as they are; they stay readable (a value that is not a token
  is read as plain text) and `python -m bot keys rotate` encrypts them.
- `reporters.erased_at`: when the reporter's personal data was erased on request (/hapus_data).
- `reports.personal_purged_at`: when retention purged the personal data the report held; the
  partial index finds closed reports still to purge.
- `identity_views`: every staff view of a reporter's identity (the access log supervisors read).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_FIELDS = ("name", "phone", "address", "email", "id_photo_file_id")
_LENGTHS = {"name": 200, "phone": 20, "address": 500, "email": 254, "id_photo_file_id": 200}


def _swap(table: str, column: str, new_type: str) -> None:
    """Give an SQLite column a new declared type without rebuilding the table."""
    op.execute(f"ALTER TABLE {table} ADD COLUMN {column}__new {new_type}")
    op.execute(f"UPDATE {table} SET {column}__new = {column}")
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {column}__new TO {column}")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for field in _FIELDS:
        if sqlite:
            _swap("reporters", field, "TEXT")
        else:
            op.alter_column("reporters", field, type_=sa.Text())
    op.add_column(
        "reporters",
        sa.Column("erased_at", storage.types.UtcDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "reports",
        sa.Column("personal_purged_at", storage.types.UtcDateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_reports_closed_unpurged",
        "reports",
        ["closed_at"],
        unique=False,
        sqlite_where=sa.text("personal_purged_at IS NULL"),
        postgresql_where=sa.text("personal_purged_at IS NULL"),
    )
    op.create_table(
        "identity_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("viewer_telegram_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite")),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_identity_views_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_identity_views_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_views")),
    )
    op.create_index("ix_identity_views_at", "identity_views", ["at"], unique=False)
    op.create_index("ix_identity_views_report", "identity_views", ["report_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_identity_views_report", table_name="identity_views")
    op.drop_index("ix_identity_views_at", table_name="identity_views")
    op.drop_table("identity_views")
    op.drop_index("ix_reports_closed_unpurged", table_name="reports")
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("ALTER TABLE reports DROP COLUMN personal_purged_at")
        op.execute("ALTER TABLE reporters DROP COLUMN erased_at")
    else:
        op.drop_column("reports", "personal_purged_at")
        op.drop_column("reporters", "erased_at")
    for field in _FIELDS:
        if sqlite:
            _swap("reporters", field, f"VARCHAR({_LENGTHS[field]})")
        else:
            op.alter_column("reporters", field, type_=sa.String(_LENGTHS[field]))
