"""Every database query newswatch makes. Sessions open and close here, never elsewhere."""

from __future__ import annotations

import functools
import ipaddress
import logging
import uuid
import zlib
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from publicsuffixlist import PublicSuffixList
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from worker.durations import LONGEST_DURATION
from worker.errors import BadURLError, LeaseLostError, NotFoundError, UsageError
from worker.models import (
    URL_LENGTH,
    Change,
    ChannelState,
    Check,
    Delivery,
    NoiseRule,
    RawPage,
    Site,
    Snapshot,
    Source,
    Watch,
    WorkerState,
    utcnow,
)
from worker.settings import SourceSettings, WatchSettings
from worker.types import (
    QUIET_OUTCOMES,
    SIGNIFICANCE,
    Article,
    CheckRecord,
    DateNote,
    Discovered,
    Link,
    PollRecord,
    StoredVersion,
    WatchState,
)
from worker.urls import is_http_url, normalise_url

PARAGRAPH_BREAK = "\n\n"
# Alerts about a content event go out only when that event's Change row was written.
CHANGE_EVENTS = frozenset({"article.changed", "article.removed", "article.restored"})


log = logging.getLogger(__name__)

Lease = tuple[str | None, datetime | None]  # (owner, expiry) as one claim set them
NOISE_SIGHTINGS = 200  # rotations remembered per noise rule
CLAIM_ATTEMPTS = 10  # reads per claim while other workers keep winning the candidates


class Store:
    """The database behind newswatch; one instance per process, safe to share across threads."""

    def __init__(self, engine: Engine, noise_articles: int = 3) -> None:
        self.engine = engine
        self.noise_articles = noise_articles

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    # -- watches ---------------------------------------------------------------------------

    def add_watch(
        self,
        url: str,
        every: timedelta | None = None,
        label: str | None = None,
        *,
        from_config: bool = False,
    ) -> Watch:
        """Watch `url` (normalised); an existing watch is reactivated and updated.

        From the command line, `every` and `label` change an existing watch only when given;
        a config sync (`from_config`) sets them as the config says. A URL the operator adds
        is theirs from then on: no source's restrictions, and never merged away as a
        source's duplicate.
        """
        key = _checked_url(url)
        with self.session() as session:
            watch = _watch_by_url(session, key)
            if watch is None:
                # Another process may add the same URL at this moment: insert-or-nothing.
                _insert_new(session, Watch(url=key, created_at=utcnow(), next_check_at=utcnow()))
                watch = _require_watch(session, key)
            if not from_config or watch.retired_at is None:  # a config sync never revives
                watch.active, watch.retired_at = True, None
            # The operator vouches for what they add: no address or robots.txt restrictions.
            watch.public_only = watch.respect_robots = False
            watch.by_hand = True
            watch.from_config = from_config or watch.from_config
            if from_config or every is not None:
                _set_every(watch, every)
            if from_config or label is not None:
                watch.label = label or None
            session.add(watch)
        return watch

    def sync_config_watches(self, watches: Sequence[WatchSettings]) -> None:
        """Make the config's [[watch]] list true in the database; idempotent.

        A watch that left the config is deactivated, its history kept.
        """
        wanted = {normalise_url(str(w.url)): w for w in watches}
        with self.session() as session:
            for watch in session.exec(select(Watch).where(col(Watch.from_config))):
                if watch.url not in wanted:
                    watch.active = False
                    watch.from_config = False
                    session.add(watch)
        for url, config in wanted.items():
            self.add_watch(url, config.every, config.label, from_config=True)

    def remove_watch(self, url: str) -> Watch:
        """Stop watching `url`; its stored versions and changes are kept."""
        with self.session() as session:
            watch = _require_watch(session, url)
            watch.active = False
            watch.from_config = False
            watch.lease_owner = watch.lease_until = None
            session.add(watch)
        return watch

    def get_watch(self, url: str) -> Watch:
        """The watch for `url`, or NotFoundError."""
        with self.session() as session:
            return _require_watch(session, url)

    def list_watches(self) -> list[tuple[Watch, int]]:
        """Every watch with its number of stored versions, oldest first."""
        versions = (
            select(Snapshot.watch_id, sa.func.count().label("n"))
            .group_by(col(Snapshot.watch_id))
            .subquery()
        )
        query = (
            select(Watch, sa.func.coalesce(versions.c.n, 0))
            .outerjoin(versions, versions.c.watch_id == Watch.id)
            .order_by(col(Watch.id))
        )
        with self.session() as session:
            return [(watch, int(count)) for watch, count in session.exec(query)]

    # -- sources -----------------------------------------------------------------------------

    def add_source(
        self,
        config: SourceSettings,
        *,
        from_config: bool = False,
        only: Collection[str] | None = None,
    ) -> Source:
        """Follow a feed, sitemap or section page (normalised URL); idempotent.

        On a known source, `only` (the options given on the command line) limits what
        changes; without it (a new source, a config sync) the config is taken whole.
        """
        key = _checked_url(str(config.url))
        with self.session() as session:
            source = session.exec(select(Source).where(Source.url == key)).first()
            if source is None:
                _insert_new(session, Source(url=key, created_at=utcnow(), next_poll_at=utcnow()))
                source = session.exec(select(Source).where(Source.url == key)).one()
                only = None
            _apply_source_options(source, config, only)
            source.active, source.from_config = True, from_config or source.from_config
            session.add(source)
            _apply_rules_to_enrolled(session, source)
        return source

    def sync_config_sources(self, sources: Sequence[SourceSettings]) -> None:
        """Make the config's [[source]] list true; a source that left it is deactivated."""
        wanted = {normalise_url(str(s.url)): s for s in sources}
        with self.session() as session:
            for source in session.exec(select(Source).where(col(Source.from_config))):
                if source.url not in wanted:
                    source.active = source.from_config = False
                    session.add(source)
        for config in wanted.values():
            self.add_source(config, from_config=True)

    def source_stages(self, url: str) -> tuple[tuple[timedelta, timedelta], ...] | None:
        """The schedule stages a source sets for the articles it enrolled, if any."""
        with self.session() as session:
            stages = session.exec(select(Source.stages).where(Source.url == url)).first()
        if not stages:
            return None
        return tuple((timedelta(seconds=age), timedelta(seconds=every)) for age, every in stages)

    def remove_source(self, url: str) -> Source:
        """Stop polling a source; the articles it enrolled stay watched."""
        with self.session() as session:
            source = session.exec(select(Source).where(Source.url == normalise_url(url))).first()
            if source is None:
                raise NotFoundError(f"not a source: {url}")
            source.active = source.from_config = False
            session.add(source)
        return source

    def list_sources(self) -> list[Source]:
        """Every source, oldest first."""
        with self.session() as session:
            return list(session.exec(select(Source).order_by(col(Source.id))))

    def claim_sources(
        self, owner: str, limit: int, now: datetime, lease: timedelta, urls: Sequence[str] = ()
    ) -> list[Source]:
        """Lease due active sources (or these URLs, due or not)."""
        free = sa.or_(col(Source.lease_until).is_(None), col(Source.lease_until) < now)
        query = select(Source).where(col(Source.active), free)
        if urls:
            query = query.where(col(Source.url).in_([normalise_url(url) for url in urls]))
        else:
            query = query.where(col(Source.next_poll_at) <= now)
        query = query.order_by(col(Source.next_poll_at)).limit(limit)
        with self.session() as session:
            return _claim_rows(session, Source, query, owner, now + lease)

    def save_poll(
        self,
        record: PollRecord,
        *,
        max_articles: int | None = None,
        max_new_hosts: int | None = None,
    ) -> int:
        """Write one poll: enrol new article URLs, hint known ones, schedule the next poll.

        A source keeps at most `max_articles` active watches, and one poll enrols on at most
        `max_new_hosts` hosts the source never enrolled on before; what the caps leave out is
        logged and said in the source's `last_error` (the poll itself succeeded). Returns how
        many watches were enrolled.
        """
        with self.session() as session:
            source = session.get(Source, record.source_id)
            if source is None:
                raise NotFoundError(f"source {record.source_id} vanished during its poll")
            quota = _Quota(session, source.url, max_articles, max_new_hosts)
            # In URL order: two polls enrolling the same new URLs then take their unique-key
            # locks in the same order, and never deadlock (PostgreSQL would abort one).
            items = sorted(record.items, key=lambda item: normalise_url(item.url))
            now = record.started_at
            enrolled = sum(_enrol(session, source, item, now, quota) for item in items)
            if (note := quota.note()) is not None:
                log.warning("source %s: %s", source.url, note)
            _update_source(source, record, enrolled, note)
            session.add(source)
        return enrolled

    # -- claiming work ---------------------------------------------------------------------

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

    # -- retention ---------------------------------------------------------------------------

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

    # -- checks ----------------------------------------------------------------------------

    def latest_version(self, watch_id: int) -> StoredVersion | None:
        """The newest stored version of a watch, as an Article, or None before the first."""
        with self.session() as session:
            snapshot = _latest_snapshot(session, watch_id)
        if snapshot is None:
            return None
        return StoredVersion(
            snapshot.version,
            snapshot.content_hash,
            snapshot_article(snapshot),
            snapshot.extractor_version,
            snapshot.raw_hash,
        )

    def has_version(self, watch_id: int) -> bool:
        """True once a version of the watch is stored."""
        query = select(Snapshot.id).where(Snapshot.watch_id == watch_id).limit(1)
        with self.session() as session:
            return session.exec(query).first() is not None

    def version_with_hash(self, watch_id: int, content_hash: str) -> int | None:
        """The newest stored version of a watch with this content, if any."""
        query = select(Snapshot.version).where(
            Snapshot.watch_id == watch_id, Snapshot.content_hash == content_hash
        )
        with self.session() as session:
            return session.exec(query.order_by(col(Snapshot.version).desc()).limit(1)).first()

    def save_check(self, record: CheckRecord, lease: Lease | None = None) -> Check:
        """Write one check: the Check row, a Snapshot and Change when there are, the schedule.

        With `lease` (the owner and expiry the claim set), the check is written only if that
        claim still holds the watch; otherwise LeaseLostError, and nothing is written: another
        worker, or another claim by this one after the lease ran out, has the watch now.
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
            _update_watch(watch, record)
            _merge_duplicate(session, watch)
            site_turned = record.site_event is not None and _mark_site(
                session, host_of(watch.url), record.site_event, record.error
            )
            if record.noise is not None:
                _note_noise(session, watch, record.noise, self.noise_articles)
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

    # -- workers -----------------------------------------------------------------------------

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

    # -- metrics -----------------------------------------------------------------------------

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

    # -- site health -------------------------------------------------------------------------

    def held_share(self, host: str, since: datetime, exclude: int) -> tuple[int, int]:
        """Of the host's other watches checked since `since`: how many were last held, of all."""
        latest = (
            select(sa.func.max(Check.id).label("id"))
            .join(Watch, col(Watch.id) == Check.watch_id)
            .where(col(Check.started_at) >= since, _on_host(host))
            .where(Check.watch_id != exclude)
            .group_by(col(Check.watch_id))
            .subquery()
        )
        query = select(Check.outcome).join(latest, latest.c.id == Check.id)
        with self.session() as session:
            outcomes = [outcome for outcome in session.exec(query)]
        return outcomes.count("held"), len(outcomes)

    def site_degraded(self, host: str) -> bool:
        """Whether an operator alert said this host's extraction degraded, not yet recovered."""
        with self.session() as session:
            return session.get(Site, host) is not None

    # -- noise learned per site --------------------------------------------------------------

    def learned_noise(self, url: str) -> frozenset[str]:
        """The paragraph keys learned as noise on the host of `url`."""
        query = select(NoiseRule.key).where(NoiseRule.host == host_of(url), col(NoiseRule.learned))
        with self.session() as session:
            return frozenset(session.exec(query))

    def noise_rules(self, host: str | None = None) -> list[NoiseRule]:
        """Learned noise and candidates, by host then key."""
        query = select(NoiseRule)
        if host:
            query = query.where(NoiseRule.host == host.lower())
        with self.session() as session:
            return list(session.exec(query.order_by(col(NoiseRule.host), col(NoiseRule.key))))

    def forget_noise(self, host: str, key: str) -> None:
        """Drop a learned rule; it is learned again only from new evidence."""
        query = select(NoiseRule).where(NoiseRule.host == host.lower(), NoiseRule.key == key)
        with self.session() as session:
            rule = session.exec(query).first()
            if rule is None:
                raise NotFoundError(f"no noise rule {key!r} on {host}")
            session.delete(rule)

    # -- web queries -------------------------------------------------------------------------

    def headlines(self, watch_ids: Collection[int]) -> dict[int, str]:
        """The headline of each watch's latest version (watches without one are left out)."""
        latest = (
            select(Snapshot.watch_id, sa.func.max(Snapshot.version).label("version"))
            .where(col(Snapshot.watch_id).in_(list(watch_ids)))
            .group_by(col(Snapshot.watch_id))
            .subquery()
        )
        query = select(Snapshot.watch_id, Snapshot.title).join(
            latest,
            sa.and_(Snapshot.watch_id == latest.c.watch_id, Snapshot.version == latest.c.version),
        )
        with self.session() as session:
            return {watch_id: title for watch_id, title in session.exec(query)}

    def watch_by_id(self, watch_id: int) -> tuple[Watch, int]:
        """One watch with its number of stored versions, or NotFoundError."""
        with self.session() as session:
            watch = session.get(Watch, watch_id)
            if watch is None:
                raise NotFoundError(f"no watch {watch_id}")
            count = select(sa.func.count()).where(Snapshot.watch_id == watch_id)
            return watch, int(session.exec(count).one())

    def watches_page(self, limit: int, offset: int = 0) -> list[tuple[Watch, int]]:
        """A page of watches with their number of stored versions, oldest first."""
        query = _watches_with_versions().order_by(col(Watch.id)).limit(limit).offset(offset)
        with self.session() as session:
            return [(watch, int(count)) for watch, count in session.exec(query)]

    def versions_of(
        self, watch_id: int, limit: int | None = None, offset: int = 0
    ) -> list[Snapshot]:
        """Stored versions of one watch, oldest first (NotFoundError for an unknown watch)."""
        query = (
            select(Snapshot).where(Snapshot.watch_id == watch_id).order_by(col(Snapshot.version))
        )
        with self.session() as session:
            if session.get(Watch, watch_id) is None:
                raise NotFoundError(f"no watch {watch_id}")
            return list(session.exec(query.limit(limit).offset(offset)))

    def version_of(self, watch_id: int, version: int) -> Snapshot:
        """One stored version of a watch, or NotFoundError."""
        with self.session() as session:
            found = _snapshot_by_version(session, watch_id, version)
        if found is None:
            raise NotFoundError(f"watch {watch_id} has no version {version}")
        return found

    def change_by_id(self, change_id: int) -> tuple[Change, Watch]:
        """One change and its watch, or NotFoundError."""
        with self.session() as session:
            row = session.exec(_changes_query().where(Change.id == change_id)).first()
        if row is None:
            raise NotFoundError(f"no change {change_id}")
        return row

    def change_between(self, watch_id: int, from_version: int, to_version: int) -> Change | None:
        """The stored content change from one version to the next, if there is one."""
        query = select(Change).where(
            Change.watch_id == watch_id,
            Change.from_version == from_version,
            Change.to_version == to_version,
            col(Change.kind).in_(["edit", "revert"]),
        )
        with self.session() as session:
            return session.exec(query.order_by(col(Change.id).desc())).first()

    def recent_changes(
        self,
        *,
        source: str | None = None,
        field: str | None = None,
        significance: str | None = None,
        watch_id: int | None = None,
        since: datetime | None = None,
        order: str = "time",
        limit: int = 50,
        offset: int = 0,
    ) -> list[tuple[Change, Watch]]:
        """Changes, newest (or most significant) first, filtered by the source that enrolled
        the watch, a changed field, a least significance, one watch or a time (inclusive)."""
        query = _changes_query()
        if source is not None:
            query = query.where(Watch.source == source)
        if field is not None:
            query = query.where(sa.cast(Change.fields, sa.Text).like(f'%"{_like_safe(field)}"%'))
        if significance is not None:
            query = query.where(col(Change.significance).in_(_at_least(significance)))
        if watch_id is not None:
            query = query.where(Change.watch_id == watch_id)
        if since is not None:
            query = query.where(col(Change.detected_at) >= since)
        if order == "significance":
            query = query.order_by(_significance_rank().desc())
        query = query.order_by(col(Change.detected_at).desc(), col(Change.id).desc())
        with self.session() as session:
            return list(session.exec(query.limit(limit).offset(offset)))

    def version_titles(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """The headlines of these (watch id, version) pairs."""
        if not keys:
            return {}
        # OR of pairs rather than a tuple IN: SQLite answers each pair from the unique index.
        pairs = [
            sa.and_(Snapshot.watch_id == watch_id, Snapshot.version == version)
            for watch_id, version in set(keys)
        ]
        query = select(Snapshot.watch_id, Snapshot.version, Snapshot.title)
        with self.session() as session:
            rows = session.exec(query.where(sa.or_(*pairs)))
            return {(watch_id, version): title for watch_id, version, title in rows}

    def checks_of(self, watch_id: int, limit: int = 50, offset: int = 0) -> list[Check]:
        """The checks of one watch, newest first (NotFoundError for an unknown watch)."""
        query = select(Check).where(Check.watch_id == watch_id)
        query = query.order_by(col(Check.started_at).desc(), col(Check.id).desc())
        with self.session() as session:
            if session.get(Watch, watch_id) is None:
                raise NotFoundError(f"no watch {watch_id}")
            return list(session.exec(query.limit(limit).offset(offset)))

    def failing_watches(self, limit: int = 20) -> list[tuple[Watch, Check | None]]:
        """Active watches whose latest checks failed, most failures first, with the last check."""
        query = select(Watch).where(col(Watch.active), col(Watch.consecutive_failures) > 0)
        query = query.order_by(col(Watch.consecutive_failures).desc(), col(Watch.id))
        return self._with_last_check(query.limit(limit))

    def held_watches(self, limit: int = 20) -> list[tuple[Watch, Check | None]]:
        """Active watches whose new content is held as suspect, with the last check."""
        query = select(Watch).where(col(Watch.active), col(Watch.hold_count) > 0)
        query = query.order_by(col(Watch.last_checked_at).desc(), col(Watch.id))
        return self._with_last_check(query.limit(limit))

    def _with_last_check(self, query: Any) -> list[tuple[Watch, Check | None]]:
        with self.session() as session:
            watches = list(session.exec(query))
            last = _last_checks(session, [watch.id for watch in watches if watch.id])
        return [(watch, last.get(watch.id or 0)) for watch in watches]

    def search_versions(
        self, text: str, limit: int = 20, offset: int = 0
    ) -> list[tuple[Snapshot, Watch]]:
        """Stored versions whose headline or body holds every word of `text`, newest first.

        FTS5 on SQLite and the GIN-indexed tsvector on PostgreSQL (migration 0007); a plain
        LIKE scan where neither exists.
        """
        words = text.split()
        if not words:
            return []
        query = select(Snapshot, Watch).join(Watch, col(Watch.id) == Snapshot.watch_id)
        with self.session() as session:
            query = query.where(_search_condition(session, words))
            query = query.order_by(col(Snapshot.id).desc()).limit(limit).offset(offset)
            return list(session.exec(query))

    # -- reading history -------------------------------------------------------------------

    def snapshots(self, url: str) -> list[Snapshot]:
        """Stored versions of one article, oldest first."""
        with self.session() as session:
            watch = _require_watch(session, url)
            query = select(Snapshot).where(Snapshot.watch_id == watch.id)
            return list(session.exec(query.order_by(col(Snapshot.version))))

    def snapshot(self, url: str, version: int | None = None) -> Snapshot:
        """One stored version (the latest when `version` is None), or NotFoundError."""
        with self.session() as session:
            watch = _require_watch(session, url)
            found = (
                _latest_snapshot(session, watch.id)
                if version is None
                else _snapshot_by_version(session, watch.id, version)
            )
        if found is None:
            which = "no version yet" if version is None else f"no version {version}"
            raise NotFoundError(f"{watch.url}: {which}")
        return found

    def raw_html(self, raw_hash: str) -> bytes | None:
        """The stored HTML body with this hash, decompressed."""
        with self.session() as session:
            page = session.get(RawPage, raw_hash)
        return zlib.decompress(page.data) if page else None

    def changes(
        self, since: datetime | None = None, url: str | None = None, limit: int | None = None
    ) -> list[tuple[Change, Watch]]:
        """Detected changes, newest first; `since` is inclusive."""
        query = select(Change, Watch).join(Watch, col(Watch.id) == Change.watch_id)
        if since is not None:
            query = query.where(col(Change.detected_at) >= since)
        with self.session() as session:
            if url is not None:
                query = query.where(Change.watch_id == _require_watch(session, url).id)
            query = query.order_by(col(Change.detected_at).desc(), col(Change.id).desc())
            return list(session.exec(query.limit(limit) if limit else query))

    def checks(self, url: str, limit: int = 50) -> list[Check]:
        """The latest checks of one watch, newest first."""
        with self.session() as session:
            watch = _require_watch(session, url)
            query = select(Check).where(Check.watch_id == watch.id)
            query = query.order_by(col(Check.started_at).desc(), col(Check.id).desc())
            return list(session.exec(query.limit(limit)))


class Outbox:
    """The alert outbox: Delivery rows claimed, attempted and settled like checks."""

    def __init__(self, store: Store) -> None:
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


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)  # SQLite aggregates come back without the type's help


def snapshot_article(snapshot: Snapshot) -> Article:
    """Rebuild the extracted Article from a stored Snapshot."""
    related = tuple(Link(**link) for link in snapshot.extra.get("related", []))
    return Article(
        url=snapshot.extra.get("url", ""),
        title=snapshot.title,
        subtitle=snapshot.subtitle,
        authors=tuple(snapshot.authors),
        published=snapshot.published_at,
        modified=snapshot.modified_at,
        canonical_url=snapshot.canonical_url,
        language=snapshot.language,
        site_name=snapshot.site_name,
        image=snapshot.image,
        image_caption=snapshot.image_caption,
        body=tuple(snapshot.body.split(PARAGRAPH_BREAK)) if snapshot.body else (),
        related=related,
        dates=tuple((name, DateNote(**note)) for name, note in _dates_of(snapshot).items()),
    )


def _dates_of(snapshot: Snapshot) -> dict[str, dict[str, str]]:
    """How the page stated each date (stored since extractor 3; absent before)."""
    dates = snapshot.extra.get("dates")
    return dates if isinstance(dates, dict) else {}


def _set_every(watch: Watch, every: timedelta | None) -> None:
    """A watch's own interval; a shorter one moves a check planned further away closer."""
    seconds = int(every.total_seconds()) if every else None
    if seconds == watch.every_seconds:
        return
    watch.every_seconds = seconds
    if every is not None:
        sooner = utcnow() + min(every, LONGEST_DURATION)
        watch.next_check_at = min(_aware(watch.next_check_at) or sooner, sooner)


def _checked_url(url: str) -> str:
    key = normalise_url(url)  # BadURLError for a port out of range or an unclosed '['
    if not is_http_url(url):
        raise UsageError(f"not an http(s) URL: {url!r}")
    if any(char.isspace() for char in url.strip()):
        raise UsageError(f"a URL has no spaces (percent-encode them as %20): {url!r}")
    if len(key) > URL_LENGTH:
        raise UsageError(f"URL longer than {URL_LENGTH} characters: {url[:100]}...")
    return key


def _watch_by_url(session: Session, url: str) -> Watch | None:
    return session.exec(select(Watch).where(Watch.url == url)).first()


def _require_watch(session: Session, url: str) -> Watch:
    watch = _watch_by_url(session, normalise_url(url))
    if watch is None:
        raise NotFoundError(f"not watched: {url}")
    return watch


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


def _insert_new(session: Session, row: Any) -> bool:
    """INSERT the row unless one with the same unique key exists; True if this inserted it.

    For rows that several workers may create at the same moment (a URL two feeds list, a
    site two checks find degraded): the loser sees the winner's row instead of an error that
    would undo its whole transaction.
    """
    table = type(row).__table__
    values = {
        column.name: getattr(row, column.name)
        for column in table.columns
        if not (column.primary_key and getattr(row, column.name) is None)
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = next(iter(table.primary_key.columns))
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(key)
    # RETURNING, not rowcount: psycopg reports -1 rows for a skipped INSERT.
    return session.execute(statement).first() is not None


def _lease_of(watch: Watch) -> Lease:
    return (watch.lease_owner, watch.lease_until)


def lease_held(watch: Watch) -> Lease | None:
    """The lease a claimed watch carries (to prove it at save time); None if unclaimed."""
    return _lease_of(watch) if watch.lease_owner is not None else None


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


def _lease_free(now: datetime) -> Any:
    return sa.or_(col(Watch.lease_until).is_(None), col(Watch.lease_until) < now)


def _release(watch: Watch, next_check_at: datetime) -> None:
    watch.lease_owner = None
    watch.lease_until = None
    watch.next_check_at = next_check_at


def _latest_snapshot(session: Session, watch_id: int | None) -> Snapshot | None:
    query = select(Snapshot).where(Snapshot.watch_id == watch_id)
    return session.exec(query.order_by(col(Snapshot.version).desc()).limit(1)).first()


def _snapshot_by_version(session: Session, watch_id: int | None, version: int) -> Snapshot | None:
    query = select(Snapshot).where(Snapshot.watch_id == watch_id, Snapshot.version == version)
    return session.exec(query).first()


def _check_row(record: CheckRecord) -> Check:
    return Check(
        watch_id=record.watch_id,
        started_at=record.started_at,
        duration_ms=record.duration_ms,
        http_status=record.http_status,
        outcome=record.outcome,
        error=(record.error or None) and record.error[:1000],
        bytes=record.bytes,
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
    _release(watch, record.next_check_at)
    if record.retire:
        watch.active, watch.retired_at = False, now


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
    query = sa.update(Watch).where(col(Watch.id) == record.watch_id)
    if lease is not None:
        owner, until = lease
        query = query.where(col(Watch.lease_owner) == owner, col(Watch.lease_until) == until)
    return query.values(**values).execution_options(synchronize_session=False)


def host_of(url: str) -> str:
    """The lower-cased host name of a URL."""
    return (urlsplit(url).hostname or "").lower()


def _on_host(host: str) -> Any:
    """Watches whose stored (normalised) URL is on `host`: anchored at the scheme, with LIKE
    wildcards in the host escaped, so `a_b.example` is not `axb.example` and a URL that
    merely mentions the host in its query is not on it; an IPv6 host is bracketed."""
    url, escaped = col(Watch.url), _like_escaped(f"[{host}]" if ":" in host else host)
    return sa.or_(
        *(
            url.like(f"{scheme}://{escaped}{end}%", escape="\\")
            for scheme in ("http", "https")
            for end in ("/", ":")
        )
    )


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _merge_duplicate(session: Session, watch: Watch) -> None:
    """One watch per article: a source-enrolled watch whose canonical URL is another watch's
    article, or another watch's canonical URL too, is deactivated in favour of that one
    (history kept). The canonical URL is the page's word, so it counts only within the page's
    own site (`_site_of`), and only for a watch the operator added or the same source enrolled:
    no page can retire another site's watch or another source's. A watch the operator added
    by hand is never merged away."""
    canonical = _canonical_key(watch.canonical_url)
    if watch.by_hand or canonical is None or canonical == watch.url:
        return
    if _site_of(canonical) != _site_of(watch.url):
        return
    query = select(Watch).where(
        sa.or_(Watch.url == canonical, Watch.canonical_url == watch.canonical_url),
        Watch.id != watch.id,
        col(Watch.active),
    )
    if any(_may_stand_for(other, watch.url, watch.source) for other in session.exec(query)):
        watch.active = False
        session.add(watch)


def _canonical_key(canonical_url: str | None) -> str | None:
    """A page's canonical URL normalised, or None if it is no usable http(s) URL."""
    if not canonical_url or not is_http_url(canonical_url):
        return None
    try:
        return normalise_url(canonical_url)
    except BadURLError:
        return None


def _may_stand_for(other: Watch, url: str, source: str | None) -> bool:
    """Whether `other` may be the one watch of the article at `url` a source listed: it is on
    the same site, and the operator added it or that same source enrolled it."""
    return _site_of(other.url) == _site_of(url) and (other.by_hand or other.source == source)


def _site_of(url: str) -> str:
    """The registrable domain of a URL's host by the Public Suffix List (`news.bbc.co.uk` is
    `bbc.co.uk`, `a.blogspot.com` its own site); an IP address, a single-label host or a
    public suffix is a site by itself."""
    host = host_of(url)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return _public_suffixes().privatesuffix(host) or host
    return host


@functools.cache
def _public_suffixes() -> PublicSuffixList:
    """The list the package bundles (read once, on first use); it is never downloaded."""
    return PublicSuffixList()


def _apply_source_options(
    source: Source, config: SourceSettings, only: Collection[str] | None
) -> None:
    values = {
        "kind": config.kind,
        "pattern": config.pattern,
        "label": config.label or None,
        "every_seconds": int(config.every.total_seconds()),
        "stages": _stage_seconds(config.stages),
        "allow_private": config.allow_private,
        "ignore_robots": config.ignore_robots,
    }
    names = {"every": "every_seconds"}
    wanted = None if only is None else {names.get(name, name) for name in only}
    for name, value in values.items():
        if wanted is None or name in wanted:
            setattr(source, name, value)


def _apply_rules_to_enrolled(session: Session, source: Source) -> None:
    """A source's address and robots.txt rules hold for the articles it already enrolled
    (not for those the operator added by hand, which are theirs)."""
    session.execute(
        sa.update(Watch)
        .where(col(Watch.source) == source.url, col(Watch.by_hand).is_(False))
        .values(public_only=not source.allow_private, respect_robots=not source.ignore_robots)
    )


def _stage_seconds(stages: Sequence[tuple[timedelta, timedelta]] | None) -> list[list[int]] | None:
    if stages is None:
        return None
    return [[int(age.total_seconds()), int(every.total_seconds())] for age, every in stages]


class _Quota:
    """What one poll may still enrol for its source: `max_articles` active watches in all, on
    at most `max_new_hosts` hosts the source has not enrolled on before (None: no cap)."""

    def __init__(
        self, session: Session, source: str, max_articles: int | None, max_new_hosts: int | None
    ) -> None:
        self._session, self._source = session, source
        self.max_articles, self.max_new_hosts = max_articles, max_new_hosts
        self.room = (
            None if max_articles is None else max_articles - _active_enrolled(session, source)
        )
        self._hosts: dict[str, bool] = {}  # host -> may enrol on it
        self._new_hosts = 0
        self.over_articles = self.over_hosts = 0  # listed URLs the caps left out

    def admits(self, url: str) -> bool:
        """Whether the source may enrol `url` now; counts what it refuses."""
        if self.room is not None and self.room <= 0:
            self.over_articles += 1
            return False
        if not self._on_admitted_host(host_of(url)):
            self.over_hosts += 1
            return False
        return True

    def took(self) -> None:
        if self.room is not None:
            self.room -= 1

    def note(self) -> str | None:
        """Why the source enrols less than it lists, if it does."""
        notes = []
        if self.room is not None and self.room <= 0:
            left_out = f", {self.over_articles} listed URLs left out" if self.over_articles else ""
            notes.append(
                f"enrolling nothing new: {self.max_articles} active articles, the source's "
                f"max_articles{left_out}"
            )
        if self.over_hosts:
            notes.append(
                f"{self.over_hosts} listed URLs left out: more than {self.max_new_hosts} new "
                "hosts in one poll (max_new_hosts)"
            )
        return "; ".join(notes) or None

    def _on_admitted_host(self, host: str) -> bool:
        if host not in self._hosts:
            admitted = _has_enrolled_on(self._session, self._source, host)
            if not admitted and (
                self.max_new_hosts is None or self._new_hosts < self.max_new_hosts
            ):
                self._new_hosts += 1
                admitted = True
            self._hosts[host] = admitted
        return self._hosts[host]


def _active_enrolled(session: Session, source: str) -> int:
    """The active watches `source` enrolled (those the operator took over by hand aside)."""
    query = select(sa.func.count()).select_from(Watch)
    query = query.where(Watch.source == source, col(Watch.active), col(Watch.by_hand).is_(False))
    return int(session.exec(query).one())


def _has_enrolled_on(session: Session, source: str, host: str) -> bool:
    query = select(Watch.id).where(Watch.source == source, _on_host(host)).limit(1)
    return session.exec(query).first() is not None


def _enrol(
    session: Session, source: Source, item: Discovered, now: datetime, quota: _Quota
) -> bool:
    """Watch a URL a source listed, as its quota allows; a known article updated since its
    last check is due now."""
    url = normalise_url(item.url)
    if len(url) > URL_LENGTH:
        log.info("source %s lists a URL too long to watch: %s...", source.url, url[:100])
        return False
    watch = _watch_by_url(session, url) or _watch_standing_for(session, url, source.url)
    if watch is not None:
        checked = watch.last_checked_at
        if watch.active and item.updated and checked and item.updated > checked:
            watch.next_check_at = min(watch.next_check_at or now, now)
            session.add(watch)
        return False
    if not quota.admits(url):
        return False
    inserted = _insert_new(
        session,
        Watch(
            url=url,
            source=source.url,
            label=source.label,
            public_only=not source.allow_private,
            respect_robots=not source.ignore_robots,
            created_at=now,
            next_check_at=now,
        ),
    )
    if inserted:
        quota.took()
    return inserted


def _watch_standing_for(session: Session, url: str, source: str) -> Watch | None:
    """A watch whose page names `url` as its canonical URL and may stand for it."""
    pages = session.exec(select(Watch).where(Watch.canonical_url == url))
    return next((watch for watch in pages if _may_stand_for(watch, url, source)), None)


def _update_source(
    source: Source, record: PollRecord, enrolled: int, note: str | None = None
) -> None:
    source.last_polled_at = record.started_at
    source.next_poll_at = record.next_poll_at
    source.lease_owner = source.lease_until = None
    # A cap's note is shown where `source list` shows a poll's outcome; it is no failure.
    reason = record.error or note
    source.last_error = reason and reason[:1000]
    source.consecutive_failures = source.consecutive_failures + 1 if record.error else 0
    source.enrolled += enrolled
    if record.error is None and not record.not_modified:
        source.etag, source.last_modified = record.etag, record.last_modified


def _mark_site(session: Session, host: str, event: str, reason: str | None) -> bool:
    """Record that a host degraded or recovered; True only if this call changed it."""
    if event == "degraded":
        return _insert_new(
            session, Site(host=host, degraded_since=utcnow(), reason=(reason or "")[:1000])
        )
    gone = session.execute(sa.delete(Site).where(col(Site.host) == host))
    return bool(gone.rowcount)


def _note_noise(session: Session, watch: Watch, noise: tuple[str, str], needed: int) -> None:
    key, sample = noise
    host = host_of(watch.url)
    query = select(NoiseRule).where(NoiseRule.host == host, NoiseRule.key == key)
    now = utcnow()
    if session.exec(query).first() is None:
        _insert_new(session, NoiseRule(host=host, key=key, first_seen=now, last_seen=now))
    rule = session.exec(query.with_for_update()).one()
    # One id per sighting: a block that rotates does so on every fetch, so an article counts
    # once it showed the rotation twice; a paragraph rewritten once is an edit, not noise.
    rule.watch_ids = [*rule.watch_ids, watch.id][-NOISE_SIGHTINGS:]
    rule.sample, rule.last_seen = sample[:500], now
    rotating = [n for n, seen in Counter(rule.watch_ids).items() if seen >= 2]
    rule.learned = rule.learned or len(rotating) >= needed
    session.add(rule)


def _apply_state(watch: Watch, state: WatchState) -> None:
    watch.hold_hash, watch.hold_count = state.hold_hash, state.hold_count
    watch.gone_since, watch.gone_checks = state.gone_since, state.gone_checks
    watch.removed = state.removed


EVENT_SUMMARIES = {
    "removed": "article removed: the page answers 404/410, and has for several checks",
    "restored": "article restored: the page answers again after its removal",
}


def _store_event(session: Session, watch: Watch, event: str) -> Change | None:
    """A removal or a return: its own kind of change, between the same stored versions."""
    latest = _latest_snapshot(session, watch.id)
    if latest is None:
        return None  # nothing was ever captured, so nothing was removed
    change = Change(
        watch_id=watch.id,
        from_version=latest.version,
        to_version=latest.version,
        detected_at=utcnow(),
        kind=event,
        fields=[],
        significance="major",
        summary=EVENT_SUMMARIES[event],
    )
    session.add(change)
    return change


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


def _store_version(session: Session, watch: Watch, record: CheckRecord) -> Change | None:
    article = record.article
    assert article is not None  # the caller checked
    previous = _latest_snapshot(session, watch.id)
    version = previous.version + 1 if previous else 1
    if record.raw is not None and record.raw_hash is not None:
        _store_raw(session, record.raw_hash, record.raw)
    session.add(_snapshot_row(watch, version, record, article))
    session.flush()
    if record.change is None or previous is None:
        return None
    change = _change_row(watch, previous.version, version, record)
    session.add(change)
    return change


def _store_raw(session: Session, raw_hash: str, raw: bytes) -> None:
    if session.get(RawPage, raw_hash) is None:
        session.add(RawPage(hash=raw_hash, size=len(raw), data=zlib.compress(raw, 6)))


def _snapshot_row(watch: Watch, version: int, record: CheckRecord, article: Article) -> Snapshot:
    return Snapshot(
        watch_id=watch.id,
        version=version,
        fetched_at=record.started_at,
        content_hash=record.content_hash or "",
        title=article.title,
        subtitle=article.subtitle,
        authors=list(article.authors),
        published_at=article.published,
        modified_at=article.modified,
        canonical_url=article.canonical_url,
        language=article.language,
        site_name=article.site_name,
        image=article.image,
        image_caption=article.image_caption,
        body=PARAGRAPH_BREAK.join(article.body),
        extra={
            "url": article.url,
            "related": [asdict(link) for link in article.related],
            "dates": {name: asdict(note) for name, note in article.dates},
        },
        raw_hash=record.raw_hash if record.raw is not None else None,
        extractor_version=record.extractor_version,
    )


def _change_row(watch: Watch, from_version: int, to_version: int, record: CheckRecord) -> Change:
    change = record.change
    assert change is not None  # the caller checked
    summary = change.summary
    if record.reverts_to is not None:
        summary = f"reverted to the content of version {record.reverts_to}; {summary}"
    return Change(
        watch_id=watch.id,
        from_version=from_version,
        to_version=to_version,
        detected_at=utcnow(),
        rendered_html=record.rendered_html,
        kind="revert" if record.reverts_to is not None else "edit",
        reverts_to=record.reverts_to,
        fields=list(change.fields),
        significance=change.significance,
        stats={
            "added": change.added,
            "removed": change.removed,
            "edited": change.edited,
            "moved": change.moved,
            "reasons": list(change.reasons),
            "events": list(change.events),
            "notices": list(change.notices),
            "paragraphs": {
                "added": change.paragraphs_added,
                "removed": change.paragraphs_removed,
                "edited": change.paragraphs_edited,
                "moved": change.paragraphs_moved,
            },
            "field_changes": [asdict(field) for field in change.field_changes],
        },
        operations=[asdict(op) for op in change.operations],
        summary=summary,
    )


# -- web queries: helpers -----------------------------------------------------------------------


def _watches_with_versions() -> Any:
    versions = (
        select(Snapshot.watch_id, sa.func.count().label("n"))
        .group_by(col(Snapshot.watch_id))
        .subquery()
    )
    return select(Watch, sa.func.coalesce(versions.c.n, 0)).outerjoin(
        versions, versions.c.watch_id == Watch.id
    )


def _changes_query() -> Any:
    return select(Change, Watch).join(Watch, col(Watch.id) == Change.watch_id)


def _like_safe(text: str) -> str:
    return "".join(char for char in text if char.isalnum() or char == "_")


def _at_least(significance: str) -> list[str]:
    if significance not in SIGNIFICANCE:
        raise UsageError(f"unknown significance {significance!r}")
    return list(SIGNIFICANCE[SIGNIFICANCE.index(significance) :])


def _significance_rank() -> Any:
    ranks = {name: rank for rank, name in enumerate(SIGNIFICANCE)}
    return sa.case(ranks, value=col(Change.significance), else_=-1)


def _last_checks(session: Session, watch_ids: list[int]) -> dict[int, Check]:
    if not watch_ids:
        return {}
    latest = (
        select(sa.func.max(Check.id))
        .where(col(Check.watch_id).in_(watch_ids))
        .group_by(col(Check.watch_id))
    )
    checks = session.exec(select(Check).where(col(Check.id).in_(latest)))
    return {check.watch_id: check for check in checks}


def _search_condition(session: Session, words: list[str]) -> Any:
    """Every word in the headline or body: FTS5, PostgreSQL full-text, or LIKE."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and _has_table(session, "snapshot_fts"):
        phrase = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        hits = sa.text("SELECT rowid FROM snapshot_fts WHERE snapshot_fts MATCH :phrase")
        return col(Snapshot.id).in_(hits.bindparams(phrase=phrase))
    if dialect == "postgresql":
        # The same expression as the GIN index of migration 0007, so the index serves it.
        document = "to_tsvector('simple', snapshot.title || ' ' || snapshot.body)"
        wanted = sa.func.plainto_tsquery(sa.literal_column("'simple'"), " ".join(words))
        return sa.literal_column(document).op("@@")(wanted)
    return sa.and_(*(_contains(word) for word in words))


def _contains(word: str) -> Any:
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(
        col(Snapshot.title).ilike(pattern, escape="\\"),
        col(Snapshot.body).ilike(pattern, escape="\\"),
    )


def _has_table(session: Session, name: str) -> bool:
    query = sa.text("SELECT 1 FROM sqlite_master WHERE name = :name")
    return session.execute(query, {"name": name}).first() is not None
