"""Claiming due watches for a check and releasing them after."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from worker.errors import NotFoundError
from worker.models import Delivery, Source, Watch
from worker.store._base import StoreBase
from worker.store._leases import Lease, _claim_rows, _lease_of, _release
from worker.urls import normalise_url


class ClaimQueries(StoreBase):
    """Leasing watches to workers, and giving them back."""

    def claim_due(
        self,
        owner: str,
        limit: int,
        now: datetime,
        lease: timedelta,
        due_before: datetime | None = None,
    ) -> list[Watch]:
        """Lease up to `limit` active watches whose next check is due (at `due_before`, by
        default now), oldest due first.

        Several workers never take the same watch: see `_claim_rows`.
        """
        query = (
            select(Watch)
            .where(col(Watch.active), col(Watch.next_check_at) <= (due_before or now))
            .where(_lease_free(now))
            .order_by(col(Watch.next_check_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return self._lease(query, owner, now, lease)

    def claim_urls(
        self, owner: str, urls: Sequence[str], now: datetime, lease: timedelta
    ) -> list[Watch]:
        """Lease the watches for these URLs now, due or not; unknown URLs raise NotFoundError."""
        keys = [normalise_url(url) for url in urls]
        with self.session() as session:
            known = set(session.exec(select(Watch.url).where(col(Watch.url).in_(keys))))
        missing = [url for url, key in zip(urls, keys, strict=True) if key not in known]
        if missing:
            raise NotFoundError(f"not watched: {', '.join(missing)} (add it with 'watch add')")
        query = select(Watch).where(col(Watch.url).in_(keys), _lease_free(now))
        return self._lease(query.with_for_update(skip_locked=True), owner, now, lease)

    def claim_all(
        self,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int | None = None,
        after_id: int = 0,
    ) -> list[Watch]:
        """Lease active watches now, due or not, by id from `after_id` on (all, or `limit`)."""
        query = select(Watch).where(col(Watch.active), col(Watch.id) > after_id, _lease_free(now))
        query = query.order_by(col(Watch.id)).limit(limit)
        return self._lease(query.with_for_update(skip_locked=True), owner, now, lease)

    def _lease(self, query: Any, owner: str, now: datetime, lease: timedelta) -> list[Watch]:
        with self.session() as session:
            return _claim_rows(session, Watch, query, owner, now + lease)

    def release(self, watch_id: int, next_check_at: datetime, lease: Lease | None = None) -> None:
        """Drop the lease on a watch and schedule its next check (only if `lease`, when
        given, is still the watch's lease)."""
        with self.session() as session:
            watch = session.get(Watch, watch_id)
            if watch is not None and (lease is None or _lease_of(watch) == lease):
                _release(watch, next_check_at)
                session.add(watch)

    def release_leases(self, owner: str) -> None:
        """Drop every lease `owner` holds (watches, sources, deliveries), leaving them due:
        for a worker that stops with claimed work it never started."""
        with self.session() as session:
            for model in (Watch, Source, Delivery):
                session.execute(
                    sa.update(model)
                    .where(col(model.lease_owner) == owner)
                    .values(lease_owner=None, lease_until=None)
                    .execution_options(synchronize_session=False)
                )


def _lease_free(now: datetime) -> Any:
    return sa.or_(col(Watch.lease_until).is_(None), col(Watch.lease_until) < now)
