"""Hostile pages beside normal pages of the same size: capture (extract) and compare (diff).

Usage: python bench/bench_hostile.py [--scale 1.0]

Each hostile page below reproduces a finding of issue 15 (runs that made a regex or a walk
quadratic); its normal peer is real article text (the seed article's paragraphs, repeated) of
the same size with the same kind of edit. Prints seconds for each and the ratio hostile/normal:
a small factor means the work is bounded by the size of the input, not by its shape. `--scale`
multiplies every size (0.1 for a quick look).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from worker import diff, extract

ROOT = Path(__file__).resolve().parents[1]
URL = "https://news.example/2020/11/11/story"


def seed_paragraphs() -> list[str]:
    html = (ROOT / "fixtures" / "seed" / "moscow-times-v1.html").read_text(encoding="utf-8")
    return list(extract.article(html, URL).body)


def page(paragraphs: list[str], head: str = "", before: str = "") -> str:
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f"<html><head><title>Budget vote</title>{head}</head><body><article>"
        f"<h1>Budget vote</h1>{before}{body}</article></body></html>"
    )


def normal_text(size: int, words_per_paragraph: int | None = None) -> list[str]:
    """Real article text, about `size` characters, in paragraphs of its own or of the given
    number of words."""
    source = seed_paragraphs()
    out, total, i = [], 0, 0
    while total < size:
        out.append(source[i % len(source)])
        total += len(out[-1])
        i += 1
    if words_per_paragraph is None:
        return out
    words = " ".join(out).split()
    step = words_per_paragraph
    return [" ".join(words[n : n + step]) for n in range(0, len(words), step)]


def edited(paragraphs: list[str], every: int = 50) -> list[str]:
    """Every `every`-th word of each paragraph replaced: scattered edits."""
    return [
        " ".join("edited" if n % every == every - 1 else w for n, w in enumerate(text.split()))
        for text in paragraphs
    ]


Edit = Callable[[list[str]], list[str]]


def unchanged(paragraphs: list[str]) -> list[str]:
    return paragraphs


def first_changed(paragraphs: list[str]) -> list[str]:
    return ["2," + paragraphs[0], *paragraphs[1:]]


def last_extended(paragraphs: list[str]) -> list[str]:
    return [*paragraphs[:-1], paragraphs[-1] + " more"]


def each_extended(paragraphs: list[str]) -> list[str]:
    return [p + " Now." for p in paragraphs]


def cases(scale: float) -> list[tuple[str, list[str], Edit, str, str]]:
    """(name, hostile paragraphs, the edit made to them (and to the normal peer), extra head,
    extra markup before the body)."""
    k = lambda n: max(1, int(n * scale))  # noqa: E731
    counters = ["1," * k(12_500)]
    dots = ["Wait" + "." * k(25_000) + " then"]
    words = [" ".join(f"word{n % 7}" for n in range(k(10_000)))]
    many = [f"Paragraph {n % 5} says the same thing again." for n in range(k(16_000))]
    depth = k(6_000)
    bylines = '<div class="byline">By Jane Doe ' * depth + "</div>" * depth
    items = [{"@type": "Thing", "name": f"item {n}"} for n in range(k(20_000))]
    ld = f'<script type="application/ld+json">{json.dumps(items)}</script>'
    text = normal_text(2000)
    return [
        ("counter runs 1,1,1,... (25 kB)", counters, first_changed, "", ""),
        ("a run of dots (25 kB)", dots, last_extended, "", ""),
        ("one 10,000-word paragraph, scattered edits", words, edited, "", ""),
        ("16,000 short paragraphs, each edited", many, each_extended, "", ""),
        ("bylines nested 6,000 deep (216 kB)", text, unchanged, "", bylines),
        ("JSON-LD list of 20,000 items (600 kB)", text, unchanged, ld, ""),
    ]


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def run(v1: str, v2: str) -> tuple[float, float]:
    """Seconds to capture v1 and v2, and to compare them."""
    articles: list[extract.Article] = []
    capture = timed(lambda: articles.extend(extract.article(h, URL) for h in (v1, v2)))
    return capture, timed(lambda: diff.compare_rendered(articles[0], articles[1]))


def peer(hostile: list[str], size: int) -> list[str]:
    """Normal text as large as the hostile page (`size` characters of HTML), in paragraphs
    of the hostile page's length."""
    words = max(1, sum(len(p.split()) for p in hostile) // max(1, len(hostile)))
    return normal_text(size, words if len(hostile) > 1 or words > 200 else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    run(page(seed_paragraphs()), page(seed_paragraphs()))  # warm up: imports, regexes
    columns = f"{'capture':>9} {'normal':>8} {'×':>5}   {'compare':>8} {'normal':>8} {'×':>5}"
    print(f"{'page':46} {columns}")
    for name, v1, edit, head, before in cases(args.scale):
        first = page(v1, head, before)
        hostile = run(first, page(edit(v1), head, before))
        normal_v1 = peer(v1, len(first))
        normal = run(page(normal_v1), page(edit(normal_v1)))
        ratios = [h / max(n, 1e-3) for h, n in zip(hostile, normal, strict=True)]
        print(
            f"{name:46} {hostile[0]:8.2f}s {normal[0]:7.2f}s {ratios[0]:5.1f}"
            f"   {hostile[1]:7.2f}s {normal[1]:7.2f}s {ratios[1]:5.1f}"
        )
    print("ratios: hostile / normal page of the same size; 1.0 = as fast")


if __name__ == "__main__":
    main()
