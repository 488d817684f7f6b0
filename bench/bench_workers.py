"""Several `newswatch run` workers on one PostgreSQL: checks/s for 1, 2 and 4 workers, and
the p95 lag between a watch falling due and its check starting.

    python bench/bench_workers.py [--articles 5000] [--workers 1,2,4]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

For each worker count: a fresh database (created on the server, dropped after), the articles
enrolled and all due at once, N real `newswatch run` processes (4 fetching threads each)
started together against a local HTTP server, timed until every article has its first
snapshot. Lag = a check's start minus the time its watch fell due.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # cli_runner: the tests' way to run the CLI, no pytest

import cli_runner  # noqa: E402

from worker.db import create_engine, migrate  # noqa: E402
from worker.models import Watch, utcnow  # noqa: E402

PARAGRAPH = (
    "The council voted on Tuesday to approve the plan after a long debate, officials said, "
    "and the first works are expected to begin in the spring."
)


def _serve() -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = "".join(f"<p>{n}. {PARAGRAPH}</p>" for n in range(8))
            page = (
                f"<html><head><title>Story {self.path}</title></head><body><article>"
                f"<h1>Story {self.path}</h1>{body}</article></body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _database(admin: sa.Engine, name: str) -> str:
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    return admin.url.set(database=name).render_as_string(hide_password=False)


def _enrol(url: str, base: str, articles: int) -> None:
    engine = create_engine(url)
    migrate(engine)
    now = utcnow()
    rows = [
        {
            "url": f"{base}/news/{n}",
            "active": True,
            "from_config": False,
            "consecutive_failures": 0,
            "hold_count": 0,
            "gone_checks": 0,
            "removed": False,
            "public_only": False,
            "respect_robots": False,
            "created_at": now,
            "next_check_at": now,
            "every_seconds": 86400,
        }
        for n in range(articles)
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(Watch), rows)
    engine.dispose()


def _run(url: str, workers: int, articles: int, config: Path) -> tuple[float, list[float]]:
    engine = sa.create_engine(url)
    started = time.perf_counter()
    processes = [
        cli_runner.start("--log-level", "warning", "run", config=config, database=url)
        for _ in range(workers)
    ]
    try:
        while _snapshots(engine) < articles:
            time.sleep(0.5)
        seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(60)
    with engine.connect() as connection:
        lags = [
            row[0]
            for row in connection.exec_driver_sql(
                'SELECT EXTRACT(EPOCH FROM min(c.started_at) - w.created_at) FROM "check" c '
                "JOIN watch w ON w.id = c.watch_id GROUP BY w.id"
            )
        ]
    engine.dispose()
    return seconds, [float(lag) for lag in lags]


def _snapshots(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM snapshot").scalar() or 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "NEWSWATCH_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    server = _serve()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    print(
        f"{args.articles} articles, local server, PostgreSQL, {os.cpu_count()} cores, "
        "4 fetching threads per worker"
    )
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "bench.toml"
        config.write_text(
            '[schedule]\ntick = "0.5s"\nworkers = 4\n'
            '[http]\nper_host_concurrency = 16\nper_host_delay = "0s"\n'
        )
        for workers in (int(n) for n in args.workers.split(",")):
            name = f"nw_bench_workers_{workers}"
            url = _database(admin, name)
            _enrol(url, base, args.articles)
            seconds, lags = _run(url, workers, args.articles, config)
            p95 = statistics.quantiles(lags, n=20)[-1]
            print(
                f"  {workers} worker(s): {args.articles / seconds:7.1f} checks/s "
                f"({seconds:.1f} s), lag median {statistics.median(lags):.1f} s, "
                f"p95 {p95:.1f} s"
            )
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    server.shutdown()


if __name__ == "__main__":
    main()
