"""`newswatch verify`: the archive files and the database rows read again, every digest and
every link of each article's chain checked, and each finding tied to its version and record.

What is not a failure: a record with no row (`orphan`: written, but its check was never
saved, as when the process was killed between the two), a half-written record at the end of
a file (`torn`: the write a kill interrupted; skipped), and a version with no records
(`unarchived`: stored before the archive was on; an export rebuilds it from its HTML).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Literal

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from worker.archive.chain import entry_digest, member_digest
from worker.archive.files import SUFFIX
from worker.archive.scan import FileScan, read_member, scan
from worker.models import ArchiveEntry, Snapshot

Status = Literal["ok", "failed", "orphan", "torn", "unarchived"]


@dataclass(frozen=True)
class Finding:
    """One line of the report: what was checked, where, and what was found."""

    status: Status
    url: str = ""
    version: int | None = None
    entry: int | None = None  # the entry's seq in its article's chain
    where: str = ""  # FILE@OFFSET
    message: str = ""


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(f.status == "failed" for f in self.findings)

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = defaultdict(int)
        for finding in self.findings:
            counted[finding.status] += 1
        return dict(counted)


def verify(
    folder: Path | None,
    urls: Mapping[int, str],
    entries: Sequence[ArchiveEntry],
    versions: Sequence[Snapshot],
    every_file: bool = True,
) -> Report:
    """Check the entries and versions of the watches in `urls` (id -> URL) against the
    files under `folder`; with `every_file`, also walk every file for orphans and torn
    tails (only those of these watches' URLs otherwise)."""
    report = Report()
    by_watch: dict[int, list[ArchiveEntry]] = defaultdict(list)
    for entry in entries:
        by_watch[entry.watch_id].append(entry)
    stored = {(s.watch_id, s.version): s for s in versions}
    for watch_id, url in urls.items():
        chain = by_watch.get(watch_id, [])
        report.findings += _chain(folder, url, chain, stored)
        archived = {e.version for e in chain if e.kind == "version"}
        report.findings += [
            Finding("unarchived", url, s.version, message=_UNARCHIVED)
            for s in versions
            if s.watch_id == watch_id and s.version not in archived
        ]
    if folder is not None:
        uris = None if every_file else {e.uri for e in entries} | set(urls.values())
        report.findings += _files(folder, entries, uris)
    return report


_UNARCHIVED = (
    "no records (stored before the archive was on); an export rebuilds it from the stored HTML"
)


def _chain(
    folder: Path | None,
    url: str,
    chain: Sequence[ArchiveEntry],
    stored: Mapping[tuple[int, int], Snapshot],
) -> Iterable[Finding]:
    previous = ""
    responses: set[str] = set()
    for number, entry in enumerate(chain, start=1):
        problems = []
        if entry.seq != number:
            problems.append(f"the chain skips from entry {number - 1} to {entry.seq}")
        if entry.previous != previous:
            problems.append(
                f"chain broken: it names {entry.previous or 'no entry'} as the one before, "
                f"whose digest is {previous or 'none (this is the first)'}"
            )
        problems += _row(entry, stored)
        problems += _records(folder, entry, responses) if folder else ["no [archive] dir set"]
        where = f"{entry.file}@{entry.offset}"
        if problems:
            for problem in problems:
                yield Finding("failed", url, entry.version, entry.seq, where, problem)
        else:
            yield Finding("ok", url, entry.version, entry.seq, where, f"{entry.kind}: intact")
        previous = entry.digest
        if not entry.revisit:
            responses.add(entry.response_id)


def _row(entry: ArchiveEntry, stored: Mapping[tuple[int, int], Snapshot]) -> list[str]:
    """The row against its own digest and against the version it names."""
    digests = [record.get("digest", "") for record in entry.records]
    problems = []
    recomputed = entry_digest(
        entry.previous, entry.watch_id, entry.kind, entry.version, entry.content_hash, digests
    )
    if recomputed != entry.digest:
        problems.append(
            f"the entry's digest {entry.digest} does not match its fields ({recomputed}): "
            "the row was changed"
        )
    snapshot = stored.get((entry.watch_id, entry.version or 0))
    if snapshot is None:
        problems.append(f"version {entry.version} is not in the database")
    elif entry.kind == "version":
        if snapshot.content_hash != entry.content_hash:
            problems.append(
                f"version {entry.version}'s content hash is {snapshot.content_hash} in the "
                f"database, {entry.content_hash} in the archive"
            )
        if snapshot.raw_hash and entry.raw_hash and snapshot.raw_hash != entry.raw_hash:
            problems.append(
                f"version {entry.version}'s stored HTML ({snapshot.raw_hash}) is not the body "
                f"archived ({entry.raw_hash})"
            )
    return problems


def _records(folder: Path, entry: ArchiveEntry, responses: set[str]) -> list[str]:
    path = folder / entry.file
    if not path.is_file():
        return [f"the file {entry.file} is missing"]
    data = read_member(path, entry.offset, entry.length)
    if len(data) < entry.length:
        return [f"{entry.file} ends before the entry's {entry.length} bytes at {entry.offset}"]
    problems = _layout(entry)
    for index, record in enumerate(entry.records, start=1):
        start = int(record["offset"]) - entry.offset
        member = data[start : start + int(record["length"])]
        name = f"record {index} ({record['type']} {record['id']})"
        name += f" at {entry.file}@{record['offset']}"
        if member_digest(member) != record["digest"]:
            problems.append(f"{name}: its bytes changed (sha256 {member_digest(member)}, "
                            f"recorded {record['digest']})")  # fmt: skip
            continue
        problems += [f"{name}: {p}" for p in _content(member, record, entry, responses)]
    return problems


EXCHANGE = 3  # answer, request, metadata: the records before any redirect's


def _layout(entry: ArchiveEntry) -> list[str]:
    """The answer first, then its request and metadata; redirects only after them (a row
    cannot pass its answer off as a redirect to skip the answer's checks)."""
    flagged = [bool(record.get("redirect")) for record in entry.records]
    first = entry.records[0] if entry.records else {}
    if first.get("id") != entry.response_id or any(flagged[:EXCHANGE]):
        return ["its records are not in order: the answer, its request and metadata first"]
    return []


def _content(
    member: bytes, expected: Mapping[str, object], entry: ArchiveEntry, responses: set[str]
) -> list[str]:
    """One record read with warcio: its own digests, its headers, and newswatch's facts."""
    try:
        records = ArchiveIterator(BytesIO(member), check_digests=True)
        record = next(iter(records))
        body = record.content_stream().read()
    except (ArchiveLoadFailed, StopIteration, OSError, EOFError, ValueError) as exc:
        return [f"unreadable as a WARC record ({exc or type(exc).__name__})"]
    headers = record.rec_headers
    problems = [f"digest check: {problem}" for problem in record.digest_checker.problems]
    record_id = headers.get_header("WARC-Record-ID")
    if record.rec_type != expected["type"] or record_id != expected["id"]:
        problems.append("its type or WARC-Record-ID is not the row's")
    if expected.get("redirect"):
        problems += _redirect(record)
    elif record.rec_type in ("response", "revisit"):
        problems += _answer(record, body, entry, responses)
    elif record.rec_type == "metadata":
        problems += _metadata(body, entry)
    return problems


def _answer(
    record: ArcWarcRecord, body: bytes, entry: ArchiveEntry, responses: set[str]
) -> list[str]:
    headers = record.rec_headers
    problems = []
    if headers.get_header("WARC-Target-URI") != entry.uri:
        problems.append(f"its WARC-Target-URI is not {entry.uri}")
    if entry.payload_digest and headers.get_header("WARC-Payload-Digest") != entry.payload_digest:
        problems.append("its WARC-Payload-Digest is not the row's")
    if record.rec_type == "revisit":
        if headers.get_header("WARC-Refers-To") not in responses:
            problems.append("a revisit of no earlier response of this article")
    elif entry.raw_hash and hashlib.sha256(body).hexdigest() != entry.raw_hash:
        problems.append("its decoded body is not the version's stored HTML")
    return problems


def _redirect(record: ArcWarcRecord) -> list[str]:
    """A redirect that led to the entry's answer: a request, or a 3xx response."""
    if record.rec_type == "request":
        return []
    status = record.http_headers.get_statuscode() if record.http_headers else ""
    if record.rec_type != "response" or not str(status).startswith("3"):
        return [f"a redirect's record that is a {record.rec_type} of status {status or 'none'}"]
    return []


def _metadata(body: bytes, entry: ArchiveEntry) -> list[str]:
    """The metadata fields that must say what the row says."""
    fields = {}
    for line in body.decode("utf-8", "replace").split("\r\n"):
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    expected = {
        "newswatch-watch": str(entry.watch_id),
        "newswatch-entry": str(entry.seq),
        "newswatch-kind": entry.kind,
        "newswatch-version": "" if entry.version is None else str(entry.version),
        "newswatch-content-hash": entry.content_hash,
        "newswatch-raw-hash": entry.raw_hash or "",
        "newswatch-previous-entry": entry.previous,
    }
    return [
        f"its {name} is {fields.get(name, '') or 'missing'}, the row says {value or 'nothing'}"
        for name, value in expected.items()
        if fields.get(name, "") != value
    ]


def _files(folder: Path, entries: Sequence[ArchiveEntry], uris: set[str] | None) -> list[Finding]:
    """Orphans, torn tails and damage found by walking the files."""
    kept = {record["id"] for entry in entries for record in entry.records}
    places = {(entry.file, record["offset"]) for entry in entries for record in entry.records}
    findings = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        walked = scan(path)
        findings += _orphans(walked, kept, uris)
        if walked.torn_at is not None:
            findings.append(
                Finding(
                    "torn",
                    where=f"{walked.name}@{walked.torn_at}",
                    message="a record half-written at the end (its write was interrupted); skipped",
                )
            )
        findings += [  # damage in an entry's records is reported with that entry
            Finding("failed", where=f"{walked.name}@{at}", message="bytes that are no record")
            for at in walked.damaged_at
            if (walked.name, at) not in places
        ]
    return findings


def _orphans(walked: FileScan, kept: set[str], uris: set[str] | None) -> list[Finding]:
    return [
        Finding(
            "orphan",
            member.uri,
            where=f"{walked.name}@{member.offset}",
            message=f"{member.type} {member.record_id}: written, but its check was never saved",
        )
        for member in walked.members
        if member.type != "warcinfo"
        and member.record_id not in kept
        and (uris is None or member.uri in uris)
    ]
