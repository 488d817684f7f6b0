"""Atom feeds of changes: all of them, one source's, one article's.

Each entry carries the diff rendered when the change was stored (see `Diffs.of_change`).
Built with ElementTree, so every scraped string is escaped as XML text; characters XML 1.0
cannot carry at all (most C0 controls, U+FFFE, U+FFFF, lone surrogates) are dropped, since
one of them would make the whole feed unreadable to every subscriber.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from worker.models import Change, Watch, utcnow
from worker.shapes import iso
from worker.types import DISCLOSURE_LABELS
from worker.web.context import Context, context, http_link, query
from worker.web.params import Id, change_filters

router = APIRouter(prefix="/feeds", include_in_schema=False)
ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50
DISCLOSURE_SCHEME = "urn:newswatch:disclosure"  # the category scheme of how a change was disclosed
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ET.register_namespace("", ATOM)


class AtomResponse(Response):
    media_type = "application/atom+xml; charset=utf-8"


Filters = Annotated[dict[str, Any], Depends(change_filters)]


@router.get("/changes.atom", response_class=AtomResponse)
def all_changes(request: Request, filters: Filters) -> Response:
    """Every change, newest first, with the dashboard's filters (source, field, significance,
    disclosure, host): `?disclosure=silent` for the silent edits only."""
    web = context(request)
    rows = web.store.recent_changes(**_newest(filters), limit=ENTRIES)
    narrowed = _narrowing(filters)
    title = f"newswatch: changes{narrowed}" if narrowed else "newswatch: all changes"
    return _feed(web, request, title, rows, "/" + _query(filters), filters)


@router.get("/sources/{source_id}.atom", response_class=AtomResponse)
def source_changes(request: Request, source_id: Id, filters: Filters) -> Response:
    """The changes of the articles one source enrolled (with the dashboard's other filters)."""
    web = context(request)
    source = web.store.source_by_id(source_id)
    rows = web.store.recent_changes(**{**_newest(filters), "source": source.url}, limit=ENTRIES)
    title = f"newswatch: {source.label or source.url}{_narrowing(filters)}"
    return _feed(web, request, title, rows, f"/sources/{source_id}", filters)


@router.get("/articles/{watch_id}.atom", response_class=AtomResponse)
def article_changes(request: Request, watch_id: Id, filters: Filters) -> Response:
    """The changes of one article, titled with its latest headline."""
    web = context(request)
    watch, _ = web.store.watch_by_id(watch_id)
    rows = web.store.recent_changes(**_newest(filters), watch_id=watch_id, limit=ENTRIES)
    headline = web.store.headlines([watch_id]).get(watch_id) or watch.label or watch.url
    title = f"newswatch: {headline}{_narrowing(filters)}"
    return _feed(web, request, title, rows, f"/articles/{watch_id}", filters)


def _newest(filters: dict[str, Any]) -> dict[str, Any]:
    """A feed lists the newest changes first, whatever order its page shows."""
    return {**filters, "order": "time"}


def _narrowing(filters: dict[str, Any]) -> str:
    """The filters that narrow a feed, for its title: ' (silent, on news.example)'."""
    said = {
        "disclosure": filters["disclosure"],
        "significance": filters["significance"] and f"{filters['significance']} or more",
        "field": filters["field"] and f"{filters['field']} changed",
        "host": filters["host"] and f"on {filters['host']}",
        "source": filters["source"] and f"from {filters['source']}",
    }
    narrowing = [words for words in said.values() if words]
    return f" ({', '.join(narrowing)})" if narrowing else ""


def _query(filters: dict[str, Any]) -> str:
    """The filters that narrow a list, as a query string (the default order left out)."""
    return query(**{**filters, "order": None if filters["order"] == "time" else filters["order"]})


def _feed(
    web: Context,
    request: Request,
    title: str,
    rows: list[tuple[Change, Watch]],
    page: str,
    filters: dict[str, Any],
) -> Response:
    """The Atom document: its id and self link carry its filters (one feed, one id), its
    alternate link is the page it follows."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    self_url = web.absolute(request, request.url.path + _query(filters))
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    _text(feed, "updated", _stamp(rows[0][0].detected_at if rows else utcnow()))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=web.absolute(request, page))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "newswatch")
    titles = web.store.version_titles([(c.watch_id, c.to_version) for c, _ in rows])
    for change, watch in rows:
        headline = titles.get((change.watch_id, change.to_version)) or watch.url
        _entry(feed, web, request, change, watch, headline)
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return AtomResponse(body)


def _entry(
    feed: ET.Element, web: Context, request: Request, change: Change, watch: Watch, title: str
) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "id", f"urn:newswatch:change:{change.id}")
    _text(entry, "title", f"[{change.significance}] {title}")
    _text(entry, "updated", _stamp(change.detected_at))
    link = f"/articles/{watch.id}/diff?from={change.from_version}&to={change.to_version}"
    ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=web.absolute(request, link))
    original = http_link(watch.url)
    if original is not None:
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=_xml_safe(original))
    _text(entry, "summary", _summary(change))
    content = _text(entry, "content", web.diffs.of_change(change))
    content.set("type", "html")
    for name in change.fields:
        ET.SubElement(entry, f"{{{ATOM}}}category", term=_xml_safe(name))
    if change.disclosure in DISCLOSURE_LABELS:
        ET.SubElement(
            entry,
            f"{{{ATOM}}}category",
            term=change.disclosure,
            scheme=DISCLOSURE_SCHEME,
            label=DISCLOSURE_LABELS[change.disclosure],
        )


def _summary(change: Change) -> str:
    """The change's summary, a silent edit said first: what a watchdog looks for."""
    if change.disclosure == "silent":
        return f"Silent edit (no notice, no new update time): {change.summary}"
    return change.summary


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = _xml_safe(text)
    return element


def _xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 forbids."""
    return NOT_XML.sub("", text)


def _stamp(value: datetime | None) -> str:
    return iso(value) or iso(utcnow()) or ""
