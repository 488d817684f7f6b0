"""Removal of what is never article text: code, hidden nodes, page chrome, captions, teasers."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Comment, Tag

from worker.extract._text import attr, class_and_id, clean, text_of
from worker.types import Link

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
    r"leia também|lee también)\s*[:：\-–—|»>]+\s*",
    re.IGNORECASE,
)
_CHROME_CLASS = re.compile(
    r"(^|[-_\s])(share|sharing|social|newsletter|subscribe|signup|sign-up|most-?read|"
    r"most-?popular|trending|comments?|byline|dateline|author|breadcrumbs?|tags|caption|"
    r"credit|promo|ad|ads|advert|advertisement|sponsored|outbrain|taboola|paywall)"
    r"($|[-_\s])",
    re.IGNORECASE,
)


def remove_invisible(root: Tag) -> None:
    """Drop code, media, captions, forms' widgets, comments and anything hidden from readers."""
    for comment in root.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in root.find_all(_NEVER_TEXT):
        tag.decompose()
    for tag in root.find_all(True):
        if tag.parent is not None and _is_hidden(tag):
            tag.decompose()


def _is_hidden(tag: Tag) -> bool:
    if tag.attrs is None:
        return False
    if tag.has_attr("hidden") or attr(tag, "aria-hidden").lower() == "true":
        return True
    if _HIDDEN_STYLE.search(attr(tag, "style")):
        return True
    return any(token.lower() in _HIDDEN_CLASSES for token in attr(tag, "class").split())


def take_related(soup: BeautifulSoup, root: Tag, base_url: str) -> list[list[Link]]:
    """Replace related-article boxes and 'Related: <link>' teasers by numbered markers.

    Returns the links of each marker; the body keeps only the markers inside its content.
    """
    found: list[list[Link]] = []
    for tag in root.find_all(True):
        if tag.parent is None or not _is_related(tag):
            continue
        links = _links(tag, base_url)
        marker = soup.new_tag(RELATED_MARK)
        marker["data-i"] = str(len(found))
        found.append(links)
        tag.replace_with(marker)
    return found


def _is_related(tag: Tag) -> bool:
    if tag.name in {"p", "div", "li", "h3", "h4", "h5", "h6"} and _is_teaser(tag):
        return True
    if tag.name in {"div", "aside", "section", "ul"} and _RELATED_BOX.search(class_and_id(tag)):
        return tag.find("a", href=True) is not None and len(text_of(tag)) < 2000
    return False


def _is_teaser(tag: Tag) -> bool:
    """A short paragraph made of a 'Related:' style label and link(s)."""
    links = tag.find_all("a", href=True)
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
    for anchor in tag.find_all("a", href=True):
        text = _RELATED_LABEL.sub("", text_of(anchor))
        href = attr(anchor, "href").strip()
        if text and href and not href.startswith(("#", "javascript:")):
            links.append(Link(text=text, url=urljoin(base_url, href)))
    return links


def remove_chrome(root: Tag) -> None:
    """Drop page chrome (nav, header, footer, asides, share/newsletter/byline boxes)."""
    for tag in root.find_all(_CHROME):
        if tag.parent is not None and not _holds_article(tag):
            tag.decompose()
    for tag in root.find_all(True):
        if tag.parent is None or tag.name in {"html", "body", "article", "main"}:
            continue
        if _CHROME_CLASS.search(class_and_id(tag)) and len(text_of(tag)) < 400:
            tag.decompose()


def _holds_article(tag: Tag) -> bool:
    """Whether a chrome element wraps the article itself (some sites put all in one <form>)."""
    long_paragraphs = [p for p in tag.find_all("p", limit=50) if len(text_of(p)) >= 100]
    return len(long_paragraphs) >= 3


def text_length(tag: Tag) -> int:
    """Length of the normalised text of an element."""
    return len(clean(tag.get_text()))
