"""watches the operator added by hand are never merged away as a source's duplicates

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("by_hand", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Until now, only watches that no source enrolled were known to be the operator's.
    op.execute(sa.text("UPDATE watch SET by_hand = true WHERE source IS NULL"))


def downgrade() -> None:
    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.drop_column("by_hand")
