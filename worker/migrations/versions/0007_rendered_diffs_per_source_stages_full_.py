"""rendered diffs, per-source stages, full-text search

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 05:15:42.561517
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rendered_html", sa.Text(), nullable=True))

    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stages", sa.JSON(), nullable=True))
    _create_search()


def _create_search() -> None:
    """Full-text search over headlines and bodies: FTS5 on SQLite, a GIN index on PostgreSQL."""
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    else:
        op.execute(POSTGRES_SEARCH)


SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE snapshot_fts USING fts5("
    "title, body, content='snapshot', content_rowid='id', tokenize='unicode61')",
    "INSERT INTO snapshot_fts(rowid, title, body) SELECT id, title, body FROM snapshot",
    "CREATE TRIGGER snapshot_fts_insert AFTER INSERT ON snapshot BEGIN "
    "INSERT INTO snapshot_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER snapshot_fts_delete AFTER DELETE ON snapshot BEGIN "
    "INSERT INTO snapshot_fts(snapshot_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
)
POSTGRES_SEARCH = (
    "CREATE INDEX ix_snapshot_search ON snapshot USING gin "
    "(to_tsvector('simple', title || ' ' || body))"
)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS snapshot_fts_insert")
        op.execute("DROP TRIGGER IF EXISTS snapshot_fts_delete")
        op.execute("DROP TABLE IF EXISTS snapshot_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_snapshot_search")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("stages")

    with op.batch_alter_table("change", schema=None) as batch_op:
        batch_op.drop_column("rendered_html")
