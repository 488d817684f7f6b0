"""The JSON shapes of the API: the fields of the CLI's --json output, plus ids to link by.

`change_json` is shared with the CLI; the watch and snapshot shapes mirror `cli._watch_json`
and `cli._snapshot_json` (the web may not import the CLI), and a test holds them equal.
"""

from __future__ import annotations

from typing import Any

from worker.models import Change, Check, Snapshot, Watch
from worker.outbox import change_json, iso
from worker.store import snapshot_article


def watch_json(watch: Watch, versions: int) -> dict[str, Any]:
    """A watch as `watch list --json` prints it, with its id."""
    return {
        "id": watch.id,
        "url": watch.url,
        "label": watch.label,
        "active": watch.active,
        "every": watch.every_seconds,
        "next_check_at": iso(watch.next_check_at),
        "last_checked_at": iso(watch.last_checked_at),
        "last_change_at": iso(watch.last_change_at),
        "consecutive_failures": watch.consecutive_failures,
        "versions": versions,
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
        "canonical_url": snapshot.canonical_url,
        "language": snapshot.language,
        "site_name": snapshot.site_name,
        "image": snapshot.image,
        "image_caption": snapshot.image_caption,
        "words": len(snapshot.body.split()),
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
    }
