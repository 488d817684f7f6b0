"""The HTML pages: dashboard, article timeline, one version, its raw HTML, diffs, search,
and /changes/ID, where alerts link."""

from __future__ import annotations

from io import BytesIO
from typing import Annotated, Any

from charset_normalizer import from_bytes
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from worker.archive.export import History, pieces
from worker.archive.wacz import write_wacz
from worker.errors import ConfigError, NotFoundError
from worker.models import Change, Snapshot, Watch
from worker.types import CHANGE_FIELDS, DISCLOSURE_LABELS, DISCLOSURES, SIGNIFICANCE
from worker.web.context import Context, context, query
from worker.web.params import Clean, FromVersion, Id, ToVersion, Version
from worker.web.search import snippet

router = APIRouter(include_in_schema=False)
PAGE = 50
MODES = ("inline", "side-by-side")
Text = Annotated[Clean | None, Query(max_length=2048)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    source: Text = None,
    field: Text = None,
    significance: Text = None,
    disclosure: Text = None,
    order: Text = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Recent changes by time or significance, with filters; the health of the watches."""
    web = context(request)
    filters = _filters(source, field, significance, disclosure, order)
    rows = web.store.recent_changes(**filters, limit=PAGE + 1, offset=offset)
    return web.page(
        "dashboard.html",
        changes=_with_titles(web, rows[:PAGE]),
        filters=filters,
        sources=[s.url for s in web.store.list_sources()],
        fields=CHANGE_FIELDS,
        significances=SIGNIFICANCE,
        disclosures=DISCLOSURE_LABELS,
        failing=web.store.failing_watches(),
        held=web.store.held_watches(),
        failing_after=web.failing_after,
        next_url=_next(rows, offset, filters),
        q="",
    )


def _filters(
    source: str | None,
    field: str | None,
    significance: str | None,
    disclosure: str | None,
    order: str | None,
) -> dict[str, Any]:
    """The dashboard's filters, with unknown values dropped rather than failing the page."""
    return {
        "source": source or None,
        "field": field if field in CHANGE_FIELDS else None,
        "significance": significance if significance in SIGNIFICANCE else None,
        "disclosure": disclosure if disclosure in DISCLOSURES else None,
        "order": "significance" if order == "significance" else "time",
    }


def _next(rows: list[Any], offset: int, filters: dict[str, Any]) -> str | None:
    if len(rows) <= PAGE:
        return None
    return "/" + query(**filters, offset=offset + PAGE)


def _with_titles(web: Context, rows: list[tuple[Change, Watch]]) -> list[dict[str, Any]]:
    keys = [(change.watch_id, change.to_version) for change, _ in rows]
    titles = web.store.version_titles(keys)
    return [
        {"change": change, "watch": watch, "title": titles.get(key) or watch.url}
        for (change, watch), key in zip(rows, keys, strict=True)
    ]


@router.get("/articles/{watch_id}", response_class=HTMLResponse)
def article(request: Request, watch_id: Id) -> HTMLResponse:
    """One article: its versions as a timeline, the changes between them, its latest checks."""
    web = context(request)
    watch, _ = web.store.watch_by_id(watch_id)
    versions = web.store.versions_of(watch_id)
    changes = web.store.recent_changes(watch_id=watch_id, limit=1000)
    return web.page(
        "article.html",
        watch=watch,
        title=versions[-1].title if versions else watch.url,
        timeline=_timeline(versions, [change for change, _ in changes]),
        versions=versions,
        events=[c for c, _ in changes if c.kind in {"removed", "restored"}],
        checks=web.store.checks_of(watch_id, limit=20),
        q="",
    )


def _timeline(versions: list[Snapshot], changes: list[Change]) -> list[dict[str, Any]]:
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
    """The HTML the version was extracted from, shown as text (never as a page)."""
    web = context(request)
    watch, _ = web.store.watch_by_id(watch_id)
    snapshot = web.store.version_of(watch_id, version)
    page = web.store.raw_html(snapshot.raw_hash) if snapshot.raw_hash else None
    return web.page(
        "raw.html",
        watch=watch,
        snapshot=snapshot,
        raw=None if page is None else _decoded(page),
        size=len(page or b""),
        q="",
    )


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
    mode: Text = "inline",
) -> HTMLResponse:
    """What changed between any two versions, inline or side by side."""
    web = context(request)
    watch, count = web.store.watch_by_id(watch_id)
    new = to_version or count
    old = from_version or max(new - 1, 1)
    mode = mode if mode in MODES else "inline"
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
def search(request: Request, q: Text = None, offset: Offset = 0) -> HTMLResponse:
    """Versions whose headline or body holds every word searched for."""
    web = context(request)
    text = (q or "").strip()
    rows = web.store.search_versions(text, limit=PAGE + 1, offset=offset) if text else []
    hits = [
        {"snapshot": s, "watch": w, "snippet": snippet(s.body, text.split())}
        for s, w in rows[:PAGE]
    ]
    more = len(rows) > PAGE
    return web.page(
        "search.html",
        q=text,
        hits=hits,
        next_url="/search" + query(q=text, offset=offset + PAGE) if more else None,
    )
