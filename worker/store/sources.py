"""Sources (feeds, sitemaps, section pages): their settings, polls and the watches they enrol."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from worker.errors import NotFoundError
from worker.models import URL_LENGTH, Source, Watch, utcnow
from worker.settings import SourceSettings
from worker.store._base import StoreBase
from worker.store._leases import _claim_rows
from worker.store._rows import _checked_url, _insert_new, _watch_by_url
from worker.store.sites import _may_stand_for, _on_host
from worker.types import Discovered, PollRecord
from worker.urls import host_of, normalise_url

log = logging.getLogger(__name__)


class SourceQueries(StoreBase):
    """Sources and the article watches their polls enrol."""

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
        "fetcher": config.fetcher,
    }
    names = {"every": "every_seconds"}
    wanted = None if only is None else {names.get(name, name) for name in only}
    for name, value in values.items():
        if wanted is None or name in wanted:
            setattr(source, name, value)


def _apply_rules_to_enrolled(session: Session, source: Source) -> None:
    """A source's address and robots.txt rules, and its fetcher, hold for the articles it
    already enrolled (not for those the operator added by hand, which are theirs)."""
    session.execute(
        sa.update(Watch)
        .where(col(Watch.source) == source.url, col(Watch.by_hand).is_(False))
        .values(
            public_only=not source.allow_private,
            respect_robots=not source.ignore_robots,
            fetcher=source.fetcher,
        )
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
            fetcher=source.fetcher,
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
