"""Every database query newswatch makes. Sessions open and close here, never elsewhere."""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from worker.errors import NotFoundError, UsageError
from worker.models import Change, Check, RawPage, Snapshot, Watch, utcnow
from worker.settings import WatchSettings
from worker.types import Article, CheckRecord, Link, StoredVersion, WatchState
from worker.urls import is_http_url, normalise_url

PARAGRAPH_BREAK = "\n\n"


class Store:
    """The database behind newswatch; one instance per process, safe to share across threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

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
        """Watch `url` (normalised); an existing watch is reactivated and updated."""
        key = _checked_url(url)
        with self.session() as session:
            watch = _watch_by_url(session, key)
            if watch is None:
                watch = Watch(url=key, created_at=utcnow(), next_check_at=utcnow())
            watch.active = True
            watch.from_config = from_config or watch.from_config
            watch.every_seconds = int(every.total_seconds()) if every else None
            watch.label = label
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

    # -- claiming work ---------------------------------------------------------------------

    def claim_due(self, owner: str, limit: int, now: datetime, lease: timedelta) -> list[Watch]:
        """Lease up to `limit` active watches whose next check is due, oldest due first.

        On PostgreSQL the rows are locked with SKIP LOCKED so that several workers never
        take the same watch; SQLite runs a single worker and ignores the lock clause.
        """
        query = (
            select(Watch)
            .where(col(Watch.active), col(Watch.next_check_at) <= now, _lease_free(now))
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

    def claim_all(self, owner: str, now: datetime, lease: timedelta) -> list[Watch]:
        """Lease every active watch now, due or not."""
        query = select(Watch).where(col(Watch.active), _lease_free(now)).order_by(col(Watch.id))
        return self._lease(query.with_for_update(skip_locked=True), owner, now, lease)

    def _lease(self, query: Any, owner: str, now: datetime, lease: timedelta) -> list[Watch]:
        with self.session() as session:
            watches = list(session.exec(query))
            for watch in watches:
                watch.lease_owner = owner
                watch.lease_until = now + lease
                session.add(watch)
        return watches

    def release(self, watch_id: int, next_check_at: datetime) -> None:
        """Drop the lease on a watch and schedule its next check."""
        with self.session() as session:
            watch = session.get(Watch, watch_id)
            if watch is not None:
                _release(watch, next_check_at)
                session.add(watch)

    # -- checks ----------------------------------------------------------------------------

    def latest_version(self, watch_id: int) -> StoredVersion | None:
        """The newest stored version of a watch, as an Article, or None before the first."""
        with self.session() as session:
            snapshot = _latest_snapshot(session, watch_id)
        if snapshot is None:
            return None
        return StoredVersion(snapshot.version, snapshot.content_hash, snapshot_article(snapshot))

    def version_with_hash(self, watch_id: int, content_hash: str) -> int | None:
        """The newest stored version of a watch with this content, if any."""
        query = select(Snapshot.version).where(
            Snapshot.watch_id == watch_id, Snapshot.content_hash == content_hash
        )
        with self.session() as session:
            return session.exec(query.order_by(col(Snapshot.version).desc()).limit(1)).first()

    def save_check(self, record: CheckRecord) -> Check:
        """Write one check: the Check row, a Snapshot and Change when there are, the schedule."""
        with self.session() as session:
            watch = session.get(Watch, record.watch_id)
            if watch is None:
                raise NotFoundError(f"watch {record.watch_id} vanished during its check")
            check = _check_row(record)
            session.add(check)
            if record.article is not None:
                _store_version(session, watch, record)
            if record.event is not None:
                _store_event(session, watch, record.event)
            _update_watch(watch, record)
            session.add(watch)
        return check

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
    )


def _checked_url(url: str) -> str:
    if not is_http_url(url):
        raise UsageError(f"not an http(s) URL: {url!r}")
    return normalise_url(url)


def _watch_by_url(session: Session, url: str) -> Watch | None:
    return session.exec(select(Watch).where(Watch.url == url)).first()


def _require_watch(session: Session, url: str) -> Watch:
    watch = _watch_by_url(session, normalise_url(url))
    if watch is None:
        raise NotFoundError(f"not watched: {url}")
    return watch


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
        watch.raw_hash = record.raw_hash
    if record.canonical_url:
        watch.canonical_url = record.canonical_url
    if record.change is not None or record.event is not None:
        watch.last_change_at = now
    if record.state is not None:
        _apply_state(watch, record.state)
    _release(watch, record.next_check_at)


def _apply_state(watch: Watch, state: WatchState) -> None:
    watch.hold_hash, watch.hold_count = state.hold_hash, state.hold_count
    watch.gone_since, watch.gone_checks = state.gone_since, state.gone_checks
    watch.removed = state.removed


EVENT_SUMMARIES = {
    "removed": "article removed: the page answers 404/410, and has for several checks",
    "restored": "article restored: the page answers again after its removal",
}


def _store_event(session: Session, watch: Watch, event: str) -> None:
    """A removal or a return: its own kind of change, between the same stored versions."""
    latest = _latest_snapshot(session, watch.id)
    if latest is None:
        return  # nothing was ever captured, so nothing was removed
    session.add(
        Change(
            watch_id=watch.id,
            from_version=latest.version,
            to_version=latest.version,
            detected_at=utcnow(),
            kind=event,
            fields=[],
            significance="major",
            summary=EVENT_SUMMARIES[event],
        )
    )


def _store_version(session: Session, watch: Watch, record: CheckRecord) -> None:
    article = record.article
    assert article is not None  # the caller checked
    previous = _latest_snapshot(session, watch.id)
    version = previous.version + 1 if previous else 1
    if record.raw is not None and record.raw_hash is not None:
        _store_raw(session, record.raw_hash, record.raw)
    session.add(_snapshot_row(watch, version, record, article))
    if record.change is not None and previous is not None:
        session.add(_change_row(watch, previous.version, version, record))


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
        extra={"url": article.url, "related": [asdict(link) for link in article.related]},
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
            "field_changes": [asdict(field) for field in change.field_changes],
        },
        operations=[asdict(op) for op in change.operations],
        summary=summary,
    )
