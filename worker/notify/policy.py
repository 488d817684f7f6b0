"""Which alerts one check asks for: its events, and the channels whose rules want them. Pure.

The pipeline hands over the watch as claimed and the record the check wants written; the
AlertRequests returned here go into the outbox in the same transaction (see `store.save_check`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from worker.models import Watch
from worker.notify.rules import wants
from worker.settings import AlertSettings
from worker.types import AlertRequest, CheckRecord, EventKind
from worker.urls import host_of

Event = tuple[EventKind, dict[str, Any]]


def alerts_for(
    watch: Watch,
    record: CheckRecord,
    channels: Sequence[AlertSettings],
    failing_after: int,
    diff_text: str | None = None,
) -> tuple[AlertRequest, ...]:
    """The outbox rows the configured channels want for this check. `diff_text` is the
    change as text, for the keyword rules (needed only when a channel has keywords)."""
    return tuple(
        AlertRequest(config.channel_name, event, data)
        for event, data in events(watch, record, failing_after)
        for config in channels
        if wants(config, event, _rule_view(watch, record, data, config, diff_text))
    )


def events(watch: Watch, record: CheckRecord, failing_after: int) -> list[Event]:
    """The alertable events of one check, with the payload of those without a Change row."""
    found: list[Event] = []
    if record.outcome == "new":
        found.append(("article.new", {}))
    if record.change is not None:
        found.append(("article.changed", {}))
    if record.event == "removed":
        found.append(("article.removed", {}))
    if record.event == "restored":
        found.append(("article.restored", {}))
    found += _watch_events(watch, record, failing_after)
    if record.site_event is not None:
        site = {"host": host_of(watch.url), "url": watch.url, "reason": record.error}
        found.append(
            ("site.degraded" if record.site_event == "degraded" else "site.recovered", site)
        )
    return found


def wants_diff_text(channels: Sequence[AlertSettings]) -> bool:
    """Whether any channel's rules read the diff as text (keywords)."""
    return any(config.keywords for config in channels)


def _watch_events(watch: Watch, record: CheckRecord, failing_after: int) -> list[Event]:
    failures = watch.consecutive_failures
    about = {"url": watch.url, "label": watch.label, "error": record.error}
    if record.failed and failures + 1 == failing_after:
        return [("watch.failing", {**about, "failures": failures + 1})]
    if not record.failed and failures >= failing_after:
        return [("watch.recovered", {**about, "failures": failures})]
    return []


def _rule_view(
    watch: Watch,
    record: CheckRecord,
    data: dict[str, Any],
    config: AlertSettings,
    diff_text: str | None,
) -> dict[str, Any]:
    """What the alert rules look at: the change's fields, significance and text."""
    change = record.change
    view: dict[str, Any] = {**data, "label": watch.label, "source": watch.source}
    if record.article is not None:
        view["article"] = {"title": record.article.title}
    if change is not None:
        view |= {"fields": list(change.fields), "significance": change.significance}
        view |= {"summary": change.summary, "kind": "edit"}
        if config.keywords and diff_text is not None:
            view["diff"] = {"text": diff_text}
    return view
