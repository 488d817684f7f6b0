"""The headline and the standfirst: structured data checked against what the page shows, the
site name a <title> adds stripped."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from worker.extract._head import Page, index_of, ld_str, meta_texts
from worker.extract._text import attr, clean, text_of
from worker.extract._tree import elements

_TITLE_KEYS = (
    "dc:title",
    "og:title",
    "twitter:title",
    "parsely-title",
    "dc.title",
    "citation_title",
)
_SUBTITLE_KEYS = (
    "dc:description",
    "og:description",
    "description",
    "twitter:description",
    "dc.description",
)
_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " « ", " » ", " / ", " ~ ")
_LEAD_CLASS = re.compile(
    r"(^|[-_])(lead|lede|standfirst|subtitle|subheadline|subhead|dek|deck|summary|intro|"
    r"strapline|excerpt|sapo|chapo|description)($|[-_])",
    re.IGNORECASE,
)


def read_title(
    page: Page, metas: dict[str, list[str]], ld: dict, site: str | None, url: str
) -> str:
    """The headline: structured data first, else the <h1> that <title> repeats, else <title>."""
    title_tag = page.first("title")
    page_title = text_of(title_tag) if title_tag else ""
    headings = [text_of(h1) for h1 in page.all("h1")[:5]]
    shown = [h for h in headings if squash(h) and squash(h) in squash(page_title)]
    heading = max(shown, key=len, default="")
    structured = [ld_str(ld, "headline"), ld_str(ld, "name"), *meta_texts(metas, _TITLE_KEYS)]
    structured = [candidate for candidate in structured if candidate]
    seen = squash(f"{page_title} {' '.join(headings)}")
    # A JSON-LD headline that neither <title> nor an <h1> shows is often a tagline.
    agreed = [c for c in structured if squash(strip_site_name(c, site, url, heading)) in seen]
    for candidate in [*agreed, *structured, heading]:
        if candidate:
            return _uncut(strip_site_name(candidate, site, url, heading), page_title)
    if page_title:
        return _drop_last_part(strip_site_name(page_title, site, url, heading))
    return next((h for h in headings if h), "")


def _uncut(title: str, page_title: str) -> str:
    """The <title> when a meta headline is its start cut at a quote the page left unescaped
    (content="Biden de "incapacitado"" ends at 'de ')."""
    rest = page_title[len(title) :] if title and page_title.startswith(title) else ""
    if rest.lstrip()[:1] in _QUOTES and len(rest.strip()) > 2:
        return clean(title + rest.split(" | ")[0].split(" - ")[0])
    return title


_QUOTES = frozenset("\"'“”„«»")


def _drop_last_part(title: str) -> str:
    """'Headline | Section | Site' -> 'Headline | Section', when the rest keeps 3+ words."""
    for sep in _SEPARATORS:
        head, found, _ = title.rpartition(sep)
        if found and len(head.split()) >= 3:
            return head.strip()
    return title


def strip_site_name(title: str, site: str | None, url: str, h1: str = "") -> str:
    """Drop a ' | Site' or ' - Site' suffix (or 'Site | ' prefix) that <title> often adds."""
    marks = site_marks(site, url)
    changed = True
    while changed:
        changed = False
        for sep in _SEPARATORS:
            head, found, tail = title.rpartition(sep)
            if found and head and (is_site(tail, marks) or squash(head) == squash(h1)):
                title, changed = head.strip(), True
                break
            first, found, rest = title.partition(sep)
            if found and rest and is_site(first, marks):
                title, changed = rest.strip(), True
                break
    return title


def squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def site_marks(site: str | None, url: str) -> set[str]:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    labels = [label for label in host.split(".") if len(label) > 2 and label not in {"com", "org"}]
    marks = {squash(host), *labels}
    if site:
        marks.add(squash(site))
    return {mark for mark in marks if mark}


def is_site(text: str, marks: set[str]) -> bool:
    squashed = squash(text)
    if not squashed or len(text.split()) > 6:
        return False
    return any(
        squashed == mark
        or (mark in squashed and len(squashed) <= 2 * len(mark))
        or (len(squashed) > 3 and squashed in mark)
        for mark in marks
    )


def read_subtitle(page: Page, metas: dict[str, list[str]], ld: dict, standfirst: str) -> str:
    """The standfirst: the page's own description first, else a visible lead element."""
    for value in (ld_str(ld, "description"), *meta_texts(metas, _SUBTITLE_KEYS)):
        if value:
            return value
    return standfirst


def lead_element_text(page: Page) -> str:
    """A visible standfirst/lead element close after the <h1>."""
    h1 = page.first("h1")
    if h1 is None:
        return ""
    start = index_of(page.tags, h1) + 1
    for tag in page.tags[start : start + 40]:
        if tag.name in {"p", "div", "h2", "span", "section"} and any(
            _LEAD_CLASS.search(token) for token in attr(tag, "class").split()
        ):
            text = text_of(tag)
            if 20 <= len(text) <= 600 and not elements(tag, {"figure", "figcaption"}):
                return text
    return ""
