"""Leases: how watches, sources and deliveries are claimed by one worker at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from worker.models import Watch

Lease = tuple[str | None, datetime | None]  # (owner, expiry) as one claim set them
CLAIM_ATTEMPTS = 10  # reads per claim while other workers keep winning the candidates


def _claim_rows(session: Session, model: Any, query: Any, owner: str, until: datetime) -> list[Any]:
    """Lease the rows `query` selects, atomically, in the query's order.

    The candidates are read first (locked with SKIP LOCKED on PostgreSQL); the UPDATE then
    re-checks the query's whole condition (the lease is free, and the row is still due,
    pending, active...), so two processes racing for the same rows (SQLite has no row locks,
    and its SELECT runs before the write lock is taken) never both win one, and a row that
    another worker finished meanwhile is not taken again.
    """
    for _ in range(CLAIM_ATTEMPTS):
        ids = [row.id for row in session.exec(query)]
        if not ids:
            return []
        session.execute(
            sa.update(model)
            .where(col(model.id).in_(ids), query.whereclause)
            .values(lease_owner=owner, lease_until=until)
            .execution_options(synchronize_session=False)
        )
        mine = select(model).where(
            col(model.id).in_(ids), model.lease_owner == owner, model.lease_until == until
        )
        rows = {r.id: r for r in session.exec(mine.execution_options(populate_existing=True))}
        if rows:
            return [rows[row_id] for row_id in ids if row_id in rows]
        # Every candidate went to another worker meanwhile; this read now sees their leases.
    return []


def _lease_of(watch: Watch) -> Lease:
    return (watch.lease_owner, watch.lease_until)


def lease_held(watch: Watch) -> Lease | None:
    """The lease a claimed watch carries (to prove it at save time); None if unclaimed."""
    return _lease_of(watch) if watch.lease_owner is not None else None


def _release(watch: Watch, next_check_at: datetime) -> None:
    watch.lease_owner = None
    watch.lease_until = None
    watch.next_check_at = next_check_at
