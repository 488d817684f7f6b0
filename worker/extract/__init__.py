"""Article extraction: one HTML page in, one `Article` out.

The page is parsed once with BeautifulSoup (lxml). Metadata is read first, from the intact
tree; the body reader then strips boilerplate from that same tree.

`Article.reason` says why a page has no article (or only a teaser of one); the pipeline holds
such a page instead of storing it. The values:

- "consent wall", "bot check", "error page": the page stands in for the article; body empty.
- "paywall teaser": the page shows only the start of the article; body is that teaser.
- "no article text found": nothing on the page reads as article text; body empty.
- "empty page": the HTML is empty or blank.
- "extraction failed: <ExceptionName>": a bug in the extractor, logged; body empty.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from bs4 import BeautifulSoup

from worker.extract import _clean, _walls
from worker.extract._drop import drop_selected
from worker.extract._shell import looks_like_script_shell
from worker.extract._tree import flatten_deep
from worker.extract.body import Body, extract_body
from worker.extract.metadata import read_metadata
from worker.models import LANGUAGE_LENGTH, SITE_NAME_LENGTH, URL_LENGTH
from worker.types import Article

__all__ = ["EXTRACTOR_VERSION", "article", "looks_like_script_shell", "page_key"]

EXTRACTOR_VERSION = "3"
MAX_DEPTH = 100  # element nesting kept; real articles use a few dozen levels

log = logging.getLogger(__name__)


def article(html: str, url: str, drop: Sequence[str] = ()) -> Article:
    """Extract the article of a page. Never raises: a page without one gets a `reason`.

    `drop` holds the operator's CSS selectors for this page: what they match is taken out
    first (furniture only, see `_drop`), and `Article.ignored` says what each one did."""
    try:
        return _extract(html, url, drop)
    except Exception as exc:  # any parser or heuristic failure must stay data, not a crash
        log.warning("extraction failed for %s: %r", url, exc)
        return Article(url=url, reason=f"extraction failed: {type(exc).__name__}")


def page_key(html: str) -> str:
    """SHA-256 of what the extractor reads of a page: its HTML without scripts (JSON-LD
    kept), styles and inline SVG. Two pages with the same key extract the same, so a page
    whose nonce or ad script changed on every request need not be parsed again."""
    return hashlib.sha256(_clean.without_inert(html).encode("utf-8", "replace")).hexdigest()


def _extract(html: str, url: str, drop: Sequence[str]) -> Article:
    if not html or not html.strip():
        return Article(url=url, reason="empty page")
    # Attributes as plain strings: bs4 otherwise splits every class into a list as it parses,
    # a tenth of the whole extraction; `_text.attr` reads both forms.
    soup = BeautifulSoup(_clean.without_inert(html), "lxml", multi_valued_attributes=None)
    if flatten_deep(soup, MAX_DEPTH):
        log.info("%s: elements nested deeper than %d levels were unwrapped", url, MAX_DEPTH)
    ignored = drop_selected(soup, drop) if drop else ()
    meta = read_metadata(soup, url)
    body = extract_body(soup, url, meta.title, meta.standfirst, meta.article_body)
    wall = _walls.verdict(html, meta.title, body.paragraphs)
    if wall:
        paragraphs = body.paragraphs if _walls.keeps_body(wall) else ()
        body = Body(paragraphs, body.related, wall)
    return Article(
        url=url,
        title=meta.title,
        subtitle=meta.subtitle,
        authors=meta.authors,
        published=meta.published,
        modified=meta.modified,
        canonical_url=_url(meta.canonical_url),
        language=_short(meta.language, LANGUAGE_LENGTH),
        site_name=meta.site_name and meta.site_name[:SITE_NAME_LENGTH],
        image=_url(meta.image),
        image_caption=meta.image_caption,
        body=body.paragraphs,
        related=body.related,
        reason=body.reason,
        dates=meta.dates,
        ignored=ignored,
    )


def _url(value: str | None) -> str | None:
    """A URL the page gives, or None when it is too long to be real (or to store)."""
    return value if value and len(value) <= URL_LENGTH else None


def _short(value: str | None, limit: int) -> str | None:
    return value if value and len(value) <= limit else None
