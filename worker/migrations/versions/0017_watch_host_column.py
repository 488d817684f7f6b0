"""the host of each watch as a column of its own, indexed, so that every view filtered by
host (/articles, /sites/HOST, the feeds, search) is an index lookup instead of a LIKE over
every URL

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 16:30:00.000000
"""

from collections.abc import Sequence
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000  # watches read and written back at a time
HOST_LENGTH = 255  # as models.HOST_LENGTH was when this was written (a migration is frozen)


def host_of(url: str) -> str:
    """`urls.host_of` as it was when this was written: the lower-cased host name."""
    return (urlsplit(url).hostname or "").lower()


def upgrade() -> None:
    # Plain ADD COLUMN: a batch rebuild of `watch` would drop a table others reference.
    op.add_column("watch", sa.Column("host", sa.String(length=HOST_LENGTH), nullable=True))
    _fill_hosts()
    op.create_index("ix_watch_host", "watch", ["host"], unique=False)


def _fill_hosts() -> None:
    """Each stored watch's host, as new watches get theirs (`urls.host_of`)."""
    bind = op.get_bind()
    watch = sa.table("watch", sa.column("id", sa.Integer), sa.column("url"), sa.column("host"))
    update = sa.update(watch).where(watch.c.id == sa.bindparam("key"))
    last = 0
    while True:
        query = sa.select(watch.c.id, watch.c.url).where(watch.c.id > last)
        rows = bind.execute(query.order_by(watch.c.id).limit(BATCH)).all()
        if not rows:
            return
        hosts = [{"key": key, "host": host_of(url)[:HOST_LENGTH]} for key, url in rows]
        bind.execute(update.values(host=sa.bindparam("host")), hosts)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_watch_host", table_name="watch")
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop a table others reference.
    op.drop_column("watch", "host")
