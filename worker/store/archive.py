"""The web archive's rows: the entry a check's records make in its article's hash chain
(written by `save_check`), and the reads that `verify`, `export` and the web's download make."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlmodel import Session, col, select

from worker.errors import NotFoundError
from worker.models import ArchiveEntry, Check, Snapshot, Watch
from worker.store._base import StoreBase
from worker.store._rows import _latest_snapshot, _watch_by_url
from worker.types import ArchiveKind, ArchivePlace, CheckRecord, RecordRef
from worker.urls import normalise_url


class Capture(Protocol):
    """What the store needs of a check's records (`worker.archive.Capture`): the payload's
    digest, to find an earlier response with the same, and `write`, called in the
    transaction that saves the check once the entry's place in the chain is known."""

    payload_digest: str

    def write(self, place: ArchivePlace) -> ArchiveEntry: ...


class ArchiveQueries(StoreBase):
    """Reading the archive's entries, and the watches and versions they belong to."""

    def archive_entries(self, watch_ids: Sequence[int] | None = None) -> list[ArchiveEntry]:
        """The entries of these watches (every watch when None), by watch then chain order."""
        query = select(ArchiveEntry)
        if watch_ids is not None:
            query = query.where(col(ArchiveEntry.watch_id).in_(list(watch_ids)))
        query = query.order_by(col(ArchiveEntry.watch_id), col(ArchiveEntry.seq))
        with self.session() as session:
            return list(session.exec(query))

    def archived_versions(
        self,
        watch_ids: Sequence[int] | None = None,
        since: datetime | None = None,
        version: int | None = None,
    ) -> list[Snapshot]:
        """The stored versions of these watches (every watch when None), fetched at or
        after `since`, or only `version`; by watch then version."""
        query = select(Snapshot)
        if watch_ids is not None:
            query = query.where(col(Snapshot.watch_id).in_(list(watch_ids)))
        if since is not None:
            query = query.where(col(Snapshot.fetched_at) >= since)
        if version is not None:
            query = query.where(Snapshot.version == version)
        query = query.order_by(col(Snapshot.watch_id), col(Snapshot.version))
        with self.session() as session:
            return list(session.exec(query))

    def watches_to_archive(
        self, urls: Sequence[str] = (), source: str | None = None
    ) -> list[Watch]:
        """The watches of these URLs, or those a source enrolled, or every watch when
        neither is given; a URL or source that is not known is a NotFoundError (exit 1)."""
        with self.session() as session:
            if source is not None:
                return _enrolled_by(session, source)
            if not urls:
                return list(session.exec(select(Watch).order_by(col(Watch.id))))
            return [_known(session, url) for url in urls]


def _known(session: Session, url: str) -> Watch:
    watch = _watch_by_url(session, normalise_url(url))
    if watch is None:
        raise NotFoundError(f"not watched: {url} (see `newswatch watch list`)")
    return watch


def _enrolled_by(session: Session, source: str) -> list[Watch]:
    query = select(Watch).where(col(Watch.source).in_({source, normalise_url(source)}))
    watches = list(session.exec(query.order_by(col(Watch.id))))
    if not watches:
        raise NotFoundError(f"no article was enrolled by the source {source}")
    return watches


def _archive_entry(
    session: Session, watch: Watch, record: CheckRecord, check: Check, capture: Capture
) -> ArchiveEntry | None:
    """Write a check's records where they go in its article's chain, and the entry that
    says so (added to the session: saved with the check, or not at all). None when the
    check stored nothing to keep (an event of an article never captured)."""
    latest = _latest_snapshot(session, watch.id)
    if latest is None or watch.id is None:
        return None
    session.flush()  # the Check row's id, for the records
    assert check.id is not None
    kind: ArchiveKind = "version" if record.article is not None else record.event or "version"
    head = session.exec(
        select(ArchiveEntry)
        .where(ArchiveEntry.watch_id == watch.id)
        .order_by(col(ArchiveEntry.seq).desc())
        .limit(1)
    ).first()
    place = ArchivePlace(
        check_id=check.id,
        kind=kind,
        version=latest.version,
        content_hash=latest.content_hash,
        seq=head.seq + 1 if head else 1,
        previous=head.digest if head else "",
        revisit=_first_response(session, watch.id, capture.payload_digest),
    )
    entry = capture.write(place)
    session.add(entry)
    return entry


def _first_response(session: Session, watch_id: int, digest: str) -> RecordRef | None:
    """The first response of this watch that recorded the same payload, if any."""
    if not digest:
        return None
    first = session.exec(
        select(ArchiveEntry)
        .where(
            ArchiveEntry.watch_id == watch_id,
            ArchiveEntry.payload_digest == digest,
            col(ArchiveEntry.revisit).is_(False),
        )
        .order_by(col(ArchiveEntry.seq))
        .limit(1)
    ).first()
    return RecordRef(first.response_id, first.uri, first.warc_date) if first else None
