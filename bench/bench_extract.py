"""Speed of worker.extract beside trafilatura, on the same pages in the same run.

Usage: python bench/bench_extract.py [--rounds 3] [--testdata DIR]

Every page of testdata/readability is read into memory once; each round then times, page by
page with time.perf_counter, `worker.extract.article(html, url)` and
`trafilatura.extract(html, url=..., with_metadata=True)` (body and metadata, like ours). Each
page's time is the best of the rounds. Prints median and p95 ms per page and pages/s.
trafilatura comes from the `bench` extra (pip install -e '.[bench]'); the worker never imports it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from worker.extract import article

_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "testdata"
TESTDATA = Path(os.environ.get("NEWSWATCH_TESTDATA", _DEFAULT))


def load_pages(testdata: Path) -> list[tuple[str, str]]:
    """(url, html) of every Readability test page, sorted by name."""
    root = testdata / "readability"
    pages = sorted(p for p in root.iterdir() if (p / "source.html").is_file())
    if not pages:
        raise SystemExit(f"no pages under {root} (set NEWSWATCH_TESTDATA)")
    return [(f"http://fakehost/{p.name}/", (p / "source.html").read_text("utf-8")) for p in pages]


def time_pages(extract: Callable[[str, str], object], pages: list[tuple[str, str]]) -> list[float]:
    """Seconds spent on each page by one extractor, in page order."""
    times = []
    for url, html in pages:
        started = time.perf_counter()
        extract(html, url)
        times.append(time.perf_counter() - started)
    return times


def _ours(html: str, url: str) -> object:
    return article(html, url)


def _trafilatura(html: str, url: str) -> object:
    import trafilatura

    return trafilatura.extract(html, url=url, with_metadata=True)


def summary(times: list[float]) -> tuple[float, float, float]:
    """Median ms, p95 ms and pages per second of one extractor's per-page times."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000, len(times) / sum(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--testdata", type=Path, default=TESTDATA)
    args = parser.parse_args()
    pages = load_pages(args.testdata)
    extractors = {"newswatch": _ours, "trafilatura": _trafilatura}
    for extract in extractors.values():  # warm up imports and caches
        extract(*pages[0][::-1])
    best: dict[str, list[float]] = {name: [float("inf")] * len(pages) for name in extractors}
    for _ in range(args.rounds):
        for name, extract in extractors.items():
            times = time_pages(extract, pages)
            best[name] = [min(a, b) for a, b in zip(best[name], times, strict=True)]
    print(f"{len(pages)} pages, best of {args.rounds} rounds per page")
    print(f"{'extractor':12} {'median ms':>10} {'p95 ms':>8} {'pages/s':>8}")
    for name, times in best.items():
        median, p95, rate = summary(times)
        print(f"{name:12} {median:10.1f} {p95:8.1f} {rate:8.1f}")


if __name__ == "__main__":
    main()
