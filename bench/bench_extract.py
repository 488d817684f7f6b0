"""Speed of worker.extract beside trafilatura, on the same pages in the same run.

Usage: python bench/bench_extract.py [CORPUS ...] [--rounds 3]

Each CORPUS is a folder of pages in any format bench/eval_extract.py reads (Readability's test
pages, the news corpora's PAGE/source.html + expected.json, fixtures/seed); without one, every
corpus under ../shared/testdata (revisions aside) and fixtures/seed. Every page is read into
memory once; each round then times, page by page with time.perf_counter,
`worker.extract.article(html, url)` and `trafilatura.extract(html, url=..., with_metadata=True)`
(body and metadata, like ours). Each page's time is the best of the rounds. Prints per corpus
and overall the median and p95 ms per page of both, pages/s, and the ratios ours / trafilatura.
trafilatura comes from the `bench` extra (pip install -e '.[bench]'); the worker never imports it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval_extract import default_corpora, load_corpus, percentile

from worker.extract import article

Pages = list[tuple[str, str, str]]  # (corpus, url, html)


def load_pages(folders: list[Path]) -> Pages:
    """(corpus, url, html) of every page of the corpora, in corpus and page order."""
    pages = [
        (page.corpus, page.url, page.source.read_text("utf-8"))
        for folder in folders
        for page in load_corpus(folder)
    ]
    if not pages:
        raise SystemExit("no pages found (set NEWSWATCH_TESTDATA or name corpus folders)")
    return pages


def time_pages(extract: Callable[[str, str], object], pages: Pages) -> list[float]:
    """Seconds spent on each page by one extractor, in page order."""
    times = []
    for _, url, html in pages:
        started = time.perf_counter()
        extract(html, url)
        times.append(time.perf_counter() - started)
    return times


def _ours(html: str, url: str) -> object:
    return article(html, url)


def _trafilatura(html: str, url: str) -> object:
    import trafilatura

    try:
        return trafilatura.extract(html, url=url, with_metadata=True)
    except Exception as exc:  # a page trafilatura fails on is timed to the failure
        return exc


def summary(times: list[float]) -> tuple[float, float, float]:
    """Median ms, p95 ms and pages per second of one extractor's per-page times."""
    return statistics.median(times) * 1000, percentile(times, 0.95) * 1000, len(times) / sum(times)


def print_row(label: str, ours: list[float], theirs: list[float]) -> None:
    (median, p95, rate), (t_median, t_p95, t_rate) = summary(ours), summary(theirs)
    print(
        f"{label[:18]:18} {len(ours):5} {median:7.1f} {p95:7.1f} {rate:6.1f}  "
        f"{t_median:7.1f} {t_p95:7.1f} {t_rate:6.1f}  "
        f"{median / t_median:6.2f} {p95 / t_p95:6.2f} {sum(ours) / sum(theirs):6.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", type=Path, help="corpus folders (default: all)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages = load_pages(args.corpora or default_corpora())
    extractors = {"newswatch": _ours, "trafilatura": _trafilatura}
    for extract in extractors.values():  # warm up imports and caches
        extract(pages[0][2], pages[0][1])
    best: dict[str, list[float]] = {name: [float("inf")] * len(pages) for name in extractors}
    for _ in range(args.rounds):
        for name, extract in extractors.items():
            times = time_pages(extract, pages)
            best[name] = [min(a, b) for a, b in zip(best[name], times, strict=True)]
    print(f"{len(pages)} pages, best of {args.rounds} rounds per page; ms per page")
    print(
        f"{'':24} {'-- newswatch ---------':>22}  {'-- trafilatura -------':>22}  "
        f"{'-- newswatch / trafilatura':>20}"
    )
    print(
        f"{'corpus':18} {'pages':>5} {'median':>7} {'p95':>7} {'/s':>6}  "
        f"{'median':>7} {'p95':>7} {'/s':>6}  {'median':>6} {'p95':>6} {'total':>6}"
    )
    corpora = dict.fromkeys(corpus for corpus, _, _ in pages)
    for corpus in corpora:
        index = [i for i, page in enumerate(pages) if page[0] == corpus]
        ours, theirs = best["newswatch"], best["trafilatura"]
        print_row(corpus, [ours[i] for i in index], [theirs[i] for i in index])
    print_row("ALL", best["newswatch"], best["trafilatura"])


if __name__ == "__main__":
    main()
