"""The JSON shapes newswatch prints and serves: `changes --json`, `watch list --json`,
`snapshots --json` and `show --json`, the API under /api, and the `data` of alerts.

One definition each, so the CLI, the web API and the webhooks can never drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from worker.models import Change, Check, Snapshot, Watch, snapshot_article, watch_state
from worker.words import count as count_words


def change_json(change: Change, watch: Watch) -> dict[str, Any]:
    """One change as `changes --json` prints it (the contract in DESIGN.md)."""
    stats = change.stats
    return {
        "id": change.id,
        "url": watch.url,
        "label": watch.label,
        "from_version": change.from_version,
        "to_version": change.to_version,
        "detected_at": iso(change.detected_at),
        "kind": change.kind,
        "reverts_to": change.reverts_to,
        "fields": list(change.fields),
        "significance": change.significance,
        "disclosure": change.disclosure,
        "summary": change.summary,
        "reasons": stats.get("reasons", []),
        "events": stats.get("events", []),
        "stats": {key: stats.get(key, 0) for key in ("added", "removed", "edited", "moved")},
        "paragraphs": stats.get("paragraphs", {}),
    }


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, to the second."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def watch_json(watch: Watch, versions: int, headline: str | None = None) -> dict[str, Any]:
    """A watch as `watch list --json` prints it, with its id."""
    return {
        "id": watch.id,
        "url": watch.url,
        "label": watch.label,
        "headline": headline,
        "active": watch.active,
        "state": watch_state(watch),
        "every": watch.every_seconds,
        "next_check_at": iso(watch.next_check_at),
        "last_checked_at": iso(watch.last_checked_at),
        "last_change_at": iso(watch.last_change_at),
        "consecutive_failures": watch.consecutive_failures,
        "versions": versions,
        "fetcher": watch.fetcher,
        "needs_browser": watch.needs_browser,
    }


def snapshot_json(snapshot: Snapshot, body: bool) -> dict[str, Any]:
    """A version as `snapshots --json` (or, with the body, `show --json`) prints it."""
    data: dict[str, Any] = {
        "version": snapshot.version,
        "fetched_at": iso(snapshot.fetched_at),
        "content_hash": snapshot.content_hash,
        "title": snapshot.title,
        "subtitle": snapshot.subtitle,
        "authors": snapshot.authors,
        "published": iso(snapshot.published_at),
        "modified": iso(snapshot.modified_at),
        "dates": snapshot.extra.get("dates", {}),
        "canonical_url": snapshot.canonical_url,
        "language": snapshot.language,
        "site_name": snapshot.site_name,
        "image": snapshot.image,
        "image_caption": snapshot.image_caption,
        "words": count_words(snapshot.body),
        "extractor_version": snapshot.extractor_version,
    }
    if body:
        data["body"] = list(snapshot_article(snapshot).body)
        data["related"] = snapshot.extra.get("related", [])
    return data


def change_out(change: Change, watch: Watch) -> dict[str, Any]:
    """A change as `changes --json` prints it, with the watch's id."""
    return {**change_json(change, watch), "watch_id": watch.id}


def check_json(check: Check) -> dict[str, Any]:
    """One check of a watch."""
    return {
        "id": check.id,
        "started_at": iso(check.started_at),
        "duration_ms": check.duration_ms,
        "http_status": check.http_status,
        "outcome": check.outcome,
        "error": check.error,
        "bytes": check.bytes,
        "fetcher": check.fetcher,
        "render_ms": check.render_ms,
    }
