"""Latency of the web pages and API of `newswatch serve` on a large SQLite database.

Usage: python bench/bench_web.py [--articles 10000] [--versions 5] [--watches 0]
                                 [--requests 200] [--db FILE | --url DATABASE_URL]

Fills a SQLite file (migrated, so with the FTS5 index) with `--articles` watches of `--versions`
stored versions each (10,000 x 5 = 50,000 versions, 40,000 changes with their diff rendered
once, as the pipeline stores them, over the last weeks) and `--watches` more watches without a
version yet (90,000 of them make the 100,000 watches of /articles' target), then times
`--requests` requests of each kind through the ASGI app in process (FastAPI's TestClient: the
whole app, no network) and prints the median and 95th percentile: the dashboard, an article
with its text and changes in place, a diff page (stored and computed), the lists of articles
and sources, a site at a glance, the API's change list, index and reference, and searches. An
existing --db file is reused as it is; `--url` runs the same on another database (an empty
PostgreSQL database, such as postgresql+psycopg://postgres@127.0.0.1/nw_bench, is migrated
and filled; one already filled is reused).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from bench_diff import WORDS, body_of, edited
from fastapi.testclient import TestClient

from worker import diff
from worker.db import create_engine, migrate
from worker.models import Change, Check, Snapshot, Source, Watch
from worker.settings import Settings
from worker.store import PARAGRAPH_BREAK, Store
from worker.types import Article
from worker.types import Change as Compared
from worker.web import create_app

SOURCES = 10
# The versions are spread over the weeks before now, so that the sites' charts have them.
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=21)


def main() -> None:
    args = _arguments()
    url = args.url or f"sqlite:///{args.db or Path(tempfile.mkdtemp()) / 'bench-web.db'}"
    engine = create_engine(url)
    migrate(engine)
    if _count(engine, Snapshot) == 0:
        began = time.perf_counter()
        fill(engine, args.articles, args.versions)
        add_watches(engine, args.articles, args.watches)
        _analyse(engine)
        print(f"filled {engine.url.database} in {time.perf_counter() - began:.0f} s")
    print(
        f"{_count(engine, Watch):,} watches, {_count(engine, Snapshot):,} versions, "
        f"{_count(engine, Change):,} changes; {_size(engine) / 1e6:.0f} MB"
    )
    # A loopback Host, as a local browser sends: the app answers no other name by default.
    client = TestClient(create_app(Settings(), Store(engine)), base_url="http://127.0.0.1:8080")
    report(client, _articles_read(engine), args.versions, args.requests)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--watches", type=int, default=0, help="watches without a version")
    parser.add_argument("--requests", type=int, default=200)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", help="SQLite file (default: a new temporary one)")
    where.add_argument("--url", help="a database URL instead (PostgreSQL)")
    return parser.parse_args()


def _articles_read(engine: sa.Engine) -> int:
    """The watches with versions: ids 1 to this number (the rest wait for a first read)."""
    with engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.max(Snapshot.watch_id))).scalar() or 0)


def _size(engine: sa.Engine) -> int:
    """The database's size in bytes."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            query = sa.text("SELECT pg_database_size(current_database())")
            return int(connection.execute(query).scalar() or 0)
    return Path(engine.url.database or "").stat().st_size


def _analyse(engine: sa.Engine) -> None:
    """Fresh planner statistics after the bulk fill, as autovacuum would gather them."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))


def _count(engine: sa.Engine, model: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(model)).scalar())


# -- filling ---------------------------------------------------------------------------------


def fill(engine: sa.Engine, articles: int, versions: int) -> None:
    """Rows as `save_check` writes them, inserted in bulk (the store's one-by-one path would
    only time the filling)."""
    sources = [f"https://site{n}.example/feed" for n in range(SOURCES)]
    with engine.begin() as connection:
        connection.execute(sa.insert(Source), [_source(url) for url in sources])
        for first in range(1, articles + 1, 500):
            rows = [
                _article_rows(n, versions, sources)
                for n in range(first, min(first + 500, articles + 1))
            ]
            for model, index in ((Watch, 0), (Snapshot, 1), (Change, 2), (Check, 3)):
                connection.execute(
                    sa.insert(model), [row for group in rows for row in group[index]]
                )
            print(f"  {min(first + 499, articles):,} articles", end="\r", flush=True)
    print()


def add_watches(engine: sa.Engine, after: int, count: int) -> None:
    """Watches enrolled but not read yet (one in a hundred failing), in bulk."""
    with engine.begin() as connection:
        for first in range(after + 1, after + count + 1, 5000):
            last = min(first + 5000, after + count + 1)
            connection.execute(sa.insert(Watch), [_bare_watch(n) for n in range(first, last)])


def _bare_watch(n: int) -> dict[str, object]:
    created = START + timedelta(seconds=n)
    return {
        "id": n, "url": f"https://site{n % SOURCES}.example/2026/waiting-{n}",
        "source": f"https://site{n % SOURCES}.example/feed", "active": True,
        "created_at": created, "next_check_at": created + timedelta(hours=1),
        "consecutive_failures": 1 if n % 100 == 0 else 0,
    }  # fmt: skip


def _source(url: str) -> dict[str, object]:
    return {"url": url, "kind": "feed", "created_at": START, "every_seconds": 900, "active": True}


def _article_rows(n: int, versions: int, sources: list[str]) -> tuple[list, list, list, list]:
    url = f"https://site{n % SOURCES}.example/2026/story-{n}"
    created = START + timedelta(minutes=n % 20_000)
    rng = random.Random(n)
    body = body_of(rng.randint(300, 900), seed=n)
    title = " ".join(rng.choices(WORDS, k=8)).capitalize()
    watch = {
        "id": n, "url": url, "source": sources[n % SOURCES], "active": True,
        "created_at": created, "next_check_at": created + timedelta(days=1),
        "consecutive_failures": 3 if n % 997 == 0 else 0,
        "hold_count": 1 if n % 1499 == 0 else 0, "label": f"desk{n % 7}",
        "last_checked_at": created + timedelta(hours=versions),
        "last_change_at": created + timedelta(hours=versions),
    }  # fmt: skip
    snapshots, changes, checks = [], [], []
    previous: Article | None = None
    for version in range(1, versions + 1):
        fetched = created + timedelta(hours=version * 24 // versions)
        if version > 1:
            body = edited(body, seed=n * 100 + version)
            if rng.random() < 0.3:
                title = title + " " + rng.choice(WORDS)
        article = Article(url=url, title=title, body=tuple(body), authors=("Staff",))
        snapshots.append(_snapshot(n, versions, version, fetched, article))
        checks.append({"watch_id": n, "started_at": fetched, "outcome": "changed", "bytes": 60_000})
        change = diff.compare(previous, article)
        if change is not None:
            changes.append(_change(n, version, fetched, change))
        previous = article
    return [watch], snapshots, changes, checks


def _snapshot(n: int, versions: int, version: int, fetched: datetime, article: Article) -> dict:
    return {
        "id": (n - 1) * versions + version, "watch_id": n, "version": version,
        "fetched_at": fetched, "content_hash": diff.content_hash(article),
        "title": article.title, "subtitle": "", "authors": list(article.authors),
        "body": PARAGRAPH_BREAK.join(article.body), "extra": {"url": article.url, "related": []},
        "extractor_version": "bench",
    }  # fmt: skip


def _change(n: int, version: int, fetched: datetime, change: Compared) -> dict:
    counts = {kind: getattr(change, kind) for kind in ("added", "removed", "edited", "moved")}
    return {
        "watch_id": n, "from_version": version - 1, "to_version": version,
        "detected_at": fetched, "kind": "edit", "fields": list(change.fields),
        "significance": change.significance, "summary": change.summary, "stats": counts,
        "operations": [], "rendered_html": diff.render_html(change),
    }  # fmt: skip


# -- timing ----------------------------------------------------------------------------------


def report(client: TestClient, articles: int, versions: int, requests: int) -> None:
    rng = random.Random(7)
    words = WORDS[:50] + WORDS[500:550]
    kinds = {
        "dashboard": lambda: "/",
        "dashboard, filtered": lambda: "/?field=title&significance=substantive",
        "article, text in place": lambda: f"/articles/{rng.randint(1, articles)}",
        "articles": lambda: f"/articles?offset={rng.randint(0, 20) * 50}",
        "articles, filtered": lambda: (
            f"/articles?state=ok&label=desk{rng.randint(0, 6)}&order=address"
            f"&offset={rng.randint(0, 5) * 50}"
        ),
        "articles of a host": lambda: f"/articles?host=site{rng.randint(0, SOURCES - 1)}.example",
        "sources": lambda: "/sources",
        "one source": lambda: f"/sources/{rng.randint(1, SOURCES)}",
        "all sites": lambda: "/sites",
        "one site": lambda: f"/sites/site{rng.randint(0, SOURCES - 1)}.example",
        "diff page (stored)": lambda: f"/articles/{rng.randint(1, articles)}/diff",
        "diff page (computed)": lambda: (
            f"/articles/{rng.randint(1, articles)}/diff?from=1&to={versions}&mode=side-by-side"
        ),
        "API change list": lambda: f"/api/changes?limit=50&offset={rng.randint(0, 20) * 50}",
        "search": lambda: f"/search?q={rng.choice(words)}+{rng.choice(words)}",
        "API search": lambda: f"/api/search?q={rng.choice(words)}",
        "API index": lambda: "/api",
        "API reference": lambda: "/api/docs",
        "feed, filtered": lambda: "/feeds/changes.atom?significance=major&host=site3.example",
    }
    print(f"{'request':<26}{'median ms':>10}{'p95 ms':>10}   ({requests} requests each)")
    for name, path in kinds.items():
        times = [_timed(client, path()) for _ in range(requests)]
        median = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"{name:<26}{median:>10.1f}{p95:>10.1f}")


def _timed(client: TestClient, path: str) -> float:
    began = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - began) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code} {response.text[:200]}")
    return elapsed


if __name__ == "__main__":
    main()
