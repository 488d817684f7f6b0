"""Authors: JSON-LD, author metas, links to profile pages, visible bylines; person names
split out of byline strings, agencies only when nobody else is named, never the site."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from itertools import islice

from bs4 import Tag

from worker.extract._head import Page, index_of, ld_str, meta_texts
from worker.extract._text import attr, class_and_id, clean, text_of
from worker.extract._titles import is_site
from worker.extract._tree import texts, walk

# The article's own author keys first: a plain `author` meta is often the whole site's
# (a publisher such as 'Condé Nast' beside article:author 'Larry Fitzmaurice').
_AUTHOR_KEYS = (
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc:creator",
    "dc.creator",
    "citation_author",
    "author",
    "byl",
)
_BYLINE_PREFIX = re.compile(
    r"^\s*((written|reported|posted|story|text|words)\s+)?(by|von|par|por|door|di|af|av)"
    # 'By Jane Doe', and 'ByJane Doe' where the markup ran the two together:
    r"(\b[:\s]*|(?-i:(?<=[bB]y)(?=[A-Z][a-z])))",
    re.IGNORECASE,
)
_URL_NOTE = re.compile(r"\(?\s*(https?://|www\.)\S*\s*\)?")
_CREDENTIALS = frozenset({"ma", "md", "phd", "ms", "mph", "rn", "bsc", "msc", "jr", "sr", "do"})
_AGENCIES = frozenset(
    {
        *("afp", "ap", "associated press", "reuters", "dpa", "ansa", "efe", "pa", "xinhua"),
        *("tass", "ria novosti", "bloomberg", "upi", "aap", "kyodo", "anp", "belga", "sda"),
    }
)
# 'and' in the languages of the bylines we meet; 'y' and 'e' only as lower-case words between
# spaces, so that the initial in 'Laura E. Adkins' stays part of her name.
# 'Gillman, Steve': one person written surname first (two single capitalised words).
_LAST_FIRST = re.compile(r"^([A-Z][\w'’-]+), ([A-Z][\w'’-]+)$")
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\b(?i:and|und|et)\b)\s*|\s+(?:y|e)\s+")
_NOT_A_NAME = re.compile(
    r"\d|@|https?:|www\.|\b(updated|published|posted|staff|reporter|correspondent|editor|"
    r"minutes?|hours?|ago|read|share|follow|email)\b",
    re.IGNORECASE,
)
# Words of page chrome that byline-like elements hold instead of a name.
_NOT_A_BYLINE = re.compile(
    r"\b(about|author|sign|log|subscribe|profile|more|view|notes?|contact|bio|control|"
    r"exclusives?)\b|\*",
    re.IGNORECASE,
)
_BYLINE_CLASS = re.compile(
    r"byline|author|writtenby|p-author|(^|[-_\s])(writer|reporter|autor|auteur|firma)($|[-_\s])",
    re.IGNORECASE,
)


def read_authors(
    page: Page, metas: dict[str, list[str]], ld: dict, site: set[str]
) -> tuple[str, ...]:
    """Person names; an agency such as AFP only when nobody else is named; never the site."""
    people, orgs = _ld_authors(ld)
    profiles = [v for v in meta_texts(metas, _AUTHOR_KEYS) if v.startswith("http")]
    sources: list[Callable[[], tuple[str, ...]]] = [
        lambda: people,
        lambda: _meta_names(metas),
        lambda: _names(_linked_names(page, profiles)),
        lambda: _names(_visible_bylines(page, site)),
    ]
    agencies: tuple[str, ...] = ()
    for source in sources:  # the first that names a person; an agency only if none does
        found = tuple(name for name in source() if not is_site(name, site))
        if any(name.lower() not in _AGENCIES for name in found):
            return found
        agencies = agencies or found
    return agencies or tuple(name for name in orgs if not is_site(name, site))


def _meta_names(metas: dict[str, list[str]]) -> tuple[str, ...]:
    """The names under the first author key that holds names (profile URLs are no names)."""
    for key in _AUTHOR_KEYS:
        names = _names([v for v in meta_texts(metas, (key,)) if not v.startswith("http")])
        if names:
            return names
    return ()


def _linked_names(page: Page, profiles: list[str]) -> list[str]:
    """The text of the page's links to the author pages a <meta name=author> gives as URLs."""
    wanted = {url.rstrip("/").split("://", 1)[-1] for url in profiles[:5]}
    if not wanted:
        return []
    found = []
    for anchor in page.all("a"):
        href = attr(anchor, "href").strip().rstrip("/").split("://", 1)[-1]
        if href in wanted:
            found.append(text_of(anchor))
    return list(dict.fromkeys(name for name in found if 0 < len(name) < 100))


def _ld_authors(ld: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Person and organisation author names from JSON-LD."""
    people: list[str] = []
    orgs: list[str] = []
    raw = ld.get("author") or ld.get("creator") or []
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, str):
            people.append(item)
        elif isinstance(item, dict):
            name = ld_str(item, "name")
            kind = str(item.get("@type", "")).lower()
            (orgs if "organization" in kind else people).append(name)
    return _names(people), _names(orgs)


def _visible_bylines(page: Page, site: set[str]) -> list[str]:
    """Names from the first byline element that names a person (else an agency's); the
    site's own name is no person ('Sam Stein, The Huffington Post' names Sam Stein)."""
    agencies: list[str] = []
    h1 = page.first("h1")
    start = index_of(page.tags, h1) if h1 is not None else 0
    # The article's own byline follows its headline; one before it is often a menu's.
    for tag in [*page.tags[start:], *page.tags[:start]]:
        if not _is_byline(tag):
            continue
        text = _first_line(_head_text(_name_part(tag)))
        if _NOT_A_BYLINE.search(text):
            continue
        names = [n for n in (_names([text]) if 0 < len(text) < 100 else ()) if not is_site(n, site)]
        people = [name for name in names if name.lower() not in _AGENCIES]
        if people:
            return people
        agencies = agencies or list(names)
    return agencies or _by_line(page.tags[start : start + _BY_LINE_REACH], site)


_BY_LINE_REACH = 400  # elements after the headline looked at for a 'By ...' line
_BY = re.compile(r"^\s*by\b", re.IGNORECASE)


def _by_line(tags: list[Tag], site: set[str]) -> list[str]:
    """Names from the first short 'By Jane Doe and John Roe' line after the headline, for
    pages whose byline carries no telling class (generated CSS names)."""
    for tag in tags:
        first = next((c for c in tag.contents if isinstance(c, str) and c.strip()), None)
        if first is None or not _BY.match(first):
            continue
        alone = len(first.strip()) <= 3 and len(tag.contents) == 1  # <span>By</span> <span>...
        line = tag.parent if alone else tag
        if line is None or not _small(line):
            continue
        text = re.split(r"\s[|•·—–-]\s", clean(line.get_text(" ")))[0]
        names = [n for n in _names([text]) if not is_site(n, site)] if len(text) < 120 else []
        if names and not _NOT_A_BYLINE.search(text):
            return names
    return []


def _small(tag: Tag, limit: int = 30) -> bool:
    """Whether an element holds at most `limit` nodes (counted only up to the limit)."""
    return sum(1 for _ in islice(tag.descendants, limit + 1)) <= limit


def _first_line(text: str) -> str:
    """The first non-empty line of a byline, before any ' | ' or ' - ' that starts a date."""
    for line in text.splitlines():
        line = clean(re.split(r"\s[|•·—–-]\s", line)[0])
        if line:
            return line
    return ""


_HEAD_TEXT = 1000  # characters of a byline element read: its first line is all that counts
_HEAD_TAGS = 300  # elements of a byline element searched for its name part


def _head_text(tag: Tag) -> str:
    """The start of `tag`'s text, read no further than needed: bylines nest in bylines, and
    reading each one whole would be quadratic on a hostile page."""
    parts, size = [], 0
    for text in texts(tag, 20 * _HEAD_TAGS):
        parts.append(text)
        size += len(text)
        if size >= _HEAD_TEXT:
            break
    return "".join(parts)[:_HEAD_TEXT]


def _name_part(byline: Tag) -> Tag:
    inner = [node for node in walk(byline, _HEAD_TAGS) if isinstance(node, Tag)]
    for key, value in (("itemprop", "name"), ("rel", "author")):
        found = next((tag for tag in inner if value in attr(tag, key).lower().split()), None)
        if found is not None:
            return found
    return byline


def _is_byline(tag: Tag) -> bool:
    return (
        "author" in attr(tag, "rel").lower()
        or "author" in attr(tag, "itemprop").lower()
        or bool(_BYLINE_CLASS.search(class_and_id(tag)))
    )


def _is_name(text: str) -> bool:
    if not text or _NOT_A_NAME.search(text) or len(text.split()) > 5:
        return False
    if " " not in text and text.islower():
        return False  # a user name such as 'mikecason', not how a byline writes a person
    return text.lower().replace(".", "") not in _CREDENTIALS


def _names(values: list[str]) -> tuple[str, ...]:
    """Person names from byline strings: 'By A, B and C' -> (A, B, C), duplicates dropped."""
    names: dict[str, str] = {}
    for value in values:
        value = _URL_NOTE.sub(" ", unescape(clean(value)))
        value = _LAST_FIRST.sub(r"\2 \1", value)
        for part in _AUTHOR_SPLIT.split(_BYLINE_PREFIX.sub("", clean(value))):
            name = _BYLINE_PREFIX.sub("", part).strip(" .|-–—:")
            if _is_name(name):
                names.setdefault(name.lower(), name)
    return tuple(names.values())
