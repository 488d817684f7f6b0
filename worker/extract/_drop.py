"""The page elements the operator's selector rules name, taken out before extraction.

A rule hides furniture only: an element with more than SELECTOR_MAX_WORDS words, or more than
PAGE_SHARE of the page's words, is article text (or holds it) and stays; the rule's effect
counts it as refused. Work is bounded: at most
MATCHES_KEPT elements per selector, and each is read only as far as its first words.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice

from bs4 import BeautifulSoup, Tag

from worker.config_values import css_problem
from worker.extract._tree import texts
from worker.types import RuleEffect

SELECTOR_MAX_WORDS = 150  # a "Most read" box, a newsletter form; not an article's paragraphs
PAGE_SHARE = 0.3  # of the page's words one hidden element may hold at most
_PAGE_NODES = 200_000  # nodes read to count the page's words
MATCHES_KEPT = 200  # elements one selector may take out of one page
_NODES_READ = 5_000  # nodes read below one match to count its words


def drop_selected(soup: BeautifulSoup, selectors: Sequence[str]) -> tuple[RuleEffect, ...]:
    """Take the elements each selector matches out of `soup`; what each rule did."""
    page = sum(len(text.split()) for text in texts(soup, _PAGE_NODES))
    most = min(SELECTOR_MAX_WORDS, int(page * PAGE_SHARE))
    return tuple(_drop(soup, selector, most) for selector in selectors)


def _drop(soup: BeautifulSoup, selector: str, most: int) -> RuleEffect:
    if css_problem(selector) is not None:
        return RuleEffect("selector", selector)  # checked when the rule was made
    matches = soup.select(selector, limit=MATCHES_KEPT)
    removed = refused = 0
    for element in matches:
        if element.decomposed or _inside_removed(element):
            continue
        if _words(element, most) <= most:
            element.decompose()
            removed += 1
        else:
            refused += 1
    return RuleEffect("selector", selector, removed, refused)


def _words(element: Tag, most: int) -> int:
    """The element's words, counted up to one more than `most`."""
    counted = 0
    for text in islice(texts(element, _NODES_READ), _NODES_READ):
        counted += len(text.split())
        if counted > most:
            break
    return counted


def _inside_removed(element: Tag) -> bool:
    """True when an ancestor was taken out already (it is no longer in the page)."""
    return element.parent is None
