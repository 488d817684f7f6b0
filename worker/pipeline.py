"""The one place where the stages meet for a check: fetch, read, extract, compare, write.

A check goes one way: fetch the page; when it differs from the last one, read what the check
needs from the store in one read (`store.check_context`); extract and compare (in the reader
process when isolated); decide in pure functions (`decide`, `guard`, `schedule`,
`notify.policy`); write the record in one transaction (`store.save_check`, or a batch of
quiet checks).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from worker import decide, diff, extract, fetch, guard, schedule
from worker.archive import ArchiveWriter, Capture
from worker.errors import FetchError, NewswatchError
from worker.fetch import Fetcher, FetchRules
from worker.fetch.browser import BrowserFetcher
from worker.isolate import Isolated
from worker.models import Watch, fit_article, utcnow
from worker.notify import policy
from worker.settings import Settings
from worker.store import Lease, Store, is_quiet, lease_held
from worker.types import (
    Article,
    Change,
    CheckContext,
    CheckRecord,
    FetcherName,
    FetchResult,
    RuleEffect,
    SiteEvent,
    StoredVersion,
)
from worker.urls import host_of

log = logging.getLogger(__name__)

STAGES_KEPT = 60.0  # seconds a source's schedule stages are kept before they are read again
QUIET_BATCH = 64  # quiet checks written in one transaction at most
QUIET_WAIT = 1.0  # seconds a quiet check waits at most for others to join its batch


class QuietBatch:
    """Quiet checks (see `store.is_quiet`) waiting to be written in one transaction.

    Most checks of a pass find nothing new; writing each on its own makes the threads queue
    for the database's one writer. A batch is written when it is full, when its first check
    has waited `QUIET_WAIT`, and at every `flush` (the service flushes each tick and at the end
    of a pass). Until then the watches stay leased, so no other claim takes them.
    """

    def __init__(self, store: Store, size: int = 0, wait: float = QUIET_WAIT) -> None:
        self.store, self.size, self.wait = store, size or QUIET_BATCH, wait
        self._rows: list[tuple[CheckRecord, Lease | None]] = []
        self._first = 0.0
        self._lock = threading.Lock()

    def add(self, record: CheckRecord, lease: Lease | None) -> None:
        with self._lock:
            if not self._rows:
                self._first = time.monotonic()
            self._rows.append((record, lease))
            full = len(self._rows) >= self.size or time.monotonic() - self._first >= self.wait
        if full:
            self.flush()

    def flush(self) -> int:
        """Write what waits; a database failure is logged and the leases run out (the
        watches are checked again then), as when a single check cannot be saved."""
        with self._lock:
            rows, self._rows = self._rows, []
        try:
            return self.store.save_quiet(rows)
        except Exception:
            log.exception("could not write %d quiet checks; they are checked again", len(rows))
            return 0


@dataclass
class _Used:
    """Which fetcher one check used, how long the browser took (None: not used), and whether
    it found the page to be a script shell that needs the browser (None: nothing learnt)."""

    fetcher: FetcherName = "plain"
    render_ms: int | None = None
    needs_browser: bool | None = None
    fetched: FetchResult | None = None  # the exchange kept, for the web archive


def _rules(watch: Watch) -> FetchRules:
    """What a watch's fetches may reach: a source's public-only and robots.txt rules."""
    return FetchRules(public_only=watch.public_only, respect_robots=watch.respect_robots)


class Pipeline:
    """Checks one watch at a time; safe to call from several fetching threads.

    Extraction runs under a lock: BeautifulSoup holds the GIL, so parsing in parallel
    threads is slower than parsing one page at a time (see docs/ARCHITECTURE.md). The
    browser fetcher (`fetcher = "browser"`, `[fetch] browser = "auto"`) is started on the
    first page that needs it, and closed with the pipeline.
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        fetcher: Fetcher,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        batch_quiet: bool = False,
        isolate: bool = False,
        browser: BrowserFetcher | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.fetcher = fetcher
        self._browser = browser
        self._browser_lock = threading.Lock()
        self.clock = clock
        self.rng = rng or random.Random()
        self._parse_lock = threading.Lock()
        self._source_stages: dict[str, tuple[float, schedule.Stages | None]] = {}
        self._stages_lock = threading.Lock()
        self.quiet = QuietBatch(store) if batch_quiet else None
        budget = settings.schedule.budget.total_seconds()
        self.isolated = Isolated(budget) if isolate else None
        self.archive = ArchiveWriter(settings.archive) if settings.archive.dir else None

    def check(self, watch: Watch) -> CheckRecord:
        """Fetch, extract, compare and store one watch; a failure becomes a Check row."""
        started, t0 = self.clock(), time.monotonic()
        context: CheckContext | None = None
        used = _Used()
        try:
            record, context = self._check(watch, started, used)
        except FetchError as exc:
            record = self._failed(watch, started, str(exc), exc.status, exc.retry_after)
            used.fetched = exc.exchange
        except NewswatchError as exc:
            record = self._failed(watch, started, f"{type(exc).__name__}: {exc}", None)
        record = self._concluded(watch, record, context)
        record = replace(
            record,
            duration_ms=int((time.monotonic() - t0) * 1000),
            fetcher=used.fetcher,
            render_ms=used.render_ms,
            needs_browser=used.needs_browser,
        )
        self._write(watch, record, self._captured(watch, record, used.fetched))
        rendered = f" (browser, {used.render_ms} ms)" if used.render_ms is not None else ""
        if record.failed:
            log.warning("%s: %s%s", record.outcome, record.error, rendered)
        else:
            log.info("%s: %s%s %s", record.outcome, watch.url, rendered, record.error or "")
        return record

    def close(self) -> None:
        """Write what waits, stop the reader process and close the browser."""
        self.flush()
        if self.isolated is not None:
            self.isolated.close()
        with self._browser_lock:
            browser, self._browser = self._browser, None
        if browser is not None:
            browser.close()
        if self.archive is not None:
            self.archive.close()

    def flush(self) -> int:
        """Write the quiet checks that wait in the batch (none without `batch_quiet`)."""
        return self.quiet.flush() if self.quiet is not None else 0

    def crashed(self, watch: Watch, exc: Exception) -> CheckRecord:
        """Record a check that a bug (or the database) broke, so that it shows among the
        failing watches instead of vanishing; the watch backs off like any failure."""
        record = self._failed(watch, self.clock(), f"internal error: {bug_report(exc)}", None)
        self.store.save_check(record, lease=lease_held(watch))
        return record

    def _check(
        self, watch: Watch, started: datetime, used: _Used
    ) -> tuple[CheckRecord, CheckContext | None]:
        choice = decide.fetcher_for(watch, self.settings.fetch.browser)
        fetched = self._fetch(watch, choice == "browser", used)
        next_check = self.next_check(watch, started, failures=0)
        base = decide.begun(watch, started, fetched, next_check)
        if fetched.not_modified:
            return base, None
        if decide.same_page(watch, base):
            return decide.unchanged(base), None
        context = self.store.check_context(decide.watch_id(watch), extract.EXTRACTOR_VERSION)
        drop = context.selectors
        extracted = self._extracted(fetched.html, fetched.final_url, drop)
        if choice == "auto":
            used.needs_browser = self._script_shell(extracted, fetched.html)
            if watch.needs_browser and not used.needs_browser:
                log.info("%s: no longer a script shell; read without the browser", watch.url)
        if used.needs_browser:
            log.info("%s: a script shell; rendered in the browser", watch.url)
            fetched = self._rendered(fetched, watch, used)
            base = decide.begun(watch, started, fetched, next_check)
            if decide.same_page(watch, base):
                return decide.unchanged(base), None
            extracted = self._extracted(fetched.html, fetched.final_url, drop)
        context = replace(context, latest=self._read_now(context, fetched.final_url))
        article, dropped = fit_article(extracted)
        if dropped:
            log.warning("%s: values that cannot be stored dropped from %s", watch.url, dropped)
        return self._compare(watch, base, context, article), context

    def _script_shell(self, extracted: Article, html: str) -> bool:
        """No article in the static HTML, which looks like a shell that scripts fill."""
        return not extracted.body and bool(self._read(extract.looks_like_script_shell, html))

    def _fetch(self, watch: Watch, browser: bool, used: _Used) -> FetchResult:
        """The page, plainly or rendered in the browser (its time noted in `used`)."""
        used.fetched = self.fetcher.get(
            watch.url, watch.etag, watch.last_modified, rules=_rules(watch)
        )
        if browser and not used.fetched.not_modified:  # a 304 never starts the browser
            return self._rendered(used.fetched, watch, used)
        return used.fetched

    def _rendered(self, document: FetchResult, watch: Watch, used: _Used) -> FetchResult:
        """The page the plain Fetcher got, rendered in the browser (its time in `used`)."""
        used.fetcher, t0 = "browser", time.monotonic()
        try:
            used.fetched = self._browser_fetcher().render(document, rules=_rules(watch))
            return used.fetched
        finally:
            used.render_ms = int((time.monotonic() - t0) * 1000)

    def _browser_fetcher(self) -> BrowserFetcher:
        """The browser fetcher, made on first use (Chromium starts on its first page)."""
        with self._browser_lock:
            if self._browser is None:
                timeout = self.settings.render_timeout.total_seconds()
                fetch, http = self.settings.fetch, self.settings.http
                self._browser = BrowserFetcher(fetch, http, self.fetcher, timeout)
            return self._browser

    def _read_now(self, context: CheckContext, url: str) -> StoredVersion | None:
        """The stored version as this extractor reads it. After an upgrade of the extractor,
        the stored HTML is read again, so that a better extractor never reports a change by
        itself: only what changed on the page is compared."""
        stored, raw = context.latest, context.latest_raw
        if stored is None or raw is None:
            return stored
        again = self._extracted(fetch.decode(raw), stored.article.url or url, context.selectors)
        if again.reason or not again.body:
            return stored  # the old page reads as no article now: keep what was stored
        return replace(stored, article=fit_article(again)[0])

    def _extracted(self, html: str, url: str, drop: tuple[str, ...] = ()) -> Article:
        """The page's article without what the operator's selectors `drop`, read in the
        reader process within the budget when isolated (BudgetError past it), else here, one
        page at a time."""
        return self._read(extract.article, html, url, drop)

    def _read(self, read: Callable[..., Any], *args: Any) -> Any:
        """Run `read` on scraped input: in the reader process within the budget when
        isolated, else here, one page at a time."""
        if self.isolated is not None:
            return self.isolated.call(read, *args)
        with self._parse_lock:
            return read(*args)

    def _compared(self, previous: Article, article: Article) -> tuple[Change | None, str]:
        """The change between two versions and its HTML, within the budget when isolated."""
        if self.isolated is not None:
            return self.isolated.call(diff.compare_rendered, previous, article)
        return diff.compare_rendered(previous, article)

    def _compare(
        self, watch: Watch, base: CheckRecord, context: CheckContext, article: Article
    ) -> CheckRecord:
        article, effects = _without_noise(article, context)
        base = replace(base, rule_effects=effects)
        _log_refusals(watch, effects)
        content_hash = diff.content_hash(article)
        settled = decide.settled(watch, base, context, article, content_hash, self.settings.guard)
        if settled is not None:
            return settled
        assert context.latest is not None  # a first version is always settled
        previous, _ = _without_noise(context.latest.article, context)
        change, rendered = self._compared(previous, article)
        return decide.compared(base, context, previous, article, content_hash, change, rendered)

    def _failed(
        self,
        watch: Watch,
        started: datetime,
        error: str,
        status: int | None,
        retry_after: float | None = None,
    ) -> CheckRecord:
        later = self.next_check(watch, started, failures=watch.consecutive_failures + 1)
        max_backoff = self.settings.schedule.max_backoff
        next_check = schedule.not_before(later, started, retry_after, max_backoff)
        return decide.failed(watch, started, error, status, next_check, self.settings.guard)

    def _concluded(
        self, watch: Watch, record: CheckRecord, context: CheckContext | None
    ) -> CheckRecord:
        """The record with the site's health, the alerts and the next check decided."""
        alerts = self.settings.alerts
        if alerts:
            record = replace(record, site_event=self._site_event(watch, record, context))
            text = self._diff_text(record) if policy.wants_diff_text(alerts) else None
            failing_after = self.settings.guard.failing_after
            record = replace(
                record, alerts=policy.alerts_for(watch, record, alerts, failing_after, text)
            )
        return self._rescheduled(watch, record)

    def _site_event(
        self, watch: Watch, record: CheckRecord, context: CheckContext | None
    ) -> SiteEvent | None:
        """Whether this check turns its host degraded or recovered. The host's held share is
        the one read beyond the check's context, and only for a check held for its content."""
        share = None
        if decide.wants_held_share(record, context):
            since = record.started_at - self.settings.guard.degraded_window
            share = self.store.held_share(host_of(watch.url), since, exclude=watch.id or 0)
        return decide.site_event(watch, record, context, share, self.settings.guard)

    @staticmethod
    def _diff_text(record: CheckRecord) -> str | None:
        return diff.render_text(record.change) if record.change is not None else None

    def _captured(
        self, watch: Watch, record: CheckRecord, fetched: FetchResult | None
    ) -> Capture | None:
        """The records of the exchange for the web archive, when it is on and the check
        keeps something: a new version, a removal or a restoration (never a quiet check)."""
        if self.archive is None or fetched is None:
            return None
        if record.article is None and record.event is None:
            return None
        return self.archive.capture(fetched, record, watch.url)

    def _write(self, watch: Watch, record: CheckRecord, capture: Capture | None = None) -> None:
        if self.quiet is not None and is_quiet(record, watch):
            self.quiet.add(record, lease_held(watch))
        else:
            self.store.save_check(record, lease=lease_held(watch), capture=capture)

    def _rescheduled(self, watch: Watch, record: CheckRecord) -> CheckRecord:
        """A change or an event restarts the age-aware schedule (young again: checked often)
        and keeps the article from retiring; otherwise an article past its last stage retires.
        A failure (a removal event too: the page answers 404) keeps its backoff."""
        if record.failed:
            return record
        if record.change is not None or record.event is not None:
            when = self.next_check(watch, record.started_at, failures=0, changed=True)
            return replace(record, next_check_at=when)
        if self.retired(watch, record.started_at):
            return replace(record, retire=True)
        return record

    def next_check(
        self, watch: Watch, now: datetime, failures: int, changed: bool = False
    ) -> datetime:
        """When to check again (see `worker.schedule.next_check`)."""
        settings = self.settings.schedule
        stages = self._stages(watch)
        return schedule.next_check(watch, stages, settings, now, failures, self.rng, changed)

    def interval(
        self, watch: Watch, now: datetime | None = None, changed: bool = False
    ) -> timedelta:
        """The re-check interval of a watch (see `worker.schedule.interval`)."""
        return schedule.interval(watch, self._stages(watch), now or self.clock(), changed)

    def retired(self, watch: Watch, now: datetime) -> bool:
        """True once an article without its own interval is older than the last stage."""
        return schedule.retired(watch, self._stages(watch), self.settings.schedule, now)

    def _stages(self, watch: Watch) -> schedule.Stages:
        """The schedule stages of a watch: its source's (read at most once a minute per
        source, not at every check), else the configured ones."""
        if not watch.source:
            return self.settings.schedule.stages
        now = time.monotonic()
        with self._stages_lock:
            cached = self._source_stages.get(watch.source)
        if cached is None or cached[0] < now:
            cached = (now + STAGES_KEPT, self.store.source_stages(watch.source))
            with self._stages_lock:
                self._source_stages[watch.source] = cached
        return cached[1] or self.settings.schedule.stages


def _without_noise(
    article: Article, context: CheckContext
) -> tuple[Article, tuple[RuleEffect, ...]]:
    """The article without the learned noise and the operator's prefix rules; what the
    operator's rules did (its selectors acted at extraction: `Article.ignored`)."""
    article = guard.without_noise(article, context.noise)
    article, effects = guard.without_prefixes(article, context.prefixes)
    return replace(article, ignored=()), (*article.ignored, *effects)


def _log_refusals(watch: Watch, effects: tuple[RuleEffect, ...]) -> None:
    for effect in effects:
        if effect.refused:
            log.warning(
                "%s: noise rule %s %r matched %d article part(s) longer than furniture and "
                "hid none of them", watch.url, effect.kind, effect.key, effect.refused,
            )  # fmt: skip


def bug_report(exc: BaseException) -> str:
    """The exception and the newswatch line it came from: 'KeyError: 'x' at store.py:12 in f'."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _PACKAGE in f.filename]
    where = ""
    if frames:
        frame = frames[-1]
        where = f" at {frame.filename.rpartition(_PACKAGE)[2]}:{frame.lineno} in {frame.name}"
    message = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}{': ' + message if message else ''}{where}"


_PACKAGE = "/worker/"
