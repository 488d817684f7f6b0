"""/metrics in the Prometheus text format: checks by outcome, changes, deliveries by status,
and how far behind the due watches are."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from worker.models import utcnow
from worker.types import DELIVERY_STATUSES, OUTCOMES
from worker.web.context import context

router = APIRouter()


@router.get("/metrics", response_class=PlainTextResponse, include_in_schema=False)
def metrics(request: Request) -> PlainTextResponse:
    """The exposition, read fresh from the database on every scrape."""
    counts = context(request).store.metrics(utcnow())
    body = "\n".join(_lines(counts)) + "\n"
    return PlainTextResponse(body, media_type="text/plain; version=0.0.4; charset=utf-8")


def _lines(counts: dict[str, Any]) -> Iterator[str]:
    yield from _family("newswatch_checks_total", "counter", "Checks recorded, by outcome.")
    for outcome in OUTCOMES:
        yield f'newswatch_checks_total{{outcome="{outcome}"}} {counts["checks"].get(outcome, 0)}'
    yield from _family("newswatch_changes_total", "counter", "Changes detected.")
    yield f"newswatch_changes_total {counts['changes']}"
    yield from _family("newswatch_deliveries", "gauge", "Alert deliveries, by status.")
    for status in DELIVERY_STATUSES:
        yield f'newswatch_deliveries{{status="{status}"}} {counts["deliveries"].get(status, 0)}'
    yield from _family("newswatch_active_watches", "gauge", "Articles being watched.")
    yield f"newswatch_active_watches {counts['active_watches']}"
    yield from _family("newswatch_due_watches", "gauge", "Active watches whose check is due.")
    yield f"newswatch_due_watches {counts['due_watches']}"
    yield from _family(
        "newswatch_due_lag_seconds", "gauge", "How long the most overdue watch has waited."
    )
    yield f"newswatch_due_lag_seconds {counts['due_lag_seconds']:.3f}"


def _family(name: str, kind: str, help_text: str) -> Iterator[str]:
    yield f"# HELP {name} {help_text}"
    yield f"# TYPE {name} {kind}"
