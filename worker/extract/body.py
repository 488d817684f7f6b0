"""The article body: boilerplate removal, content scoring, then paragraphs in reading order."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag

from worker.extract import _clean, _panels, _score, _stated
from worker.extract._measure import Measure, measure
from worker.extract._text import attr, class_and_id, clean
from worker.extract._tree import elements
from worker.types import Link

MIN_BODY_CHARS = 500

_UNLIKELY = re.compile(
    r"-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|"
    r"gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|"
    r"sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote",
    re.IGNORECASE,
)
_MAYBE = re.compile(r"and|article|body|column|content|main|mathjax|shadow", re.IGNORECASE)
_UNLIKELY_ROLES = frozenset(
    {"menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog"}
)
_BLOCKS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "caption", "center", "dd", "details"),
        *("div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "hr", "li", "main", "nav", "ol", "p"),
        *("pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
        _clean.RELATED_MARK,
    }
)
# A <div> holding one of these beside loose text gets that text wrapped in <p> (an <img>
# too, as in Readability: otherwise the div is not scored and its text is lost).
_WRAP_TRIGGERS = _BLOCKS | {"img"}
_KEEP = frozenset({"body", "a", "html", "article", "main"})
# Text elements are judged by their place, not their class: a 'subheader' <h2> or a
# 'header-note' <p> inside the article is article text.
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_TEXT = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"})
_CONDITIONAL = ("form", "fieldset", "table", "ul", "ol", "div", "section")
_NOISE = re.compile(
    r"^(advertisement|advertising|ad|sponsored|sponsored content|continue reading|"
    r"read more|story continues below|story continues below advertisement|publicidad|"
    r"publicité|anzeige|werbung|pubblicità|reklama|advertentie)$",
    re.IGNORECASE,
)
_BREAK = "\x00"
# A table row is one paragraph, its cells joined: an edited figure is then an edit of its row.
_CELLS = frozenset({"td", "th"})
_CELL_SEPARATOR = " | "


@dataclass(frozen=True)
class Body:
    """The paragraphs of an article, the related links found inside it, or why there are none."""

    paragraphs: tuple[str, ...] = ()
    related: tuple[Link, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class _Flags:
    strip_unlikely: bool
    weigh_classes: bool
    clean_conditionally: bool


_ATTEMPTS = (
    _Flags(True, True, True),
    _Flags(False, True, True),
    _Flags(False, False, True),
    _Flags(False, False, False),
)


class _Undo:
    """A log of removed nodes so that a stricter attempt can be rolled back."""

    def __init__(self) -> None:
        self._removed: list[tuple[Tag, Tag, int]] = []

    def remove(self, tag: Tag) -> None:
        parent = tag.parent
        if parent is not None:
            self._removed.append((tag, parent, parent.index(tag)))
            tag.extract()

    def restore(self) -> None:
        for tag, parent, index in reversed(self._removed):
            parent.insert(index, tag)
        self._removed.clear()


def extract_body(
    soup: BeautifulSoup, url: str, title: str = "", subtitle: str = "", stated: str = ""
) -> Body:
    """Find the article text of a parsed page. The tree is modified.

    `stated` is JSON-LD's articleBody: with the itemprop=articleBody element, it points at
    the container, and the attempt whose paragraphs match it best wins.
    """
    root = soup.body or soup
    related = _clean.prune(soup, root, url)
    _wrap_loose_text(soup, root)
    reference = _stated.reference_words(stated)
    found = _scored(root, title, subtitle)
    container = _stated.container(root, reference)
    if container is not None:
        found = _best(found, _within(container, title, subtitle), reference)
    paragraphs, markers = found
    links = tuple(link for index in markers for link in related[index])
    if not paragraphs:
        return Body(related=links, reason="no article text found")
    return Body(tuple(paragraphs), links)


_Found = tuple[list[str], list[int]]  # paragraphs and the related markers among them


def _scored(root: Tag, title: str, subtitle: str) -> _Found:
    """Readability's way: the best-scoring container, cleaned less strictly until enough."""
    best: _Found = ([], [])
    for flags in _ATTEMPTS:
        paragraphs, markers = _attempt(root, flags)
        paragraphs = _drop_repeats(paragraphs, title, subtitle)
        if _size(paragraphs) >= MIN_BODY_CHARS:
            return paragraphs, markers
        if _size(paragraphs) > _size(best[0]):
            best = (paragraphs, markers)
    return best


def _within(container: Tag, title: str, subtitle: str) -> Iterator[_Found]:
    """The stated container cleaned by each attempt's rules, strictest first (lazily)."""
    for flags in _ATTEMPTS:
        paragraphs, markers = _attempt(container, flags, whole=True)
        yield _drop_repeats(paragraphs, title, subtitle), markers


CLOSE_ENOUGH = 0.97  # overlap with the stated text past which no laxer attempt is tried


def _best(scored: _Found, stated: Iterator[_Found], reference: list[str]) -> _Found:
    """The stated container's paragraphs unless the scored ones are clearly the article.

    With the stated text, the attempt closest to it wins (the stated container first on a
    tie); without it, the strictest attempt on the container that holds enough text.
    """
    if reference and not _summarises(reference, scored[0]):
        best, best_score = scored, _stated.overlap(reference, _words(scored[0]))
        for found in stated:
            score = _stated.overlap(reference, _words(found[0]))
            if score >= best_score:
                best, best_score = found, score
            if score >= CLOSE_ENOUGH:
                break
        return best
    enough = next((found for found in stated if _size(found[0]) >= MIN_BODY_CHARS), None)
    if enough is None or _size(enough[0]) < _size(scored[0]) / 2:
        return scored
    return enough


def _summarises(reference: list[str], paragraphs: list[str]) -> bool:
    """Whether the stated text is only a summary of a longer article found on the page."""
    found = _words(paragraphs)
    if len(reference) * 2 > len(found):
        return False
    shared = sum((Counter(reference) & Counter(found)).values())
    return shared >= 0.9 * len(reference)


def _size(paragraphs: list[str]) -> int:
    return sum(map(len, paragraphs))


def _words(paragraphs: list[str]) -> list[str]:
    return _stated.words_of(" ".join(paragraphs))


def _attempt(root: Tag, flags: _Flags, whole: bool = False) -> _Found:
    """One pass of scoring and cleaning; rolled back so that the next pass starts afresh.

    With `whole`, `root` is the article's container as the page states it: it is cleaned
    as a whole instead of searched for the best-scoring part.
    """
    undo = _Undo()
    if flags.strip_unlikely:
        _remove_unlikely(root, undo)
    candidates = _score.score_candidates(root, flags.weigh_classes)
    top = root if whole else _score.top_candidate(candidates, flags.weigh_classes)
    if top is None:
        undo.restore()
        return [], []
    blocks = [top] if whole else _score.content_blocks(top, candidates, root)
    for block in blocks:
        _clean_content(block, candidates, flags, undo)
    paragraphs = paragraphs_of(blocks)
    markers = [
        int(attr(mark, "data-i"))
        for block in blocks
        for mark in [block, *elements(block, {_clean.RELATED_MARK})]
        if mark.name == _clean.RELATED_MARK
    ]
    undo.restore()
    return paragraphs, markers


def _wrap_loose_text(soup: BeautifulSoup, root: Tag) -> None:
    """Put text sitting directly in a <div> beside block children into its own <p>."""
    for div in elements(root, {"div"}):
        children = list(div.children)
        if not any(isinstance(c, Tag) and c.name in _WRAP_TRIGGERS for c in children):
            continue
        run: list[PageElement] = []
        for child in [*children, None]:
            if child is not None and not (isinstance(child, Tag) and child.name in _BLOCKS):
                run.append(child)
                continue
            if any(clean(str(n.get_text() if isinstance(n, Tag) else n)) for n in run):
                paragraph = soup.new_tag("p")
                run[0].insert_before(paragraph)
                for node in run:
                    paragraph.append(node.extract())
            run = []


def _remove_unlikely(root: Tag, undo: _Undo) -> None:
    """Drop elements whose class, id or role says they are not content (not inside tables)."""
    stack: list[tuple[Tag, bool]] = [(c, False) for c in reversed(root.contents) if _is_tag(c)]
    while stack:
        tag, in_table = stack.pop()
        if not in_table and tag.name not in _KEEP | _TEXT and _is_unlikely(tag):
            undo.remove(tag)
            continue
        in_table = in_table or tag.name in {"table", "code"}
        stack.extend((c, in_table) for c in reversed(tag.contents) if _is_tag(c))


def _is_tag(node: PageElement) -> bool:
    return isinstance(node, Tag)


def _is_unlikely(tag: Tag) -> bool:
    hints = class_and_id(tag)
    if _UNLIKELY.search(hints) and not _MAYBE.search(hints):
        return True
    return attr(tag, "role").lower() in _UNLIKELY_ROLES


def _clean_content(
    block: Tag, candidates: dict[int, _score.Candidate], flags: _Flags, undo: _Undo
) -> None:
    """Drop link lists, widgets and headings with boilerplate classes inside the content."""
    for heading in elements(block, _HEADINGS):
        if _panels.is_teaser_heading(clean(heading.get_text())):
            undo.remove(heading)  # the list it announced is gone; its title must go too
        elif flags.weigh_classes and heading.name in {"h1", "h2"} and _weighs_less(heading):
            undo.remove(heading)
    if not flags.clean_conditionally:
        return
    removed: set[int] = set()
    # Measured once: a container is judged before anything inside it is removed.
    measures = measure(block)
    for tag in elements(block, _CONDITIONAL):
        if _inside(tag, removed, block):
            continue
        if _looks_like_clutter(tag, measures[id(tag)], candidates, flags):
            removed.add(id(tag))
            undo.remove(tag)


def _weighs_less(heading: Tag) -> bool:
    return _score.class_weight(heading) < 0


def _inside(tag: Tag, removed: set[int], block: Tag) -> bool:
    """Whether an ancestor of `tag` below `block` was already removed."""
    if not removed:
        return False
    node = tag.parent
    while node is not None and node is not block:
        if id(node) in removed:
            return True
        node = node.parent
    return False


def _looks_like_clutter(
    tag: Tag, inner: Measure, candidates: dict[int, _score.Candidate], flags: _Flags
) -> bool:
    """Readability's 'clean conditionally' test for one container."""
    count = inner.counts.get
    if tag.name == "table" and (count("th") or count("caption") or count("tr", 0) > 10):
        return False
    weight = _score.class_weight(tag) if flags.weigh_classes else 0
    known = candidates.get(id(tag))
    if weight + (known.score if known else 0) < 0:
        return True
    if inner.commas >= 10:
        return False
    chars = inner.chars
    is_list = tag.name in {"ul", "ol"} or (chars > 0 and inner.listed / chars > 0.9)
    paragraphs, images = count("p", 0), count("img", 0)
    density = inner.link_density
    heading_density = inner.headings / chars if chars else 0.0
    return (
        (images > 1 and paragraphs / images < 0.5)
        or (not is_list and count("li", 0) - 100 > paragraphs)
        or (count("input", 0) > paragraphs // 3)
        or (
            not is_list
            and heading_density < 0.9
            and chars < 25
            and (images == 0 or images > 2)
            and density > 0
        )
        or (not is_list and weight < 25 and density > 0.2)
        or (weight >= 25 and density > 0.5)
    )


def paragraphs_of(blocks: list[Tag]) -> list[str]:
    """The text of the content in reading order, one string per block-level paragraph."""
    paragraphs: list[str] = []
    buffer: list[str] = []
    for block in blocks:
        for piece in _pieces(block):
            if piece is None:
                _flush(buffer, paragraphs)
            else:
                buffer.append(piece)
        _flush(buffer, paragraphs)
    return [p for p in paragraphs if not _NOISE.match(p)]


def _pieces(block: Tag) -> list[str | None]:
    """Text pieces in document order; None marks a paragraph boundary."""
    pieces: list[str | None] = []
    stack: list[PageElement | None] = [block]
    while stack:
        node = stack.pop()
        if node is None:
            pieces.append(None)
        elif isinstance(node, Tag):
            if node.name == "br":
                pieces.append(_BREAK)
                continue
            if node.name in _CELLS:
                if _after_cell(node):
                    pieces.append(_CELL_SEPARATOR)
                stack.extend(reversed(node.contents))
                continue
            is_block = node.name in _BLOCKS
            if is_block:
                pieces.append(None)
                stack.append(None)
            stack.extend(reversed(node.contents))
        elif isinstance(node, NavigableString) and type(node) is NavigableString:
            pieces.append(str(node))
    return pieces


def _after_cell(cell: Tag) -> bool:
    """Whether an element comes after another in its row (walks back to the nearest tag)."""
    node = cell.previous_sibling
    while node is not None and not isinstance(node, Tag):
        node = node.previous_sibling
    return node is not None


def _flush(buffer: list[str], paragraphs: list[str]) -> None:
    text = "".join(buffer).replace("\r", "")
    buffer.clear()
    for part in re.split(f"{_BREAK}\\s*(?:{_BREAK}\\s*)+", text):
        paragraph = clean(part.replace(_BREAK, " "))
        if paragraph:
            paragraphs.append(paragraph)


def _drop_repeats(paragraphs: list[str], title: str, subtitle: str) -> list[str]:
    """Drop the headline and the standfirst when the content repeats them."""
    repeated = {_squash(title), _squash(subtitle)} - {""}
    return [p for p in paragraphs if _squash(p) not in repeated]


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())
