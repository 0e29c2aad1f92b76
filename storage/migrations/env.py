"""Alembic environment: always runs on a connection handed over by storage.database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.database import include_object
from storage.tables import metadata


def run_migrations(connection: Connection) -> None:
    """Run the migrations on the given connection."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `python -m bot db upgrade`, not the alembic CLI")
run_migrations(connection)
