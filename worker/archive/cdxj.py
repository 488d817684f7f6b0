"""The CDXJ index of an export: one line per replayable record (response or revisit),
`SURT TIMESTAMP {json}`, sorted, as pywb and ReplayWeb.page read it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

_WWW = re.compile(r"^www\d*\.")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class IndexLine:
    key: str
    timestamp: str
    fields: dict[str, object]

    def __str__(self) -> str:
        return f"{self.key} {self.timestamp} {json.dumps(self.fields, separators=(',', ':'))}"


def surt(url: str) -> str:
    """The Sort-friendly URI Reordering Transform of a URL, as pywb computes its keys:
    scheme dropped, host lower-cased without www and reversed by label, a port other than
    the scheme's kept, a trailing slash dropped, query arguments sorted, all lower-cased."""
    parts = urlsplit(url)
    host = _WWW.sub("", (parts.hostname or "").lower().rstrip("."))
    host = ",".join(reversed(host.split(".")))
    port = parts.port if parts.port not in (None, _DEFAULT_PORTS.get(parts.scheme)) else None
    path = parts.path.rstrip("/") or "/"
    key = host + (f":{port}" if port else "") + ")" + path
    if parts.query:
        key += "?" + "&".join(sorted(parts.query.split("&")))
    return key.lower()


def index_line(member: bytes, filename: str, offset: int) -> IndexLine | None:
    """The index line of one stored record, or None when it is not one a replay looks up."""
    record = next(iter(ArchiveIterator(BytesIO(member))))
    if record.rec_type not in ("response", "revisit"):
        return None
    headers = record.rec_headers
    url = headers.get_header("WARC-Target-URI")
    http = record.http_headers
    fields: dict[str, object] = {
        "url": url,
        "mime": "warc/revisit" if record.rec_type == "revisit" else _media_type(http),
        "status": http.get_statuscode() if http else "-",
        "digest": headers.get_header("WARC-Payload-Digest") or "-",
        "length": str(len(member)),
        "offset": str(offset),
        "filename": filename,
    }
    timestamp = iso_date_to_timestamp(headers.get_header("WARC-Date"))
    return IndexLine(surt(url), timestamp, fields)


def _media_type(http: object) -> str:
    content_type = http.get_header("Content-Type") if http else None  # type: ignore[attr-defined]
    return (content_type or "unk").split(";", 1)[0].strip().lower() or "unk"
