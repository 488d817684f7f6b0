"""noise learned per site

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 04:39:12.383349
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import worker.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "noiserule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sample", sa.Text(), nullable=False),
        sa.Column("watch_ids", sa.JSON(), nullable=False),
        sa.Column("learned", sa.Boolean(), nullable=False),
        sa.Column("first_seen", worker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", worker.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("host", "key"),
    )
    with op.batch_alter_table("noiserule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_noiserule_host"), ["host"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("noiserule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_noiserule_host"))

    op.drop_table("noiserule")
