"""The JSON API under /api: the CLI's --json shapes, paginated, documented by OpenAPI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request

from worker import diff, shapes
from worker.models import Snapshot
from worker.shapes import iso
from worker.store.search import ArticleHit
from worker.types import ChangeField, Disclosure, Significance
from worker.web.context import context, http_link
from worker.web.params import (
    LARGEST,
    SEARCH_LENGTH,
    Clean,
    FromVersion,
    Id,
    IdFilter,
    Instant,
    ToVersion,
    Version,
    bounded,
    host_filter,
)
from worker.web.schemas import (
    ChangeOut,
    CheckOut,
    DiffOut,
    Page,
    Problem,
    SearchPage,
    SnapshotFull,
    SnapshotOut,
    WatchOut,
)

# "4XX" rather than FastAPI's 422: a bad parameter is a 400, an unknown id a 404.
PROBLEM = {
    "model": Problem,
    "description": "A bad parameter (400) or an unknown id (404): an RFC 9457 problem document",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
router = APIRouter(prefix="/api", responses={"4XX": PROBLEM})
Limit = Annotated[int, Query(ge=1, le=500, description="items per page")]
Offset = Annotated[int, Query(ge=0, le=LARGEST, description="items to skip")]
Row = TypeVar("Row")


def _page(rows: Sequence[Row], limit: int, offset: int, shape: Callable[[Row], Any]) -> Any:
    """A page from `limit + 1` rows: the extra row only says there is a next page."""
    items = [shape(row) for row in rows[:limit]]
    more = len(rows) > limit
    return {
        "items": items,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if more else None,
    }


@router.get("/watches", response_model=Page[WatchOut], tags=["watches"])
def watches(request: Request, limit: Limit = 50, offset: Offset = 0) -> Any:
    """Watched articles, oldest first (as `watch list --json`)."""
    store = context(request).store
    rows = store.watches_page(limit + 1, offset)
    titles = store.headlines([watch.id for watch, _ in rows if watch.id is not None])
    return _page(rows, limit, offset, lambda row: shapes.watch_json(*row, titles.get(row[0].id)))


@router.get("/watches/{watch_id}", response_model=WatchOut, tags=["watches"])
def watch(request: Request, watch_id: Id) -> Any:
    """One watched article."""
    store = context(request).store
    titles = store.headlines([watch_id])
    return shapes.watch_json(*store.watch_by_id(watch_id), titles.get(watch_id))


@router.get("/watches/{watch_id}/snapshots", response_model=Page[SnapshotOut], tags=["snapshots"])
def snapshots(request: Request, watch_id: Id, limit: Limit = 50, offset: Offset = 0) -> Any:
    """Stored versions of one article, oldest first, without bodies (as `snapshots --json`)."""
    rows = context(request).store.versions_of(watch_id, limit + 1, offset)
    return _page(rows, limit, offset, lambda row: _snapshot(row, body=False))


@router.get(
    "/watches/{watch_id}/snapshots/{version}", response_model=SnapshotFull, tags=["snapshots"]
)
def snapshot(request: Request, watch_id: Id, version: Version) -> Any:
    """One stored version with its body (as `show --json`)."""
    return _snapshot(context(request).store.version_of(watch_id, version), body=True)


def _snapshot(row: Snapshot, body: bool) -> dict[str, Any]:
    """A version as the CLI prints it, but with links only to http(s) addresses: a scraped
    `javascript:` or `data:` URL becomes null, and such a related link is left out."""
    data = shapes.snapshot_json(row, body)
    data["canonical_url"] = http_link(data["canonical_url"])
    data["image"] = http_link(data["image"])
    if body:
        data["related"] = [
            {**link, "url": href}
            for link in data["related"]
            if (href := http_link(link.get("url"))) is not None
        ]
    return data


@router.get("/watches/{watch_id}/diff", response_model=DiffOut, tags=["changes"])
def diff_versions(
    request: Request,
    watch_id: Id,
    from_version: FromVersion = None,
    to_version: ToVersion = None,
) -> Any:
    """What changed between two versions (default: the last two), as `diff --format json`."""
    web = context(request)
    _, count = web.store.watch_by_id(watch_id)
    new = to_version or count
    old = from_version or max(new - 1, 1)
    change = web.diffs.compared(watch_id, old, new)  # NotFoundError for a missing version
    body = diff.render_json(change) if change else {"fields": []}
    return {"from_version": old, "to_version": new, **body}


@router.get("/watches/{watch_id}/checks", response_model=Page[CheckOut], tags=["checks"])
def checks(request: Request, watch_id: Id, limit: Limit = 50, offset: Offset = 0) -> Any:
    """The checks of one article, newest first."""
    rows = context(request).store.checks_of(watch_id, limit + 1, offset)
    return _page(rows, limit, offset, shapes.check_json)


@router.get("/changes", response_model=Page[ChangeOut], tags=["changes"])
def changes(
    request: Request,
    since: Annotated[Instant | None, Query(description="ISO 8601, inclusive")] = None,
    watch_id: IdFilter = None,
    source: Annotated[Clean | None, Query(description="the URL of the source")] = None,
    field: ChangeField | None = None,
    significance: Annotated[Significance | None, Query(description="at least")] = None,
    disclosure: Annotated[Disclosure | None, Query(description="how the page said so")] = None,
    host: Annotated[Clean | None, Query(max_length=300, description="the articles' host")] = None,
    order: Literal["time", "significance"] = "time",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    """Detected changes, newest first (as `changes --json`), with filters."""
    rows = context(request).store.recent_changes(
        host=host_filter(host),
        source=source,
        field=field,
        significance=significance,
        disclosure=disclosure,
        watch_id=watch_id,
        since=since,
        order=order,
        limit=limit + 1,
        offset=offset,
    )
    return _page(rows, limit, offset, lambda row: shapes.change_out(*row))


@router.get("/changes/{change_id}", response_model=ChangeOut, tags=["changes"])
def change(request: Request, change_id: Id) -> Any:
    """One detected change."""
    return shapes.change_out(*context(request).store.change_by_id(change_id))


@router.get("/search", response_model=SearchPage, tags=["snapshots"])
def search(
    request: Request,
    q: Annotated[bounded(SEARCH_LENGTH, shortest=1), Query()],
    host: Annotated[Clean | None, Query(max_length=300, description="the articles' host")] = None,
    source: Annotated[Clean | None, Query(description="the URL of the source")] = None,
    since: Annotated[Instant | None, Query(description="fetched at or after, ISO 8601")] = None,
    until: Annotated[Instant | None, Query(description="fetched at or before, ISO 8601")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Any:
    """Articles with a version whose headline or body holds every word of `q`, one hit each,
    most relevant first."""
    found = context(request).store.search_articles(
        q,
        host=host_filter(host),
        source=source,
        since=since,
        until=until,
        limit=limit + 1,
        offset=offset,
    )
    return {**_page(found.hits, limit, offset, _hit), "capped": found.capped}


def _hit(hit: ArticleHit) -> dict[str, Any]:
    return {
        "watch_id": hit.watch.id,
        "url": hit.watch.url,
        "version": hit.snapshot.version,
        "fetched_at": iso(hit.snapshot.fetched_at),
        "title": hit.snapshot.title,
        "matches": hit.matches,
        "versions": hit.versions,
        "matches_partial": hit.partial,
    }
