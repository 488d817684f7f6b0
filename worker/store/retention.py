"""Pruning old checks, sent alerts and silent workers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from worker.models import Check, Delivery, WorkerState
from worker.store._base import StoreBase


class RetentionQueries(StoreBase):
    """Deleting what is kept only for a while."""

    def prune(
        self, now: datetime, keep_checks: timedelta, keep_sent_alerts: timedelta
    ) -> dict[str, int]:
        """Delete Check rows and sent deliveries older than these ages (zero keeps them), and
        the rows of workers silent for a day. Versions, changes and failed or pending alerts
        are never pruned. Deletes in small batches, so a busy database is never locked long.
        """
        pruned = {"checks": 0, "alerts": 0, "workers": 0}
        if keep_checks > timedelta(0):
            old = col(Check.started_at) < now - keep_checks
            pruned["checks"] = self._delete_batches(Check, old)
        if keep_sent_alerts > timedelta(0):
            sent = sa.and_(
                Delivery.status == "sent", col(Delivery.sent_at) < now - keep_sent_alerts
            )
            pruned["alerts"] = self._delete_batches(Delivery, sent)
        silent = col(WorkerState.heartbeat_at) < now - timedelta(days=1)
        with self.session() as session:
            gone = session.execute(sa.delete(WorkerState).where(silent))
            pruned["workers"] = max(gone.rowcount, 0)
        return pruned

    def _delete_batches(self, model: Any, condition: Any, batch: int = 5000) -> int:
        total = 0
        while True:
            with self.session() as session:
                ids = list(session.exec(select(model.id).where(condition).limit(batch)))
                if ids:
                    session.execute(sa.delete(model).where(col(model.id).in_(ids)))
            total += len(ids)
            if len(ids) < batch:
                return total
