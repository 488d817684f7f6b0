"""The one place where the stages meet: fetch, extract, compare, store, schedule."""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from worker import diff, extract
from worker.errors import FetchError, NewswatchError
from worker.fetch import Fetcher
from worker.models import Watch, utcnow
from worker.settings import Settings
from worker.store import Store
from worker.types import Article, Change, CheckRecord, FetchResult, StoredVersion

log = logging.getLogger(__name__)

OUTCOMES = ("new", "changed", "unchanged", "not_modified", "error", "held")

# A held page (consent wall, empty extraction) is retried sooner than the normal interval:
# the fault is usually gone on the next fetch, and the real article is what we want.
HELD_RETRY = timedelta(minutes=5)


class Pipeline:
    """Checks one watch at a time; safe to call from several fetching threads.

    Extraction runs under a lock: BeautifulSoup holds the GIL, so parsing in parallel
    threads is slower than parsing one page at a time (see DESIGN.md).
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        fetcher: Fetcher,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.fetcher = fetcher
        self.clock = clock
        self.rng = rng or random.Random()
        self._parse_lock = threading.Lock()

    def check(self, watch: Watch) -> CheckRecord:
        """Fetch, extract, compare and store one watch; a failure becomes a Check row."""
        started, t0 = self.clock(), time.monotonic()
        try:
            record = self._check(watch, started)
        except FetchError as exc:
            record = self._failed(watch, started, str(exc), exc.status)
        except NewswatchError as exc:
            record = self._failed(watch, started, f"{type(exc).__name__}: {exc}", None)
        record = _with_duration(record, t0)
        self.store.save_check(record)
        if record.failed:
            log.warning("%s: %s", record.outcome, record.error)
        else:
            log.info("%s: %s %s", record.outcome, watch.url, record.error or "")
        return record

    def _check(self, watch: Watch, started: datetime) -> CheckRecord:
        fetched = self.fetcher.get(watch.url, watch.etag, watch.last_modified)
        base = self._record(watch, started, "not_modified", fetched)
        if fetched.not_modified:
            return base
        base = _with_body(base, fetched)
        stored = self.store.latest_version(_id(watch))
        # Same bytes as last time: nothing to parse. Only valid once a version is stored.
        if stored is not None and base.raw_hash == watch.raw_hash:
            return _replace(base, outcome="unchanged", raw=None)
        with self._parse_lock:
            article = extract.article(fetched.html, fetched.final_url)
        return self._compare(base, stored, article)

    def _compare(
        self, base: CheckRecord, stored: StoredVersion | None, article: Article
    ) -> CheckRecord:
        if not article.body:
            held = _replace(base, outcome="held", error=f"no article body: {article.reason}")
            return _replace(held, next_check_at=base.started_at + HELD_RETRY, raw_hash=None)
        content_hash = diff.content_hash(article)
        canonical = article.canonical_url
        if stored is None:
            return _version(base, "new", article, content_hash, None, canonical)
        if content_hash == stored.content_hash:
            return _replace(base, outcome="unchanged", raw=None, canonical_url=canonical)
        change = diff.compare(stored.article, article)
        if change is None:
            return _replace(base, outcome="unchanged", raw=None, canonical_url=canonical)
        return _version(base, "changed", article, content_hash, change, canonical)

    def _record(
        self, watch: Watch, started: datetime, outcome: str, fetched: FetchResult
    ) -> CheckRecord:
        return CheckRecord(
            watch_id=_id(watch),
            started_at=started,
            outcome=outcome,
            http_status=fetched.status,
            next_check_at=self.next_check(watch, started, failures=0),
            extractor_version=extract.EXTRACTOR_VERSION,
        )

    def _failed(
        self, watch: Watch, started: datetime, error: str, status: int | None
    ) -> CheckRecord:
        failures = watch.consecutive_failures + 1
        return CheckRecord(
            watch_id=_id(watch),
            started_at=started,
            outcome="error",
            http_status=status,
            error=error,
            failed=True,
            next_check_at=self.next_check(watch, started, failures=failures),
        )

    def next_check(self, watch: Watch, now: datetime, failures: int) -> datetime:
        """When to check again: the watch's interval, doubled per failure, with jitter."""
        every = self.interval(watch)
        if failures:
            every = min(every * 2 ** min(failures, 16), self.settings.schedule.max_backoff)
        spread = self.settings.schedule.jitter
        return now + every * self.rng.uniform(1 - spread, 1 + spread)

    def interval(self, watch: Watch) -> timedelta:
        """The re-check interval of a watch: its own, else the configured default."""
        if watch.every_seconds:
            return timedelta(seconds=watch.every_seconds)
        return self.settings.schedule.every


def _id(watch: Watch) -> int:
    assert watch.id is not None  # claimed watches are stored rows
    return watch.id


def _replace(record: CheckRecord, **changes: Any) -> CheckRecord:
    return replace(record, **changes)


def _with_body(record: CheckRecord, fetched: FetchResult) -> CheckRecord:
    return _replace(
        record,
        bytes=len(fetched.raw),
        raw=fetched.raw,
        raw_hash=hashlib.sha256(fetched.raw).hexdigest(),
        etag=fetched.etag,
        last_modified=fetched.last_modified,
    )


def _with_duration(record: CheckRecord, t0: float) -> CheckRecord:
    return _replace(record, duration_ms=int((time.monotonic() - t0) * 1000))


def _version(
    base: CheckRecord,
    outcome: str,
    article: Article,
    content_hash: str,
    change: Change | None,
    canonical: str | None,
) -> CheckRecord:
    return _replace(
        base,
        outcome=outcome,
        article=article,
        content_hash=content_hash,
        change=change,
        canonical_url=canonical,
    )
