"""Saving checks: one at a time with their versions and alerts, or quiet ones in batches."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from worker.errors import LeaseLostError, NotFoundError
from worker.models import Change, Check, Delivery, Watch, utcnow
from worker.store._base import StoreBase
from worker.store._leases import Lease, _release
from worker.store._rows import _latest_snapshot
from worker.store.archive import Capture, _archive_entry
from worker.store.history import _store_event, _store_version
from worker.store.noise import note_effects, note_noise
from worker.store.sites import _mark_site, _merge_duplicate
from worker.types import QUIET_OUTCOMES, CheckRecord, WatchState
from worker.urls import host_of

log = logging.getLogger(__name__)


# Alerts about a content event go out only when that event's Change row was written.
CHANGE_EVENTS = frozenset({"article.changed", "article.removed", "article.restored"})


class CheckQueries(StoreBase):
    """Writing the result of a check, under the lease of its claim."""

    def save_check(
        self, record: CheckRecord, lease: Lease | None = None, capture: Capture | None = None
    ) -> Check:
        """Write one check: the Check row, a Snapshot and Change when there are, the schedule.

        With `lease` (the owner and expiry the claim set), the check is written only if that
        claim still holds the watch; otherwise LeaseLostError, and nothing is written: another
        worker, or another claim by this one after the lease ran out, has the watch now.

        With `capture` (the web archive is on), a check that stored a version or an event
        has its records written and fsynced in this transaction, before its entry in the
        article's chain; a failed write (ArchiveError) writes nothing of the check.
        """
        with self.session() as session:
            # A write first: it takes the row (PostgreSQL) or database (SQLite) lock, so the
            # lease cannot change hands between this test and the writes below.
            held = lease is None or _still_leased(session, record.watch_id, lease)
            watch = session.get(Watch, record.watch_id, populate_existing=True)
            if watch is None:
                raise NotFoundError(f"watch {record.watch_id} vanished during its check")
            if not held:
                raise LeaseLostError(
                    f"{watch.url}: the lease expired during the check and "
                    f"{watch.lease_owner or 'no worker'} holds it now; the result was dropped"
                )
            check = _check_row(record)
            session.add(check)
            causes: dict[str, Change | None] = {}
            if record.article is not None:
                causes["article.changed"] = _store_version(session, watch, record)
            if record.event is not None:
                causes[f"article.{record.event}"] = _store_event(session, watch, record.event)
            if capture is not None and (record.article is not None or any(causes.values())):
                _archive_entry(session, watch, record, check, capture)
            _update_watch(watch, record)
            _merge_duplicate(session, watch)
            site_turned = record.site_event is not None and _mark_site(
                session, host_of(watch.url), record.site_event, record.error
            )
            if record.noise is not None:
                note_noise(session, watch, record.noise, self.noise_articles)
            if record.rule_effects:
                note_effects(session, watch, record.rule_effects)
            if record.alerts:
                session.flush()
                _enqueue(session, watch, record, causes, site_turned)
            session.add(watch)
        return check

    def save_quiet(self, records: Sequence[tuple[CheckRecord, Lease | None]]) -> int:
        """Write the Check rows and schedules of quiet checks (see `is_quiet`) in one
        transaction; returns how many were written.

        A record whose lease was lost meanwhile is dropped, as `save_check` would, and logged:
        the watch belongs to another claim now.
        """
        if not records:
            return 0
        now = utcnow()
        written: list[CheckRecord] = []
        with self.session() as session:
            for record, lease in records:
                if session.execute(_quiet_update(record, lease, now)).rowcount:
                    written.append(record)
                else:
                    log.warning("watch %s: its lease was lost; a quiet check dropped",
                                record.watch_id)  # fmt: skip
            if written:
                rows = [_check_row(record).model_dump(exclude={"id"}) for record in written]
                session.execute(sa.insert(Check), rows)
        return len(written)


def _still_leased(session: Session, watch_id: int, lease: Lease) -> bool:
    """True if this claim still holds the watch; a no-op UPDATE, so that it locks the row.

    The expiry tells claims apart: the threads of one worker share its owner id, and the
    same worker may claim a watch again once an earlier, slow check's lease ran out.
    """
    owner, until = lease
    result = session.execute(
        sa.update(Watch)
        .where(
            col(Watch.id) == watch_id,
            col(Watch.lease_owner) == owner,
            col(Watch.lease_until) == until,
        )
        .values(lease_owner=owner)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def _check_row(record: CheckRecord) -> Check:
    return Check(
        watch_id=record.watch_id,
        started_at=record.started_at,
        duration_ms=record.duration_ms,
        http_status=record.http_status,
        outcome=record.outcome,
        error=(record.error or None) and record.error[:1000],
        bytes=record.bytes,
        fetcher=record.fetcher,
        render_ms=record.render_ms,
    )


def _update_watch(watch: Watch, record: CheckRecord) -> None:
    now = utcnow()
    watch.last_checked_at = now
    watch.consecutive_failures = watch.consecutive_failures + 1 if record.failed else 0
    if record.raw_hash is not None:
        watch.etag, watch.last_modified = record.etag, record.last_modified
        watch.raw_hash = record.page_key or record.raw_hash  # the key of the last body seen
    if record.canonical_url:
        watch.canonical_url = record.canonical_url
    if record.change is not None or record.event is not None:
        watch.last_change_at = now
    if record.state is not None:
        _apply_state(watch, record.state)
    if record.needs_browser is not None:
        watch.needs_browser = record.needs_browser
    _release(watch, record.next_check_at)
    if record.retire:
        watch.active, watch.retired_at = False, now


def _apply_state(watch: Watch, state: WatchState) -> None:
    watch.hold_hash, watch.hold_count = state.hold_hash, state.hold_count
    watch.gone_since, watch.gone_checks = state.gone_since, state.gone_checks
    watch.removed = state.removed


def is_quiet(record: CheckRecord, watch: Watch) -> bool:
    """A check that changes nothing but the schedule and the counters: unchanged or not
    modified, no version, event, alert, noise or retirement, the canonical URL as before.
    Such checks are most checks, so they are written in batches (`save_quiet`)."""
    return (
        record.outcome in QUIET_OUTCOMES
        and not record.failed
        and record.article is None
        and record.change is None
        and record.event is None
        and record.site_event is None
        and record.noise is None
        and not record.alerts
        and not record.retire
        and not record.rule_effects
        and record.canonical_url in (None, watch.canonical_url)
    )


def _quiet_update(record: CheckRecord, lease: Lease | None, now: datetime) -> Any:
    """The watch's side of a quiet check, as `_update_watch` would set it, under its lease."""
    values: dict[str, Any] = {
        "last_checked_at": now,
        "consecutive_failures": 0,
        "lease_owner": None,
        "lease_until": None,
        "next_check_at": record.next_check_at,
    }
    if record.raw_hash is not None:
        values |= {
            "etag": record.etag,
            "last_modified": record.last_modified,
            "raw_hash": record.page_key or record.raw_hash,
        }
    if record.state is not None:
        values |= asdict(record.state)
    if record.needs_browser is not None:
        values["needs_browser"] = record.needs_browser
    query = sa.update(Watch).where(col(Watch.id) == record.watch_id)
    if lease is not None:
        owner, until = lease
        query = query.where(col(Watch.lease_owner) == owner, col(Watch.lease_until) == until)
    return query.values(**values).execution_options(synchronize_session=False)


def _enqueue(
    session: Session,
    watch: Watch,
    record: CheckRecord,
    causes: dict[str, Change | None],
    site_turned: bool,
) -> None:
    """Outbox rows for the alerts of one check; a change alert needs its Change row, and a
    site alert needs this check to have turned the site (not another worker just before)."""
    now = utcnow()
    version = _latest_snapshot(session, watch.id)
    for alert in record.alerts:
        change = causes.get(alert.event)
        if alert.event in CHANGE_EVENTS and change is None:
            continue
        if alert.event.startswith("site.") and not site_turned:
            continue
        session.add(
            Delivery(
                key=f"msg_{uuid.uuid4().hex}",
                channel=alert.channel,
                event=alert.event,
                change_id=change.id if change else None,
                watch_id=watch.id,
                version=version.version if version else None,
                data=dict(alert.data),
                created_at=now,
                next_attempt_at=now,
            )
        )
