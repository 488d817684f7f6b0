"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 04:10:44.927008
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import worker.models

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rawpage",
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("hash"),
    )
    op.create_table(
        "watch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("canonical_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("from_config", sa.Boolean(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=True),
        sa.Column("next_check_at", worker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("lease_until", worker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("etag", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column("last_modified", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("raw_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", worker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_change_at", worker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_checked_at", worker.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
    )
    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watch_next_check_at"), ["next_check_at"], unique=False)

    op.create_table(
        "change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=False),
        sa.Column("detected_at", worker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("significance", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("operations", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["watch_id"],
            ["watch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_detected_at"), ["detected_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_watch_id"), ["watch_id"], unique=False)

    op.create_table(
        "check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("started_at", worker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["watch_id"],
            ["watch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("check", schema=None) as batch_op:
        batch_op.create_index("ix_check_watch_started", ["watch_id", "started_at"], unique=False)

    op.create_table(
        "snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fetched_at", worker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("subtitle", sa.Text(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("published_at", worker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("modified_at", worker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("canonical_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=35), nullable=True),
        sa.Column("site_name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("image", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
        sa.Column("image_caption", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("raw_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("extractor_version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["raw_hash"],
            ["rawpage.hash"],
        ),
        sa.ForeignKeyConstraint(
            ["watch_id"],
            ["watch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("watch_id", "version"),
    )
    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_snapshot_watch_id"), ["watch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snapshot_watch_id"))

    op.drop_table("snapshot")
    with op.batch_alter_table("check", schema=None) as batch_op:
        batch_op.drop_index("ix_check_watch_started")

    op.drop_table("check")
    with op.batch_alter_table("change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_watch_id"))
        batch_op.drop_index(batch_op.f("ix_change_detected_at"))

    op.drop_table("change")
    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watch_next_check_at"))

    op.drop_table("watch")
    op.drop_table("rawpage")
