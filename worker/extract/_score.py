"""Readability-style content scoring: find the element that holds the article text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import Tag

from worker.extract._measure import measure
from worker.extract._text import attr, clean
from worker.extract._tree import elements

_POSITIVE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|"
    r"masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|"
    r"sponsor|shopping|tags|widget|newsletter|most-?read|popular|recirc",
    re.IGNORECASE,
)
_TAG_BASE = {
    "div": 5,
    "article": 5,
    "pre": 3,
    "td": 3,
    "blockquote": 3,
    "address": -3,
    "ol": -3,
    "ul": -3,
    "dl": -3,
    "dd": -3,
    "dt": -3,
    "li": -3,
    "form": -3,
    "th": -5,
    **{f"h{level}": -5 for level in range(1, 7)},
}
_SCOREABLE = frozenset({"p", "pre", "td", "div", "h2", "h3", "h4", "h5", "h6"})
_DIV_BLOCKS = frozenset({"blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul"})


@dataclass
class Candidate:
    """An element that collects the scores of the paragraphs below it."""

    tag: Tag
    score: float
    ancestors: list[Tag] = field(default_factory=list)


def class_weight(tag: Tag) -> int:
    """+25 / -25 for each of class and id that hints at content / boilerplate."""
    weight = 0
    for value in (attr(tag, "class"), attr(tag, "id")):
        if value and _NEGATIVE.search(value):
            weight -= 25
        if value and _POSITIVE.search(value):
            weight += 25
    return weight


def link_density(tag: Tag) -> float:
    """Share of an element's text that sits inside links (in-page links count less)."""
    total = len(clean(tag.get_text()))
    if not total:
        return 0.0
    linked = 0.0
    for anchor in elements(tag, {"a"}):
        factor = 0.3 if attr(anchor, "href").startswith("#") else 1.0
        linked += len(clean(anchor.get_text())) * factor
    return min(linked / total, 1.0)


def score_candidates(root: Tag, weigh_classes: bool) -> dict[int, Candidate]:
    """Score paragraph containers by text length and commas, as Readability does."""
    candidates: dict[int, Candidate] = {}
    tags = elements(root)
    holding_blocks = _holding(tags, root)
    measures = measure(root)
    for tag in tags:
        if tag.name not in _SCOREABLE:
            continue
        if tag.name == "div" and id(tag) in holding_blocks:
            continue
        inner = measures[id(tag)]
        if inner.chars < 25:
            continue
        points = 1 + inner.commas + min(inner.chars // 100, 3)
        for level, ancestor in enumerate(_ancestors(tag, 5)):
            key = id(ancestor)
            if key not in candidates:
                candidates[key] = Candidate(ancestor, _initial_score(ancestor, weigh_classes))
            candidates[key].score += points / (1 if level == 0 else 2 if level == 1 else level * 3)
    for key, candidate in candidates.items():
        known = measures.get(key)
        candidate.score *= 1 - (known.link_density if known else 0.0)
    return candidates


def _holding(tags: list[Tag], root: Tag) -> set[int]:
    """Ids of the elements that have a block element (p, div, table, ...) below them."""
    holding: set[int] = set()
    for tag in tags:
        if tag.name not in _DIV_BLOCKS:
            continue
        parent = tag.parent
        while parent is not None and parent is not root and id(parent) not in holding:
            holding.add(id(parent))
            parent = parent.parent
    return holding


def _ancestors(tag: Tag, depth: int) -> list[Tag]:
    found = []
    parent = tag.parent
    while parent is not None and parent.name != "[document]" and len(found) < depth:
        if parent.parent is None or parent.parent.name == "[document]":
            break
        found.append(parent)
        parent = parent.parent
    return found


def _initial_score(tag: Tag, weigh_classes: bool) -> float:
    return _TAG_BASE.get(tag.name, 0) + (class_weight(tag) if weigh_classes else 0)


def top_candidate(candidates: dict[int, Candidate], weigh_classes: bool) -> Tag | None:
    """The best-scoring element, widened to a shared parent when close rivals suggest it."""
    ranked = ranked_candidates(candidates)
    if not ranked:
        return None
    top = ranked[0].tag
    top = _shared_parent(top, ranked[0].score, ranked[1:5]) or top
    top = _climb(top, candidates, weigh_classes)
    while top.parent is not None and top.parent.name not in ("body", "[document]"):
        if len([c for c in top.parent.children if isinstance(c, Tag)]) != 1:
            break
        top = top.parent
    return top


def ranked_candidates(candidates: dict[int, Candidate]) -> list[Candidate]:
    return sorted(candidates.values(), key=lambda c: c.score, reverse=True)


def _shared_parent(top: Tag, score: float, rivals: list[Candidate]) -> Tag | None:
    close = [r for r in rivals if score > 0 and r.score / score >= 0.75]
    if len(close) < 3:
        return None
    rival_parents = [{id(p) for p in r.tag.parents} for r in close]
    parent = top.parent
    while parent is not None and parent.name not in ("body", "[document]"):
        if sum(id(parent) in ids for ids in rival_parents) >= 3:
            return parent
        parent = parent.parent
    return None


def _climb(top: Tag, candidates: dict[int, Candidate], weigh_classes: bool) -> Tag:
    """Move up while the parent scores better: the article may span several blocks."""
    if id(top) not in candidates:
        candidates[id(top)] = Candidate(top, _initial_score(top, weigh_classes))
    last = candidates[id(top)].score
    threshold = last / 3
    parent = top.parent
    while parent is not None and parent.name not in ("body", "[document]"):
        known = candidates.get(id(parent))
        if known is not None:
            if known.score < threshold:
                break
            if known.score > last:
                return parent
            last = known.score
        parent = parent.parent
    return top


def content_blocks(top: Tag, candidates: dict[int, Candidate], root: Tag) -> list[Tag]:
    """The top element plus the siblings that look like more of the same article, and the
    twins of its best block elsewhere on the page (a story cut in two by an ad row)."""
    blocks = _with_siblings(top, candidates)
    twins = _twins(top, candidates, blocks)
    if not twins or len(elements(root, {"h1"})) > 1:  # several headlines: several stories
        return blocks
    order = {id(tag): index for index, tag in enumerate(elements(root))}
    return sorted([*blocks, *twins], key=lambda tag: order.get(id(tag), 0))


def _twins(top: Tag, candidates: dict[int, Candidate], blocks: list[Tag]) -> list[Tag]:
    """Elements outside the blocks with the same name and class as the best candidate."""
    best = ranked_candidates(candidates)[0]
    kind = (best.tag.name, attr(best.tag, "class"))
    if not kind[1]:
        return []
    threshold = max(10.0, best.score * 0.05)
    inside = {id(tag) for block in blocks for tag in [block, *block.parents]}
    return [
        c.tag
        for c in candidates.values()
        if (c.tag.name, attr(c.tag, "class")) == kind
        and c.score >= threshold
        and id(c.tag) not in inside
        and not _below(c.tag, blocks)
    ]


def _below(tag: Tag, blocks: list[Tag]) -> bool:
    ids = {id(block) for block in blocks}
    return any(id(parent) in ids for parent in tag.parents)


def _with_siblings(top: Tag, candidates: dict[int, Candidate]) -> list[Tag]:
    parent = top.parent
    if parent is None or parent.name == "[document]":
        return [top]
    top_score = candidates[id(top)].score if id(top) in candidates else 0.0
    threshold = max(10.0, top_score * 0.2)
    blocks = []
    for sibling in parent.children:
        if not isinstance(sibling, Tag):
            continue
        if sibling is top or _belongs(sibling, top, top_score, threshold, candidates):
            blocks.append(sibling)
    return blocks


def _inner_score(sibling: Tag, candidates: dict[int, Candidate], bonus: float) -> float | None:
    """A twin block (same class as the top one) scores as its best inner candidate."""
    if not bonus:
        return None
    inner = [candidates[id(t)].score for t in elements(sibling) if id(t) in candidates]
    return max(inner, default=None)


def _belongs(
    sibling: Tag, top: Tag, top_score: float, threshold: float, candidates: dict[int, Candidate]
) -> bool:
    bonus = 0.0
    if attr(sibling, "class") and attr(sibling, "class") == attr(top, "class"):
        bonus = top_score * 0.2
    known = candidates.get(id(sibling))
    score = known.score if known is not None else _inner_score(sibling, candidates, bonus)
    if score is not None and score + bonus >= threshold:
        return True
    paragraph = _as_paragraph(sibling)
    if paragraph is None:
        return False
    text = clean(paragraph.get_text())
    density = link_density(paragraph)
    if len(text) > 80:
        return density < 0.25
    return len(text) > 0 and density == 0 and bool(re.search(r"\.( |$)", text))


def _as_paragraph(tag: Tag) -> Tag | None:
    """A <p>, or the one <p> a wrapper element holds (pages that put each paragraph in its
    own <div> break the article into siblings that score too little one by one)."""
    for _ in range(3):
        if tag.name == "p":
            return tag
        children = [child for child in tag.children if isinstance(child, Tag)]
        if len(children) != 1 or tag.name not in {"div", "section"}:
            return None
        if any(isinstance(c, str) and c.strip() for c in tag.children):
            return None
        tag = children[0]
    return None
