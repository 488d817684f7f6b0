"""Find article URLs on whole news sites: feeds, sitemaps and section pages.

Everything here is pure: functions take the bytes or text already fetched and return values.
Fetching, the SSRF check of each host (`worker.urls.check_public`) and enrolment live elsewhere.

XML from the web is parsed without entity expansion and without external entities: a feed or
sitemap that declares entities is refused with a DiscoverError (billion laughs, XXE).

The work per document is bounded, whatever a hostile server sends: sitemaps stream through
expat (no tree is built) with caps on the inflated size, the entries and the elements read;
a feed is cut after its first entries, within a byte cap, before feedparser sees it.
"""

from __future__ import annotations

import codecs
import functools
import io
import itertools
import re
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from xml.parsers import expat

import feedparser
from bs4 import BeautifulSoup

from worker.errors import DiscoverError
from worker.urls import is_http_url, normalise_url, resolve

__all__ = [
    "FEED_TYPES",
    "MAX_FEED_BYTES",
    "MAX_FEED_ENTRIES",
    "MAX_SITEMAP_BYTES",
    "MAX_SITEMAP_ENTRIES",
    "DiscoverError",
    "FeedItem",
    "Sitemap",
    "SitemapEntry",
    "discover_feeds",
    "parse_feed",
    "parse_sitemap",
    "section_links",
    "sniff",
]

FEED_TYPES = ("application/rss+xml", "application/atom+xml")
MAX_SITEMAP_BYTES = 50_000_000  # the sitemaps.org limit for one uncompressed file
MAX_SITEMAP_ENTRIES = 50_000  # the sitemaps.org limit of entries in one file
MAX_SITEMAP_ELEMENTS = 1_000_000  # elements of any kind read from one sitemap
MAX_FEED_BYTES = 2_000_000  # of a feed handed to feedparser (about a second of its time)
MAX_FEED_ENTRIES = 500  # feed entries read, the first ones (feeds list the newest first)
GZIP_MAGIC = b"\x1f\x8b"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"

_SNIFF_BYTES = 65_536
_CHUNK = 65_536  # bytes fed to expat at a time
_MAX_DEPTH = 32  # sitemaps nest four deep; deeper is junk
_MAX_TEXT = 8_192  # characters kept of one <loc>, <lastmod>, title or text-sitemap line
_NEWS_FIELDS = ((NEWS_NS, "title"), (NEWS_NS, "publication_date"))
_ENTRY_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_NO_BOM = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_PROLOG = re.compile(
    r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)", re.DOTALL | re.IGNORECASE
)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w.:-]*)")
_ROOT_KINDS = {
    "rss": "feed",
    "feed": "feed",
    "urlset": "sitemap",
    "sitemapindex": "sitemapindex",
    "html": "html",
}
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: its article URL (normalised, absolute) and what the feed says."""

    url: str
    title: str = ""
    published: datetime | None = None
    updated: datetime | None = None


@dataclass(frozen=True)
class SitemapEntry:
    """One <url> of a sitemap; `title` and `published` come from the Google News extension."""

    url: str
    lastmod: datetime | None = None
    title: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class Sitemap:
    """A parsed sitemap: article entries (urlset) or child sitemap URLs (sitemapindex).

    `error` says why parsing stopped early when a broken file still gave some entries or a
    cap was reached; `read` counts the entries read, duplicates and unusable ones too.
    """

    urls: list[SitemapEntry] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    error: str | None = None
    read: int = 0


_Entry = TypeVar("_Entry", FeedItem, SitemapEntry)


# Feeds


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
    xml = _first_entries(_as_utf8(data), base_url, max_bytes, max_entries)
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
    return _first_per_url(_feed_item(entry, base_url) for entry in parsed.entries)


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
        self._parser = _expat_parser(where)
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end

    def read(self) -> bool:
        """True if the whole feed is within the caps; False once `cut` says where to stop."""
        try:
            for start in range(0, len(self.xml), _CHUNK):
                if start >= self.max_bytes:
                    return False
                self._parser.Parse(self.xml[start : start + _CHUNK], False)
            self._parser.Parse(b"", True)
        except _CapReachedError:
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
            raise _CapReachedError
        self.cut, self._entries = (end, tuple(self._open)), self._entries + 1
        if self._entries >= self.max_entries:
            raise _CapReachedError


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


class _CapReachedError(Exception):
    """Raised inside an expat handler to stop reading: a cap was reached."""


def _expat_parser(where: str, namespace_separator: str | None = None) -> Any:
    """An expat parser that refuses entity declarations and external entities (as
    defusedxml does) with a DiscoverError naming `where`."""
    parser = expat.ParserCreate(namespace_separator=namespace_separator)
    parser.buffer_text = True

    def refuse(*_: Any) -> None:
        raise DiscoverError(f"refused {where}: XML entity declarations")

    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def _as_utf8(data: bytes) -> bytes:
    """The document re-encoded as UTF-8 with a matching declaration.

    Decoding once here means the entity check and feedparser see the same characters,
    whatever encoding the document claims.
    """
    text = _decoded(data).lstrip("\ufeff")
    text = _DECLARATION.sub("", text, count=1)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode("utf-8", "replace")


def _decoded(data: bytes) -> str:
    for encoding in _encodings(data):
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeError):
            continue
    return data.decode("windows-1252", errors="replace")


def _encodings(data: bytes) -> list[str]:
    """Encodings to try, most trusted first: byte order mark, declaration, UTF-8, cp1252."""
    for prefixes in (_BOMS, _NO_BOM):
        for prefix, encoding in prefixes:
            if data.startswith(prefix):
                return [encoding]
    declared = _DECLARED.match(data)
    # A declaration readable as ASCII cannot be in UTF-16 or UTF-32, whatever it says.
    label = declared.group(1).decode("ascii").lower() if declared else ""
    wide = label.startswith(("utf-16", "utf16", "utf-32", "utf32", "ucs"))
    return [*([label] if label and not wide else []), "utf-8", "windows-1252"]


# Sitemaps


def parse_sitemap(
    data: bytes,
    base_url: str,
    *,
    max_bytes: int = MAX_SITEMAP_BYTES,
    max_entries: int = MAX_SITEMAP_ENTRIES,
) -> Sitemap:
    """Entries of a urlset, child sitemaps of a sitemapindex, or the URLs of a text sitemap.

    The document streams through the parser as it is inflated, so memory stays flat. Gzip
    input is inflated up to `max_bytes`; more raises DiscoverError (a gzip bomb), as do
    entity declarations and input that is not a sitemap. Reading stops after `max_entries`
    entries (or MAX_SITEMAP_ELEMENTS elements), and a file broken part way gives the entries
    before the break; either way `error` says why.
    """
    chunks = _inflated(data, max_bytes, base_url) if data.startswith(GZIP_MAGIC) else _slices(data)
    head = next(chunks, b"")
    chunks = itertools.chain([head], chunks)
    if _is_text_sitemap(head):
        return _text_sitemap(chunks, base_url, max_entries)
    reader = _SitemapReader(base_url, max_entries)
    try:
        reader.read(chunks)
    except expat.ExpatError as exc:
        if not reader.urls and not reader.sitemaps:
            raise DiscoverError(f"not a readable sitemap: {base_url} ({exc})") from exc
        reader.stopped = str(exc)
    if reader.stopped and not reader.urls and not reader.sitemaps:
        raise DiscoverError(f"no usable entry in sitemap {base_url} ({reader.stopped})")
    return Sitemap(
        _first_per_url(reader.urls), _unique(reader.sitemaps), reader.stopped, reader.entries
    )


class _SitemapReader:
    """Reads <url> and <sitemap> entries as expat streams the document: no tree is built, and
    only the text of <loc>, <lastmod> and the Google News title and date is kept."""

    def __init__(self, base_url: str, max_entries: int) -> None:
        self.base_url, self.max_entries = base_url, max_entries
        self.urls: list[SitemapEntry] = []
        self.sitemaps: list[str] = []
        self.stopped: str | None = None  # why reading ended before the document did
        self.entries = self._elements = 0  # <url> and <sitemap> entries, elements of any kind
        self._open: list[tuple[str, str]] = []  # (namespace, name) of the open elements
        self._namespace: str | None = None
        self._in_entry = False
        self._fields: dict[str, str] = {}
        self._text: list[str] | None = None  # the text of the field being read
        self._parser = _expat_parser(f"sitemap {base_url}", namespace_separator=" ")
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._data

    def read(self, chunks: Iterable[bytes]) -> None:
        """Feed the document through; stops early (setting `stopped`) at a cap."""
        try:
            for chunk in chunks:
                self._parser.Parse(chunk, False)
            self._parser.Parse(b"", True)
        except _CapReachedError as enough:
            self.stopped = str(enough)

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self._elements += 1
        if self._elements > MAX_SITEMAP_ELEMENTS:
            raise _CapReachedError(f"read the first {MAX_SITEMAP_ELEMENTS} elements only")
        if len(self._open) >= _MAX_DEPTH:
            raise DiscoverError(f"not a sitemap: {self.base_url} (nested {_MAX_DEPTH} deep)")
        ns, _, local = name.rpartition(" ")
        self._open.append((ns, local))
        if len(self._open) == 1:
            self._root(ns, local)
        elif len(self._open) == 2:
            self._enter(ns, local)
        elif self._in_entry and self._is_field():
            self._text = []

    def _root(self, ns: str, local: str) -> None:
        if local not in ("urlset", "sitemapindex"):
            raise DiscoverError(f"not a sitemap: {self.base_url} (root element <{local}>)")
        self._namespace = ns

    def _enter(self, ns: str, local: str) -> None:
        self._in_entry = ns == self._namespace and local in ("url", "sitemap")
        if self._in_entry and self.entries >= self.max_entries:
            raise _CapReachedError(f"read the first {self.max_entries} entries only")

    def _is_field(self) -> bool:
        """Whether the element just opened is <loc> or <lastmod> of the entry, or the title
        or publication date of its <news:news>."""
        path = self._open[2:]
        if len(path) == 1:
            return path[0] in ((self._namespace, "loc"), (self._namespace, "lastmod"))
        return len(path) == 2 and path[0] == (NEWS_NS, "news") and path[1] in _NEWS_FIELDS

    def _data(self, text: str) -> None:
        if self._text is not None and sum(map(len, self._text)) < _MAX_TEXT:
            self._text.append(text)

    def _end(self, name: str) -> None:
        if self._text is not None:
            self._fields[self._open[-1][1]] = "".join(self._text)[:_MAX_TEXT]
            self._text = None
        _, local = self._open.pop()
        if len(self._open) == 1 and self._in_entry:
            self._in_entry = False
            self.entries += 1
            self._add(local, self._fields)
            self._fields = {}

    def _add(self, kind: str, fields: dict[str, str]) -> None:
        url = resolve(self.base_url, fields.get("loc", ""))
        if url is None:
            return
        if kind == "sitemap":
            self.sitemaps.append(url)
            return
        title = " ".join(fields.get("title", "").split())
        self.urls.append(
            SitemapEntry(
                url=url,
                lastmod=_w3c_datetime(fields.get("lastmod")),
                title=title or None,
                published=_w3c_datetime(fields.get("publication_date")),
            )
        )


def _w3c_datetime(text: str | None) -> datetime | None:
    """A W3C datetime (`2024-05-01`, `2024-05-01T10:00Z`, ...) as an aware datetime."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _inflated(data: bytes, max_bytes: int, where: str) -> Iterator[bytes]:
    """Gzip (all members) inflated a chunk at a time, never past `max_bytes`; a truncated
    file gives its start."""
    size, pending = 0, data
    try:
        while pending.startswith(GZIP_MAGIC):
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while not inflater.eof:
                chunk = inflater.decompress(pending, _CHUNK)
                pending = inflater.unconsumed_tail
                size += len(chunk)
                if size > max_bytes:
                    raise DiscoverError(f"{where} inflates past {max_bytes} bytes; refused")
                if not chunk and not pending:
                    break  # truncated: no more input
                yield chunk
            pending = inflater.unused_data
    except zlib.error as exc:
        raise DiscoverError(f"corrupt gzip data from {where}: {exc}") from exc


def _slices(data: bytes) -> Iterator[bytes]:
    return (data[start : start + _CHUNK] for start in range(0, len(data), _CHUNK))


def _is_text_sitemap(raw: bytes) -> bool:
    """A sitemap may be plain text: one URL per line."""
    head = raw[:1024].lstrip(codecs.BOM_UTF8).lstrip()
    return bool(head) and is_http_url(head.split(b"\n", 1)[0].decode("utf-8", "replace"))


def _text_sitemap(chunks: Iterable[bytes], base_url: str, max_entries: int) -> Sitemap:
    """A sitemap of one URL a line; at most `max_entries` URLs of MAX_SITEMAP_ELEMENTS lines."""
    urls: list[str] = []
    stopped = None
    for number, line in enumerate(_lines(chunks)):
        if len(urls) >= max_entries or number >= MAX_SITEMAP_ELEMENTS:
            stopped = f"read the first {len(urls)} entries ({number} lines) only"
            break
        if is_http_url(line) and (url := resolve(base_url, line)):
            urls.append(url)
    return Sitemap([SitemapEntry(url) for url in _unique(urls)], error=stopped, read=len(urls))


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The lines of a text document arriving in chunks; a line longer than _MAX_TEXT is
    passed over."""
    rest, too_long = b"", False
    for chunk in chunks:
        *lines, rest = (rest + chunk).split(b"\n")
        for line in lines:
            if not too_long and len(line) <= _MAX_TEXT:
                yield line.decode("utf-8", "replace")
            too_long = False
        if len(rest) > _MAX_TEXT:
            rest, too_long = b"", True
    if rest and not too_long:
        yield rest.decode("utf-8", "replace")


def _first_per_url(entries: Iterable[_Entry | None]) -> list[_Entry]:
    """Drop missing entries and later duplicates of a URL, keeping order."""
    first: dict[str, _Entry] = {}
    for entry in entries:
        if entry is not None:
            first.setdefault(entry.url, entry)
    return list(first.values())


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# HTML pages


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
    return _unique(
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
    return _unique(url for url in feeds if url)


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


# What a URL returned


def sniff(data: bytes, content_type: str) -> str:
    """What a fetched body is: "feed", "sitemap", "sitemapindex", "html" or "unknown".

    The body decides (servers often label feeds text/html or text/xml); the Content-Type
    only settles bodies whose first element says nothing.
    """
    head = _head(data)
    root = _root_element(head)
    kind = _ROOT_KINDS.get(root.rpartition(":")[2].lower()) if root else None
    if root and root.rpartition(":")[2] == "RDF" and "purl.org/rss/1.0" in head:
        kind = "feed"
    if kind:
        return kind
    if not root and _is_text_sitemap(head.encode("utf-8")):
        return "sitemap"
    media = content_type.split(";", 1)[0].strip().lower()
    if media in FEED_TYPES:
        return "feed"
    if media in _HTML_TYPES or "<html" in head[:4096].lower():
        return "html"
    return "unknown"


def _head(data: bytes) -> str:
    """The start of the body as text, inflated first if it is gzip."""
    if data.startswith(GZIP_MAGIC):
        try:
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, _SNIFF_BYTES)
        except zlib.error:
            return ""
    return _decoded(data[:_SNIFF_BYTES]).lstrip("\ufeff")


def _root_element(text: str) -> str | None:
    """The name of the first element, after the XML declaration, comments and DOCTYPE."""
    position = 0
    while (match := _PROLOG.match(text, position)) and match.end() > position:
        position = match.end()
    root = _ROOT.match(text, position)
    return root.group(1) if root else None
