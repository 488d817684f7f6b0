"""guards: holds, removals, change kinds

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 04:23:48.430802
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import worker.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("change", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="edit",
            )
        )
        batch_op.add_column(sa.Column("reverts_to", sa.Integer(), nullable=True))

    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hold_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("hold_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("gone_since", worker.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("gone_checks", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("removed", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.drop_column("removed")
        batch_op.drop_column("gone_checks")
        batch_op.drop_column("gone_since")
        batch_op.drop_column("hold_count")
        batch_op.drop_column("hold_hash")

    with op.batch_alter_table("change", schema=None) as batch_op:
        batch_op.drop_column("reverts_to")
        batch_op.drop_column("kind")
