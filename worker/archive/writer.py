"""Keeping one check's exchange: its records built before the check is saved, and written
in the transaction that saves it, once the store has said where they go in the chain."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from worker.archive.chain import entry_digest, member_digest, payload_digest
from worker.archive.files import ArchiveFiles
from worker.archive.records import (
    Stored,
    metadata_record,
    new_record_id,
    recorded_body,
    redirect_records,
    request_record,
    response_record,
    revisit_record,
    warc_date,
)
from worker.models import ArchiveEntry, utcnow
from worker.settings import ArchiveSettings
from worker.types import ArchivePlace, CheckRecord, FetchResult


class ArchiveWriter:
    """The web archive of one process: builds the records of a check (`capture`), which
    the store writes when it saves the check (`Capture.write`)."""

    def __init__(self, settings: ArchiveSettings, clock: Callable[[], datetime] = utcnow) -> None:
        self.files = ArchiveFiles(settings, clock)
        self._clock = clock

    def capture(self, fetched: FetchResult, record: CheckRecord, watch_url: str) -> Capture:
        """The records of this exchange, built now (compression included), outside the
        transaction that will write them."""
        when = fetched.fetched_at or record.started_at
        date = warc_date(when)
        response_id = new_record_id()
        body, how = recorded_body(fetched)
        return Capture(
            files=self.files,
            fetched=fetched,
            check=record,
            watch_url=watch_url,
            captured_at=when,
            date=date,
            response=response_record(fetched, response_id, date),
            request=request_record(fetched, response_id, date),
            redirects=redirect_records(fetched),
            payload_digest=payload_digest(body) if body else "",
            raw_hash=hashlib.sha256(fetched.raw).hexdigest() if how != "not-read" else None,
            body=how,
        )

    def close(self) -> None:
        self.files.close()


@dataclass(frozen=True)
class Capture:
    """One exchange's records, ready to be written where the store says (`write`)."""

    files: ArchiveFiles
    fetched: FetchResult
    check: CheckRecord
    watch_url: str
    captured_at: datetime
    date: str
    response: Stored
    request: Stored
    redirects: tuple[Stored, ...]  # the redirects' responses and requests, after the rest
    payload_digest: str  # "" when no body is recorded: never a revisit then
    raw_hash: str | None
    body: str

    def write(self, place: ArchivePlace) -> ArchiveEntry:
        """Append the records (a revisit instead of the response when the store found an
        earlier response with the same payload), fsync, and return the entry to save."""
        answer = self.response
        if place.revisit is not None and self.payload_digest:
            answer = revisit_record(
                self.fetched, self.response.id, self.date, place.revisit, self.payload_digest
            )
        metadata = metadata_record(self.fetched.final_url, self.date, answer.id, self._facts(place))
        # The answer first (an export's revisit reads it so), the redirects last.
        exchange = [answer, self.request, metadata]
        stored = [*exchange, *self.redirects]
        name, offset = self.files.append([record.member for record in stored])
        records: list[dict[str, object]] = []
        at = offset
        for index, record in enumerate(stored):
            size = len(record.member)
            digest = member_digest(record.member)
            records.append(
                {"type": record.type, "id": record.id, "offset": at, "length": size,
                 "digest": digest} | ({"redirect": True} if index >= len(exchange) else {})
            )  # fmt: skip
            at += size
        digests = [r["digest"] for r in records]
        return ArchiveEntry(
            watch_id=self.check.watch_id,
            seq=place.seq,
            kind=place.kind,
            version=place.version,
            check_id=place.check_id,
            content_hash=place.content_hash,
            raw_hash=self.raw_hash,
            uri=self.fetched.final_url,
            captured_at=self.captured_at,
            warc_date=self.date,
            response_id=answer.id,
            payload_digest=self.payload_digest,
            revisit=answer.type == "revisit",
            file=name,
            offset=offset,
            length=at - offset,
            records=records,
            previous=place.previous,
            digest=entry_digest(
                place.previous,
                self.check.watch_id,
                place.kind,
                place.version,
                place.content_hash,
                digests,
            ),
        )

    def _facts(self, place: ArchivePlace) -> dict[str, str]:
        """newswatch's facts of this capture, for its metadata record (see `metadata_fields`)."""
        return metadata_fields(
            watch_id=self.check.watch_id,
            watch_url=self.watch_url,
            place=place,
            raw_hash=self.raw_hash,
            extractor_version=self.check.extractor_version,
            check_started=self.check.started_at,
            body=self.body,
            requested=self.fetched.url,
            redirects=len(self.fetched.redirects),
        )


def metadata_fields(
    *,
    watch_id: int,
    watch_url: str,
    place: ArchivePlace,
    raw_hash: str | None,
    extractor_version: str,
    check_started: datetime | None,
    body: str,
    requested: str,
    redirects: int = 0,
) -> dict[str, str]:
    """The fields of a metadata record, named once (verify reads them back)."""
    fields = {
        "newswatch-watch": str(watch_id),
        "newswatch-watch-url": watch_url,
        "newswatch-requested-url": requested,
        "newswatch-redirects": str(redirects) if redirects else "",
        "newswatch-entry": str(place.seq),
        "newswatch-kind": place.kind,
        "newswatch-version": "" if place.version is None else str(place.version),
        "newswatch-content-hash": place.content_hash,
        "newswatch-raw-hash": raw_hash or "",
        "newswatch-extractor-version": extractor_version,
        "newswatch-check": str(place.check_id) if place.check_id else "",
        "newswatch-check-started": warc_date(check_started) if check_started else "",
        "newswatch-previous-entry": place.previous,
        "newswatch-body": body,
        "newswatch-reconstructed": "no",
    }
    return {name: value for name, value in fields.items() if value}
