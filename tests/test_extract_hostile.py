"""Hostile pages the extractor must read in about the time of a normal page of their size:
each input here took the old code many seconds (quadratic walks), and must now finish far
inside the liveness bound, with a sensible article."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from bs4 import BeautifulSoup

from worker import extract
from worker.extract._tree import flatten_deep, walk

LIVENESS = 10  # seconds; the old code took minutes on these inputs (see each test)
URL = "https://news.example/2020/11/11/story"
PARAGRAPH = "<p>" + "The council met on Tuesday and voted on the new budget plan. " * 5 + "</p>"


def _extracted(html: str) -> extract.Article:
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(extract.article, html, URL)
        try:
            return future.result(timeout=LIVENESS)
        except TimeoutError:
            pytest.fail(f"extraction still running after {LIVENESS} s")


def _page(inside: str, head: str = "") -> str:
    body = f"<h1>Budget vote</h1>{inside}{PARAGRAPH * 4}"
    return f"<html><head>{head}</head><body>{body}</body></html>"


def test_thousands_of_nested_bylines_are_read_in_linear_time():
    """216 kB of bylines nested in bylines took 54 s: each one's whole text was read."""
    depth = 6000
    bylines = '<div class="byline">By Jane Doe ' * depth + "</div>" * depth
    article = _extracted(_page(bylines))
    assert sum(p.startswith("The council met") for p in article.body) == 4


def test_a_huge_json_ld_list_is_walked_in_linear_time():
    """600 kB of JSON-LD took 2.7 s: list.pop(0) made the walk quadratic."""
    items = [{"@type": "Thing", "name": f"item {n}"} for n in range(60_000)]
    items.append({"@type": "NewsArticle", "headline": "Budget vote", "author": {"name": "Jo Li"}})
    script = f'<script type="application/ld+json">{json.dumps(items)}</script>'
    article = _extracted(_page("", head=script))
    assert article.authors == ("Jo Li",)


def test_json_ld_nested_thousands_deep_is_ignored_not_a_crash():
    script = '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
    article = _extracted(_page("", head=script))
    assert article.reason is None and len(article.body) == 4


def test_a_lone_surrogate_in_json_ld_becomes_a_replacement_character():
    ld = '{"@type": "NewsArticle", "headline": "Budget \\ud800 vote", "author": "Jo \\udc00 Li"}'
    article = _extracted(_page("", head=f'<script type="application/ld+json">{ld}</script>'))
    for text in (article.title, *article.authors):
        assert text.encode("utf-8")  # storable, hashable
    assert article.authors == ("Jo \ufffd Li",)


def test_flatten_deep_keeps_the_text_of_what_it_flattens():
    soup = BeautifulSoup("<div>" * 50 + "deep <b>text</b>" + "</div>" * 50, "lxml")
    assert flatten_deep(soup, 20) == 1
    assert soup.get_text(" ").split() == ["deep", "text"]
    assert max(len(list(tag.parents)) for tag in soup.find_all(True)) <= 20


def test_walk_yields_only_what_it_is_asked_for():
    soup = BeautifulSoup("<div>" + "<p>x</p>" * 1000 + "</div>", "lxml")
    assert len(list(walk(soup, 7))) == 7


@pytest.mark.parametrize("href", ["JavaScript:alert(1)", " javascript:x", "data:text/html,x"])
def test_related_links_are_http_only(href):
    related = f'<div class="related"><h3>Related</h3><a href="{href}">Other story here</a></div>'
    article = _extracted(_page(f"<article>{PARAGRAPH}{related}{PARAGRAPH}</article>"))
    assert all(link.url.startswith(("http://", "https://")) for link in article.related)
