"""The workers' heartbeats and the counts /metrics reports."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from worker.models import Change, Check, Delivery, Watch, WorkerState, utcnow
from worker.store._base import StoreBase
from worker.store._rows import _aware


class WorkerQueries(StoreBase):
    """Which workers run, and what the database holds for /metrics."""

    def heartbeat(self, worker_id: str, totals: Mapping[str, int], started_at: datetime) -> None:
        """Say this worker is alive, with its running totals."""
        now = utcnow()
        with self.session() as session:
            row = session.get(WorkerState, worker_id) or WorkerState(
                id=worker_id, started_at=started_at
            )
            row.heartbeat_at, row.stopped_at = now, None
            row.checks = sum(totals.values())
            row.changes = totals.get("changed", 0) + totals.get("new", 0)
            row.errors = totals.get("error", 0)
            session.add(row)

    def worker_stopped(self, worker_id: str) -> None:
        """Mark a worker as stopped (a clean shutdown)."""
        with self.session() as session:
            row = session.get(WorkerState, worker_id)
            if row is not None:
                row.stopped_at = utcnow()
                session.add(row)

    def workers(self, alive_since: datetime) -> list[tuple[WorkerState, int]]:
        """Workers that beat since `alive_since` and did not stop, with their live leases."""
        now = utcnow()
        leases = (
            select(Watch.lease_owner, sa.func.count().label("n"))
            .where(col(Watch.lease_until) > now)
            .group_by(col(Watch.lease_owner))
            .subquery()
        )
        query = (
            select(WorkerState, sa.func.coalesce(leases.c.n, 0))
            .outerjoin(leases, leases.c.lease_owner == WorkerState.id)
            .where(col(WorkerState.heartbeat_at) >= alive_since)
            .where(col(WorkerState.stopped_at).is_(None))
            .order_by(col(WorkerState.started_at))
        )
        with self.session() as session:
            return [(row, int(count)) for row, count in session.exec(query)]

    def metrics(self, now: datetime) -> dict[str, Any]:
        """Counts for /metrics: checks by outcome, changes, deliveries by status, due work."""
        due = sa.and_(col(Watch.active), col(Watch.next_check_at) <= now)
        with self.session() as session:
            checks = session.exec(
                select(Check.outcome, sa.func.count()).group_by(col(Check.outcome))
            ).all()
            deliveries = session.exec(
                select(Delivery.status, sa.func.count()).group_by(col(Delivery.status))
            ).all()
            changes = session.exec(select(sa.func.count()).select_from(Change)).one()
            active = session.exec(select(sa.func.count()).where(col(Watch.active))).one()
            due_count, oldest = session.exec(
                select(sa.func.count(), sa.func.min(Watch.next_check_at)).where(due)
            ).one()
        oldest = _aware(oldest)
        return {
            "checks": dict(checks),
            "deliveries": dict(deliveries),
            "changes": int(changes),
            "active_watches": int(active),
            "due_watches": int(due_count),
            "due_lag_seconds": (now - oldest).total_seconds() if oldest else 0.0,
        }
