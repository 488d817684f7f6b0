"""Alembic environment: runs on the connection handed over by worker.db.migrate."""

from alembic import context
from sqlmodel import SQLModel

import worker.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from worker.migrations.search import include_name

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through worker.db.migrate (newswatch init)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
