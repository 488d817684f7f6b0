"""Alert dispatch: claim due deliveries from the outbox, send them, settle or back off.

No alert is lost or invented by a crash: Delivery rows are written in the same transaction as
the change they announce, and a delivery is marked sent only after its channel said so. A
crash between the two sends the alert again under the same webhook-id, which receivers use to
drop duplicates.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from worker import diff, notify
from worker.models import Change, Delivery, Snapshot, Watch, utcnow
from worker.notify import message as messages
from worker.settings import AlertSettings, Settings
from worker.shapes import change_json, iso
from worker.store import PARAGRAPH_BREAK, Deliveries, Store, snapshot_article
from worker.types import Message, SendResult

log = logging.getLogger(__name__)

BATCH = 50  # deliveries one pass attempts at most, per channel kind
CLAIM = 5  # claimed at a time, so that slow receivers never outlive a lease


class Dispatcher:
    """Sends what the outbox holds through the configured channels."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        channels: Mapping[str, notify.Channel],
        worker_id: str,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.outbox = Deliveries(store)
        self.store = store
        self.channels = dict(channels)
        self.configs = {config.channel_name: config for config in settings.alerts}
        self.worker_id = worker_id
        self.clock = clock
        self.rng = rng or random.Random()
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Finish the delivery in hand and send no more (the worker is shutting down)."""
        self._stopping.set()

    def dispatch_pending(self) -> Counter[str]:
        """One pass: every due delivery of every enabled channel is attempted once."""
        counts: Counter[str] = Counter()
        disabled = self.outbox.disabled_channels()
        live = [name for name in self.channels if name not in disabled]
        immediate = [name for name in live if not self.configs[name].digest]
        counts.update(self._send_each(immediate))
        for name in live:
            if self.configs[name].digest:
                counts.update(self._send_digest(name))
        return counts

    def drain(self, timeout: float) -> Counter[str]:
        """Dispatch until nothing is due now or `timeout` seconds pass (for `check`)."""
        deadline = time.monotonic() + timeout
        counts: Counter[str] = Counter()
        while time.monotonic() < deadline:
            done = self.dispatch_pending()
            counts.update(done)
            if not done or not self.outbox.due_count(list(self.channels), self.clock()):
                break
        return counts

    def _send_each(self, names: Sequence[str]) -> Counter[str]:
        counts: Counter[str] = Counter()
        if not names:
            return counts
        gone: set[str] = set()
        while sum(counts.values()) < BATCH and not self._stopping.is_set():
            live = [name for name in names if name not in gone]
            rows = self.outbox.claim(self.worker_id, self.clock(), self._lease(), CLAIM, live)
            if not rows:
                break
            for row in rows:
                if row.channel in gone or self._stopping.is_set():
                    continue  # disabled meanwhile, or shutting down: the lease is dropped
                outcome = self._attempt_one(row)
                counts[outcome] += 1
                if outcome == "gone":
                    gone.add(row.channel)
        return counts

    def _attempt_one(self, row: Delivery) -> str:
        message = self._safe_message(row)
        if message is None:
            return self._back_off([row], SendResult(ok=False, error=_unbuildable(row)))
        return self._attempt([row], message)

    def _safe_message(self, row: Delivery) -> Message | None:
        """The message of a delivery, or None if it cannot be built (its change or version
        is gone, or a bug): that one delivery backs off, the others go on."""
        try:
            return self._message(row)
        except Exception:
            log.exception("alert %s: cannot build its message", row.key)
            return None

    def _send_digest(self, name: str) -> Counter[str]:
        oldest = self.outbox.oldest_pending(name)
        window = self.configs[name].digest
        now = self.clock()
        if oldest is None or window is None or now - oldest < window:
            return Counter()
        rows = self.outbox.claim(self.worker_id, now, self._lease(), 500, [name])
        counts: Counter[str] = Counter()
        for key, group in _by_digest(rows).items():
            built = [(row, self._safe_message(row)) for row in group]
            for row, message in built:
                if message is None:
                    failure = SendResult(ok=False, error=_unbuildable(row))
                    counts[self._back_off([row], failure)] += 1
            group = [row for row, message in built if message is not None]
            bundled = [message for _, message in built if message is not None]
            if not group:
                continue
            self.outbox.bundle([_id(row) for row in group], key)
            counts[self._attempt(group, messages.digest_message(key, bundled, now))] += 1
        return counts

    def _attempt(self, rows: list[Delivery], message: Message) -> str:
        channel = self.channels[rows[0].channel]
        result = _safe_send(channel, message)
        ids = [_id(row) for row in rows]
        if result.ok:
            self.outbox.settle(ids, "sent", None, result.status, None, self.worker_id)
            return "sent"
        if result.gone:
            reason = f"endpoint gone (HTTP {result.status or 410})"
            log.warning("alert channel %s disabled: %s", channel.name, reason)
            self.outbox.settle(ids, "failed", None, result.status, reason, self.worker_id)
            self.outbox.disable_channel(channel.name, reason)
            return "gone"
        return self._back_off(rows, result)

    def _back_off(self, rows: list[Delivery], result: SendResult) -> str:
        attempts = rows[0].attempts + 1
        ids = [_id(row) for row in rows]
        waits = self.configs[rows[0].channel].retry  # [[alerts]] retry: the wait before each
        if attempts > len(waits):
            log.warning("alert %s failed for good: %s", rows[0].key, result.error)
            self.outbox.settle(ids, "failed", None, result.status, result.error, self.worker_id)
            return "failed"
        wait = waits[attempts - 1] * self.rng.uniform(0.9, 1.1)
        if result.retry_after is not None:
            # Honoured, but never past the schedule's longest wait: a receiver asking for a
            # year must not park the alert for a year.
            longest = max(waits).total_seconds()
            asked = timedelta(seconds=min(result.retry_after, longest))
            wait = max(wait, asked)
        later = self.clock() + wait
        self.outbox.settle(ids, "pending", later, result.status, result.error, self.worker_id)
        return "retry"

    def _message(self, row: Delivery) -> Message:
        now = self.clock()
        if row.event.startswith("article.") and row.change_id is not None:
            data = change_payload(self.outbox, row.change_id)
        elif row.event == "article.new":
            data = self._new_article_payload(row)
        else:
            return messages.operator_message(row.key, row.event, dict(row.data), now)
        base_url = self.settings.web.base_url
        return messages.change_message(row.key, row.event, data, base_url, now)

    def _new_article_payload(self, row: Delivery) -> dict[str, Any]:
        watch = self.outbox.watch(row.watch_id or 0)
        snapshot = self.store.version_of(row.watch_id or 0, row.version)
        return {
            "url": watch.url,
            "label": watch.label,
            "source": watch.source,
            "version": snapshot.version,
            "article": _article_json(snapshot, watch),
        }

    def _lease(self) -> timedelta:
        return self.settings.schedule.lease


def change_payload(outbox: Deliveries, change_id: int) -> dict[str, Any]:
    """The `data` of a change alert: the change as `changes --json` shows it, the article, the
    diff."""
    change, watch = outbox.change(change_id)
    new = outbox.store.version_of(change.watch_id, change.to_version)
    old = None
    if change.from_version != change.to_version:
        old = outbox.store.version_of(change.watch_id, change.from_version)
    return shape_change(change, watch, old, new)


def shape_change(
    change: Change, watch: Watch, old: Snapshot | None, new: Snapshot
) -> dict[str, Any]:
    """The `data` of a change alert from the rows it is about (`old` is None for events)."""
    data = change_json(change, watch)
    data["source"] = watch.source
    data["article"] = _article_json(new, watch)
    if old is not None:
        compared = diff.compare(snapshot_article(old), snapshot_article(new))
        if compared is not None:
            data["diff"] = {"text": diff.render_text(compared), "html": diff.render_html(compared)}
    return data


def build_channels(settings: Settings) -> dict[str, notify.Channel]:
    """One channel object per [[alerts]] entry, by name."""
    return {
        config.channel_name: notify.build_channel(config, settings.http)
        for config in settings.alerts
    }


def sample_message(config: AlertSettings, base_url: str | None) -> Message:
    """A made-up change for `alerts test`, shaped by `shape_change` exactly as real ones."""
    now = utcnow()
    watch = Watch(id=0, url=_SAMPLE_URL, label="sample", source="https://news.example/feed.xml")
    old, new = (
        _sample_snapshot(number, title, body, now)
        for number, (title, body) in enumerate(_SAMPLE_VERSIONS, start=1)
    )
    data = shape_change(_sample_change(now), watch, old, new)
    key = f"msg_test_{int(time.time())}"
    return messages.change_message(key, "article.changed", data, base_url, now)


_SAMPLE_CHANGE_ID = 0  # no stored change has it, so the sample is never mistaken for one
_SAMPLE_URL = "https://news.example/2020/11/11/sample-story"
_SAMPLE_NOTE = "This article is made up: newswatch sent it for `newswatch alerts test`."
_SAMPLE_VERSIONS = (  # headline and body of version 1, then of version 2
    (
        "Sample alert from newswatch: a headline",
        (_SAMPLE_NOTE, "Officials said the budget would be two billion dollars over five years."),
    ),
    (
        "Sample alert from newswatch: a headline, rewritten",
        (_SAMPLE_NOTE, "Officials said the budget would be three billion dollars over five years."),
    ),
)


def _sample_change(now: datetime) -> Change:
    return Change(
        id=_SAMPLE_CHANGE_ID,
        watch_id=0,
        from_version=1,
        to_version=2,
        detected_at=now,
        fields=["title", "body"],
        significance="substantive",
        summary="title changed; body: 1 sentence edited",
        stats={
            "added": 0,
            "removed": 0,
            "edited": 1,
            "moved": 0,
            "reasons": ["headline reworded", "numbers changed"],
            "events": [],
            "paragraphs": {"added": 0, "removed": 0, "edited": 1, "moved": 0},
        },
    )


def _sample_snapshot(version: int, title: str, body: Sequence[str], now: datetime) -> Snapshot:
    return Snapshot(
        watch_id=0,
        version=version,
        fetched_at=now,
        content_hash=f"sample{version}",
        title=title,
        subtitle="A made-up article, to try an alert channel",
        authors=["Newswatch Sample Desk"],
        published_at=now - timedelta(hours=3),
        canonical_url=_SAMPLE_URL,
        language="en",
        body=PARAGRAPH_BREAK.join(body),
        extra={"url": _SAMPLE_URL, "related": []},
    )


def _article_json(snapshot: Any, watch: Watch) -> dict[str, Any]:
    return {
        "title": snapshot.title,
        "subtitle": snapshot.subtitle,
        "authors": snapshot.authors,
        "published": iso(snapshot.published_at),
        # The watched URL is the article; the page's own claim is only reported beside it.
        "url": watch.url,
        "canonical_url": snapshot.canonical_url,
    }


def _safe_send(channel: notify.Channel, message: Message) -> SendResult:
    try:
        return channel.send(message)
    except Exception as exc:  # a channel bug must not stop the other alerts
        log.exception("alert channel %s raised", channel.name)
        return SendResult(ok=False, error=f"{type(exc).__name__} in channel {channel.name}")


def _unbuildable(row: Delivery) -> str:
    return f"cannot build the message of {row.event} (see the worker log)"


def _by_digest(rows: Iterable[Delivery]) -> dict[str, list[Delivery]]:
    groups: dict[str, list[Delivery]] = defaultdict(list)
    fresh = [row for row in rows if row.digest_key is None]
    for row in rows:
        if row.digest_key is not None:
            groups[row.digest_key].append(row)
    if fresh:
        groups[f"msg_digest_{fresh[0].key.removeprefix('msg_')}"].extend(fresh)
    return dict(groups)


def _id(row: Delivery) -> int:
    assert row.id is not None  # claimed rows are stored
    return row.id
