"""What a URL returned: feed, sitemap, sitemap index or HTML, sniffed from the body."""

from __future__ import annotations

import re
import zlib

from worker.discover._xml import GZIP_MAGIC, decoded
from worker.discover.pages import FEED_TYPES
from worker.discover.sitemaps import is_text_sitemap

_SNIFF_BYTES = 65_536
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
    if not root and is_text_sitemap(head.encode("utf-8")):
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
    return decoded(data[:_SNIFF_BYTES]).lstrip("\ufeff")


def _root_element(text: str) -> str | None:
    """The name of the first element, after the XML declaration, comments and DOCTYPE."""
    position = 0
    while (match := _PROLOG.match(text, position)) and match.end() > position:
        position = match.end()
    root = _ROOT.match(text, position)
    return root.group(1) if root else None
