"""Article extraction: one HTML page in, one `Article` out.

The page is parsed once with BeautifulSoup (lxml). Metadata is read first, from the intact
tree; the body reader then strips boilerplate from that same tree.
"""

from __future__ import annotations

import logging

from bs4 import BeautifulSoup

from worker.extract.body import extract_body
from worker.extract.metadata import read_metadata
from worker.types import Article

__all__ = ["EXTRACTOR_VERSION", "article"]

EXTRACTOR_VERSION = "2"

log = logging.getLogger(__name__)


def article(html: str, url: str) -> Article:
    """Extract the article of a page. Never raises: a page without one gets a `reason`."""
    try:
        return _extract(html, url)
    except Exception as exc:  # any parser or heuristic failure must stay data, not a crash
        log.warning("extraction failed for %s: %r", url, exc)
        return Article(url=url, reason=f"extraction failed: {type(exc).__name__}")


def _extract(html: str, url: str) -> Article:
    if not html or not html.strip():
        return Article(url=url, reason="empty page")
    soup = BeautifulSoup(html, "lxml")
    meta = read_metadata(soup, url)
    body = extract_body(soup, url, meta.title, meta.subtitle)
    return Article(
        url=url,
        title=meta.title,
        subtitle=meta.subtitle,
        authors=meta.authors,
        published=meta.published,
        modified=meta.modified,
        canonical_url=meta.canonical_url,
        language=meta.language,
        site_name=meta.site_name,
        image=meta.image,
        image_caption=meta.image_caption,
        body=body.paragraphs,
        related=body.related,
        reason=body.reason,
    )
