"""an index to prune old checks by age

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 15:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_check_started", "check", ["started_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_check_started", table_name="check")
