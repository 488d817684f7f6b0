"""Speed of worker.diff (compare + render) beside the extraction of the same page, in one run.

Usage: python bench/bench_diff.py [--repeat 7]

Builds deterministic articles of about 800 and 10,000 words, makes a realistic new version of
each (three sentences reworded, one paragraph added, one moved) and times, as the median of
`--repeat` runs, `diff.compare` + `render_text` + `render_json` + `render_html` (both modes).
Beside it: `worker.extract.article` on an HTML page holding the same text (with a header,
navigation and footer), which is the cost the differ should stay under. A last row times the
worst case: every paragraph of a 150-paragraph body rewritten.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from worker import diff
from worker.extract import article as extract_article
from worker.types import Article

URL = "https://news.example/2024/05/14/bench-story"
SERIES = Path(__file__).resolve().parents[1] / "fixtures" / "series"
REAL_PAGES = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "readability"


def vocabulary() -> tuple[list[str], list[float]]:
    """Words of the fixture stories, weighted by rank as in natural text (Zipf)."""
    counts: Counter[str] = Counter()
    for version in SERIES.glob("*/v*.json"):
        for paragraph in json.loads(version.read_text(encoding="utf-8"))["body"]:
            counts.update(re.findall(r"[A-Za-z][a-z]+", paragraph))
    words = [word for word, _ in counts.most_common()]
    return words, [1 / (rank + 1) for rank in range(len(words))]


WORDS, WEIGHTS = vocabulary()


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, WEIGHTS, k=rng.randint(10, 24))
    words[0] = words[0].capitalize()
    words.insert(rng.randint(1, len(words) - 1), str(rng.randint(2, 2024)))
    return " ".join(words).rstrip(",") + "."


def body_of(words: int, seed: int) -> list[str]:
    """Paragraphs of 2-4 sentences, about `words` words in all."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    while sum(len(p.split()) for p in paragraphs) < words:
        paragraphs.append(" ".join(sentence(rng) for _ in range(rng.randint(2, 4))))
    return paragraphs


def edited(body: list[str], seed: int) -> list[str]:
    """Three sentences reworded, one paragraph added, one moved."""
    rng = random.Random(seed)
    new = list(body)
    for index in rng.sample(range(len(new)), 3):
        first, _, rest = new[index].partition(". ")
        words = first.split()
        words[len(words) // 2] = "reportedly"
        new[index] = " ".join(words) + (". " + rest if rest else "")
    new.insert(len(new) // 2, " ".join(sentence(rng) for _ in range(3)))
    new.insert(1, new.pop(len(new) - 2))
    return new


def page(body: list[str]) -> str:
    """A news page around the body: header, navigation, article, related links, footer."""
    nav = "".join(f'<li><a href="/s{i}">Section {i}</a></li>' for i in range(12))
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body)
    related = "".join(f'<li><a href="/r{i}">Related story {i}</a></li>' for i in range(6))
    return (
        "<!doctype html><html lang='en'><head><title>Bench story | News</title>"
        "<meta property='og:title' content='Bench story'></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>Bench story</h1>"
        f"<p class='byline'>By Ana Lima</p>{paragraphs}</article>"
        f"<aside><ul>{related}</ul></aside></main><footer>(c) News example</footer></body></html>"
    )


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def compare_and_render(old: Article, new: Article) -> None:
    change = diff.compare(old, new)
    assert change is not None
    diff.render_text(change)
    diff.render_json(change)
    diff.render_html(change)
    diff.render_html(change, mode="side-by-side")


def row(label: str, old_body: list[str], new_body: list[str], repeat: int) -> None:
    old = Article(url=URL, title="Bench story", body=tuple(old_body))
    new = Article(url=URL, title="Bench story", body=tuple(new_body))
    html_page = page(new_body)
    differ = median_seconds(lambda: compare_and_render(old, new), repeat)
    extract = median_seconds(lambda: extract_article(html_page, URL), repeat)
    change = diff.compare(old, new)
    words = sum(len(p.split()) for p in old_body)
    print(
        f"{label:<22} {words:>6} words {len(old_body):>4} paras  "
        f"diff+render {differ * 1000:8.1f} ms   extract {extract * 1000:8.1f} ms   "
        f"ratio {differ / extract:5.2f}   [{change.summary if change else 'no change'}]"
    )


def real_pages_extraction(repeat: int) -> None:
    """Median extraction time of the real news pages of the Readability test set, if present."""
    pages = sorted(REAL_PAGES.glob("*/source.html"))
    if not pages:
        print(f"(no real pages under {REAL_PAGES}: skipped)")
        return
    texts = [page.read_text(encoding="utf-8") for page in pages]
    times = [median_seconds(lambda t=text: extract_article(t, URL), repeat) for text in texts]
    print(
        f"reference: extraction of {len(texts)} real pages (Readability test set): "
        f"median {statistics.median(times) * 1000:.1f} ms, "
        f"p90 {statistics.quantiles(times, n=10)[-1] * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"median of {args.repeat} runs; Python {sys.version.split()[0]}")
    typical, long = body_of(800, seed=1), body_of(10_000, seed=2)
    row("typical (800 words)", typical, edited(typical, seed=3), args.repeat)
    row("long (10,000 words)", long, edited(long, seed=4), args.repeat)
    rewritten = body_of(6_000, seed=5)[:150]
    row("worst: all rewritten", rewritten, body_of(6_000, seed=6)[:150], args.repeat)
    real_pages_extraction(max(1, args.repeat // 2))


if __name__ == "__main__":
    main()
