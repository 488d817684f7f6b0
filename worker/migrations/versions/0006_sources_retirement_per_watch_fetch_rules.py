"""sources, retirement, per-watch fetch rules

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 04:46:54.307428
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import worker.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("pattern", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("from_config", sa.Boolean(), nullable=False),
        sa.Column("allow_private", sa.Boolean(), nullable=False),
        sa.Column("ignore_robots", sa.Boolean(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("next_poll_at", worker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("lease_until", worker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("etag", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column("last_modified", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("created_at", worker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_polled_at", worker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("enrolled", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
    )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_next_poll_at"), ["next_poll_at"], unique=False)

    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("respect_robots", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("retired_at", worker.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
        batch_op.drop_column("respect_robots")
        batch_op.drop_column("public_only")

    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_next_poll_at"))

    op.drop_table("source")
