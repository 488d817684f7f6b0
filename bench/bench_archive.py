"""Disk the web archive takes: per 1,000 new versions, and per unchanged check.

Usage: python bench/bench_archive.py [--versions 1000] [--quiet 200]

Versions: real checks (fetch, extract, compare, save) of the seed article on a local server,
gzip on the wire as news sites send it, each version with one sentence changed; the archive
folder is measured at the end and set beside the bodies' own gzip size (what a new version
cannot take less than). Unchanged checks: the same page checked again and again (and
answered 304 when it has an ETag); the folder must not grow by a byte.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import ArticleServer  # noqa: E402

from worker.db import create_engine, migrate  # noqa: E402
from worker.fetch import Fetcher  # noqa: E402
from worker.models import utcnow  # noqa: E402
from worker.pipeline import Pipeline  # noqa: E402
from worker.settings import ArchiveSettings, GuardSettings, HttpSettings, Settings  # noqa: E402
from worker.store import Store  # noqa: E402

SEED = (ROOT / "fixtures" / "seed" / "moscow-times-v1.html").read_bytes()


def version(number: int) -> bytes:
    """The seed article with one sentence of its body changed."""
    sentence = b"within the international community."
    return SEED.replace(sentence, sentence + f" Figure: {number * 37} people.".encode(), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--quiet", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        server = ArticleServer()
        server.start()
        try:
            measure(work, server, args.versions, args.quiet)
        finally:
            server.stop()


def measure(work: Path, server: ArticleServer, versions: int, quiet: int) -> None:
    engine = create_engine(f"sqlite:///{work / 'newswatch.db'}")
    migrate(engine)
    store = Store(engine)
    archive = work / "archive"
    settings = Settings(
        http=HttpSettings(per_host_delay=timedelta(0), retries=0),
        guard=GuardSettings(confirm_checks=1),
        archive=ArchiveSettings(dir=archive),
    )
    fetcher = Fetcher(settings.http)
    pipeline = Pipeline(settings, store, fetcher, rng=random.Random(1))
    url = server.url("/story")
    store.add_watch(url)
    bodies = 0
    started = time.monotonic()
    for number in range(versions):
        wire = gzip.compress(version(number))
        bodies += len(wire)
        server.serve("/story", wire, **{"Content-Encoding": "gzip"})
        assert _check(pipeline, store).outcome in {"new", "changed"}
    seconds = time.monotonic() - started
    size = _size(archive)
    per_thousand = size / versions * 1000
    print(f"{versions} versions of a {len(SEED):,}-byte article ({bodies / versions:,.0f} bytes "
          f"gzip on the wire) in {seconds:.1f} s")  # fmt: skip
    print(f"archive: {size:,} bytes, {per_thousand / 1e6:.2f} MB per 1,000 versions")
    print(f"  bodies alone (gzip as received): {bodies / versions * 1000 / 1e6:.2f} MB per 1,000;"
          f" records beyond them: {(size - bodies) / versions:,.0f} bytes per version")  # fmt: skip
    server.serve("/story", version(versions), ETag='"last"')
    _check(pipeline, store)
    before = _size(archive)
    outcomes = [_check(pipeline, store).outcome for _ in range(quiet)]
    server.serve("/story", version(versions))
    outcomes += [_check(pipeline, store).outcome for _ in range(quiet)]
    grown = _size(archive) - before
    counts = (
        f"{outcomes.count('not_modified')} not modified, {outcomes.count('unchanged')} unchanged"
    )
    print(f"{len(outcomes)} quiet checks ({counts}): {grown} bytes added to the archive")
    pipeline.close()
    fetcher.close()


def _check(pipeline: Pipeline, store: Store):
    [watch] = store.claim_all("bench", utcnow(), timedelta(minutes=5))
    return pipeline.check(watch)


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.glob("*.warc.gz"))


if __name__ == "__main__":
    main()
