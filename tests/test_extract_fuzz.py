"""worker.extract under fuzzing: any input gives an Article, in time proportional to its size.

Time is measured by counting the Python and C function calls the extraction makes (a
deterministic measure), never by the wall clock.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from worker.extract import article
from worker.types import Article

_TAGS = ("div", "p", "span", "a", "article", "section", "ul", "li", "table", "tr", "td", "br")
_TAGS += ("script", "style", "h1", "nav", "aside", "figure", "noscript", "template", "b", "i")
_ATTRS = (
    "",
    " class='content'",
    " class='related'",
    " class='share'",
    " hidden",
    " style='display:none'",
    " aria-hidden='true'",
    " role='dialog'",
    " href='javascript:'",
    " itemprop='author'",
    " class=",
    " id='x' id='y'",
)
_TEXTS = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["By Jane Doe", "Related: ", "&amp;#x0;", "&#xFFFFFFFF;", "<!--", "]]>"]),
    st.just("The council said on Tuesday that the budget, agreed after talks, would rise. "),
)


@st.composite
def _tag_soup(draw: st.DrawFn) -> str:
    """Unbalanced, mis-nested tags with odd attributes, entities and JSON-LD scraps."""
    parts = []
    for _ in range(draw(st.integers(0, 60))):
        tag = draw(st.sampled_from(_TAGS))
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(f"<{tag}{draw(st.sampled_from(_ATTRS))}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        else:
            parts.append(draw(_TEXTS))
    if draw(st.booleans()):
        scraps = ['{"@type": "NewsArticle", "author": [null, 3, {}]', "[[[", "{}"]
        ld = draw(st.sampled_from(scraps))
        parts.insert(0, f"<script type='application/ld+json'>{ld}</script>")
    return "".join(parts)


_FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(st.text(max_size=2000))
def test_arbitrary_text_never_raises(text: str) -> None:
    found = article(text, "https://news.example/fuzz")
    assert isinstance(found, Article)
    assert found.body or found.reason


@_FAST
@given(_tag_soup())
def test_malformed_html_never_raises(html: str) -> None:
    found = article(html, "https://news.example/fuzz")
    assert isinstance(found, Article)
    assert found.body or found.reason
    assert found.reason is None or not found.reason.startswith("extraction failed")


def _calls(html: str) -> int:
    """Function calls (Python and C) made while extracting one page."""
    count = 0

    def profile(_frame: object, event: str, _arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        article(html, "https://news.example/big")
    finally:
        sys.setprofile(None)
    return count


_SENTENCE = "The council said on Tuesday that the budget, agreed after talks, would rise."
_SHAPES: dict[str, Callable[[int], str]] = {
    "paragraphs": lambda n: "<article>" + f"<p>{_SENTENCE}</p>" * n + "</article>",
    "nested-divs": lambda n: "<div class='content'>" * n + _SENTENCE * 3 + "</div>" * n,
    "nested-lists": lambda n: "<ul><li>item, " * n + _SENTENCE + "</li></ul>" * n,
    "unclosed-tags": lambda n: f"<div><p><span>{_SENTENCE}" * n,
    "link-boxes": lambda n: f"<div class='related'><a href='/a'>{_SENTENCE}</a></div>" * n,
    "table-cells": lambda n: "<table>" + f"<tr><td>{_SENTENCE}</td></tr>" * n + "</table>",
    "br-runs": lambda n: "<div>" + f"{_SENTENCE}<br><br>" * n + "</div>",
    "unclosed-scripts": lambda n: f"<p>{_SENTENCE}</p><script>x" * n + "</script>" + "<style" * n,
    "stated-body-nested": lambda n: (
        '<script type="application/ld+json">{"@type": "NewsArticle", "articleBody": "'
        + f"{_SENTENCE} " * n
        + '"}</script>'
        + f"<div><p><span>{_SENTENCE}" * n
    ),
}


@pytest.mark.parametrize("shape", list(_SHAPES))
def test_work_grows_linearly_with_size(shape: str) -> None:
    build = _SHAPES[shape]
    small, large = _calls(build(100)), _calls(build(400))
    # Four times the input may cost at most about six times the calls: linear with slack for
    # n log n steps (sorting candidates), never quadratic (which would be sixteen times).
    assert large <= 6 * small, (small, large)
