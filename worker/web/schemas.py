"""Response models: they document the API in its OpenAPI schema and hold its shape."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from worker.types import (
    ChangeField,
    ChangeKind,
    Disclosure,
    Outcome,
    Significance,
    WatchStatus,
)


class WatchOut(BaseModel):
    id: int
    url: str
    label: str | None
    headline: str | None
    active: bool
    state: WatchStatus
    every: int | None
    next_check_at: str | None
    last_checked_at: str | None
    last_change_at: str | None
    consecutive_failures: int
    versions: int
    fetcher: str | None = None  # plain, browser, auto; None: as [fetch] browser says
    needs_browser: bool = False  # the last `auto` check found a script shell and rendered it


class SnapshotOut(BaseModel):
    version: int
    fetched_at: str | None
    content_hash: str
    title: str
    subtitle: str
    authors: list[str]
    published: str | None
    modified: str | None
    dates: dict[str, dict[str, str]]  # how each date was stated: precision, zone
    canonical_url: str | None
    language: str | None
    site_name: str | None
    image: str | None
    image_caption: str | None
    words: int
    extractor_version: str


class SnapshotFull(SnapshotOut):
    body: list[str]
    related: list[dict[str, Any]]


class ChangeOut(BaseModel):
    id: int
    watch_id: int
    url: str
    label: str | None
    from_version: int
    to_version: int
    detected_at: str | None
    kind: ChangeKind
    reverts_to: int | None
    fields: list[ChangeField]
    significance: Significance
    disclosure: Disclosure | None
    summary: str
    reasons: list[str]
    events: list[str]
    stats: dict[str, int]
    paragraphs: dict[str, int]


class CheckOut(BaseModel):
    id: int
    started_at: str | None
    duration_ms: int
    http_status: int | None
    outcome: Outcome
    error: str | None
    bytes: int
    fetcher: str | None = None  # plain or browser; None: checked before newswatch had both
    render_ms: int | None = None  # the browser's time, when it was used


class DiffOut(BaseModel):
    """As `diff --format json` prints it; the lists are empty when the versions are equal."""

    from_version: int
    to_version: int
    fields: list[str]
    field_changes: list[dict[str, Any]] = []
    operations: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    paragraphs: dict[str, int] = {}
    significance: Significance | None = None
    reasons: list[str] = []
    events: list[str] = []
    notices: list[str] = []
    summary: str = ""


class SearchHit(BaseModel):
    """One article found: its latest matching version, in how many of its versions the words
    are found (`matches`) and how many it has (`versions`); the most relevant first."""

    watch_id: int
    url: str
    version: int
    fetched_at: str | None
    title: str
    matches: int
    versions: int
    matches_partial: bool = False  # counted over the article's newest versions only


class Problem(BaseModel):
    """Why a request failed, as an RFC 9457 problem document (application/problem+json);
    for a bad parameter, `errors` says which and why."""

    type: str = "about:blank"
    title: str = ""
    status: int = 400
    detail: str
    instance: str = ""
    errors: list[dict[str, Any]] = []


Item = TypeVar("Item", bound=BaseModel)


class Page(BaseModel, Generic[Item]):
    """One page of a list; ask for the next with `offset=next_offset` while it is not null."""

    items: list[Item]
    limit: int
    offset: int
    next_offset: int | None


class SearchPage(Page[SearchHit]):
    """A page of search hits. Relevance is ranked among the newest matching versions (1,000
    at most, 3 of one article; `store.search.RANKED`); `capped` says more versions matched,
    so older matches are found by narrowing the words or with `until`."""

    capped: bool = False
