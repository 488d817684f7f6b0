"""Alert latency from change stored to webhook received, against a receiver that fails some
requests; prints figures and whether every change was delivered exactly once.

    python bench/bench_alerts.py [--changes 1000] [--fail-rate 0.2] [--rate 50] [--seed 7]

Setup (not timed): a temporary SQLite database, one watch per change, version 1 of each
article stored. Then a producer thread stores version 2 of each article at `--rate` changes/s
with `Store.save_check`, so each Change and its Delivery row are written in one transaction as
the pipeline writes them, while the main thread runs a real Dispatcher with a real
WebhookChannel against a local HTTP receiver that answers 500 to a seeded `--fail-rate` share
of requests and 200 to the rest. `--rate 0` stores as fast as it can: a backlog, which shows
throughput, while its latencies are mostly time spent queueing.

Time is simulated for retries only. The dispatcher's clock is real UTC time plus an offset;
whenever nothing is due, the offset jumps to the next pending retry (Standard Webhooks
schedule: 5 s before attempt 2, 5 min before attempt 3, 30 min before attempt 4, ...), so the
run takes seconds rather than hours. Hence two latency figures:

- wall-clock, for deliveries whose first attempt succeeded: real queueing, payload building,
  HTTP and database time, no schedule wait;
- simulated, for every delivery: stored to first successful receipt on the dispatcher's
  clock, i.e. real time plus the retry waits that were skipped.

With independent failures at 20%, 4% of deliveries need a third attempt, so the simulated p95
sits at the boundary between "one retry" (~5 s) and "two retries" (~5 min) and may land on
either side from run to run; the per-attempts medians show the shape. The receiver's answers
follow its seed in request order, which depends on thread timing, so counts vary a little.
The loop calls `dispatch_pending` back to back; the service calls it once per schedule tick
(5 s by default), which would add up to one tick to every latency here.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from worker import notify  # noqa: E402
from worker.db import create_engine, migrate  # noqa: E402
from worker.models import Delivery, utcnow  # noqa: E402
from worker.outbox import Dispatcher  # noqa: E402
from worker.settings import AlertSettings, Settings  # noqa: E402
from worker.store import Outbox, Store  # noqa: E402
from worker.types import AlertRequest, Article, Change, CheckRecord  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PARAGRAPHS = tuple(
    f"Paragraph {n} of the story, with enough words to look like the text of a real article."
    for n in range(8)
)
CHANGE = Change(
    fields=("title", "body"),
    edited=1,
    paragraphs_edited=1,
    significance="major",
    summary="title changed; body: 1 edited",
)


class SimClock:
    """The dispatcher's clock: real UTC time plus an offset that only grows."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        return utcnow() + timedelta(seconds=self.offset)

    def stamp(self) -> tuple[float, float]:
        """(wall-clock, simulated) seconds on the perf_counter scale."""
        now = time.perf_counter()
        return now, now + self.offset


Stamps = dict[int, tuple[float, float]]  # watch id -> when its change was stored


@dataclass
class Receipts:
    """What the receiver saw, per webhook-id, stamped on the bench's clock."""

    clock: SimClock
    requests: Counter[str] = field(default_factory=Counter)
    successes: Counter[str] = field(default_factory=Counter)
    first_success: dict[str, tuple[float, float]] = field(default_factory=dict)
    first_try: set[str] = field(default_factory=set)
    change_ids: dict[str, int] = field(default_factory=dict)


def _serve(receipts: Receipts, fail_rate: float, seed: int) -> ThreadingHTTPServer:
    """A webhook endpoint that fails a seeded share of requests and checks nothing."""
    rng = random.Random(seed)  # answers follow the seed in the order requests arrive
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real endpoint would

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            when = receipts.clock.stamp()
            webhook_id = self.headers["webhook-id"]
            with lock:
                ok = rng.random() >= fail_rate
                _record(receipts, webhook_id, json.loads(body)["data"]["id"], ok, when)
            self.send_response(200 if ok else 500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _record(
    receipts: Receipts, webhook_id: str, change_id: int, ok: bool, when: tuple[float, float]
) -> None:
    receipts.requests[webhook_id] += 1
    receipts.change_ids[webhook_id] = change_id
    if not ok:
        return
    receipts.successes[webhook_id] += 1
    receipts.first_success.setdefault(webhook_id, when)
    if receipts.requests[webhook_id] == 1:
        receipts.first_try.add(webhook_id)


def _article(n: int, version: int) -> Article:
    body = list(PARAGRAPHS)
    title = f"Story {n}: minister resigns"
    if version == 2:
        title += " after vote"
        body[3] = body[3].replace("enough words", "enough words, and one more clause,")
    return Article(url=f"https://news.example/a/{n}", title=title, body=tuple(body))


def _record_for(watch_id: int, n: int, version: int) -> CheckRecord:
    now = utcnow()
    return CheckRecord(
        watch_id=watch_id,
        started_at=now,
        outcome="new" if version == 1 else "changed",
        next_check_at=now + timedelta(minutes=15),
        article=_article(n, version),
        content_hash=f"{n}-{version}",
        change=CHANGE if version == 2 else None,
        alerts=(AlertRequest("hook", "article.changed"),) if version == 2 else (),
    )


def _seed(store: Store, changes: int) -> list[int]:
    """One watch per change, with version 1 stored."""
    ids = []
    for n in range(changes):
        watch = store.add_watch(f"https://news.example/a/{n}")
        assert watch.id is not None
        store.save_check(_record_for(watch.id, n, 1))
        ids.append(watch.id)
    return ids


def _produce(
    store: Store, watch_ids: list[int], rate: float, clock: SimClock, stored: Stamps
) -> None:
    """Store version 2 of each article, paced at `rate`/s; note when each change was stored."""
    start = time.perf_counter()
    for n, watch_id in enumerate(watch_ids):
        if rate > 0:
            time.sleep(max(0.0, start + n / rate - time.perf_counter()))
        with clock.lock:  # no clock jump between the commit and its stamp
            store.save_check(_record_for(watch_id, n, 2))
            stored[watch_id] = clock.stamp()


def _next_due(store: Store) -> datetime | None:
    query = select(sa.func.min(col(Delivery.next_attempt_at))).where(Delivery.status == "pending")
    with store.session() as session:
        value = session.exec(query).one()
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)  # SQLite aggregates may come back naive


def _skip_to_next_due(store: Store, clock: SimClock) -> bool:
    """Jump the clock to the next pending delivery's due time; False when none is pending."""
    with clock.lock:
        due = _next_due(store)
        if due is None:
            return False
        clock.offset += max(0.0, (due - clock()).total_seconds())
        return True


@dataclass
class Run:
    """How the dispatch loop went: its wall-clock span, time inside passes that did work."""

    wall: float = 0.0
    busy: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)


def _dispatch_until_done(
    dispatcher: Dispatcher, store: Store, clock: SimClock, producer: threading.Thread
) -> Run:
    """Dispatch back to back; when nothing is due, skip to the next retry or await the
    producer; stop once the producer is done and nothing is pending."""
    run = Run()
    start = time.perf_counter()
    while True:
        began = time.perf_counter()
        done = dispatcher.dispatch_pending()
        if done:
            run.busy += time.perf_counter() - began
            run.counts.update(done)
        elif not _skip_to_next_due(store, clock):
            if not producer.is_alive():
                break
            time.sleep(0.001)
    run.wall = time.perf_counter() - start
    return run


def _report(store: Store, receipts: Receipts, stored: Stamps, run: Run) -> None:
    rows = Outbox(store).deliveries(limit=10 * len(stored) + 10)
    statuses = Counter(row.status for row in rows)
    watch_of = {change.id: watch.id for change, watch in store.recent_changes(limit=None)}
    delivered = Counter(receipts.change_ids[wid] for wid in receipts.first_success)
    all_delivered = (
        set(delivered) == set(watch_of)
        and len(receipts.first_success) == len(rows) == len(stored)
        and statuses == Counter(sent=len(stored))
    )
    requests = sum(receipts.requests.values())
    duplicates = Counter(count - 1 for count in receipts.successes.values())
    print(f"changes stored:              {len(stored)}  (Delivery rows: {len(rows)})")
    print(f"deliveries sent / failed:    {statuses['sent']} / {statuses['failed']}", end="")
    print(f"  (still pending: {statuses['pending']})")
    print(f"attempts total:              {sum(row.attempts for row in rows)}", end="")
    print(f"  (requests received: {requests}, of which answered 500: ", end="")
    print(f"{requests - sum(receipts.successes.values())})")
    print(f"distinct webhook-ids OK:     {len(receipts.first_success)} of {len(stored)}", end="")
    print(f"  -> all delivered: {'yes' if all_delivered else 'no'}")
    print(f"duplicates per webhook-id:   {_histogram(duplicates)}  (extra 200s; 0 = none)")
    print(f"changes under >1 webhook-id: {sum(1 for n in delivered.values() if n > 1)}")
    _print_latency(receipts, stored, watch_of)
    attempts = sum(run.counts.values())
    print(f"throughput:                  {statuses['sent'] / run.wall:.1f} deliveries/s", end="")
    print(f" over the dispatch run ({run.wall:.1f} s wall-clock);")
    print(f"                             {attempts / run.busy:.1f} attempts/s inside", end="")
    print(f" dispatch passes that did work ({run.busy:.1f} s)")


def _print_latency(receipts: Receipts, stored: Stamps, watch_of: dict[int | None, int]) -> None:
    def since_stored(wid: str, clock: int) -> float:
        change_id = receipts.change_ids[wid]
        return receipts.first_success[wid][clock] - stored[watch_of[change_id]][clock]

    first_try = [since_stored(wid, 0) for wid in receipts.first_try]
    every = [since_stored(wid, 1) for wid in receipts.first_success]
    by_attempts: dict[int, list[float]] = {}
    for wid in receipts.first_success:
        by_attempts.setdefault(receipts.requests[wid], []).append(since_stored(wid, 1))
    print("latency, change stored -> first successful receipt:")
    print(f"  wall-clock, first-attempt successes: {_quantiles(first_try)}")
    print(f"  simulated, all deliveries:           {_quantiles(every)}")
    print("  simulated, median by attempts needed:")
    for attempts, values in sorted(by_attempts.items()):
        print(f"    {attempts} attempt(s): {len(values):4} deliveries, median ", end="")
        print(_span(statistics.median(values)))


def _quantiles(values: list[float]) -> str:
    if len(values) < 2:
        return f"n={len(values)}, too few"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return (
        f"median {_span(statistics.median(values))}, p95 {_span(cuts[94])},"
        f" p99 {_span(cuts[98])}, max {_span(max(values))} (n={len(values)})"
    )


def _span(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 120:
        return f"{seconds:.2f} s"
    return f"{seconds / 60:.1f} min"


def _histogram(counts: Counter[int]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in sorted(counts.items()))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--fail-rate", type=float, default=0.2)
    parser.add_argument(
        "--rate", type=float, default=50.0, help="changes stored per second; 0: as fast as possible"
    )
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def _bench(args: argparse.Namespace, store: Store, url: str, receipts: Receipts) -> None:
    clock = receipts.clock
    config = AlertSettings(type="webhook", name="hook", url=url, secret=SECRET)
    settings = Settings(alerts=[config])
    channel = notify.build_channel(config, settings.http)
    rng = random.Random(args.seed)
    dispatcher = Dispatcher(settings, store, {"hook": channel}, "bench:1", clock=clock, rng=rng)
    watch_ids = _seed(store, args.changes)
    stored: Stamps = {}
    producer = threading.Thread(target=_produce, args=(store, watch_ids, args.rate, clock, stored))
    producer.start()
    run = _dispatch_until_done(dispatcher, store, clock, producer)
    producer.join()
    channel.close()
    _report(store, receipts, stored, run)
    print(f"simulated time skipped:      {_span(clock.offset)} (retry waits not slept)")


def main() -> None:
    args = _arguments()
    started = time.perf_counter()
    receipts = Receipts(clock=SimClock())
    server = _serve(receipts, args.fail_rate, args.seed)
    host, port = server.server_address[:2]
    pace = f"at {args.rate:g} changes/s" if args.rate > 0 else "as fast as possible (a backlog)"
    print(f"{args.changes} changes stored {pace}; the receiver answers 500 to", end="")
    print(f" {args.fail_rate:.0%} of requests (seed {args.seed}); SQLite; one dispatcher")
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        migrate(engine)
        _bench(args, Store(engine), f"http://{host}:{port}/", receipts)
        engine.dispose()
    server.shutdown()
    print(f"total run time:              {time.perf_counter() - started:.1f} s (setup included)")


if __name__ == "__main__":
    main()
