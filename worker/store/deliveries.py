"""The alert outbox: Delivery rows claimed, attempted and settled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from worker.errors import NotFoundError
from worker.models import Change, ChannelState, Delivery, Watch, utcnow
from worker.store._base import StoreBase
from worker.store._leases import _claim_rows
from worker.store._rows import _aware


class Deliveries:
    """The alert outbox: Delivery rows claimed, attempted and settled like checks."""

    def __init__(self, store: StoreBase) -> None:
        self.store = store

    def claim(
        self,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        channels: Sequence[str],
    ) -> list[Delivery]:
        """Lease due pending deliveries of these channels, oldest due first."""
        query = (
            select(Delivery)
            .where(
                Delivery.status == "pending",
                col(Delivery.next_attempt_at) <= now,
                col(Delivery.channel).in_(list(channels)),
                sa.or_(col(Delivery.lease_until).is_(None), col(Delivery.lease_until) < now),
            )
            .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with self.store.session() as session:
            return _claim_rows(session, Delivery, query, owner, now + lease)

    def oldest_pending(self, channel: str) -> datetime | None:
        """When the oldest pending delivery of a channel was created (digests wait on it)."""
        query = select(sa.func.min(Delivery.created_at)).where(
            Delivery.channel == channel, Delivery.status == "pending"
        )
        with self.store.session() as session:
            value = session.exec(query).one()
        return _aware(value)

    def bundle(self, ids: Sequence[int], digest_key: str) -> None:
        """Mark deliveries as sent together under one digest key."""
        with self.store.session() as session:
            for row in session.exec(select(Delivery).where(col(Delivery.id).in_(list(ids)))):
                row.digest_key = row.digest_key or digest_key
                session.add(row)

    def settle(
        self,
        ids: Sequence[int],
        status: str,
        next_attempt_at: datetime | None,
        last_status: int | None,
        error: str | None,
        owner: str | None = None,
    ) -> None:
        """Record one attempt on these deliveries and drop their lease.

        With `owner`, a failure is recorded only on rows that worker still leases (a worker
        whose lease ran out must not reschedule what another one has sent since); a success
        is always recorded.
        """
        now = utcnow()
        query = select(Delivery).where(col(Delivery.id).in_(list(ids)))
        if owner is not None and status != "sent":
            query = query.where(Delivery.lease_owner == owner)
        with self.store.session() as session:
            for row in session.exec(query):
                row.attempts += 1
                row.status = status
                row.last_status, row.last_error = last_status, error and error[:1000]
                row.sent_at = now if status == "sent" else row.sent_at
                row.next_attempt_at = next_attempt_at or row.next_attempt_at
                row.lease_owner = row.lease_until = None
                session.add(row)

    def change(self, change_id: int) -> tuple[Change, Watch]:
        """A change and its watch, for building an alert's payload."""
        with self.store.session() as session:
            change = session.get(Change, change_id)
            if change is None:
                raise NotFoundError(f"no change {change_id}")
            watch = session.get(Watch, change.watch_id)
            assert watch is not None  # foreign key
            return change, watch

    def watch(self, watch_id: int) -> Watch:
        """The watch a delivery is about."""
        with self.store.session() as session:
            watch = session.get(Watch, watch_id)
        if watch is None:
            raise NotFoundError(f"no watch {watch_id}")
        return watch

    def deliveries(self, status: str | None = None, limit: int = 200) -> list[Delivery]:
        """Deliveries, newest first, optionally of one status."""
        query = select(Delivery)
        if status:
            query = query.where(Delivery.status == status)
        with self.store.session() as session:
            return list(session.exec(query.order_by(col(Delivery.id).desc()).limit(limit)))

    def retry(self, ids: Sequence[int] | None = None) -> list[int]:
        """Make failed deliveries (these, or all) pending again; re-enable their channels.

        Returns the ids made pending (a given id that is not a failed delivery is not).
        """
        query = select(Delivery).where(Delivery.status == "failed")
        if ids is not None:
            query = query.where(col(Delivery.id).in_(list(ids)))
        now = utcnow()
        with self.store.session() as session:
            rows = list(session.exec(query))
            for row in rows:
                row.status, row.attempts, row.next_attempt_at = "pending", 0, now
                row.lease_owner = row.lease_until = None
                session.add(row)
                _enable(session, row.channel)
        return [row.id for row in rows if row.id is not None]

    def disable_channel(self, name: str, reason: str) -> None:
        """Stop using a channel; its pending deliveries fail with the reason."""
        with self.store.session() as session:
            state = session.get(ChannelState, name) or ChannelState(name=name)
            state.disabled_at, state.reason = utcnow(), reason[:1000]
            session.add(state)
            pending = select(Delivery).where(Delivery.channel == name, Delivery.status == "pending")
            for row in session.exec(pending):
                row.status, row.last_error = "failed", f"channel disabled: {reason}"[:1000]
                row.lease_owner = row.lease_until = None
                session.add(row)

    def disabled_channels(self) -> dict[str, str]:
        """Channels that are switched off, with the reason."""
        with self.store.session() as session:
            return {s.name: s.reason or "" for s in session.exec(select(ChannelState))}

    def due_count(self, channels: Sequence[str], before: datetime) -> int:
        """Pending deliveries of these channels due before a time."""
        query = select(sa.func.count()).where(
            Delivery.status == "pending",
            col(Delivery.channel).in_(list(channels)),
            col(Delivery.next_attempt_at) <= before,
        )
        with self.store.session() as session:
            return int(session.exec(query).one())


def _enable(session: Session, channel: str) -> None:
    state = session.get(ChannelState, channel)
    if state is not None:
        session.delete(state)
