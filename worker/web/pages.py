"""The HTML pages: dashboard, article timeline, one version, its raw HTML, diffs, search,
and /changes/ID, where alerts link."""

from __future__ import annotations

from datetime import UTC, datetime, time
from io import BytesIO
from typing import Annotated, Any

from charset_normalizer import from_bytes
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from worker.archive.export import History, pieces
from worker.archive.wacz import write_wacz
from worker.errors import ConfigError, NotFoundError, UsageError
from worker.models import Change, Snapshot, Watch, watch_state
from worker.store.search import Found, search_words
from worker.types import CHANGE_FIELDS, DISCLOSURE_LABELS, SIGNIFICANCE
from worker.urls import host_of
from worker.web import charts
from worker.web.context import Context, context, query
from worker.web.params import (
    LARGEST_ID,
    Day,
    FromVersion,
    Id,
    Offset,
    SearchText,
    Text,
    ToVersion,
    Version,
    change_filters,
    choice,
    host_filter,
)
from worker.web.search import snippet

router = APIRouter(include_in_schema=False)
PAGE = 50
MODES = ("inline", "side-by-side")
ModeChoice = choice(MODES, "inline (default) or side-by-side")
ORDERS = [("time", "newest first"), ("significance", "most significant first")]
TIMELINE_CHECKS = 200  # the latest checks an article's timeline draws
RAW_SHOWN = 200_000  # characters of raw HTML a page shows (the rest: /raw.txt)
Since = Annotated[int | None, Query(ge=1, le=LARGEST_ID, description="the older version")]


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    filters: Annotated[dict[str, Any], Depends(change_filters)],
    offset: Offset = 0,
) -> HTMLResponse:
    """Recent changes by time or significance, with filters; the health of the watches."""
    web = context(request)
    rows = web.store.recent_changes(**filters, limit=PAGE + 1, offset=offset)
    return web.page(
        "dashboard.html",
        changes=_with_titles(web, rows[:PAGE]),
        filters=filters,
        feed_url="/feeds/changes.atom" + query(**{**filters, "order": None}),
        sources=_source_options(web),
        fields=_options(CHANGE_FIELDS),
        significances=_options(SIGNIFICANCE),
        disclosures=[(name, f"{name}: {label}") for name, label in DISCLOSURE_LABELS.items()],
        orders=ORDERS,
        failing=web.store.failing_watches(),
        held=web.store.held_watches(),
        failing_after=web.failing_after,
        next_url=_next(rows, offset, filters),
        q="",
    )


def _options(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


def _source_options(web: Context) -> list[tuple[str, str]]:
    """The sources as a filter offers them: the URL as the value, the label as the text."""
    return [(s.url, s.label or s.url) for s in web.store.list_sources()]


def _next(rows: list[Any], offset: int, filters: dict[str, Any]) -> str | None:
    if len(rows) <= PAGE:
        return None
    return "/" + query(**filters, offset=offset + PAGE)


def _with_titles(web: Context, rows: list[tuple[Change, Watch]]) -> list[dict[str, Any]]:
    keys = [(change.watch_id, change.to_version) for change, _ in rows]
    titles = web.store.version_titles(keys)
    return [
        {
            "change": change,
            "watch": watch,
            "title": titles.get(key) or watch.url,
            "host": host_of(watch.url),
        }
        for (change, watch), key in zip(rows, keys, strict=True)
    ]


@router.get("/articles/{watch_id}", response_class=HTMLResponse)
def article(request: Request, watch_id: Id, since: Since = None) -> HTMLResponse:
    """One article: the latest text with the changes since an older version marked in place,
    its metadata, a timeline drawn as SVG, the versions, the changes, the latest checks."""
    web = context(request)
    watch, _ = web.store.watch_by_id(watch_id)
    versions = web.store.versions_of(watch_id)
    changes = [change for change, _ in web.store.recent_changes(watch_id=watch_id, limit=1000)]
    checks = web.store.checks_of(watch_id, limit=TIMELINE_CHECKS)
    latest = versions[-1] if versions else None
    numbers = [v.version for v in versions]
    if since is not None and since not in numbers:
        stored = f"versions {numbers[0]} to {numbers[-1]}" if numbers else "no version yet"
        raise UsageError(f"query parameter since: no version {since} ({stored})")
    older = since or (numbers[0] if numbers else 0)
    return web.page(
        "article.html",
        watch=watch,
        state=watch_state(watch),
        host=host_of(watch.url),
        title=latest.title if latest else watch.url,
        latest=latest,
        since=older,
        text=web.diffs.in_place(watch_id, older, latest.version) if latest else [],
        fields=_field_changes(web, watch_id, older, latest.version) if latest else [],
        chart=charts.timeline(watch_id, versions, changes, checks),
        timeline=_timeline(versions, changes),
        versions=versions,
        events=[c for c in changes if c.kind in {"removed", "restored"}],
        checks=checks[:20],
        q="",
    )


def _field_changes(web: Context, watch_id: int, old: int, new: int) -> list[Any]:
    """The metadata fields that changed since `old` (the body is marked in the text)."""
    change = web.diffs.compared(watch_id, old, new) if old < new else None
    return list(change.field_changes) if change else []


def _timeline(versions: list[Any], changes: list[Change]) -> list[dict[str, Any]]:
    """Newest version first, each with the change that led to it."""
    leading = {c.to_version: c for c in changes if c.kind in {"edit", "revert"}}
    return [
        {"snapshot": s, "change": leading.get(s.version), "words": len(s.body.split())}
        for s in reversed(versions)
    ]


# Before the version page's route, which would take "3.wacz" for a version number.
@router.get("/articles/{watch_id}/versions/{version}.wacz")
def version_wacz(request: Request, watch_id: Id, version: Version) -> Response:
    """One version as a WACZ, as `newswatch export` writes it: its records from the web
    archive, or rebuilt from its stored HTML (and marked so) when stored before it."""
    web = context(request)
    watch, _ = web.store.watch_by_id(watch_id)
    snapshot = web.store.version_of(watch_id, version)
    history = History(watch, web.store.archive_entries([watch_id]), [snapshot], only_versions=True)
    out = BytesIO()
    try:
        written = write_wacz(out, pieces(web.archive_dir, history, web.store.raw_html), watch.url)
    except ConfigError:
        raise NotFoundError("this server has no [archive] dir: the records are not here") from None
    if not written.pages:
        raise NotFoundError(f"version {version} has neither archived records nor stored HTML")
    name = f"newswatch-{watch_id}-v{version}.wacz"
    return Response(
        out.getvalue(),
        media_type="application/wacz",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/articles/{watch_id}/versions/{version}", response_class=HTMLResponse)
def version(request: Request, watch_id: Id, version: Version) -> HTMLResponse:
    """One stored version: metadata and body as stored, the original's address."""
    web = context(request)
    watch, count = web.store.watch_by_id(watch_id)
    snapshot = web.store.version_of(watch_id, version)
    return web.page(
        "version.html",
        watch=watch,
        snapshot=snapshot,
        paragraphs=[p for p in snapshot.body.split("\n\n") if p],
        related=snapshot.extra.get("related", []),
        count=count,
        q="",
    )


@router.get("/articles/{watch_id}/versions/{version}/raw", response_class=HTMLResponse)
def raw(request: Request, watch_id: Id, version: Version) -> HTMLResponse:
    """The HTML the version was extracted from, shown as text (never as a page): its first
    RAW_SHOWN characters (a browser takes seconds to lay out megabytes of text), the whole
    of it a link away as text/plain."""
    web = context(request)
    watch, snapshot, page = _raw_page(web, watch_id, version)
    text = None if page is None else _decoded(page)
    return web.page(
        "raw.html",
        watch=watch,
        snapshot=snapshot,
        raw=None if text is None else text[:RAW_SHOWN],
        characters=len(text or ""),
        shown=RAW_SHOWN,
        size=len(page or b""),
        q="",
    )


@router.get("/articles/{watch_id}/versions/{version}/raw.txt")
def raw_text(request: Request, watch_id: Id, version: Version) -> Response:
    """The whole raw HTML of a version as plain text, for download."""
    _, _, page = _raw_page(context(request), watch_id, version)
    if page is None:
        raise NotFoundError(f"the HTML of version {version} was not stored")
    name = f"newswatch-{watch_id}-v{version}.html.txt"
    return Response(
        _decoded(page),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _raw_page(web: Context, watch_id: int, version: int) -> tuple[Watch, Snapshot, bytes | None]:
    """A version with its watch and the raw HTML it was read from (None: not stored)."""
    watch, _ = web.store.watch_by_id(watch_id)
    snapshot = web.store.version_of(watch_id, version)
    return watch, snapshot, web.store.raw_html(snapshot.raw_hash) if snapshot.raw_hash else None


def _decoded(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(raw).best()
        return str(best) if best is not None else raw.decode("latin-1")


@router.get("/articles/{watch_id}/diff", response_class=HTMLResponse)
def diff_page(
    request: Request,
    watch_id: Id,
    from_version: FromVersion = None,
    to_version: ToVersion = None,
    mode: ModeChoice = None,
) -> HTMLResponse:
    """What changed between any two versions, inline or side by side."""
    web = context(request)
    watch, count = web.store.watch_by_id(watch_id)
    new = to_version or count
    old = from_version or max(new - 1, 1)
    mode = mode or "inline"
    versions = (web.store.version_of(watch_id, old), web.store.version_of(watch_id, new))
    return web.page(
        "diff.html",
        watch=watch,
        old=versions[0],
        new=versions[1],
        count=count,
        mode=mode,
        modes=MODES,
        rendered=web.diffs.html(watch_id, old, new, mode) if old != new else None,
        q="",
    )


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    """Where browsers look for an icon on pages that name none (the API's JSON)."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/changes/{change_id}")
def change_page(request: Request, change_id: Id) -> RedirectResponse:
    """Where alerts link: the diff of one change, or the article page for a removal or a
    return, which compare a version with itself."""
    change, watch = context(request).store.change_by_id(change_id)
    target = f"/articles/{watch.id}"
    if change.from_version != change.to_version:
        target += f"/diff?from={change.from_version}&to={change.to_version}"
    return RedirectResponse(target, status_code=303)


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    q: SearchText = None,
    host: Text = None,
    source: Text = None,
    since: Day = None,
    until: Day = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Articles whose headline or body holds every word searched for, one hit each, most
    relevant first, filtered by host, source and the days versions were fetched."""
    web = context(request)
    text = (q or "").strip()
    filters = {"host": host_filter(host), "source": source or None}
    window = {
        "since": datetime.combine(since, time.min, UTC) if since else None,
        "until": datetime.combine(until, time.max, UTC) if until else None,
    }
    found = (
        web.store.search_articles(text, **filters, **window, limit=PAGE + 1, offset=offset)
        if text
        else Found([])
    )
    hits = [
        {
            "hit": hit,
            "host": host_of(hit.watch.url),
            "snippet": snippet(hit.snapshot.body, search_words(text)),
        }
        for hit in found.hits[:PAGE]
    ]
    shown = {**filters, "since": since, "until": until}
    more = len(found.hits) > PAGE
    return web.page(
        "search.html",
        q=text,
        hits=hits,
        found=found,
        filters=shown,
        sources=_source_options(web),
        next_url="/search" + query(q=text, **shown, offset=offset + PAGE) if more else None,
    )
