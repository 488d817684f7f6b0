"""The body as the publisher states it: the itemprop=articleBody element, or the element that
holds the text of JSON-LD's articleBody. Strong evidence for the right container, and a
reference to check the paragraphs found against.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from html import unescape

from bs4 import NavigableString, Tag

from worker.extract._text import attr
from worker.extract._tree import elements

MAX_REFERENCE = 200_000  # characters of articleBody read; enough for any article
MIN_REFERENCE_WORDS = 40  # a shorter articleBody is a summary, not the body
_PROBE_WORDS = 8
_PROBES = 7
_MARKUP = re.compile(r"<[^<>]{0,2000}>")
_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\W_]+")
_BLOCKS = frozenset(
    {"p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "th", "div", "pre", "section"}
)
_OWNER_LEVELS = 12


def reference_words(article_body: str) -> list[str]:
    """The words of a JSON-LD articleBody (which may be HTML, even escaped HTML)."""
    text = article_body[:MAX_REFERENCE]
    for _ in range(2):
        if "<" not in text and "&lt;" not in text and "&amp;" not in text:
            break
        text = _MARKUP.sub(" ", unescape(text))
    words = words_of(text)
    return words if len(words) >= MIN_REFERENCE_WORDS else []


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def container(root: Tag, reference: list[str]) -> Tag | None:
    """The element the publisher marks as the body, or the one that holds its stated text."""
    marked = [tag for tag in elements(root) if attr(tag, "itemprop").lower() == "articlebody"]
    if marked:
        return max(marked[:5], key=lambda tag: len(tag.get_text()))
    if not reference:
        return None
    return _holder(root, _probes(reference))


def overlap(reference: list[str], found: list[str]) -> float:
    """F1 of the words found against the stated ones (bags of words)."""
    if not reference or not found:
        return 0.0
    shared = sum((Counter(reference) & Counter(found)).values())
    if not shared:
        return 0.0
    precision, recall = shared / len(found), shared / len(reference)
    return 2 * precision * recall / (precision + recall)


def _probes(words: list[str]) -> list[str]:
    """A few runs of words spread over the stated text."""
    last = max(len(words) - _PROBE_WORDS, 0)
    starts = sorted({last * i // (_PROBES - 1) for i in range(_PROBES)})
    return [" ".join(words[start : start + _PROBE_WORDS]) for start in starts]


def _holder(root: Tag, probes: list[str]) -> Tag | None:
    """The smallest element holding most probes, found in the page's text read as one
    stream of paragraph-like elements (a probe may run from one paragraph into the next)."""
    owners, texts = _blocks(root)
    starts: list[int] = []
    size = 0
    for text in texts:
        starts.append(size)
        size += len(text) + 1
    stream = " ".join(texts)
    found: list[Tag] = []
    for probe in probes:
        at = stream.find(probe)
        if at >= 0:
            end = at + len(probe) - 1
            found += [owners[bisect_right(starts, at) - 1], owners[bisect_right(starts, end) - 1]]
    if len(found) < len(probes):  # fewer than half of the probes (two tags each) were found
        return None
    holder = _common_ancestor(found)
    return None if holder is None or holder.name in {"body", "html", "[document]"} else holder


def _blocks(root: Tag) -> tuple[list[Tag], list[str]]:
    """The page's text in document order, each run of it with the block element that holds
    it (the nearest one, looked for a bounded number of levels up: a linear walk)."""
    owners: list[Tag] = []
    texts: list[str] = []
    for node in root.descendants:
        if type(node) is not NavigableString or not node.strip():
            continue
        owner = _owner(node)
        if owner is None:
            continue
        words = " ".join(words_of(node))
        if owners and owners[-1] is owner:
            texts[-1] = f"{texts[-1]} {words}"
        elif words:
            owners.append(owner)
            texts.append(words)
    return owners, texts


def _owner(node: NavigableString) -> Tag | None:
    parent = node.parent
    for _ in range(_OWNER_LEVELS):
        if parent is None:
            return None
        if parent.name in _BLOCKS:
            return parent
        parent = parent.parent
    return None


def _common_ancestor(tags: list[Tag]) -> Tag | None:
    if not tags:
        return None
    chain = [tags[0], *tags[0].parents]
    shared = {id(tag) for tag in chain}
    for tag in tags[1:]:
        ids = {id(tag)} | {id(parent) for parent in tag.parents}
        shared &= ids
    return next((tag for tag in chain if id(tag) in shared), None)
