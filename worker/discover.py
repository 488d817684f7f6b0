"""Find article URLs on whole news sites: feeds, sitemaps and section pages.

Everything here is pure: functions take the bytes or text already fetched and return values.
Fetching, the SSRF check of each host (`worker.urls.check_public`) and enrolment live elsewhere.

XML from the web is parsed without entity expansion and without external entities: a feed or
sitemap that declares entities is refused with a DiscoverError (billion laughs, XXE).
"""

from __future__ import annotations

import codecs
import functools
import io
import re
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from xml.etree.ElementTree import Element, ParseError

import feedparser
from bs4 import BeautifulSoup
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from worker.urls import DiscoverError, is_http_url, normalise_url, resolve

__all__ = [
    "FEED_TYPES",
    "MAX_SITEMAP_BYTES",
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
GZIP_MAGIC = b"\x1f\x8b"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"

_SNIFF_BYTES = 65_536
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

    `error` says why parsing stopped early when a broken file still gave some entries.
    """

    urls: list[SitemapEntry] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    error: str | None = None


_Entry = TypeVar("_Entry", FeedItem, SitemapEntry)


# Feeds


def parse_feed(data: bytes, base_url: str) -> list[FeedItem]:
    """The items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, in feed order, without duplicates.

    Relative links resolve against `base_url` (and xml:base). A malformed feed gives what
    could be read; input that is no feed at all, or that declares XML entities, raises
    DiscoverError.
    """
    xml = _as_utf8(data)
    _refuse_entities(xml, base_url)
    # A BytesIO, never bytes: feedparser treats a bytes argument as a file name or URL to open.
    parsed = feedparser.parse(
        io.BytesIO(xml),
        response_headers={"content-location": base_url, "content-type": "application/xml"},
        resolve_relative_uris=False,
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


def _refuse_entities(xml: bytes, where: str) -> None:
    """Raise DiscoverError if the document declares XML entities.

    expat (through defusedxml) decides for a well-formed document, so a post quoting
    `<!ENTITY` inside CDATA is fine; a document expat cannot parse is refused on any
    `<!ENTITY` at all, since feedparser's lenient fallbacks would then see it.
    """
    try:
        parser = DefusedXMLParser(target=_NoTree())
        parser.feed(xml)
        parser.close()
    except DefusedXmlException as exc:
        raise DiscoverError(f"refused {where}: XML entity declarations ({exc})") from exc
    except ParseError:
        if _ENTITY.search(xml):
            raise DiscoverError(f"refused {where}: XML entity declarations") from None


class _NoTree:
    """A parser target without callbacks: expat checks the document, nothing is built."""


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


def parse_sitemap(data: bytes, base_url: str, *, max_bytes: int = MAX_SITEMAP_BYTES) -> Sitemap:
    """Entries of a urlset, child sitemaps of a sitemapindex, or the URLs of a text sitemap.

    Gzip input is inflated up to `max_bytes`; more raises DiscoverError (a gzip bomb), as do
    entity declarations and input that is not a sitemap. A file broken part way gives the
    entries before the break, with `error` set.
    """
    raw = _gunzip(data, max_bytes, base_url) if data.startswith(GZIP_MAGIC) else data
    if _is_text_sitemap(raw):
        return Sitemap(urls=[SitemapEntry(url) for url in _text_urls(raw, base_url)])
    urls: list[SitemapEntry] = []
    sitemaps: list[str] = []
    try:
        _walk_sitemap(raw, base_url, urls, sitemaps)
    except DefusedXmlException as exc:
        raise DiscoverError(f"refused sitemap {base_url}: XML entity declarations") from exc
    except ParseError as exc:
        if not urls and not sitemaps:
            raise DiscoverError(f"not a readable sitemap: {base_url} ({exc})") from exc
        return Sitemap(_first_per_url(urls), _unique(sitemaps), error=str(exc))
    return Sitemap(_first_per_url(urls), _unique(sitemaps))


def _walk_sitemap(raw: bytes, base_url: str, urls: list[SitemapEntry], sitemaps: list[str]) -> None:
    """Stream the XML, appending to `urls` and `sitemaps` as elements close."""
    namespace = None
    for event, element in iterparse(io.BytesIO(raw), events=("start", "end")):
        ns, name = _split_tag(element.tag)
        if namespace is None:
            if name not in ("urlset", "sitemapindex"):
                raise DiscoverError(f"not a sitemap: {base_url} (root element <{name}>)")
            namespace = ns
        elif event == "end" and ns == namespace and name in ("url", "sitemap"):
            if name == "url" and (entry := _sitemap_entry(element, ns, base_url)):
                urls.append(entry)
            elif name == "sitemap" and (loc := _loc(element, ns, base_url)):
                sitemaps.append(loc)
            element.clear()  # keep memory flat on 50,000-entry files


def _sitemap_entry(element: Element, ns: str, base_url: str) -> SitemapEntry | None:
    url = _loc(element, ns, base_url)
    if url is None:
        return None
    news = element.find(f"{{{NEWS_NS}}}news")
    title = news.findtext(f"{{{NEWS_NS}}}title") if news is not None else None
    published = news.findtext(f"{{{NEWS_NS}}}publication_date") if news is not None else None
    return SitemapEntry(
        url=url,
        lastmod=_w3c_datetime(element.findtext(_tag(ns, "lastmod"))),
        title=(" ".join(title.split()) or None) if title else None,
        published=_w3c_datetime(published),
    )


def _loc(element: Element, ns: str, base_url: str) -> str | None:
    """The element's own <loc> (not image:loc, which sits one level deeper)."""
    return resolve(base_url, element.findtext(_tag(ns, "loc")) or "")


def _split_tag(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _tag(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}" if ns else name


def _w3c_datetime(text: str | None) -> datetime | None:
    """A W3C datetime (`2024-05-01`, `2024-05-01T10:00Z`, ...) as an aware datetime."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _gunzip(data: bytes, max_bytes: int, where: str) -> bytes:
    """Inflate gzip (all members) but never past `max_bytes`; a truncated file gives its start."""
    out = bytearray()
    pending = data
    try:
        while pending.startswith(GZIP_MAGIC):
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while pending and not inflater.eof:
                out += inflater.decompress(pending, max_bytes + 1 - len(out))
                if len(out) > max_bytes:
                    raise DiscoverError(f"{where} inflates past {max_bytes} bytes; refused")
                pending = inflater.unconsumed_tail
            pending = inflater.unused_data
    except zlib.error as exc:
        raise DiscoverError(f"corrupt gzip data from {where}: {exc}") from exc
    return bytes(out)


def _is_text_sitemap(raw: bytes) -> bool:
    """A sitemap may be plain text: one URL per line."""
    head = raw[:1024].lstrip(codecs.BOM_UTF8).lstrip()
    return bool(head) and is_http_url(head.split(b"\n", 1)[0].decode("utf-8", "replace"))


def _text_urls(raw: bytes, base_url: str) -> list[str]:
    lines = raw.decode("utf-8", "replace").splitlines()
    return _unique(url for line in lines if is_http_url(line) and (url := resolve(base_url, line)))


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
