"""Removal of what is never article text: code, hidden nodes, page chrome, captions, teasers."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, PageElement, Tag

from worker.extract import _panels
from worker.extract._text import attr, class_and_id, clean, text_of, text_shorter
from worker.extract._tree import elements
from worker.models import URL_LENGTH
from worker.types import Link
from worker.urls import resolve

RELATED_MARK = "nw-related"

_NEVER_TEXT = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "math",
    "canvas",
    "object",
    "embed",
    "button",
    "input",
    "select",
    "textarea",
    "link",
    "meta",
    "title",
    "video",
    "audio",
    "figure",
    "figcaption",
    "dialog",
    "menu",
    "label",
    # AMP's own elements: ads, menus, share buttons, lists filled by script, consent.
    *("amp-ad", "amp-embed", "amp-sticky-ad", "amp-sidebar", "amp-social-share", "amp-list"),
    *("amp-analytics", "amp-iframe", "amp-consent", "amp-user-notification", "amp-img"),
)
_CHROME = ("nav", "footer", "aside", "header", "form")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HIDDEN_CLASSES = frozenset(
    {"hidden", "hide", "d-none", "is-hidden", "u-hidden", "visually-hidden"}
)
_RELATED_BOX = re.compile(
    r"(^|[-_\s])(related|read-?more|see-?also|also-?read|more-?on|further-?reading)",
    re.IGNORECASE,
)
_RELATED_LABEL = re.compile(
    r"^(related( articles?| stories| story| coverage| content| reading| links?)?|read more|"
    r"read also|also read|more reading|see also|recommended( reading)?|further reading|"
    r"read next|more on this( story| topic)?|lire aussi|à lire aussi|lesen sie auch|"
    r"leia também|lee también|lea también|lea más|lea|le puede interesar|te puede interesar|"
    r"vea también|mire|mira|puedes ver|ver también|leia mais|veja também|veja|"
    r"czytaj (też|także|więcej)|zobacz (też|także)|mehr zum thema|auch interessant|"
    r"leggi anche|lees ook|read|watch|listen|also|more)\s*[:：\-–—|»>]+\s*",
    re.IGNORECASE,
)
_CHROME_CLASS = re.compile(
    r"(^|[-_\s])(share|sharing|social|newsletter|subscribe|signup|sign-up|most-?read|"
    r"most-?popular|trending|comments?|byline|dateline|author|breadcrumbs?|tags|caption|"
    r"credit|promo|ad|ads|advert|advertisement|sponsored|outbrain|taboola|paywall)"
    r"($|[-_\s])",
    re.IGNORECASE,
)


# Elements cut from the page before parsing: never text, often a tenth of the nodes, and the
# parse is half the cost of an extraction. JSON-LD scripts stay (the metadata reads them).
_INERT = (("<script", "</script>"), ("<style", "</style>"), ("<svg", "</svg>"))
_NAME_ENDS = frozenset(" \t\n\r\f/>")


def without_inert(html: str) -> str:
    """The page without its scripts (but JSON-LD), styles and inline SVG: a linear scan."""
    low = html.lower()
    for start, end in _INERT:
        html, low = _cut(html, low, start, end)
    return html


def _cut(html: str, low: str, start: str, end: str) -> tuple[str, str]:
    """`html` (and its lower-cased twin) without each `start ... end` element."""
    kept: list[tuple[int, int]] = []
    pos = 0
    while (at := low.find(start, pos)) >= 0:
        close = low.find(end, at)
        if close < 0:
            break
        name_end = low[at + len(start) : at + len(start) + 1]
        if name_end not in _NAME_ENDS or "ld+json" in low[at : low.find(">", at, close)]:
            kept.append((pos, close))  # another element, or JSON-LD: kept up to its end tag
            pos = close
            continue
        kept.append((pos, at))
        pos = close + len(end)
    if not kept:
        return html, low
    kept.append((pos, len(html)))
    return "".join(html[a:b] for a, b in kept), "".join(low[a:b] for a, b in kept)


_METERED = re.compile(r"(^|\s)paywall(\s|$)", re.IGNORECASE)


def prune(soup: BeautifulSoup, root: Tag, base_url: str) -> list[list[Link]]:
    """Drop what is never article text and put numbered markers in place of related boxes.

    One walk over the tree: code, media, captions, hidden nodes and page chrome are removed
    with everything inside them. Returns the links of each marker; the body keeps only the
    markers inside its content.
    """
    found: list[list[Link]] = []
    judge = _panels.Judge()
    stack: list[PageElement] = list(reversed(root.contents))
    while stack:
        node = stack.pop()
        if not isinstance(node, Tag):
            if isinstance(node, Comment):
                node.extract()
            continue
        if (
            node.name in _NEVER_TEXT
            or _is_hidden(node)
            or _is_chrome(node)
            or judge.is_overlay(node)
        ):
            node.decompose()
        elif _is_related(node) or judge.is_teaser_list(node):
            marker = soup.new_tag(RELATED_MARK)
            marker["data-i"] = str(len(found))
            found.append(_links(node, base_url))
            node.replace_with(marker)
        else:
            stack.extend(reversed(node.contents))
    return found


def _is_hidden(tag: Tag) -> bool:
    if tag.attrs is None:
        return False
    if tag.has_attr("hidden") or attr(tag, "aria-hidden").lower() == "true":
        return True
    if _HIDDEN_STYLE.search(attr(tag, "style")):
        return True
    return any(token.lower() in _HIDDEN_CLASSES for token in attr(tag, "class").split())


def _is_related(tag: Tag) -> bool:
    if tag.name in {"p", "div", "li", "h3", "h4", "h5", "h6"} and _is_teaser(tag):
        return True
    if tag.name in {"div", "aside", "section", "ul"} and _RELATED_BOX.search(class_and_id(tag)):
        has_link = any(a.has_attr("href") for a in elements(tag, {"a"}))
        return has_link and len(text_of(tag)) < 2000
    return False


def _leading_text(tag: Tag, enough: int = 80) -> str:
    """The text that starts at an element, enough to recognise a 'Related:' label cheaply.

    A pre-filter only: it may run past the element's end (bs4's `strings` would first find
    the element's last descendant, a walk over its whole subtree); `_is_teaser` then checks.
    """
    parts: list[str] = []
    size = 0
    node = tag.next_element
    for _ in range(50):
        if node is None or size >= enough:
            break
        if type(node) is NavigableString:
            parts.append(node)
            size += len(node)
        node = node.next_element
    return clean("".join(parts))


def _is_teaser(tag: Tag) -> bool:
    """A short paragraph made of a 'Related:' style label and link(s)."""
    if not _RELATED_LABEL.match(_leading_text(tag)):
        return False
    links = [a for a in elements(tag, {"a"}) if a.has_attr("href")]
    if not links or len(links) > 3:
        return False
    text = text_of(tag)
    if len(text) > 300:
        return False
    match = _RELATED_LABEL.match(text)
    if not match:
        return False
    rest = text[match.end() :]
    link_text = sum(len(text_of(link)) for link in links)
    return bool(rest) and link_text >= 0.6 * len(rest)


def _links(tag: Tag, base_url: str) -> list[Link]:
    links = []
    for anchor in elements(tag, {"a"}):
        text = _RELATED_LABEL.sub("", text_of(anchor))
        url = resolve(base_url, attr(anchor, "href"))  # http(s) only: no javascript:, data:
        if text and url and len(url) <= URL_LENGTH:
            links.append(Link(text=text, url=url))
    return links


def _is_chrome(tag: Tag) -> bool:
    """Page chrome: nav, header, footer, asides, share/newsletter/byline boxes."""
    if tag.name in _CHROME:
        return not _holds_article(tag)
    if tag.name in {"html", "body", "article", "main"}:
        return False
    hints = class_and_id(tag)
    if tag.name == "p" and _METERED.search(attr(tag, "class")):
        return False  # a metered site's article paragraphs: <p class="paywall">
    return bool(_CHROME_CLASS.search(hints)) and text_shorter(tag, 400)


def _holds_article(tag: Tag) -> bool:
    """Whether a chrome element wraps the article itself (some sites put all in one <form>:
    ASP.NET pages, whose text may be lines between <br>s rather than paragraphs)."""
    inner = elements(tag)
    if tag.name == "form" and any(t.name in {"h1", "article", "main"} for t in inner):
        return True
    long_paragraphs = [p for p in inner if p.name == "p" and len(text_of(p)) >= 100]
    return len(long_paragraphs) >= 3
