"""Adding, listing and removing the watched article URLs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import col, select

from worker.durations import LONGEST_DURATION
from worker.models import Watch, utcnow
from worker.settings import WatchSettings
from worker.store._base import StoreBase
from worker.store._rows import (
    _aware,
    _checked_url,
    _insert_new,
    _require_watch,
    _watch_by_url,
    _watches_with_versions,
)
from worker.types import FetcherChoice
from worker.urls import normalise_url


class WatchQueries(StoreBase):
    """Watches: what the operator and the config ask to watch."""

    def add_watch(
        self,
        url: str,
        every: timedelta | None = None,
        label: str | None = None,
        *,
        from_config: bool = False,
        fetcher: FetcherChoice | None = None,
    ) -> Watch:
        """Watch `url` (normalised); an existing watch is reactivated and updated.

        From the command line, `every`, `label` and `fetcher` change an existing watch only
        when given;
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
            if from_config or fetcher is not None:
                watch.fetcher = fetcher
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
            self.add_watch(
                url, config.every, config.label, from_config=True, fetcher=config.fetcher
            )

    def remove_watch(self, url: str) -> Watch:
        """Stop watching `url`; its stored versions and changes are kept."""
        with self.session() as session:
            watch = _require_watch(session, url)
            watch.active = False
            watch.from_config = False
            watch.lease_owner = watch.lease_until = None
            session.add(watch)
        return watch

    def watch_id(self, url: str) -> int:
        """The id of the watch of `url` (normalised as stored), or NotFoundError: the one
        lookup by URL; every other read of a watch's history is by id."""
        with self.session() as session:
            watch_id = _require_watch(session, url).id
        assert watch_id is not None
        return watch_id

    def list_watches(self) -> list[tuple[Watch, int]]:
        """Every watch with its number of stored versions, oldest first."""
        query = _watches_with_versions().order_by(col(Watch.id))
        with self.session() as session:
            return [(watch, int(count)) for watch, count in session.exec(query)]


def _set_every(watch: Watch, every: timedelta | None) -> None:
    """A watch's own interval; a shorter one moves a check planned further away closer."""
    seconds = int(every.total_seconds()) if every else None
    if seconds == watch.every_seconds:
        return
    watch.every_seconds = seconds
    if every is not None:
        sooner = utcnow() + min(every, LONGEST_DURATION)
        watch.next_check_at = min(_aware(watch.next_check_at) or sooner, sooner)
