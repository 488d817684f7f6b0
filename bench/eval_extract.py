"""Body and metadata accuracy of worker.extract on the news pages of the Readability test set.

Usage: python bench/eval_extract.py [--verbose] [PAGE ...]

Prints per page the body precision / recall / F1 (word 4-gram shingles against Readability.js'
expected.html), whether the title matches, and how the authors compare with Readability's byline.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from worker.extract import article

TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "readability"

NEWS_PAGES = (
    "aktualne", "article-author-tag", "ars-1", "bbc-1", "breitbart", "bug-1255978", "buzzfeed-1",
    "citylab-1", "cnet", "cnet-svg-classes", "cnn", "engadget", "folha", "gmw", "guardian-1",
    "heise", "herald-sun-1", "la-nacion", "lazy-image-2", "lemonde-1", "liberation-1",
    "medicalnewstoday", "msn", "nytimes-1", "nytimes-2", "nytimes-3", "nytimes-4",
    "qq", "quanta-1", "salon-1", "schema-org-context-object", "seattletimes-1", "telegraph",
    "theverge", "tmz-1", "videos-2", "wapo-1", "wapo-2", "webmd-1", "wordpress", "yahoo-1",
    "yahoo-2", "yahoo-3", "yahoo-4", "youth",
)  # fmt: skip
# Left out: nytimes-5 is a section front page, not an article (Readability keeps every teaser).

_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|\w+")


def shingles(text: str, size: int = 4) -> set[tuple[str, ...]]:
    """Word n-grams of a text, lower-cased; CJK characters count as words."""
    words = _TOKEN.findall(text.lower())
    return {tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 1))}


def expected_text(page: Path) -> str:
    soup = BeautifulSoup((page / "expected.html").read_text(encoding="utf-8"), "lxml")
    return soup.get_text(" ")


def body_scores(expected: str, body: tuple[str, ...]) -> tuple[float, float, float]:
    """Precision, recall and F1 of the body's shingles against the expected text's."""
    want, got = shingles(expected), shingles(" ".join(body))
    if not got or not want:
        return 0.0, 0.0, 0.0
    common = len(want & got)
    precision, recall = common / len(got), common / len(want)
    f1 = 2 * precision * recall / (precision + recall) if common else 0.0
    return precision, recall, f1


def normalise(text: str | None) -> str:
    return " ".join(_TOKEN.findall((text or "").lower()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=NEWS_PAGES)
    parser.add_argument("--verbose", action="store_true", help="print the paragraphs found")
    args = parser.parse_args()
    import json

    totals = {"f1": 0.0, "p": 0.0, "r": 0.0, "title": 0, "titled": 0, "byline": 0, "bylined": 0}
    started = time.perf_counter()
    print(f"{'page':28} {'prec':>6} {'recall':>6} {'f1':>6}  title  byline")
    for name in args.pages:
        page = TESTDATA / name
        url = f"http://fakehost/{name}/"
        result = article((page / "source.html").read_text(encoding="utf-8"), url)
        meta = json.loads((page / "expected-metadata.json").read_text(encoding="utf-8"))
        precision, recall, f1 = body_scores(expected_text(page), result.body)
        totals["p"] += precision
        totals["r"] += recall
        totals["f1"] += f1
        title_ok = ""
        if meta.get("title"):
            totals["titled"] += 1
            # Readability keeps a ' - Site' suffix that we drop on purpose: a prefix counts.
            same = bool(result.title) and normalise(meta["title"]).startswith(
                normalise(result.title)
            )
            totals["title"] += same
            title_ok = "ok" if same else f"NO ({result.title[:50]!r})"
        byline_ok = ""
        if meta.get("byline"):
            totals["bylined"] += 1
            found = any(normalise(a) in normalise(meta["byline"]) for a in result.authors)
            totals["byline"] += found
            byline_ok = "ok" if found else f"NO ({result.authors!r} vs {meta['byline'][:40]!r})"
        print(f"{name:28} {precision:6.3f} {recall:6.3f} {f1:6.3f}  {title_ok}  {byline_ok}")
        if args.verbose:
            for paragraph in result.body:
                print("    |", paragraph[:160])
    count = len(args.pages)
    print(
        f"\n{count} pages  mean precision {totals['p'] / count:.3f}"
        f"  recall {totals['r'] / count:.3f}"
        f"  F1 {totals['f1'] / count:.3f}  title {totals['title']}/{totals['titled']}"
        f"  byline {totals['byline']}/{totals['bylined']}"
        f"  ({(time.perf_counter() - started) / count * 1000:.0f} ms/page)"
    )


if __name__ == "__main__":
    main()
