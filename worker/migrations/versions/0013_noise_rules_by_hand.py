"""noise rules the operator makes: prefixes and CSS selectors, scoped, with their last effect

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import worker.models
from worker.models import VOCABULARY, one_of

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    kind = one_of("noiserule", "kind", VOCABULARY["noiserule"]["kind"])
    with op.batch_alter_table("noiserule", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="learned")
        )
        batch_op.add_column(sa.Column("scope", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("from_config", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("removed", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("refused", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("last_applied", worker.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_check_constraint(kind.name, kind.sqltext)


def downgrade() -> None:
    with op.batch_alter_table("noiserule", schema=None) as batch_op:
        batch_op.drop_constraint("ck_noiserule_kind", type_="check")
        for column in ("last_applied", "refused", "removed", "from_config", "scope", "kind"):
            batch_op.drop_column(column)
