"""PostgreSQL keeps each version's search vector in a stored generated column, GIN-indexed, so
that matching and ranking read it instead of parsing the title and body again for every row
(the expression index of 0007 served the match only); SQLite's FTS5 index already stores it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 17:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENT = "to_tsvector('simple', title || ' ' || body)"  # the same words as FTS5 and 0007


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE snapshot ADD COLUMN search_vector tsvector"
        f" GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    op.execute("CREATE INDEX ix_snapshot_search_vector ON snapshot USING gin (search_vector)")
    op.execute("DROP INDEX IF EXISTS ix_snapshot_search")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_snapshot_search ON snapshot USING gin (({DOCUMENT}))")
    op.execute("DROP INDEX IF EXISTS ix_snapshot_search_vector")
    op.execute("ALTER TABLE snapshot DROP COLUMN search_vector")
