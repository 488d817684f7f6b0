"""WARC/1.1 records, written with warcio, each compressed as a gzip member of its own.

The body of a response is kept as it came over the connection: when the fetcher undid a
Content-Encoding, the record holds the encoded bytes it kept (`FetchResult.wire`) and the
headers as received. Only what no longer describes the recorded bytes is rewritten, the
original kept under `X-Archive-Orig-<name>` as WARC writers do: Transfer-Encoding always
(httpx removes the chunking before we see the body), Content-Encoding when the body could
only be had decoded (a transport that decoded it itself), Content-Length when it differs
from the recorded body (an error answer's body is not read, so it is recorded empty).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from worker.types import FetchResult, Headers, RecordRef

WARC_VERSION = "WARC/1.1"
GZIP_LEVEL = 6  # warcio's own gzip is level 9: slower for bodies of megabytes, barely smaller
ORIGINAL = "X-Archive-Orig-"
# How a response's body is recorded (the metadata record says which).
AS_RECEIVED, DECODED, NOT_READ, RECONSTRUCTED = "as-received", "decoded", "not-read", "stored"


class _Writer(WARCWriter):
    """warcio's writer with sha256 block and payload digests (sha1 is broken for evidence)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


@dataclass(frozen=True)
class Stored:
    """One record ready to append: its type, WARC-Record-ID and gzip member."""

    type: str
    id: str
    member: bytes


def new_record_id() -> str:
    return str(StatusAndHeadersParser.make_warc_id())


def warc_date(when: datetime) -> str:
    """A WARC-Date with microseconds (WARC/1.1): 2026-12-01T14:03:33.118264Z."""
    return str(datetime_to_iso_date(when.astimezone(UTC).replace(tzinfo=None), use_micros=True))


def recorded_body(fetched: FetchResult) -> tuple[bytes, str]:
    """The body a response record holds, and how it relates to what came (see the module)."""
    if fetched.status >= 300:
        return b"", NOT_READ
    if fetched.wire is not None:
        return fetched.wire, AS_RECEIVED
    return fetched.raw, DECODED if _coded(fetched.response_headers) else AS_RECEIVED


def response_headers(fetched: FetchResult, body: bytes) -> StatusAndHeaders:
    """The status line and headers as received, rewritten only where they no longer
    describe `body` (see the module docstring)."""
    decoded = fetched.wire is None and fetched.status < 300 and _coded(fetched.response_headers)
    headers: list[tuple[str, str]] = []
    for name, value in fetched.response_headers:
        key = name.lower()
        moved = key == "transfer-encoding" or (key == "content-encoding" and decoded)
        moved = moved or (key == "content-length" and value.strip() != str(len(body)))
        headers.append((ORIGINAL + name, value) if moved else (name, value))
    if any(name.startswith(ORIGINAL) and name.lower().endswith("content-length")
           for name, _ in headers):  # fmt: skip
        headers.append(("Content-Length", str(len(body))))
    return StatusAndHeaders(_status_line(fetched), headers, protocol=_protocol(fetched))


def response_record(fetched: FetchResult, record_id: str, date: str) -> Stored:
    body, _ = recorded_body(fetched)
    record = _builder().create_warc_record(
        fetched.final_url,
        "response",
        payload=BytesIO(body),
        length=len(body),
        warc_headers_dict={"WARC-Record-ID": record_id, "WARC-Date": date},
        http_headers=response_headers(fetched, body),
    )
    return Stored("response", record_id, gzip_member(record))


def revisit_record(
    fetched: FetchResult, record_id: str, date: str, refers: RecordRef, digest: str
) -> Stored:
    """A response whose payload the archive holds already: its headers, and a pointer to the
    first response with that payload (identical-payload-digest profile)."""
    body, _ = recorded_body(fetched)
    record = _builder().create_revisit_record(
        fetched.final_url,
        digest,
        refers.uri,
        refers.date,
        http_headers=response_headers(fetched, body),
        warc_headers_dict={"WARC-Record-ID": record_id, "WARC-Date": date},
    )
    record.rec_headers.add_header("WARC-Refers-To", refers.record_id)
    return Stored("revisit", record_id, gzip_member(record))


def request_record(fetched: FetchResult, concurrent_to: str, date: str) -> Stored:
    """The request as sent: request line and headers (a GET has no body)."""
    target = urlsplit(fetched.final_url)
    path = (target.path or "/") + (f"?{target.query}" if target.query else "")
    line = f"GET {path} {_protocol(fetched)}"
    headers = StatusAndHeaders(line, list(fetched.request_headers), is_http_request=True)
    record_id = new_record_id()
    record = _builder().create_warc_record(
        fetched.final_url,
        "request",
        payload=BytesIO(b""),
        length=0,
        warc_headers_dict={
            "WARC-Record-ID": record_id,
            "WARC-Date": date,
            "WARC-Concurrent-To": concurrent_to,
        },
        http_headers=headers,
    )
    return Stored("request", record_id, gzip_member(record))


def redirect_records(fetched: FetchResult) -> tuple[Stored, ...]:
    """The response (status and headers; a redirect's body is never read) and the request of
    each redirect that led to `fetched`, in order, each dated when it was answered."""
    records: list[Stored] = []
    for hop in fetched.redirects:
        date = warc_date(hop.fetched_at or fetched.fetched_at or datetime.now(UTC))
        answer = response_record(hop, new_record_id(), date)
        records += [answer, request_record(hop, answer.id, date)]
    return tuple(records)


def metadata_record(uri: str, date: str, refers_to: str, fields: Mapping[str, str]) -> Stored:
    """newswatch's own facts about a capture, as application/warc-fields."""
    record_id = new_record_id()
    record = _fields_record(
        uri,
        "metadata",
        fields,
        {"WARC-Record-ID": record_id, "WARC-Date": date, "WARC-Refers-To": refers_to},
    )
    return Stored("metadata", record_id, gzip_member(record))


def warcinfo_record(filename: str, date: str, fields: Mapping[str, str]) -> Stored:
    """The first record of a WARC file: what wrote it, and in which format."""
    record_id = new_record_id()
    headers = {"WARC-Record-ID": record_id, "WARC-Date": date, "WARC-Filename": filename}
    return Stored(
        "warcinfo", record_id, gzip_member(_fields_record("", "warcinfo", fields, headers))
    )


def stored_response(uri: str, date: str, raw: bytes, content_type: str) -> Stored:
    """A response rebuilt from a version's stored HTML, for versions kept before the archive:
    the body as stored (decoded), no headers but the type and length it has."""
    fetched = FetchResult(
        url=uri,
        final_url=uri,
        status=200,
        raw=raw,
        http_version="HTTP/1.1",
        reason="OK",
        response_headers=(("Content-Type", content_type), ("Content-Length", str(len(raw)))),
    )
    return response_record(fetched, new_record_id(), date)


def gzip_member(record: ArcWarcRecord) -> bytes:
    """The record serialised by warcio, compressed on its own (one gzip member)."""
    buffer = BytesIO()
    _Writer(buffer, gzip=False, warc_version=WARC_VERSION).write_record(record)
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(buffer.getvalue()) + compressor.flush()


def _fields_record(
    uri: str, kind: str, fields: Mapping[str, str], headers: Mapping[str, str]
) -> ArcWarcRecord:
    lines = "".join(f"{name}: {_one_line(value)}\r\n" for name, value in fields.items())
    payload = lines.encode("utf-8")
    return _builder().create_warc_record(
        uri,
        kind,
        payload=BytesIO(payload),
        length=len(payload),
        warc_content_type="application/warc-fields",
        warc_headers_dict=dict(headers),
    )


def _builder() -> RecordBuilder:
    return _Writer(None, gzip=False, warc_version=WARC_VERSION)


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def _coded(headers: Headers) -> bool:
    codings = (v for n, v in headers if n.lower() == "content-encoding")
    return any(c.strip().lower() not in ("", "identity") for v in codings for c in v.split(","))


def _protocol(fetched: FetchResult) -> str:
    return fetched.http_version or "HTTP/1.1"


def _status_line(fetched: FetchResult) -> str:
    reason = fetched.reason
    if not reason:
        try:
            reason = HTTPStatus(fetched.status).phrase
        except ValueError:
            reason = ""
    return f"{fetched.status} {reason}".strip()
