"""What was seen: stored versions, changes and raw pages, and what a check reads of them."""

from __future__ import annotations

import zlib
from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from worker.errors import NotFoundError
from worker.models import (
    Change,
    NoiseRule,
    RawPage,
    Site,
    Snapshot,
    Watch,
    snapshot_article,
    snapshot_row,
    utcnow,
)
from worker.store._base import StoreBase
from worker.store._rows import (
    _latest_snapshot,
)
from worker.store.noise import rules_for
from worker.types import CheckContext, CheckRecord, StoredVersion
from worker.urls import host_of

EVENT_SUMMARIES = {
    "removed": "article removed: the page answers 404/410, and has for several checks",
    "restored": "article restored: the page answers again after its removal",
}


class HistoryQueries(StoreBase):
    """Reading the stored versions, changes and checks of a watch."""

    def check_context(self, watch_id: int, extractor_version: str) -> CheckContext:
        """What a check of this watch needs from the store, in one read: its latest version
        (with its stored HTML when another extractor, or selector rules made since, read
        it), the newest version of each stored content, the noise rules that apply to it and
        the degraded mark of its host."""
        with self.session() as session:
            watch = session.get(Watch, watch_id)
            if watch is None:
                raise NotFoundError(f"watch {watch_id} vanished during its check")
            host = host_of(watch.url)
            snapshot = _latest_snapshot(session, watch_id)
            latest = _stored_version(snapshot) if snapshot is not None else None
            rules = rules_for(session, watch)
            stale = latest is not None and (
                latest.extractor_version != extractor_version
                or _newer_selectors(rules, snapshot.fetched_at if snapshot else None)
            )
            return CheckContext(
                latest=latest,
                latest_raw=_raw(session, latest.raw_hash) if stale and latest else None,
                versions=_versions_by_hash(session, watch_id),
                noise=frozenset(r.key for r in rules if r.kind == "learned" and r.learned),
                prefixes=tuple(r.key for r in rules if r.kind == "prefix"),
                selectors=tuple(r.key for r in rules if r.kind == "selector"),
                site_degraded=session.get(Site, host) is not None,
            )

    def latest_version(self, watch_id: int) -> StoredVersion | None:
        """The newest stored version of a watch, as an Article, or None before the first."""
        with self.session() as session:
            snapshot = _latest_snapshot(session, watch_id)
        return _stored_version(snapshot) if snapshot is not None else None

    def raw_html(self, raw_hash: str) -> bytes | None:
        """The stored HTML body with this hash, decompressed."""
        with self.session() as session:
            return _raw(session, raw_hash)


def _stored_version(snapshot: Snapshot) -> StoredVersion:
    return StoredVersion(
        snapshot.version,
        snapshot.content_hash,
        snapshot_article(snapshot),
        snapshot.extractor_version,
        snapshot.raw_hash,
    )


def _versions_by_hash(session: Session, watch_id: int) -> dict[str, int]:
    """The newest version of each content hash a watch stored."""
    query = select(Snapshot.content_hash, sa.func.max(Snapshot.version))
    query = query.where(Snapshot.watch_id == watch_id).group_by(col(Snapshot.content_hash))
    return {content_hash: version for content_hash, version in session.exec(query)}


def _newer_selectors(rules: list[NoiseRule], stored_at: datetime | None) -> bool:
    """Whether a selector rule was made after the version was stored: that version is read
    again with the rule, so that a new rule never reports a change by itself."""
    return stored_at is not None and any(
        rule.kind == "selector" and rule.first_seen and rule.first_seen > stored_at
        for rule in rules
    )


def _raw(session: Session, raw_hash: str) -> bytes | None:
    page = session.get(RawPage, raw_hash)
    return zlib.decompress(page.data) if page else None


def _store_event(session: Session, watch: Watch, event: str) -> Change | None:
    """A removal or a return: its own kind of change, between the same stored versions."""
    latest = _latest_snapshot(session, watch.id)
    if latest is None:
        return None  # nothing was ever captured, so nothing was removed
    change = Change(
        watch_id=watch.id,
        from_version=latest.version,
        to_version=latest.version,
        detected_at=utcnow(),
        kind=event,
        fields=[],
        significance="major",
        disclosure="silent",  # the page says nothing of it: it answers 404, or again
        summary=EVENT_SUMMARIES[event],
    )
    session.add(change)
    return change


def _store_version(session: Session, watch: Watch, record: CheckRecord) -> Change | None:
    article = record.article
    assert article is not None  # the caller checked
    previous = _latest_snapshot(session, watch.id)
    version = previous.version + 1 if previous else 1
    if record.raw is not None and record.raw_hash is not None:
        _store_raw(session, record.raw_hash, record.raw)
    session.add(snapshot_row(watch, version, record, article))
    session.flush()
    if record.change is None or previous is None:
        return None
    change = _change_row(watch, previous.version, version, record)
    session.add(change)
    return change


def _store_raw(session: Session, raw_hash: str, raw: bytes) -> None:
    if session.get(RawPage, raw_hash) is None:
        session.add(RawPage(hash=raw_hash, size=len(raw), data=zlib.compress(raw, 6)))


def _change_row(watch: Watch, from_version: int, to_version: int, record: CheckRecord) -> Change:
    change = record.change
    assert change is not None  # the caller checked
    summary = change.summary
    if record.reverts_to is not None:
        summary = f"reverted to the content of version {record.reverts_to}; {summary}"
    return Change(
        watch_id=watch.id,
        from_version=from_version,
        to_version=to_version,
        detected_at=utcnow(),
        rendered_html=record.rendered_html,
        kind="revert" if record.reverts_to is not None else "edit",
        reverts_to=record.reverts_to,
        fields=list(change.fields),
        significance=change.significance,
        disclosure=change.disclosure,
        stats={
            "added": change.added,
            "removed": change.removed,
            "edited": change.edited,
            "moved": change.moved,
            "reasons": list(change.reasons),
            "events": list(change.events),
            "notices": list(change.notices),
            "paragraphs": {
                "added": change.paragraphs_added,
                "removed": change.paragraphs_removed,
                "edited": change.paragraphs_edited,
                "moved": change.paragraphs_moved,
            },
            "field_changes": [asdict(field) for field in change.field_changes],
        },
        operations=[asdict(op) for op in change.operations],
        summary=summary,
    )
