"""the columns that hold one of the domain's words accept only those words

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 14:00:00.000000

The words come from worker.types (through models.VOCABULARY), where they are defined once.
"""

from collections.abc import Sequence

from alembic import op

from worker.models import VOCABULARY, one_of

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The columns this revision constrains (later revisions add their own); the words come from
# worker.types through models.VOCABULARY.
COLUMNS = {
    "check": ("outcome",),
    "change": ("kind", "significance"),
    "delivery": ("event", "status"),
    "source": ("kind",),
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                constraint = one_of(table, column, VOCABULARY[table][column])
                batch_op.create_check_constraint(constraint.name, constraint.sqltext)


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(f"ck_{table}_{column}", type_="check")
