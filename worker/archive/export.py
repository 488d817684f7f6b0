"""What an export holds: the records of the chosen versions and events copied from the
archive byte for byte, and versions stored before the archive rebuilt from their stored
HTML, their metadata record saying so (`newswatch-reconstructed: yes`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from worker.archive.records import RECONSTRUCTED, metadata_record, stored_response, warc_date
from worker.archive.scan import read_member
from worker.errors import ArchiveError, ConfigError
from worker.models import ArchiveEntry, Snapshot, Watch

# What a reconstructed version's metadata record says of itself.
REBUILT = "yes: rebuilt from the stored HTML; the request and response headers were not kept"


@dataclass(frozen=True)
class Page:
    """One captured version, as pages.jsonl lists it."""

    id: str
    url: str
    ts: str  # the WARC-Date of its response
    title: str


@dataclass(frozen=True)
class Piece:
    """Records to put in an export, in order, and the page they capture (if a version)."""

    members: tuple[bytes, ...]
    page: Page | None = None
    reconstructed: bool = False


@dataclass(frozen=True)
class History:
    """One article as an export reads it: every entry of its chain, and the versions
    chosen (all, those since a time, or one)."""

    watch: Watch
    entries: Sequence[ArchiveEntry]
    versions: Sequence[Snapshot]
    since: datetime | None = None
    only_versions: bool = False  # one version asked for: no events


def pieces(
    folder: Path | None, history: History, raw_html: Callable[[str], bytes | None]
) -> Iterator[Piece]:
    """The pieces of one article's export, oldest first."""
    chosen = {s.version: s for s in history.versions}
    archived = {e.version for e in history.entries if e.kind == "version"}
    emitted: set[str] = set()
    items: list[tuple[datetime, int, Piece]] = []
    for entry in history.entries:
        if not _chosen(entry, chosen, history):
            continue
        if folder is None:
            raise ConfigError("the archive's records are under [archive] dir, which is not set")
        assert entry.captured_at is not None
        if entry.revisit:
            items += _revisited(folder, entry, history.entries, emitted)
        page = _page(history.watch, entry, chosen.get(entry.version or 0))
        members = _members(folder, entry)
        emitted.add(entry.response_id)
        items.append((entry.captured_at, entry.seq, Piece(members, page)))
    for version, snapshot in chosen.items():
        if version not in archived and snapshot.fetched_at is not None:
            rebuilt = _reconstructed(history.watch, snapshot, raw_html)
            if rebuilt is not None:
                items.append((snapshot.fetched_at, 0, rebuilt))
    items.sort(key=lambda item: (item[0], item[1]))
    yield from (piece for _, _, piece in items)


def _chosen(entry: ArchiveEntry, chosen: dict[int, Snapshot], history: History) -> bool:
    if entry.kind == "version":
        return (entry.version or 0) in chosen
    if history.only_versions or entry.captured_at is None:
        return False
    return history.since is None or entry.captured_at >= history.since


def _members(folder: Path, entry: ArchiveEntry) -> tuple[bytes, ...]:
    path = folder / entry.file
    if not path.is_file():
        raise ArchiveError(f"{path} is missing: run `newswatch verify`")
    data = read_member(path, entry.offset, entry.length)
    if len(data) < entry.length:
        raise ArchiveError(f"{path} ends before the records at {entry.offset}: run verify")
    return tuple(
        data[r["offset"] - entry.offset : r["offset"] - entry.offset + r["length"]]
        for r in entry.records
    )


def _revisited(
    folder: Path, entry: ArchiveEntry, entries: Sequence[ArchiveEntry], emitted: set[str]
) -> list[tuple[datetime, int, Piece]]:
    """The response a revisit points at, when the export would lack it (so it replays)."""
    first = next(
        (e for e in entries if not e.revisit and e.payload_digest == entry.payload_digest), None
    )
    if first is None or first.response_id in emitted or first.captured_at is None:
        return []
    emitted.add(first.response_id)
    return [(first.captured_at, first.seq, Piece(_members(folder, first)[:1]))]


def _page(watch: Watch, entry: ArchiveEntry, snapshot: Snapshot | None) -> Page | None:
    if entry.kind != "version" or snapshot is None:
        return None
    return Page(f"{watch.id}-v{snapshot.version}", entry.uri, entry.warc_date, snapshot.title)


def _reconstructed(
    watch: Watch, snapshot: Snapshot, raw_html: Callable[[str], bytes | None]
) -> Piece | None:
    """A version stored before the archive, rebuilt from its stored HTML (None without)."""
    raw = raw_html(snapshot.raw_hash) if snapshot.raw_hash else None
    if raw is None or snapshot.fetched_at is None:
        return None
    uri = str(snapshot.extra.get("url") or watch.url)
    date = warc_date(snapshot.fetched_at)
    response = stored_response(uri, date, raw, "text/html")
    fields = {
        "newswatch-watch": str(watch.id),
        "newswatch-watch-url": watch.url,
        "newswatch-version": str(snapshot.version),
        "newswatch-content-hash": snapshot.content_hash,
        "newswatch-raw-hash": snapshot.raw_hash or "",
        "newswatch-extractor-version": snapshot.extractor_version,
        "newswatch-body": RECONSTRUCTED,
        "newswatch-reconstructed": REBUILT,
    }
    metadata = metadata_record(uri, date, response.id, fields)
    page = Page(f"{watch.id}-v{snapshot.version}", uri, date, snapshot.title)
    return Piece((response.member, metadata.member), page, reconstructed=True)
