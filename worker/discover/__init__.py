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

from worker.discover.feeds import MAX_FEED_BYTES, MAX_FEED_ENTRIES, FeedItem, parse_feed
from worker.discover.kinds import sniff
from worker.discover.pages import FEED_TYPES, discover_feeds, section_links
from worker.discover.sitemaps import (
    MAX_SITEMAP_BYTES,
    MAX_SITEMAP_ENTRIES,
    Sitemap,
    SitemapEntry,
    parse_sitemap,
)
from worker.errors import DiscoverError

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
