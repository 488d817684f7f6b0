"""pages rendered in a browser: what a watch or source asks for, what a check used

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 10:00:00.000000

`watch.fetcher` and `source.fetcher` (plain, browser, auto; NULL: as [fetch] browser says),
`watch.needs_browser` (a script shell, remembered by `auto`), `check.fetcher` and
`check.render_ms`. Checks recorded before keep NULL: they were all plain.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from worker.models import VOCABULARY, one_of

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONSTRAINED = ("check", "source")  # watch: no constraint (SQLite would rebuild a referenced table)


def upgrade() -> None:
    # Plain ADD COLUMN: a batch rebuild of `watch` would drop a table others reference.
    op.add_column("watch", sa.Column("fetcher", sa.String(length=20), nullable=True))
    op.add_column(
        "watch",
        sa.Column("needs_browser", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    for table in _CONSTRAINED:
        constraint = one_of(table, "fetcher", VOCABULARY[table]["fetcher"])
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("fetcher", sa.String(length=20), nullable=True))
            if table == "check":
                batch_op.add_column(sa.Column("render_ms", sa.Integer(), nullable=True))
            batch_op.create_check_constraint(constraint.name, constraint.sqltext)


def downgrade() -> None:
    for table in _CONSTRAINED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"ck_{table}_fetcher", type_="check")
            if table == "check":
                batch_op.drop_column("render_ms")
            batch_op.drop_column("fetcher")
    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.drop_column("needs_browser")
        batch_op.drop_column("fetcher")
