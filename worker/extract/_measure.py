"""Bottom-up measures of every element below a root: text, link text, counts, in one pass.

Calling get_text() or find_all() on each candidate costs its whole subtree, which turns
quadratic on deeply nested pages; summing each element's children keeps the work linear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import NavigableString, Tag

from worker.extract._text import attr
from worker.extract._tree import elements

COUNTED = ("p", "img", "li", "input", "th", "caption", "tr")
_SPACE = re.compile(r"\s+")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4"})
_LISTS = frozenset({"ul", "ol"})


@dataclass
class Measure:
    """What one element holds. Text lengths count runs of whitespace as one character."""

    chars: int = 0
    linked: float = 0.0  # text inside links; in-page (#) links count 0.3
    commas: int = 0
    headings: int = 0  # text inside h1-h4 below
    listed: int = 0  # text inside ul/ol below (a nested list counts again, as in Readability)
    counts: dict[str, int] = field(default_factory=dict)  # elements below, for COUNTED names

    @property
    def link_density(self) -> float:
        return min(self.linked / self.chars, 1.0) if self.chars else 0.0


def measure(root: Tag) -> dict[int, Measure]:
    """A Measure for `root` and every element below it, keyed by id()."""
    found: dict[int, Measure] = {}
    for tag in reversed([root, *elements(root)]):  # children before their parents
        found[id(tag)] = _combine(tag, found)
    return found


def _combine(tag: Tag, found: dict[int, Measure]) -> Measure:
    total = Measure()
    for child in tag.contents:
        if isinstance(child, Tag):
            _add(total, child, found[id(child)])
        elif type(child) is NavigableString and not child.isspace():
            total.chars += len(_SPACE.sub(" ", child))
            total.commas += child.count(",") + child.count("，")
    if tag.name == "a":
        total.linked = total.chars * (0.3 if attr(tag, "href").startswith("#") else 1.0)
    return total


def _add(total: Measure, name_of: Tag, part: Measure) -> None:
    name = name_of.name
    total.chars += part.chars
    total.linked += part.linked
    total.commas += part.commas
    total.headings += part.headings + (part.chars if name in _HEADINGS else 0)
    total.listed += part.listed + (part.chars if name in _LISTS else 0)
    for key, count in part.counts.items():
        total.counts[key] = total.counts.get(key, 0) + count
    if name in COUNTED:
        total.counts[name] = total.counts.get(name, 0) + 1
