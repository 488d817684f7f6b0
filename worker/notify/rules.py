"""Which alerts a channel wants: its settings' rules applied to one event. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worker.settings import AlertSettings
from worker.types import SIGNIFICANCE, AlertGroup, EventKind

# The `events` a channel subscribes to, by event kind (digests are bundles, not subscribed to).
EVENT_GROUPS: dict[EventKind, AlertGroup] = {
    "article.changed": "changed",
    "article.new": "new",
    "article.removed": "removed",
    "article.restored": "restored",
    "watch.failing": "operator",
    "watch.recovered": "operator",
    "site.degraded": "operator",
    "site.recovered": "operator",
}
RANK = {name: rank for rank, name in enumerate(SIGNIFICANCE)}


def wants(config: AlertSettings, event: EventKind, data: Mapping[str, Any]) -> bool:
    """True when the channel of `config` should be sent this event.

    Operator events pass once `operator` is among the events. Article events must also pass
    every rule set: significance (removed, restored and new count as major), labels, sources,
    keywords (in the diff text, else summary and headline) and, for changes only, fields.
    """
    group = EVENT_GROUPS.get(event)
    if group is None or group not in config.events:
        return False
    if group == "operator":
        return True
    return (
        _significant(config, event, data)
        and _touches_fields(config, event, data)
        and (not config.labels or data.get("label") in config.labels)
        and (not config.sources or data.get("source") in config.sources)
        and _mentions_keyword(config, data)
    )


def _significant(config: AlertSettings, event: str, data: Mapping[str, Any]) -> bool:
    if event != "article.changed":
        return True
    significance = str(data.get("significance") or "minor")
    return RANK.get(significance, RANK["minor"]) >= RANK[config.min_significance]


def _touches_fields(config: AlertSettings, event: str, data: Mapping[str, Any]) -> bool:
    if not config.fields or event != "article.changed":
        return True
    return bool(set(config.fields) & set(data.get("fields") or ()))


def _mentions_keyword(config: AlertSettings, data: Mapping[str, Any]) -> bool:
    if not config.keywords:
        return True
    text = _changed_text(data).casefold()
    return any(keyword.casefold() in text for keyword in config.keywords)


def _changed_text(data: Mapping[str, Any]) -> str:
    diff = data.get("diff") or {}
    if diff.get("text"):
        return str(diff["text"])
    article = data.get("article") or {}
    return f"{data.get('summary') or ''}\n{article.get('title') or ''}"
