"""The packages an export writes: a WACZ 1.1.1 file (the WARC, its CDXJ index, the pages,
datapackage.json with the digest of each, datapackage-digest.json), or the bare WARC."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import IO, BinaryIO

from worker.archive.cdxj import IndexLine, index_line
from worker.archive.export import Page, Piece
from worker.archive.files import SUFFIX, _warcinfo
from worker.archive.records import warc_date, warcinfo_record
from worker.models import utcnow

WACZ_VERSION = "1.1.1"
WARC_NAME = f"newswatch{SUFFIX}"
# WARC files and compressed indexes are stored (not deflated), so replay can seek in them.
_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED


@dataclass
class Written:
    """What an export wrote: its index lines and pages, and how many records."""

    index: list[IndexLine]
    pages: list[Page]
    records: int = 0


def write_warc(out: BinaryIO, pieces: Iterable[Piece], title: str) -> Written:
    """The records, after a warcinfo record that says what the export is; returns the index
    lines (offsets in this WARC) and the pages."""
    now = utcnow()
    info = _warcinfo() | {"description": title, "isPartOf": "newswatch export"}
    first = warcinfo_record(WARC_NAME, warc_date(now), info).member
    out.write(first)
    offset, written = len(first), Written([], [], 1)
    for piece in pieces:
        for member in piece.members:
            line = index_line(member, WARC_NAME, offset)
            if line is not None:
                written.index.append(line)
            out.write(member)
            offset += len(member)
            written.records += 1
        if piece.page is not None:
            written.pages.append(piece.page)
    return written


def write_wacz(out: BinaryIO, pieces: Iterable[Piece], title: str) -> Written:
    """A WACZ package of the pieces (`out` must be seekable)."""
    resources = []
    with zipfile.ZipFile(out, "w") as package:
        with _entry(package, f"archive/{WARC_NAME}", _STORED) as warc:
            hashing = _Hashing(warc)
            written = write_warc(hashing, pieces, title)  # type: ignore[arg-type]
        resources.append(_resource(f"archive/{WARC_NAME}", hashing))
        index = "".join(f"{line}\n" for line in sorted(written.index, key=_order))
        resources.append(_put(package, "indexes/index.cdx", index.encode()))
        resources.append(_put(package, "pages/pages.jsonl", _pages(written.pages, title)))
        created = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
        datapackage = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": title,
            "created": created,
            "software": _warcinfo()["software"],
            "resources": resources,
        }
        if written.pages:
            datapackage["mainPageURL"] = written.pages[0].url
            datapackage["mainPageDate"] = written.pages[0].ts
        body = json.dumps(datapackage, indent=2).encode()
        package.writestr(_info("datapackage.json", _DEFLATED), body)
        digest = {"path": "datapackage.json", "hash": _sha256(body)}
        package.writestr(_info("datapackage-digest.json", _DEFLATED), json.dumps(digest))
    return written


def _pages(pages: list[Page], title: str) -> bytes:
    header = {"format": "json-pages-1.0", "id": "pages", "title": title}
    lines = [json.dumps(header), *(json.dumps(asdict(page)) for page in pages)]
    return "".join(f"{line}\n" for line in lines).encode()


def _order(line: IndexLine) -> tuple[str, str, int]:
    return line.key, line.timestamp, int(str(line.fields["offset"]))


class _Hashing:
    """A writer that counts and hashes what passes through it."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.size, self.sha = out, 0, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.out.write(data)


def _entry(package: zipfile.ZipFile, name: str, compression: int) -> IO[bytes]:
    return package.open(_info(name, compression), "w", force_zip64=True)


def _put(package: zipfile.ZipFile, name: str, data: bytes) -> dict[str, object]:
    package.writestr(_info(name, _DEFLATED), data)
    return {"name": name.rsplit("/", 1)[-1], "path": name, "hash": _sha256(data),
            "bytes": len(data)}  # fmt: skip


def _resource(name: str, hashing: _Hashing) -> dict[str, object]:
    return {"name": name.rsplit("/", 1)[-1], "path": name,
            "hash": "sha256:" + hashing.sha.hexdigest(), "bytes": hashing.size}  # fmt: skip


def _info(name: str, compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=utcnow().timetuple()[:6])
    info.compress_type = compression
    return info


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
