"""The one place where the stages meet: fetch, extract, compare, store, schedule."""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from worker import diff, extract, fetch, guard, schedule
from worker.errors import FetchError, NewswatchError
from worker.fetch import Fetcher, FetchRules
from worker.isolate import Isolated
from worker.models import Watch, fit_article, utcnow
from worker.notify.rules import wants
from worker.settings import AlertSettings, Settings
from worker.store import Lease, Store, host_of, is_quiet, lease_held
from worker.types import (
    AlertRequest,
    Article,
    Change,
    CheckRecord,
    FetchResult,
    StoredVersion,
    WatchState,
)

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

    def close(self) -> None:
        """Write what waits and stop the reader process."""
        self.flush()
        if self.isolated is not None:
            self.isolated.close()

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
        batch_quiet: bool = False,
        isolate: bool = False,
    ) -> None:
        self.settings = settings
        self.store = store
        self.fetcher = fetcher
        self.clock = clock
        self.rng = rng or random.Random()
        self._parse_lock = threading.Lock()
        self._source_stages: dict[str, tuple[float, schedule.Stages | None]] = {}
        self._stages_lock = threading.Lock()
        self.quiet = QuietBatch(store) if batch_quiet else None
        budget = settings.schedule.budget.total_seconds()
        self.isolated = Isolated(budget) if isolate else None

    def check(self, watch: Watch) -> CheckRecord:
        """Fetch, extract, compare and store one watch; a failure becomes a Check row."""
        started, t0 = self.clock(), time.monotonic()
        try:
            record = self._check(watch, started)
        except FetchError as exc:
            record = self._failed(watch, started, str(exc), exc.status, exc.retry_after)
        except NewswatchError as exc:
            record = self._failed(watch, started, f"{type(exc).__name__}: {exc}", None)
        record = self._with_alerts(watch, self._site_health(watch, record))
        record = self._rescheduled(watch, record)
        record = _with_duration(record, t0)
        if self.quiet is not None and is_quiet(record, watch):
            self.quiet.add(record, lease_held(watch))
        else:
            self.store.save_check(record, lease=lease_held(watch))
        if record.failed:
            log.warning("%s: %s", record.outcome, record.error)
        else:
            log.info("%s: %s %s", record.outcome, watch.url, record.error or "")
        return record

    def close(self) -> None:
        """Write what waits and stop the reader process."""
        self.flush()
        if self.isolated is not None:
            self.isolated.close()

    def flush(self) -> int:
        """Write the quiet checks that wait in the batch (none without `batch_quiet`)."""
        return self.quiet.flush() if self.quiet is not None else 0

    def crashed(self, watch: Watch, exc: Exception) -> CheckRecord:
        """Record a check that a bug (or the database) broke, so that it shows among the
        failing watches instead of vanishing; the watch backs off like any failure."""
        record = self._failed(watch, self.clock(), f"internal error: {bug_report(exc)}", None)
        self.store.save_check(record, lease=lease_held(watch))
        return record

    def _check(self, watch: Watch, started: datetime) -> CheckRecord:
        rules = FetchRules(public_only=watch.public_only, respect_robots=watch.respect_robots)
        fetched = self.fetcher.get(watch.url, watch.etag, watch.last_modified, rules=rules)
        state, restored = guard.back(guard.release_hold(_state(watch)))
        base = self._record(watch, started, "not_modified", fetched, state, restored)
        if fetched.not_modified:
            return base
        base = _with_body(base, fetched)
        # What the extractor reads is the same as last time (the same bytes, or the same but
        # for scripts): nothing to parse or load. Only valid once a version is stored.
        if base.page_key == watch.raw_hash and self.store.has_version(_id(watch)):
            return _replace(base, outcome="unchanged", raw=None)
        stored = self._read_now(self.store.latest_version(_id(watch)), fetched.final_url)
        article = self._extracted(fetched.html, fetched.final_url)
        article, dropped = fit_article(article)
        if dropped:
            log.warning("%s: values that cannot be stored dropped from %s", watch.url, dropped)
        return self._compare(watch, base, stored, article)

    def _read_now(self, stored: StoredVersion | None, url: str) -> StoredVersion | None:
        """The stored version as this extractor reads it. After an upgrade of the extractor,
        the stored HTML is read again, so that a better extractor never reports a change by
        itself: only what changed on the page is compared."""
        if stored is None or stored.extractor_version == extract.EXTRACTOR_VERSION:
            return stored
        raw = self.store.raw_html(stored.raw_hash) if stored.raw_hash else None
        if raw is None:
            return stored
        again = self._extracted(fetch.decode(raw), stored.article.url or url)
        if again.reason or not again.body:
            return stored  # the old page reads as no article now: keep what was stored
        return replace(stored, article=fit_article(again)[0])

    def _extracted(self, html: str, url: str) -> Article:
        """The page's article, read in the reader process within the budget when isolated
        (BudgetError past it), else here, one page at a time."""
        if self.isolated is not None:
            return self.isolated.call(extract.article, html, url)
        with self._parse_lock:
            return extract.article(html, url)

    def _compared(self, previous: Article, article: Article) -> tuple[Change | None, str]:
        """The change between two versions and its HTML, within the budget when isolated."""
        if self.isolated is not None:
            return self.isolated.call(diff.compare_rendered, previous, article)
        return diff.compare_rendered(previous, article)

    def _compare(
        self, watch: Watch, base: CheckRecord, stored: StoredVersion | None, article: Article
    ) -> CheckRecord:
        noise = self.store.learned_noise(watch.url)
        article = guard.without_noise(article, noise)
        content_hash = diff.content_hash(article)
        canonical = article.canonical_url
        if stored is not None and content_hash == stored.content_hash:
            return _replace(base, outcome="unchanged", raw=None, canonical_url=canonical)
        reverts_to = self.store.version_with_hash(_id(watch), content_hash) if stored else None
        held = self._hold(watch, base, stored, article, content_hash, reverts_to)
        if held is not None:
            return held
        if stored is None:
            return _version(base, "new", article, content_hash, None, canonical)
        previous = guard.without_noise(stored.article, noise)
        change, rendered = self._compared(previous, article)
        if change is None:
            return _replace(base, outcome="unchanged", raw=None, canonical_url=canonical)
        record = _version(base, "changed", article, content_hash, change, canonical)
        return _replace(
            record,
            reverts_to=reverts_to,
            noise=_noise(previous, article, change),
            rendered_html=rendered,  # once, for the web pages and feeds
        )

    def _hold(
        self,
        watch: Watch,
        base: CheckRecord,
        stored: StoredVersion | None,
        article: Article,
        content_hash: str,
        reverts_to: int | None,
    ) -> CheckRecord | None:
        """A held record when the extraction is suspect and has not persisted; else None."""
        settings = self.settings.guard
        why = guard.suspicion(article, stored.article if stored else None, settings)
        reverting = why is None and reverts_to is not None
        if reverting:
            why = f"returns to the content of version {reverts_to}"
        if why is None:
            return None
        state, confirmed = guard.hold(_state(watch), content_hash, settings)
        if confirmed and article.body:
            log.info("%s: %s, seen %d times in a row", watch.url, why, settings.confirm_checks)
            return None
        seen = (
            f"seen {state.hold_count} of {settings.confirm_checks}"
            if article.body
            else "never kept"
        )
        # Raw hash and validators stay as they were, so the next fetch is parsed afresh.
        return _replace(
            base,
            outcome="held",
            error=f"{why} ({seen})",
            reverts_to=reverts_to if reverting else None,  # why it is held, as data
            raw=None,
            raw_hash=None,
            state=replace(
                base.state or state, hold_hash=state.hold_hash, hold_count=state.hold_count
            ),
            next_check_at=base.started_at + settings.held_retry,
        )

    def _record(
        self,
        watch: Watch,
        started: datetime,
        outcome: str,
        fetched: FetchResult,
        state: WatchState,
        restored: bool,
    ) -> CheckRecord:
        return CheckRecord(
            watch_id=_id(watch),
            started_at=started,
            outcome=outcome,
            http_status=fetched.status,
            next_check_at=self.next_check(watch, started, failures=0),
            extractor_version=extract.EXTRACTOR_VERSION,
            state=state,
            event="restored" if restored else None,
        )

    def _failed(
        self,
        watch: Watch,
        started: datetime,
        error: str,
        status: int | None,
        retry_after: float | None = None,
    ) -> CheckRecord:
        failures = watch.consecutive_failures + 1
        state, removal = _state(watch), False
        if status in guard.GONE_STATUSES:
            state, removal = guard.gone(state, started, self.settings.guard)
        return CheckRecord(
            watch_id=_id(watch),
            started_at=started,
            outcome="error",
            http_status=status,
            error=error,
            failed=True,
            next_check_at=schedule.not_before(
                self.next_check(watch, started, failures=failures),
                started,
                retry_after,
                self.settings.schedule.max_backoff,
            ),
            state=state,
            event="removed" if removal else None,
        )

    def _site_health(self, watch: Watch, record: CheckRecord) -> CheckRecord:
        """Mark a host degraded when most of its articles are held at once, and recovered
        when one of them extracts well again (operator alerts, once each)."""
        if not self.settings.alerts:
            return record
        host = host_of(watch.url)
        if _extracted_fine(watch, record) and self.store.site_degraded(host):
            return _replace(record, site_event="recovered")
        if not _held_for_content(record) or self.store.site_degraded(host):
            return record
        settings = self.settings.guard
        since = record.started_at - settings.degraded_window
        held, checked = self.store.held_share(host, since, exclude=_id(watch))
        if held + 1 >= settings.degraded_articles and (held + 1) >= 0.8 * (checked + 1):
            return _replace(record, site_event="degraded")
        return record

    def _with_alerts(self, watch: Watch, record: CheckRecord) -> CheckRecord:
        """Add the outbox rows the configured channels want for this check."""
        if not self.settings.alerts:
            return record
        wanted = [
            AlertRequest(config.channel_name, event, data)
            for event, data in _events(watch, record, self.settings.guard.failing_after)
            for config in self.settings.alerts
            if wants(config, event, _rule_view(watch, record, data, config))
        ]
        return _replace(record, alerts=tuple(wanted))

    def _rescheduled(self, watch: Watch, record: CheckRecord) -> CheckRecord:
        """A change or an event restarts the age-aware schedule (young again: checked often)
        and keeps the article from retiring; otherwise an article past its last stage retires.
        A failure (a removal event too: the page answers 404) keeps its backoff."""
        if record.failed:
            return record
        if record.change is not None or record.event is not None:
            when = self.next_check(watch, record.started_at, failures=0, changed=True)
            return _replace(record, next_check_at=when)
        if self.retired(watch, record.started_at):
            return _replace(record, retire=True)
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


def _events(
    watch: Watch, record: CheckRecord, failing_after: int
) -> list[tuple[str, dict[str, Any]]]:
    """The alertable events of one check, with the payload of those without a Change row."""
    events: list[tuple[str, dict[str, Any]]] = []
    if record.outcome == "new":
        events.append(("article.new", {}))
    if record.change is not None:
        events.append(("article.changed", {}))
    if record.event is not None:
        events.append((f"article.{record.event}", {}))
    failures = watch.consecutive_failures
    about = {"url": watch.url, "label": watch.label, "error": record.error}
    if record.failed and failures + 1 == failing_after:
        events.append(("watch.failing", {**about, "failures": failures + 1}))
    if not record.failed and failures >= failing_after:
        events.append(("watch.recovered", {**about, "failures": failures}))
    if record.site_event is not None:
        site = {"host": host_of(watch.url), "url": watch.url, "reason": record.error}
        events.append((f"site.{record.site_event}", site))
    return events


def _extracted_fine(watch: Watch, record: CheckRecord) -> bool:
    extracted = record.page_key is not None and record.page_key != watch.raw_hash
    return record.outcome in {"new", "changed", "unchanged"} and extracted


def _held_for_content(record: CheckRecord) -> bool:
    """Held because the extraction looks broken, not because it returns to an old version."""
    return record.outcome == "held" and record.reverts_to is None


def _rule_view(
    watch: Watch, record: CheckRecord, data: dict[str, Any], config: AlertSettings
) -> dict[str, Any]:
    """What the alert rules look at: the change's fields, significance and text."""
    change = record.change
    view: dict[str, Any] = {**data, "label": watch.label, "source": watch.source}
    if record.article is not None:
        view["article"] = {"title": record.article.title}
    if change is not None:
        view |= {"fields": list(change.fields), "significance": change.significance}
        view |= {"summary": change.summary, "kind": "edit"}
        if config.keywords:
            view["diff"] = {"text": diff.render_text(change)}
    return view


def _noise(previous: Article, article: Article, change: Change) -> tuple[str, str] | None:
    key = guard.noise_candidate(previous, article, change.fields)
    if key is None:
        return None
    sample = next((p for p in article.body if guard.noise_key(p) == key), "")
    return key, sample


def _state(watch: Watch) -> WatchState:
    return WatchState(
        hold_hash=watch.hold_hash,
        hold_count=watch.hold_count,
        gone_since=watch.gone_since,
        gone_checks=watch.gone_checks,
        removed=watch.removed,
    )


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
        page_key=extract.page_key(fetched.html),
        etag=fetched.etag,
        last_modified=fetched.last_modified,
    )


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
