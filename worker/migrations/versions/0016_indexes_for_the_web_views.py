"""indexes for the web views: /articles sorted by last change or check, the failing and
held watches, the states of a source's watches, and the edits of the last weeks (/sites) read
from indexes alone

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_watch_last_change": ("watch", ["last_change_at"]),
    "ix_watch_last_checked": ("watch", ["last_checked_at"]),
    "ix_watch_failing": ("watch", ["consecutive_failures"]),
    "ix_watch_held": ("watch", ["hold_count"]),
    "ix_watch_source_state": (
        "watch",
        ["source", "active", "retired_at", "consecutive_failures", "hold_count"],
    ),
    "ix_change_window": (
        "change",
        ["detected_at", "kind", "significance", "disclosure", "watch_id"],
    ),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
