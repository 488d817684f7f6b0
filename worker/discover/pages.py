"""HTML pages: the article links of a section page, the feeds a page announces."""

from __future__ import annotations

import functools
import re
from typing import Any

from bs4 import BeautifulSoup

from worker.discover._xml import unique
from worker.errors import DiscoverError
from worker.urls import normalise_url, resolve

FEED_TYPES = ("application/rss+xml", "application/atom+xml")


def section_links(html: str, base_url: str, pattern: str, *, same_host: bool = True) -> list[str]:
    """Links of a section page whose normalised absolute URL matches the regex `pattern`.

    Only links to the page's own host unless `same_host` is False; duplicates dropped,
    page order kept. An invalid pattern raises DiscoverError naming it.
    """
    regex = _compile(pattern)
    soup = BeautifulSoup(html, "lxml")
    base = _page_base(soup, base_url)
    host = _host(base_url)
    links = (resolve(base, str(a["href"])) for a in soup.find_all("a", href=True))
    return unique(
        url for url in links if url and (not same_host or _host(url) == host) and regex.search(url)
    )


def discover_feeds(html: str, base_url: str) -> list[str]:
    """Feed URLs a page announces with <link rel="alternate" type="application/rss+xml">."""
    soup = BeautifulSoup(html, "lxml")
    base = _page_base(soup, base_url)
    feeds = (
        resolve(base, str(link["href"]))
        for link in soup.find_all("link", href=True)
        if _is_feed_link(link.get("rel"), link.get("type"))
    )
    return unique(url for url in feeds if url)


def _is_feed_link(rel: Any, media_type: Any) -> bool:
    rels = rel if isinstance(rel, list) else str(rel or "").split()
    kind = str(media_type or "").split(";", 1)[0].strip().lower()
    return "alternate" in (r.lower() for r in rels) and kind in FEED_TYPES


@functools.lru_cache(maxsize=64)
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise DiscoverError(f"invalid link pattern {pattern!r}: {exc}") from exc


def _page_base(soup: BeautifulSoup, base_url: str) -> str:
    """The page's <base href> if it has one, else its own URL."""
    tag = soup.find("base", href=True)
    return (resolve(base_url, str(tag["href"])) or base_url) if tag else base_url


def _host(url: str) -> str:
    return normalise_url(url).split("/", 3)[2].rpartition("@")[2]
