"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds -> FeedItems, cut after their first entries within a
byte cap before feedparser sees them."""

from __future__ import annotations

import io
import itertools
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.parsers import expat

import feedparser
from bs4 import BeautifulSoup

from worker.discover._xml import CHUNK, CapReachedError, as_utf8, expat_parser, first_per_url
from worker.errors import DiscoverError
from worker.urls import resolve

MAX_FEED_BYTES = 2_000_000  # of a feed handed to feedparser (about a second of its time)
MAX_FEED_ENTRIES = 500  # feed entries read, the first ones (feeds list the newest first)
_ENTRY_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: its article URL (normalised, absolute) and what the feed says."""

    url: str
    title: str = ""
    published: datetime | None = None
    updated: datetime | None = None


def parse_feed(
    data: bytes,
    base_url: str,
    *,
    max_bytes: int = MAX_FEED_BYTES,
    max_entries: int = MAX_FEED_ENTRIES,
) -> list[FeedItem]:
    """The items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, in feed order, without duplicates.

    Relative links resolve against `base_url` (and xml:base). Only the first `max_entries`
    entries that end within `max_bytes` are read. A malformed feed gives what could be read;
    input that is no feed at all, or that declares XML entities, raises DiscoverError.
    """
    xml = _first_entries(as_utf8(data), base_url, max_bytes, max_entries)
    # A BytesIO, never bytes: feedparser treats a bytes argument as a file name or URL to open.
    # Not sanitised: only links, titles (made plain text) and dates are read.
    parsed = feedparser.parse(
        io.BytesIO(xml),
        response_headers={"content-location": base_url, "content-type": "application/xml"},
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    if not parsed.entries and not parsed.get("version"):
        problem = parsed.get("bozo_exception") or "no RSS, Atom or RDF root element"
        raise DiscoverError(f"not a feed: {base_url} ({problem})")
    return first_per_url(_feed_item(entry, base_url) for entry in parsed.entries)


def _feed_item(entry: Any, base_url: str) -> FeedItem | None:
    link = entry.get("link") or entry.get("id") or ""
    url = resolve(base_url, link)
    if url is None:
        return None
    return FeedItem(
        url=url,
        title=_plain(entry.get("title", ""), entry.get("title_detail", {}).get("type", "")),
        # dict.get: feedparser's own get() passes `published` off as `updated` when absent.
        published=_struct_time(dict.get(entry, "published_parsed")),
        updated=_struct_time(dict.get(entry, "updated_parsed")),
    )


def _plain(title: str, media_type: str) -> str:
    """The title as text, whitespace collapsed; feedparser marks titles that carry HTML."""
    if "html" in media_type:
        title = BeautifulSoup(title, "html.parser").get_text(" ")
    return " ".join(title.split())


def _struct_time(value: time.struct_time | None) -> datetime | None:
    """feedparser gives dates as UTC struct_time; make them aware datetimes."""
    if not value:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _first_entries(xml: bytes, where: str, max_bytes: int, max_entries: int) -> bytes:
    """The feed up to the end of its `max_entries`-th entry or its last entry within
    `max_bytes`, closed again so that it stays well-formed; the whole feed if it is within both.

    expat decides for a well-formed document (and refuses entity declarations), so a post
    quoting `<!ENTITY` inside CDATA is fine; a document expat cannot parse is cut at its
    entries' end tags as text and refused on any `<!ENTITY` at all, since feedparser's
    lenient fallbacks would then see it.
    """
    scan = _FeedScan(xml, where, max_bytes, max_entries)
    try:
        if scan.read():
            return xml
    except expat.ExpatError:
        return _cut_as_text(xml, where, max_bytes, max_entries)
    if scan.cut is None:
        raise DiscoverError(f"refused {where}: no feed entry ends within {max_bytes} bytes")
    end, still_open = scan.cut
    return xml[:end] + "".join(f"</{name}>" for name in reversed(still_open)).encode()


class _FeedScan:
    """Walks a feed with expat, noting where each top-level entry ends and which elements
    are still open there; no tree is built."""

    def __init__(self, xml: bytes, where: str, max_bytes: int, max_entries: int) -> None:
        self.xml, self.max_bytes, self.max_entries = xml, max_bytes, max_entries
        self.cut: tuple[int, tuple[str, ...]] | None = None
        self._entries = 0
        self._open: list[str] = []
        self._parser = expat_parser(where)
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end

    def read(self) -> bool:
        """True if the whole feed is within the caps; False once `cut` says where to stop."""
        try:
            for start in range(0, len(self.xml), CHUNK):
                if start >= self.max_bytes:
                    return False
                self._parser.Parse(self.xml[start : start + CHUNK], False)
            self._parser.Parse(b"", True)
        except CapReachedError:
            return False
        return True

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self._open.append(name)

    def _end(self, name: str) -> None:
        self._open.pop()
        if name.rpartition(":")[2] not in ("item", "entry") or len(self._open) > 2:
            return  # channel/item, feed/entry and rdf:RDF/item only, not nested ones
        end = self.xml.find(b">", self._parser.CurrentByteIndex) + 1
        if end > self.max_bytes:
            raise CapReachedError
        self.cut, self._entries = (end, tuple(self._open)), self._entries + 1
        if self._entries >= self.max_entries:
            raise CapReachedError


def _cut_as_text(xml: bytes, where: str, max_bytes: int, max_entries: int) -> bytes:
    """A malformed feed up to the end tag of its `max_entries`-th entry, or of its last one
    within `max_bytes`; the whole feed if it is within both."""
    head = xml[:max_bytes]
    ends = [match.end() for match in itertools.islice(_ENTRY_END.finditer(head), max_entries)]
    if ends and (len(ends) == max_entries or len(head) < len(xml)):
        head = head[: ends[-1]]
    if _ENTITY.search(head):
        raise DiscoverError(f"refused {where}: XML entity declarations")
    return head
