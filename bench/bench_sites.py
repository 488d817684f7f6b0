"""Many sites in one process: checks/s over local servers on many loopback hosts, the most
requests one host saw at once, and the scheduler's own work per tick as watches grow.

    python bench/bench_sites.py [--hosts 200] [--per-host 50] [--workers 8]

Every host is a real HTTP server on its own loopback address (127.0.0.1, 127.0.0.2, ...) that
serves small article pages and counts the requests it has in flight. The claim benchmark fills
a SQLite database with 1,000 / 10,000 / 100,000 watches of which a handful are due and times
`claim_due` (what each tick does) as the median of 50 claims.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from worker.db import create_engine, migrate  # noqa: E402
from worker.fetch import Fetcher  # noqa: E402
from worker.models import Watch, utcnow  # noqa: E402
from worker.pipeline import Pipeline  # noqa: E402
from worker.service import Service  # noqa: E402
from worker.settings import HttpSettings, ScheduleSettings, Settings  # noqa: E402
from worker.store import Store  # noqa: E402

PARAGRAPH = (
    "The council voted on Tuesday to approve the plan after a long debate, officials said, "
    "and the first works are expected to begin in the spring."
)


def _page(path: str) -> bytes:
    body = "".join(f"<p>{n}. {PARAGRAPH}</p>" for n in range(8))
    return (
        f"<html><head><title>Story {path}</title></head><body><nav>Home</nav>"
        f"<article><h1>Story {path}</h1>{body}</article></body></html>"
    ).encode()


class Hosts:
    """One real server per loopback address, counting requests in flight per host."""

    def __init__(self, count: int) -> None:
        self.lock = threading.Lock()
        self.now: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        handler = self._handler()
        self.servers = [
            ThreadingHTTPServer((f"127.0.{n // 250}.{n % 250 + 1}", 0), handler)
            for n in range(count)
        ]
        for server in self.servers:
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def urls(self, per_host: int) -> list[str]:
        return [
            f"http://{host}:{port}/news/{n}"
            for host, port in (s.server_address[:2] for s in self.servers)
            for n in range(per_host)
        ]

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hosts = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                host = self.server.server_address[0]
                with hosts.lock:
                    hosts.now[host] += 1
                    hosts.most[host] = max(hosts.most[host], hosts.now[host])
                body = _page(self.path)
                try:
                    time.sleep(0.02)  # a little network latency
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    with hosts.lock:
                        hosts.now[host] -= 1

            def log_message(self, *args: object) -> None:
                """Quiet."""

        return Handler


def _checks_per_second(args: argparse.Namespace) -> None:
    hosts = Hosts(args.hosts)
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'sites.db'}")
        migrate(engine)
        store = Store(engine)
        urls = hosts.urls(args.per_host)
        for url in urls:
            store.add_watch(url)
        http = HttpSettings(per_host_concurrency=2, per_host_delay=timedelta(0), retries=0)
        settings = Settings(http=http, schedule=ScheduleSettings(workers=args.workers))
        fetcher = Fetcher(http)
        service = Service(settings, store, Pipeline(settings, store, fetcher), "bench:1")
        started = time.perf_counter()
        counts = service.check_pass(store.claim_all("bench:1", utcnow(), timedelta(hours=1)))
        seconds = time.perf_counter() - started
        service.close()
        fetcher.close()
    hosts.stop()
    print(f"{len(urls)} articles on {args.hosts} hosts, {args.workers} threads, SQLite")
    rate = len(urls) / seconds
    print(f"  first capture of all: {seconds:.1f} s, {rate:.1f} checks/s {dict(counts)}")
    print(f"  most requests in flight on one host: {max(hosts.most.values())} (limit 2)")


def _claim_overhead(sizes: list[int]) -> None:
    print("scheduler work per tick (claim_due of up to 8 due watches among N), median of 50")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            engine = create_engine(f"sqlite:///{Path(folder) / 'claims.db'}")
            migrate(engine)
            _fill(engine, size)
            store = Store(engine)
            times = []
            for n in range(50):
                now = utcnow()
                t0 = time.perf_counter()
                claimed = store.claim_due(f"bench:{n}", 8, now, timedelta(seconds=1))
                times.append(time.perf_counter() - t0)
                for watch in claimed:
                    store.release(watch.id, now)  # due again: every tick finds work
            print(f"  {size:>7} watches: {statistics.median(times) * 1000:6.2f} ms per tick")


def _fill(engine: sa.Engine, size: int) -> None:
    now = utcnow()
    later = now + timedelta(days=1)
    rows = [
        {
            "url": f"https://host{n % 200}.example/news/{n}",
            "active": True,
            "from_config": False,
            "consecutive_failures": 0,
            "hold_count": 0,
            "gone_checks": 0,
            "removed": False,
            "public_only": False,
            "respect_robots": False,
            "created_at": now,
            "next_check_at": now if n % (size // 8 or 1) == 0 else later,
        }
        for n in range(size)
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(Watch), rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--per-host", type=int, default=50)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    _checks_per_second(args)
    _claim_overhead([int(size) for size in args.sizes.split(",")])


if __name__ == "__main__":
    main()
