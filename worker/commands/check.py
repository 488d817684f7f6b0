"""The commands that check: init, run, check, checks."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable

from worker.commands._base import _open_store, _safe_url, _service
from worker.commands.output import _print_json, _progress_bar
from worker.durations import format_duration
from worker.errors import UsageError
from worker.models import (
    Watch,
    utcnow,
)
from worker.service import Progress, Service, summary_line
from worker.settings import Settings
from worker.shapes import check_json, iso
from worker.store import Store
from worker.types import CheckRecord
from worker.urls import normalise_url

# `check` delivers the alerts it created for at most this long; `run` delivers the rest.
ALERT_DRAIN_SECONDS = 15.0


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, sync=True)
    count = len(store.list_watches())
    noun = "watch" if count == 1 else "watches"
    print(f"database ready: {_safe_url(settings.database_url)} ({count} {noun})")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, sync=True)
    _service(settings, store).run()
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    if args.all and args.urls:
        raise UsageError("give URLs or --all, not both")
    store = _open_store(settings, sync=True)
    service = _service(settings, store)
    try:
        problems: list[CheckRecord] = []
        if args.urls:
            counts = _check_urls(store, service, args.urls, _noting(problems))
        else:
            service.poll_sources()
            bar = _progress_bar(sys.stderr) if args.all and sys.stderr.isatty() else None
            claim = _claim_all(store, service) if args.all else _claim_due(store, service)
            total = len(store.list_watches()) if bar else 0
            counts = service.check_claiming(claim, total, _noting(problems, bar))
        if service.dispatcher is not None:
            sent = service.dispatcher.drain(ALERT_DRAIN_SECONDS)
            _report_alerts(sent)
    except KeyboardInterrupt:
        _interrupted(service, settings)
        return 130
    finally:
        service.close()
    print(summary_line(counts))
    _print_problems(store, problems)
    return 0


def _interrupted(service: Service, settings: Settings) -> None:
    """The first Ctrl-C: say what is left to wait for; a second one quits at once."""
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))
    service.stop()
    timeout = format_duration(settings.http.timeout)
    print(
        f"\ninterrupted: waiting for {service.busy()} checks in flight to finish (each at most "
        f"the fetch timeout, {timeout}); Ctrl-C again to quit at once",
        file=sys.stderr,
    )


def _noting(
    problems: list[CheckRecord], then: Callable[[int, int, CheckRecord], None] | None = None
) -> Callable[[int, int, CheckRecord], None]:
    """A progress callback that keeps the held and failed checks (and shows a bar, if any)."""

    def note(done: int, total: int, record: CheckRecord) -> None:
        if record.outcome in {"held", "error"}:
            problems.append(record)
        if then is not None:
            then(done, total, record)

    return note


def _print_problems(store: Store, problems: list[CheckRecord]) -> None:
    """Each held or failed article under the summary: its URL and the reason."""
    if not problems:
        return
    urls = {watch.id: watch.url for watch, _ in store.list_watches()}
    for record in sorted(problems, key=lambda r: (r.outcome, urls.get(r.watch_id, ""))):
        url = urls.get(record.watch_id, f"watch {record.watch_id}")
        print(f"  {record.outcome:5} {url}: {record.error or 'no reason given'}")


def cmd_checks(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, create=False)
    rows = store.checks_of(store.watch_id(args.url), args.limit)
    if args.json:
        _print_json([check_json(check) for check in rows])
        return 0
    if not rows:
        print(f"no checks of {args.url} yet")
    for check in rows:
        status = f"HTTP {check.http_status}" if check.http_status else "no response"
        reason = f": {check.error}" if check.error else ""
        browser = f" (browser {check.render_ms or 0:,} ms)" if check.fetcher == "browser" else ""
        print(
            f"{iso(check.started_at)}  {check.outcome:12} {status}, {check.bytes:,} bytes, "
            f"{check.duration_ms:,} ms{browser}{reason}"
        )
    return 0


def _check_urls(
    store: Store, service: Service, urls: list[str], progress: Progress
) -> Counter[str]:
    """Check these watches now; one another worker is checking right now is said, not hidden."""
    lease = service.settings.schedule.lease
    watches = store.claim_urls(service.worker_id, urls, utcnow(), lease)
    claimed = {watch.url for watch in watches}
    for url in urls:
        if normalise_url(url) not in claimed:
            print(f"skipped {url}: another worker is checking it right now", file=sys.stderr)
    return service.check_pass(watches, progress)


def _claim_all(store: Store, service: Service) -> Callable[[int], list[Watch]]:
    """Claims every active watch once, in id order, a few at a time."""
    last_id = 0
    lease = service.settings.schedule.lease

    def claim(limit: int) -> list[Watch]:
        nonlocal last_id
        watches = store.claim_all(service.worker_id, utcnow(), lease, limit, after_id=last_id)
        last_id = max((watch.id or 0 for watch in watches), default=last_id)
        return watches

    return claim


def _claim_due(store: Store, service: Service) -> Callable[[int], list[Watch]]:
    """Claims the watches due when the pass started, a few at a time (checked ones are
    rescheduled into the future, so none comes round twice)."""
    started, lease = utcnow(), service.settings.schedule.lease

    def claim(limit: int) -> list[Watch]:
        return store.claim_due(service.worker_id, limit, utcnow(), lease, due_before=started)

    return claim


def _report_alerts(sent: Counter[str]) -> None:
    if sent:
        parts = ", ".join(f"{count} {status}" for status, count in sorted(sent.items()))
        print(f"alerts: {parts}", file=sys.stderr)
