"""Sources: poll feeds, sitemaps and section pages, and enrol the articles they list.

A source the operator added is trusted, so it is fetched wherever it points; the URLs it lists
are not: the watches it enrols (and child sitemaps) must resolve to public addresses unless the
source sets `allow_private`, and they obey robots.txt unless it sets `ignore_robots`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from worker import discover
from worker.errors import NewswatchError
from worker.fetch import Fetcher, FetchRules
from worker.models import Source, utcnow
from worker.settings import Settings, SourceSettings
from worker.store import Store
from worker.types import Discovered, FetchResult, PollRecord
from worker.urls import normalise_url

log = logging.getLogger(__name__)

MAX_ITEMS = 1000  # articles enrolled from one poll at most
MAX_CHILD_SITEMAPS = 20  # child sitemaps of an index read per poll (newest first)
SITEMAP_ENTRIES_PER_POLL = 50_000  # entries read from an index and its children together
SITEMAP_MAX_AGE = timedelta(days=7)  # older sitemap entries are archives, not news


class Poller:
    """Polls one source at a time; safe to call from several threads."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        fetcher: Fetcher,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.store = store
        self.fetcher = fetcher
        self.clock = clock

    def poll(self, source: Source) -> tuple[PollRecord, int]:
        """Fetch and parse a source, enrol what it lists; a failure is recorded, not raised."""
        started = self.clock()
        every = timedelta(seconds=source.every_seconds)
        try:
            record = self._poll(source, started, started + every)
        except NewswatchError as exc:
            later = started + min(
                every * 2 ** min(source.consecutive_failures + 1, 8),
                self.settings.schedule.max_backoff,
            )
            record = PollRecord(_id(source), started, later, error=str(exc))
            log.warning("source %s: %s", source.url, exc)
        caps = self._config(source)
        enrolled = self.store.save_poll(
            record, max_articles=caps.max_articles, max_new_hosts=caps.max_new_hosts
        )
        log.info("source %s: %d listed, %d enrolled", source.url, len(record.items), enrolled)
        return record, enrolled

    def _config(self, source: Source) -> SourceSettings:
        """The source's [[source]] entry; the defaults for one added on the command line."""
        for config in self.settings.source:
            if normalise_url(str(config.url)) == source.url:
                return config
        return SourceSettings(url=source.url)

    def _poll(self, source: Source, started: datetime, next_poll: datetime) -> PollRecord:
        rules = FetchRules(feed=True, respect_robots=not source.ignore_robots)
        fetched = self.fetcher.get(source.url, source.etag, source.last_modified, rules=rules)
        base = PollRecord(
            _id(source), started, next_poll, etag=fetched.etag, last_modified=fetched.last_modified
        )
        if fetched.not_modified:
            return PollRecord(_id(source), started, next_poll, not_modified=True)
        items = self._items(source, fetched, started)
        return PollRecord(**{**base.__dict__, "items": tuple(items[:MAX_ITEMS])})

    def _items(self, source: Source, fetched: FetchResult, now: datetime) -> list[Discovered]:
        kind = source.kind
        if kind == "auto":
            kind = discover.sniff(fetched.raw, fetched.content_type)
        if kind == "feed":
            return _feed_items(fetched)
        if kind in {"sitemap", "sitemapindex"}:
            return self._sitemap_items(source, fetched, now)
        if kind in {"section", "html"}:
            return self._page_items(source, fetched)
        raise discover.DiscoverError(
            f"{source.url}: neither a feed, a sitemap nor an HTML page "
            f"({fetched.content_type or 'no Content-Type'})"
        )

    def _sitemap_items(
        self, source: Source, fetched: FetchResult, now: datetime
    ) -> list[Discovered]:
        sitemap = discover.parse_sitemap(fetched.raw, fetched.final_url)
        items = _recent(sitemap.urls, now)
        budget = SITEMAP_ENTRIES_PER_POLL - sitemap.read
        for child in sitemap.sitemaps[:MAX_CHILD_SITEMAPS]:
            if budget <= 0:
                log.warning("source %s: sitemap entry budget spent; more next poll", source.url)
                break
            child_map = self._child_sitemap(
                source, child, min(budget, discover.MAX_SITEMAP_ENTRIES)
            )
            items += _recent(child_map.urls, now)
            budget -= child_map.read
        return items

    def _child_sitemap(self, source: Source, url: str, max_entries: int) -> discover.Sitemap:
        """A child sitemap of an index; one that cannot be fetched or read is logged and empty."""
        try:
            data = self.fetcher.get(url, rules=self._untrusted(source, feed=True))
            return discover.parse_sitemap(data.raw, data.final_url, max_entries=max_entries)
        except NewswatchError as exc:
            log.warning("source %s: child sitemap %s: %s", source.url, url, exc)
            return discover.Sitemap()

    def _page_items(self, source: Source, fetched: FetchResult) -> list[Discovered]:
        html = fetched.raw.decode("utf-8", "replace")
        if source.pattern:
            links = discover.section_links(html, fetched.final_url, source.pattern)
            return [Discovered(url) for url in links]
        feeds = discover.discover_feeds(html, fetched.final_url)
        if not feeds:
            raise discover.DiscoverError(
                f"{source.url}: an HTML page without a feed link; give a --pattern to follow "
                "its article links"
            )
        feed = self.fetcher.get(feeds[0], rules=self._untrusted(source, feed=True))
        return _feed_items(feed)

    def _untrusted(self, source: Source, feed: bool = False) -> FetchRules:
        return FetchRules(
            feed=feed,
            public_only=not source.allow_private,
            respect_robots=not source.ignore_robots,
        )


def _feed_items(fetched: FetchResult) -> list[Discovered]:
    items = discover.parse_feed(fetched.raw, fetched.final_url)
    return [Discovered(item.url, item.updated or item.published) for item in items]


def _recent(entries: list[discover.SitemapEntry], now: datetime) -> list[Discovered]:
    """Sitemap entries changed in the last week (or undated), newest first."""
    found = [
        Discovered(entry.url, entry.lastmod or entry.published)
        for entry in entries
        if (when := entry.lastmod or entry.published) is None or now - when <= SITEMAP_MAX_AGE
    ]
    return sorted(
        found, key=lambda item: item.updated or datetime.min.replace(tzinfo=UTC), reverse=True
    )


def _id(source: Source) -> int:
    assert source.id is not None  # claimed sources are stored rows
    return source.id
