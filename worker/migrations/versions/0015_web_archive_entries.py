"""the web archive: one entry per check that kept WARC records, chained per article

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 16:00:00.000000

Versions stored before keep no entry: an export reconstructs their records from the stored
HTML, marked as such, and `verify` tells them apart.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import worker.models
from worker.models import VOCABULARY, one_of

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    kind = one_of("archive_entry", "kind", VOCABULARY["archive_entry"]["kind"])
    op.create_table(
        "archive_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", _text(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("check_id", sa.Integer(), nullable=True),
        sa.Column("content_hash", _text(64), nullable=False),
        sa.Column("raw_hash", _text(64), nullable=True),
        sa.Column("uri", sa.String(length=2048), nullable=False),
        sa.Column("captured_at", worker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("warc_date", _text(40), nullable=False),
        sa.Column("response_id", _text(100), nullable=False),
        sa.Column("payload_digest", _text(100), nullable=False),
        sa.Column("revisit", sa.Boolean(), nullable=False),
        sa.Column("file", _text(255), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.JSON(), nullable=False),
        sa.Column("previous", _text(80), nullable=False),
        sa.Column("digest", _text(80), nullable=False),
        sa.ForeignKeyConstraint(["watch_id"], ["watch.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("watch_id", "seq"),
        sa.CheckConstraint(kind.sqltext, name=kind.name),
    )
    op.create_index("ix_archive_entry_payload", "archive_entry", ["watch_id", "payload_digest"])


def downgrade() -> None:
    op.drop_index("ix_archive_entry_payload", table_name="archive_entry")
    op.drop_table("archive_entry")
