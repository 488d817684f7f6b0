"""What each `newswatch` command does; `worker.cli` parses the command line and calls them.

Each handler takes the parsed arguments and the settings and returns the exit status. The
checking stack (fetcher, extractor, pipeline, poller, alert channels) is loaded only by the
commands that check, poll or send (`_checking_stack`): reading commands start faster.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from worker import diff, logs, redact
from worker.db import create_engine, migrate, sqlite_file_missing
from worker.durations import format_duration
from worker.errors import BadURLError, NotFoundError, UsageError
from worker.models import (
    Delivery,
    NoiseRule,
    Snapshot,
    Source,
    Watch,
    WorkerState,
    utcnow,
    watch_state,
)
from worker.service import Progress, Service, default_worker_id, summary_line
from worker.settings import Settings, SourceSettings
from worker.shapes import change_json, check_json, iso, snapshot_json, watch_json
from worker.store import Deliveries, Store, snapshot_article
from worker.types import CheckRecord
from worker.urls import is_http_url, normalise_url

log = logging.getLogger("worker")

# `check` delivers the alerts it created for at most this long; `run` delivers the rest.
ALERT_DRAIN_SECONDS = 15.0
_COMMENT = re.compile(r"\s#")  # an import line: URL, then an optional comment

# -- opening the database --------------------------------------------------------------------


def _open_store(settings: Settings, sync: bool = False, create: bool = True) -> Store:
    """Migrate the database to the newest schema; with `sync` (init, check, run, source poll),
    make the config's [[watch]] and [[source]] lists true in it. Other commands leave the
    watches as they are. Without `create` (commands that only read), a SQLite file that
    does not exist is an error, not a new empty database: the path is likely mistyped."""
    missing = None if create else sqlite_file_missing(settings.database_url)
    if missing is not None:
        raise NotFoundError(
            f"no database at {missing}: create it with 'newswatch init' "
            "(or check --database-url / NEWSWATCH_DATABASE_URL / [database] url)"
        )
    engine = create_engine(settings.database_url)
    migrate(engine)
    store = Store(engine, noise_articles=settings.guard.noise_articles)
    if sync:
        store.sync_config_watches(settings.watch)
        store.sync_config_sources(settings.source)
    return store


def _service(settings: Settings, store: Store) -> Service:
    stack = _checking_stack()
    fetcher = stack.Fetcher(settings.http)
    worker_id = default_worker_id()
    channels = stack.build_channels(settings)
    dispatcher = stack.Dispatcher(settings, store, channels, worker_id) if channels else None
    pipeline = stack.Pipeline(settings, store, fetcher, batch_quiet=True, isolate=True)
    poller = stack.Poller(settings, store, fetcher)
    return Service(settings, store, pipeline, worker_id, dispatcher, poller)


class _Stack:
    """The classes of the checking stack, imported on first use (see the module docstring)."""

    def __init__(self) -> None:
        from worker.fetch import Fetcher
        from worker.outbox import Dispatcher, build_channels, sample_message
        from worker.pipeline import Pipeline
        from worker.poller import Poller

        self.Fetcher, self.Pipeline, self.Poller, self.Dispatcher = (
            Fetcher,
            Pipeline,
            Poller,
            Dispatcher,
        )
        self.build_channels, self.sample_message = build_channels, sample_message


def _checking_stack() -> _Stack:
    return _Stack()


# -- commands --------------------------------------------------------------------------------


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
    rows = _open_store(settings, create=False).checks(args.url, args.limit)
    if args.json:
        _print_json([check_json(check) for check in rows])
        return 0
    if not rows:
        print(f"no checks of {args.url} yet")
    for check in rows:
        status = f"HTTP {check.http_status}" if check.http_status else "no response"
        reason = f": {check.error}" if check.error else ""
        print(
            f"{iso(check.started_at)}  {check.outcome:12} {status}, {check.bytes:,} bytes, "
            f"{check.duration_ms:,} ms{reason}"
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


def cmd_watch_add(args: argparse.Namespace, settings: Settings) -> int:
    watch = _open_store(settings).add_watch(args.url, args.every, args.label)
    every = f" every {format_duration(args.every)}" if args.every else ""
    print(f"watching {watch.url}{every}")
    return 0


def cmd_watch_import(args: argparse.Namespace, settings: Settings) -> int:
    urls = list(dict.fromkeys(normalise_url(url) for url in _read_url_list(args.file)))
    store = _open_store(settings)
    for url in urls:
        store.add_watch(url)
    print(f"watching {len(urls)} URLs from {args.file}")
    return 0


def _read_url_list(name: str) -> list[str]:
    """URLs from a file, one a line; every bad line is reported and nothing is imported."""
    lines = _lines(name)
    urls, problems = [], []
    for number, line in enumerate(lines, start=1):
        text = _COMMENT.split(line, maxsplit=1)[0].strip()
        if not text or text.startswith("#"):
            continue
        problem = _url_problem(text)
        if problem:
            problems.append(f"{name}:{number}: {problem}")
        else:
            urls.append(text)
    if problems:
        raise UsageError("nothing imported:\n" + "\n".join(problems))
    return urls


def _url_problem(text: str) -> str | None:
    try:
        normalise_url(text)
    except BadURLError as exc:
        return str(exc)
    if not is_http_url(text):
        return f"not an http(s) URL: {text[:200]!r}"
    if any(char.isspace() for char in text):
        return "text after the URL (comments start with ' #')"
    return None


def _lines(name: str) -> list[str]:
    if name == "-":
        return sys.stdin.read().splitlines()
    try:
        return Path(name).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {name}: {exc}") from None


def cmd_watch_list(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, create=False)
    rows = store.list_watches()
    titles = store.headlines([watch.id for watch, _ in rows if watch.id is not None])
    if args.json:
        _print_json([watch_json(watch, n, titles.get(watch.id or 0)) for watch, n in rows])
        return 0
    if not rows:
        print("no watches yet: add one with `newswatch watch add URL`")
    for watch, versions in rows:
        print(_watch_line(watch, versions, titles.get(watch.id or 0)))
    return 0


def _watch_line(watch: Watch, versions: int, headline: str | None) -> str:
    label = f" [{watch.label}]" if watch.label else ""
    own = watch.every_seconds
    every = f", every {format_duration(timedelta(seconds=own))}" if own else ""
    plural = "version" if versions == 1 else "versions"
    facts = [
        watch_state(watch),
        f"{versions} {plural}",
        f"last checked {iso(watch.last_checked_at) or 'never'}",
        f"next {iso(watch.next_check_at) if watch.active else '-'}",
    ]
    title = f"\n    {headline}" if headline else ""
    return f"{watch.url}{label}  {', '.join(facts)}{every}{title}"


def cmd_watch_remove(args: argparse.Namespace, settings: Settings) -> int:
    watch = _open_store(settings, create=False).remove_watch(args.url)
    print(f"no longer watching {watch.url} (its history is kept)")
    return 0


def cmd_snapshots(args: argparse.Namespace, settings: Settings) -> int:
    snapshots = _open_store(settings, create=False).snapshots(args.url)
    if args.json:
        _print_json([snapshot_json(snapshot, body=False) for snapshot in snapshots])
        return 0
    for snapshot in snapshots:
        words = len(snapshot.body.split())
        print(f"v{snapshot.version}  {iso(snapshot.fetched_at)}  {words} words  {snapshot.title}")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    snapshot = _open_store(settings, create=False).snapshot(args.url, args.version)
    if args.json:
        _print_json(snapshot_json(snapshot, body=True))
        return 0
    print("\n".join(_snapshot_text(snapshot)))
    return 0


def cmd_diff(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, create=False)
    old, new = _diff_versions(store, args.url, args.from_version, args.to_version)
    change = diff.compare(snapshot_article(old), snapshot_article(new))
    if args.format == "json":
        body = diff.render_json(change) if change else {"fields": []}
        _print_json({"from_version": old.version, "to_version": new.version, **body})
    elif change is None:
        print(f"no difference between v{old.version} and v{new.version}")
    elif args.format == "html":
        print(diff.render_html(change, "side-by-side" if args.side_by_side else "inline"))
    else:
        print(f"v{old.version} -> v{new.version}")
        text = diff.render_text(change)
        print(_painted_diff(text) if _colour(sys.stdout) else text)
    return 0


def _diff_versions(
    store: Store, url: str, first: int | None, second: int | None
) -> tuple[Snapshot, Snapshot]:
    latest = store.snapshot(url)
    to_version = second or latest.version
    from_version = first or to_version - 1
    if from_version < 1:
        raise NotFoundError(f"{latest.title or url}: only one version stored, nothing to compare")
    return store.snapshot(url, from_version), store.snapshot(url, to_version)


def cmd_changes(args: argparse.Namespace, settings: Settings) -> int:
    rows = _open_store(settings, create=False).changes(args.since, args.url, args.limit)
    if args.json:
        _print_json([change_json(change, watch) for change, watch in rows])
        return 0
    if not rows:
        print("no changes yet" if args.since is None else f"no changes since {iso(args.since)}")
    colour = _colour(sys.stdout)
    for change, watch in rows:
        print(
            f"#{change.id} {iso(change.detected_at)} {watch.url} "
            f"v{change.from_version}->v{change.to_version} "
            f"[{_significance(change.significance, colour)}] {change.summary}"
        )
    return 0


def cmd_alerts_list(args: argparse.Namespace, settings: Settings) -> int:
    rows = Deliveries(_open_store(settings, create=False)).deliveries(args.status, args.limit)
    if args.json:
        _print_json([_delivery_json(row) for row in rows])
        return 0
    if not rows:
        print("no alert deliveries" + (f" {args.status}" if args.status else ""))
    for row in rows:
        error = f"  {row.last_error}" if row.last_error else ""
        print(
            f"#{row.id} {row.status:<8} {row.channel} {row.event} attempts={row.attempts} "
            f"next={iso(row.next_attempt_at)}{error}"
        )
    return 0


def cmd_alerts_retry(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.ids) == bool(args.all_failed):
        raise UsageError("give delivery IDs or --all-failed")
    outbox = Deliveries(_open_store(settings, create=False))
    retried = outbox.retry(None if args.all_failed else args.ids)
    print(f"{len(retried)} deliveries pending again")
    others = sorted(set(args.ids or ()) - set(retried))
    if others:
        listed = ", ".join(map(str, others))
        raise NotFoundError(f"no failed delivery with id {listed} (see 'alerts list')")
    return 0


def cmd_alerts_test(args: argparse.Namespace, settings: Settings) -> int:
    configs = {config.channel_name: config for config in settings.alerts}
    if args.channel not in configs:
        known = ", ".join(configs) or "none configured"
        raise UsageError(f"no alert channel {args.channel!r} (channels: {known})")
    stack = _checking_stack()
    channel = stack.build_channels(settings)[args.channel]
    result = channel.send(stack.sample_message(configs[args.channel], settings.web.base_url))
    if not result.ok:
        print(f"newswatch: {args.channel}: sample alert failed: {result.error}", file=sys.stderr)
        return 1
    print(f"{args.channel}: sample alert sent")
    return 0


def cmd_source_add(args: argparse.Namespace, settings: Settings) -> int:
    options = {"kind": args.kind, "pattern": args.pattern, "label": args.label}
    options |= {"allow_private": args.allow_private, "ignore_robots": args.ignore_robots}
    options |= {"every": args.every}
    given = {name: value for name, value in options.items() if value is not None}
    try:
        config = SourceSettings.model_validate({"url": args.url, **given})
    except ValidationError as exc:
        raise UsageError(f"source {args.url}: {exc.errors()[0]['msg']}") from None
    source = _open_store(settings).add_source(config, only=set(given))
    every = timedelta(seconds=source.every_seconds)
    print(f"following {source.url} ({source.kind}, every {every})")
    return 0


def cmd_source_list(args: argparse.Namespace, settings: Settings) -> int:
    sources = _open_store(settings, create=False).list_sources()
    if args.json:
        _print_json([_source_json(source) for source in sources])
        return 0
    if not sources:
        print("no sources yet: follow one with `newswatch source add URL`")
    for source in sources:
        state = "active" if source.active else "inactive"
        error = f"  last error: {source.last_error}" if source.last_error else ""
        print(
            f"{source.url}  {source.kind} {state}, {source.enrolled} enrolled, "
            f"next poll {iso(source.next_poll_at)}{error}"
        )
    return 0


def cmd_source_remove(args: argparse.Namespace, settings: Settings) -> int:
    source = _open_store(settings, create=False).remove_source(args.url)
    print(f"no longer following {source.url} (its articles stay watched)")
    return 0


def cmd_source_poll(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, sync=True)
    known = {source.url for source in store.list_sources()}
    unknown = [url for url in args.urls or () if normalise_url(url) not in known]
    if unknown:
        raise NotFoundError(f"not a source: {', '.join(unknown)} (add it with 'source add')")
    service = _service(settings, store)
    try:
        enrolled = service.poll_sources(args.urls or sorted(known))
    finally:
        service.close()
    print(f"enrolled {enrolled} new articles")
    return 0


def _source_json(source: Source) -> dict[str, Any]:
    return {
        "url": source.url,
        "kind": source.kind,
        "pattern": source.pattern,
        "label": source.label,
        "active": source.active,
        "every": source.every_seconds,
        "allow_private": source.allow_private,
        "ignore_robots": source.ignore_robots,
        "next_poll_at": iso(source.next_poll_at),
        "last_polled_at": iso(source.last_polled_at),
        "last_error": source.last_error,
        "enrolled": source.enrolled,
    }


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, create=False)
    # Imported here, not above: the web stack (FastAPI, Starlette, Jinja2, uvicorn) is a third
    # of the start-up time, and only `serve` uses it.
    from worker import web

    web.serve(settings, store, args.host or settings.web.host, args.port or settings.web.port)
    return 0


def cmd_workers(args: argparse.Namespace, settings: Settings) -> int:
    alive_after = max(settings.schedule.tick * 3, timedelta(minutes=1))
    rows = _open_store(settings, create=False).workers(utcnow() - alive_after)
    if args.json:
        _print_json([_worker_json(row, leases) for row, leases in rows])
        return 0
    if not rows:
        print("no worker is running")
    for row, leases in rows:
        data = _worker_json(row, leases)
        print(
            f"{row.id}  up since {data['started_at']}, last beat {data['heartbeat_at']}, "
            f"{leases} leases, {row.checks} checks ({data['checks_per_minute']}/min), "
            f"{row.changes} new or changed, {row.errors} errors"
        )
    return 0


def _worker_json(row: WorkerState, leases: int) -> dict[str, Any]:
    assert row.started_at is not None and row.heartbeat_at is not None  # stored NOT NULL
    minutes = max((row.heartbeat_at - row.started_at).total_seconds() / 60, 1 / 60)
    return {
        "id": row.id,
        "started_at": iso(row.started_at),
        "heartbeat_at": iso(row.heartbeat_at),
        "leases": leases,
        "checks": row.checks,
        "changes": row.changes,
        "errors": row.errors,
        "checks_per_minute": round(row.checks / minutes, 1),
    }


def cmd_noise_list(args: argparse.Namespace, settings: Settings) -> int:
    rules = _open_store(settings, create=False).noise_rules(args.host)
    if args.json:
        _print_json([_noise_json(rule) for rule in rules])
        return 0
    if not rules:
        print("no noise learned yet")
    for rule in rules:
        state = "learned" if rule.learned else "candidate"
        print(
            f"{rule.host}  {rule.key!r:<24} {state:<9} {len(set(rule.watch_ids))} articles  "
            f"e.g. {rule.sample[:80]!r}"
        )
    return 0


def cmd_noise_forget(args: argparse.Namespace, settings: Settings) -> int:
    _open_store(settings, create=False).forget_noise(args.host, args.key)
    print(f"forgot {args.key!r} on {args.host}")
    return 0


def _noise_json(rule: NoiseRule) -> dict[str, Any]:
    return {
        "host": rule.host,
        "key": rule.key,
        "learned": rule.learned,
        "articles": len(set(rule.watch_ids)),
        "sample": rule.sample,
        "first_seen": iso(rule.first_seen),
        "last_seen": iso(rule.last_seen),
    }


def _delivery_json(row: Delivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "key": row.key,
        "channel": row.channel,
        "event": row.event,
        "change_id": row.change_id,
        "status": row.status,
        "attempts": row.attempts,
        "created_at": iso(row.created_at),
        "next_attempt_at": iso(row.next_attempt_at),
        "sent_at": iso(row.sent_at),
        "last_status": row.last_status,
        "last_error": row.last_error,
    }


# -- output ----------------------------------------------------------------------------------


def _snapshot_text(snapshot: Snapshot) -> Iterator[str]:
    yield snapshot.title
    if snapshot.subtitle:
        yield snapshot.subtitle
    facts = [f"By {', '.join(snapshot.authors)}" if snapshot.authors else ""]
    facts += [f"published {iso(snapshot.published_at)}" if snapshot.published_at else ""]
    facts += [f"modified {iso(snapshot.modified_at)}" if snapshot.modified_at else ""]
    yield " · ".join(fact for fact in facts if fact)
    yield f"version {snapshot.version}, fetched {iso(snapshot.fetched_at)}"
    for paragraph in snapshot_article(snapshot).body:
        yield ""
        yield paragraph


# Colour on a terminal only, and never when NO_COLOR is set (https://no-color.org).
_SIGNIFICANCE_COLOURS = {"trivial": "2", "minor": "36", "substantive": "33", "major": "1;31"}
_DIFF_COLOURS = (
    ("[-", "\x1b[31m[-"),
    ("-]", "-]\x1b[0m"),
    ("{+", "\x1b[32m{+"),
    ("+}", "+}\x1b[0m"),
)


def _colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _significance(name: str, colour: bool) -> str:
    code = _SIGNIFICANCE_COLOURS.get(name)
    return f"\x1b[{code}m{name}\x1b[0m" if colour and code else name


def _painted_diff(text: str) -> str:
    """A text diff with its deletions red and insertions green (plain replaces: linear)."""
    first, _, rest = text.partition("\n")
    significance, colon, summary = first.partition(":")
    for marker, painted in _DIFF_COLOURS:
        rest = rest.replace(marker, painted)
    return f"{_significance(significance, True)}{colon}{summary}\n{rest}"


def _print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def hide_secrets(settings: Settings) -> None:
    """Keep the configured secrets out of every log line (see `worker.logs`)."""
    secrets = [settings.web.token or "", _password(settings.database_url)]
    for config in settings.alerts:
        url = config.url or os.environ.get(config.url_env or "", "")
        secret = config.secret or os.environ.get(config.secret_env or "", "")
        secrets += [secret, *redact.url_secrets(url, tokens_only=True)]
    logs.hide(secrets)


def _password(database_url: str) -> str:
    try:
        return make_url(database_url).password or ""
    except ArgumentError:
        return ""


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _progress_bar(stream: TextIO) -> Callable[[int, int, CheckRecord], None]:
    def show(done: int, total: int, record: CheckRecord) -> None:
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        stream.write(f"\r[{bar}] {done}/{total} {record.outcome:<12}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


# The handler of each command, keyed as `worker.cli` names them.
HANDLERS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "init": cmd_init,
    "run": cmd_run,
    "check": cmd_check,
    "checks": cmd_checks,
    "watch add": cmd_watch_add,
    "watch import": cmd_watch_import,
    "watch list": cmd_watch_list,
    "watch remove": cmd_watch_remove,
    "snapshots": cmd_snapshots,
    "show": cmd_show,
    "diff": cmd_diff,
    "changes": cmd_changes,
    "alerts list": cmd_alerts_list,
    "alerts retry": cmd_alerts_retry,
    "alerts test": cmd_alerts_test,
    "source add": cmd_source_add,
    "source list": cmd_source_list,
    "source remove": cmd_source_remove,
    "source poll": cmd_source_poll,
    "serve": cmd_serve,
    "workers": cmd_workers,
    "noise list": cmd_noise_list,
    "noise forget": cmd_noise_forget,
}
