"""serve (the web pages, API and feeds) and workers (the live ones)."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from worker.commands._base import _open_store
from worker.commands.output import _print_json
from worker.models import (
    WorkerState,
    utcnow,
)
from worker.settings import Settings
from worker.shapes import iso


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, create=False)
    # Imported here, not above: the web stack (FastAPI, Starlette, Jinja2, uvicorn) is a third
    # of the start-up time, and only `serve` uses it.
    from worker import web

    web.serve(settings, store, args.host or settings.web.host, args.port or settings.web.port)
    return 0


def cmd_workers(args: argparse.Namespace, settings: Settings) -> int:
    alive_after = max(settings.schedule.tick * 3, timedelta(minutes=1))
    rows = _open_store(settings, create=False).workers(utcnow() - alive_after)
    if args.json:
        _print_json([_worker_json(row, leases) for row, leases in rows])
        return 0
    if not rows:
        print("no worker is running")
    for row, leases in rows:
        data = _worker_json(row, leases)
        print(
            f"{row.id}  up since {data['started_at']}, last beat {data['heartbeat_at']}, "
            f"{leases} leases, {row.checks} checks ({data['checks_per_minute']}/min), "
            f"{row.changes} new or changed, {row.errors} errors"
        )
    return 0


def _worker_json(row: WorkerState, leases: int) -> dict[str, Any]:
    assert row.started_at is not None and row.heartbeat_at is not None  # stored NOT NULL
    minutes = max((row.heartbeat_at - row.started_at).total_seconds() / 60, 1 / 60)
    return {
        "id": row.id,
        "started_at": iso(row.started_at),
        "heartbeat_at": iso(row.heartbeat_at),
        "leases": leases,
        "checks": row.checks,
        "changes": row.changes,
        "errors": row.errors,
        "checks_per_minute": round(row.checks / minutes, 1),
    }
