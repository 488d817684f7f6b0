"""Turning what the dispatcher hands over into Messages: pure functions, no I/O.

`text` is plain text (channels send it as such), so scraped headlines and diffs go in as they
are; only whitespace is tidied in titles, which become email subjects and chat headers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from worker.types import DISCLOSURE_LABELS, Message

DIFF_LINES = 12
DIFF_CHARS = 1500
MAX_HEADLINE = 150
FIELD_WORDS = {"canonical_url": "canonical URL", "published": "publication date"}
OPERATOR_TITLES = {
    "watch.failing": "Watch failing",
    "watch.recovered": "Watch recovered",
    "site.degraded": "Site degraded",
    "site.recovered": "Site recovered",
}


def change_message(
    delivery_key: str, event: str, data: dict[str, Any], base_url: str | None, now: datetime
) -> Message:
    """The alert for one article event; `data` is the change as `changes --json` prints it,
    plus `article` and `diff` when available. The article shown is the watched URL (`url`),
    never the canonical URL the page declares, which any page can set."""
    headline = _headline(data)
    label = "new" if event == "article.new" else str(data.get("significance") or "minor")
    link = _change_link(data, base_url)
    sections = [
        _about(headline, data),
        _what_changed(event, data),
        _diff_excerpt(data),
        f"View: {link}" if link else "",
    ]
    return Message(
        id=delivery_key,
        event=event,
        timestamp=now,
        data=data,
        title=f"[{label}] {headline} — {_change_phrase(event, data)}",
        text="\n\n".join(s for s in sections if s),
        link=link,
    )


def digest_message(key: str, messages: Sequence[Message], now: datetime) -> Message:
    """Several alerts bundled into one: a count in the title, one section each."""
    if not messages:
        raise ValueError("a digest needs at least one message")
    title = f"{_count(messages)} in {_span(now - min(m.timestamp for m in messages))}"
    sections = [title, *(_section(m) for m in messages)]
    return Message(
        id=key,
        event="digest",
        timestamp=now,
        data={"items": [m.data for m in messages]},
        title=title,
        text="\n\n".join(sections),
    )


def operator_message(key: str, event: str, data: dict[str, Any], now: datetime) -> Message:
    """An alert for the operator: a watch or a whole site failing or recovering."""
    subject = _one_line(str(data.get("url") or data.get("host") or "?"))
    title = f"{OPERATOR_TITLES.get(event, event)}: {subject}"
    if data.get("failures"):
        title += f" ({data['failures']} failures in a row)"
    details = [f"{name}: {value}" for name, value in data.items() if name not in ("url", "host")]
    return Message(
        id=key,
        event=event,
        timestamp=now,
        data=data,
        title=title,
        text="\n".join([title, *details]),
        link=str(data["url"]) if data.get("url") else None,
    )


def _headline(data: Mapping[str, Any]) -> str:
    article = data.get("article") or {}
    headline = _one_line(str(article.get("title") or data.get("label") or data.get("url") or ""))
    if len(headline) > MAX_HEADLINE:
        headline = headline[: MAX_HEADLINE - 1] + "…"
    return headline or "(untitled)"


def _change_phrase(event: str, data: Mapping[str, Any]) -> str:
    if event == "article.new":
        return "first captured"
    if event in ("article.removed", "article.restored"):
        return event.removeprefix("article.")
    if data.get("kind") == "revert" and data.get("reverts_to"):
        return f"reverted to version {data['reverts_to']}"
    fields = [FIELD_WORDS.get(f, f) for f in data.get("fields") or ()]
    return f"{_and(fields)} changed" if fields else "changed"


def _about(headline: str, data: Mapping[str, Any]) -> str:
    article = data.get("article") or {}
    lines = [headline, str(data.get("url") or article.get("url") or "")]
    if article.get("authors"):
        lines.append("By " + ", ".join(map(str, article["authors"])))
    return "\n".join(line for line in lines if line)


def _what_changed(event: str, data: Mapping[str, Any]) -> str:
    lines = [f"What: {_change_phrase(event, data)}"]
    if data.get("from_version") is not None and data.get("to_version") is not None:
        lines[0] += f" (version {data['from_version']} → {data['to_version']})"
    if data.get("significance"):
        reasons = "; ".join(map(str, data.get("reasons") or ()))
        lines.append(f"Significance: {data['significance']}" + (f" — {reasons}" if reasons else ""))
    if data.get("disclosure") in DISCLOSURE_LABELS:
        lines.append(f"Disclosure: {DISCLOSURE_LABELS[data['disclosure']]}")
    if data.get("summary"):
        lines.append(f"Summary: {data['summary']}")
    if data.get("detected_at"):
        lines.append(f"Detected: {data['detected_at']}")
    return "\n".join(lines)


def _diff_excerpt(data: Mapping[str, Any]) -> str:
    diff = data.get("diff") or {}
    text = str(diff.get("text") or "").strip("\n")
    if not text:
        return ""
    lines = text.splitlines()
    excerpt = "\n".join(lines[:DIFF_LINES])[:DIFF_CHARS]
    more = len(lines) > DIFF_LINES or len(excerpt) < len("\n".join(lines[:DIFF_LINES]))
    return "Diff (excerpt):\n" + excerpt + ("\n[…]" if more else "")


def _change_link(data: Mapping[str, Any], base_url: str | None) -> str | None:
    if base_url and data.get("id") is not None:
        return f"{base_url.rstrip('/')}/changes/{data['id']}"
    url = data.get("url") or (data.get("article") or {}).get("url")
    return str(url) if url else None


def _section(message: Message) -> str:
    return f"— {message.title}\n{message.text}"


def _count(messages: Sequence[Message]) -> str:
    changes = all(m.event == "article.changed" for m in messages)
    noun = "change" if changes else "alert"
    return f"{len(messages)} {noun}{'' if len(messages) == 1 else 's'}"


def _span(span: timedelta) -> str:
    """`30 minutes`, `2 hours`, `1 day`: the window a digest covers, rounded."""
    minutes = max(1, round(span.total_seconds() / 60))
    for unit, size in (("day", 1440), ("hour", 60)):
        if (minutes >= size and minutes % size == 0) or minutes >= 2 * size:
            count = round(minutes / size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def _and(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _one_line(text: str) -> str:
    return " ".join(text.split())
