"""Throughput of whole checks on SQLite against a local HTTP server; prints figures.

    python bench/bench_pipeline.py [--articles 300] [--workers 4]

Three passes over the same articles: the first stores every article (fetch, extract, store),
the second finds the same bytes (skips extraction), the third gets 304 Not Modified. It also
prints what an unchanged check costs in the database.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from worker.db import create_engine, migrate  # noqa: E402
from worker.fetch import Fetcher  # noqa: E402
from worker.models import utcnow  # noqa: E402
from worker.pipeline import Pipeline  # noqa: E402
from worker.service import Service  # noqa: E402
from worker.settings import HttpSettings, ScheduleSettings, Settings  # noqa: E402
from worker.store import Store  # noqa: E402

SEED = (ROOT / "fixtures" / "seed" / "moscow-times-v1.html").read_text(encoding="utf-8")


def _page(n: int) -> bytes:
    return SEED.replace("Damascus Holds", f"Story {n}: Damascus Holds").encode()


def _serve(articles: int, use_etag: threading.Event) -> ThreadingHTTPServer:
    pages = {f"/a/{n}": _page(n) for n in range(articles)}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            etag = f'"{self.path}"'
            if use_etag.is_set() and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            body = pages[self.path]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if use_etag.is_set():
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _pass(service: Service, store: Store) -> tuple[float, dict[str, int]]:
    watches = store.claim_all("bench", utcnow(), timedelta(minutes=5))
    started = time.perf_counter()
    counts = service.check_pass(watches)
    return time.perf_counter() - started, dict(counts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    use_etag = threading.Event()
    server = _serve(args.articles, use_etag)
    host, port = server.server_address[:2]
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        engine = create_engine(f"sqlite:///{database}")
        migrate(engine)
        store = Store(engine)
        for n in range(args.articles):
            store.add_watch(f"http://{host}:{port}/a/{n}")
        http = HttpSettings(per_host_delay=timedelta(0), per_host_concurrency=args.workers)
        settings = Settings(http=http, schedule=ScheduleSettings(workers=args.workers))
        fetcher = Fetcher(http)
        service = Service(settings, store, Pipeline(settings, store, fetcher))
        print(f"{args.articles} articles, {args.workers} fetching threads, SQLite, 2-core machine")
        for name in ("first capture", "same bytes", "304 not modified"):
            if name == "304 not modified":
                use_etag.set()
                _pass(service, store)  # one pass to hand out the ETags
            seconds, counts = _pass(service, store)
            print(f"  {name:<17} {args.articles / seconds:8.1f} checks/s  {counts}")
        service.close()
        fetcher.close()
        _print_check_cost(database)
    server.shutdown()


def _print_check_cost(database: Path) -> None:
    with sqlite3.connect(database) as db:
        rows = db.execute(
            'SELECT avg(length(outcome) + coalesce(length(error), 0) + 40) FROM "check" '
            "WHERE outcome IN ('unchanged', 'not_modified')"
        ).fetchone()[0]
        pages = db.execute("SELECT count(*), avg(size), avg(length(data)) FROM rawpage").fetchone()
    print(f"  an unchanged check row: about {rows:.0f} bytes of column data")
    print(f"  raw HTML: {pages[0]} pages, {pages[1]:.0f} bytes each, {pages[2]:.0f} compressed")


if __name__ == "__main__":
    main()
