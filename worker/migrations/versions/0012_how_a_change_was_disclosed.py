"""how a change was disclosed on the page: notice, timestamp or silent

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 14:30:00.000000

Changes recorded before keep NULL: newswatch did not tell them apart then.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from worker.models import VOCABULARY, one_of

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    constraint = one_of("change", "disclosure", VOCABULARY["change"]["disclosure"])
    with op.batch_alter_table("change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disclosure", sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(constraint.name, constraint.sqltext)


def downgrade() -> None:
    with op.batch_alter_table("change", schema=None) as batch_op:
        batch_op.drop_constraint("ck_change_disclosure", type_="check")
        batch_op.drop_column("disclosure")
