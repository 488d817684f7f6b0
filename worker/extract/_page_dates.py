"""When an article was published and modified: the dates a page states (JSON-LD, metas,
microdata, <time>), in the page's own zone, as aware UTC datetimes with a note of how."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from worker.extract._dates import MAX_LENGTH as MAX_DATE
from worker.extract._dates import Stamp, parse_stamp, settle, zone_of
from worker.extract._head import Page, ld_str, meta_texts
from worker.extract._text import attr, text_of
from worker.types import DateNote

_PUBLISHED_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "citation_publication_date",
    "citation_date",
    "dc.date.issued",
    "dc.date",
    "date",
    "pubdate",
    "publish-date",
    *("publishdate", "publish_date", "pub_date", "published_time", "og:published_time"),
    *("article.published", "article_date_original", "dcterms.created", "dc.date.created"),
    *("cxenseparse:recs:publishtime", "release_date", "date.published"),
)
_MODIFIED_KEYS = (
    *("article:modified_time", "og:updated_time", "datemodified", "dc.date.modified"),
    *("dcterms.modified", "article.updated", "article_date_updated", "lastmod", "modified_time"),
)
_DATELINE_CLASS = re.compile(r"date|time|posted|published|updated|byline|meta", re.IGNORECASE)


def read_dates(
    page: Page, metas: dict[str, list[str]], ld: dict, language: str | None
) -> tuple[datetime | None, datetime | None, tuple[tuple[str, DateNote], ...]]:
    """Published and modified, timezone-aware UTC, and how the page stated each."""
    published = _stamps(
        [ld_str(ld, "datePublished"), *meta_texts(metas, _PUBLISHED_KEYS)], language
    )
    published += _stamps(_microdata(page, "datepublished"), language)
    times = [attr(tag, "datetime") or text_of(tag)[:MAX_DATE] for tag in page.all("time")[:5]]
    shown = _stamps(times, language)
    modified = _stamps([ld_str(ld, "dateModified"), *meta_texts(metas, _MODIFIED_KEYS)], language)
    modified += _stamps(_microdata(page, "datemodified"), language)
    zone = _page_zone([*published, *modified, *shown], page)
    found: dict[str, tuple[datetime, DateNote]] = {}
    for name, stamps in (("published", published or shown), ("modified", modified)):
        if stamps:
            found[name] = settle(_most_precise(stamps), zone)
    when = {name: value for name, (value, _) in found.items()}
    notes = tuple((name, note) for name, (_, note) in found.items())
    return when.get("published"), when.get("modified"), notes


def _microdata(page: Page, prop: str) -> list[str]:
    """Values of itemprop elements that are not <meta> (those are read with the metas)."""
    tags = (
        tag for tag in page.tags if tag.name != "meta" and attr(tag, "itemprop").lower() == prop
    )
    found = (
        attr(tag, "content") or attr(tag, "datetime") or text_of(tag)[:MAX_DATE] for tag in tags
    )
    return list(found)[:3]


def _stamps(values: list[str], language: str | None) -> list[Stamp]:
    parsed = (parse_stamp(value, language) for value in values[:12] if value)
    return [stamp for stamp in parsed if stamp is not None]


def _most_precise(stamps: list[Stamp]) -> Stamp:
    """The first stamp, or a later one that gives the time of the same day."""
    first = stamps[0]
    if first.precision == "time":
        return first
    same_day = (s for s in stamps if s.precision == "time" and s.when.date() == first.when.date())
    return next(same_day, first)


def _page_zone(stamps: list[Stamp], page: Page) -> timezone | None:
    """The UTC offset the page states: that of one of its dates, else of a visible dateline."""
    for stamp in stamps:
        offset = stamp.when.utcoffset() if stamp.precision == "time" else None
        if offset is not None:
            return timezone(offset)
    datelines = [tag for tag in page.all("time")[:10]]
    datelines += [tag for tag in page.tags if _DATELINE_CLASS.search(attr(tag, "class"))][:30]
    for tag in datelines:
        text = text_of(tag)
        zone = zone_of(text) if len(text) < 200 else None
        if zone is not None:
            return zone
    return None
