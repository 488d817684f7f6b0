"""Sitemaps (urlset, sitemapindex, plain text, gzip) streamed through expat -> entries, within
caps on the inflated size, the entries and the elements read."""

from __future__ import annotations

import codecs
import itertools
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.parsers import expat

from worker.discover._xml import (
    CHUNK,
    GZIP_MAGIC,
    CapReachedError,
    expat_parser,
    first_per_url,
    unique,
)
from worker.errors import DiscoverError
from worker.urls import is_http_url, resolve

MAX_SITEMAP_BYTES = 50_000_000  # the sitemaps.org limit for one uncompressed file
MAX_SITEMAP_ENTRIES = 50_000  # the sitemaps.org limit of entries in one file
MAX_SITEMAP_ELEMENTS = 1_000_000  # elements of any kind read from one sitemap
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
_MAX_DEPTH = 32  # sitemaps nest four deep; deeper is junk
_MAX_TEXT = 8_192  # characters kept of one <loc>, <lastmod>, title or text-sitemap line
_NEWS_FIELDS = ((NEWS_NS, "title"), (NEWS_NS, "publication_date"))


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
    if is_text_sitemap(head):
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
        first_per_url(reader.urls), unique(reader.sitemaps), reader.stopped, reader.entries
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
        self._parser = expat_parser(f"sitemap {base_url}", namespace_separator=" ")
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._data

    def read(self, chunks: Iterable[bytes]) -> None:
        """Feed the document through; stops early (setting `stopped`) at a cap."""
        try:
            for chunk in chunks:
                self._parser.Parse(chunk, False)
            self._parser.Parse(b"", True)
        except CapReachedError as enough:
            self.stopped = str(enough)

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self._elements += 1
        if self._elements > MAX_SITEMAP_ELEMENTS:
            raise CapReachedError(f"read the first {MAX_SITEMAP_ELEMENTS} elements only")
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
            raise CapReachedError(f"read the first {self.max_entries} entries only")

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
                chunk = inflater.decompress(pending, CHUNK)
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
    return (data[start : start + CHUNK] for start in range(0, len(data), CHUNK))


def is_text_sitemap(raw: bytes) -> bool:
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
    return Sitemap([SitemapEntry(url) for url in unique(urls)], error=stopped, read=len(urls))


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
