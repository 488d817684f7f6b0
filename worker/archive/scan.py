"""Reading an archive file member by member: where each record lies, what it is, and a
torn tail (a record half-written when its process was killed), detected and skipped.

Every record is a gzip member of its own, so a file is walked by inflating one member after
the other; only the first bytes of each (its WARC headers) are kept.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_HEAD = 16 * 1024  # the inflated bytes of a member kept to read its WARC headers
_READ = 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b\x08"


@dataclass(frozen=True)
class Member:
    """One record of a file: its place, WARC-Type, WARC-Record-ID and WARC-Target-URI."""

    offset: int
    length: int
    type: str
    record_id: str
    uri: str


@dataclass(frozen=True)
class FileScan:
    """What a walk through one file found: its whole records, the offset of a torn tail
    (None when the file ends on a whole record), and offsets where the bytes were no gzip
    member (damaged; the walk went on at the next member it could find)."""

    name: str
    members: tuple[Member, ...]
    torn_at: int | None = None
    damaged_at: tuple[int, ...] = ()


class _DamagedError(Exception):
    def __init__(self, offset: int) -> None:
        self.offset = offset


def scan(path: Path) -> FileScan:
    members: list[Member] = []
    damaged: list[int] = []
    torn = None
    with path.open("rb") as file:
        offset: int | None = 0
        while offset is not None:
            try:
                torn = _walk(file, offset, members)
                offset = None
            except _DamagedError as exc:
                damaged.append(exc.offset)
                offset = _next_member(file, exc.offset + 1)
    return FileScan(path.name, tuple(members), torn, tuple(damaged))


def read_member(path: Path, offset: int, length: int) -> bytes:
    """The bytes of `length` from `offset` (fewer if the file ends before)."""
    with path.open("rb") as file:
        file.seek(offset)
        return file.read(length)


def warc_fields(head: bytes) -> dict[str, str]:
    """The WARC headers at the start of an inflated record (names as written)."""
    block = head.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    lines = block.split("\r\n")
    if not lines or not lines[0].startswith("WARC/"):
        return {}
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


def _walk(file: BinaryIO, offset: int, members: list[Member]) -> int | None:
    """Append the members from `offset` to the end; the offset of a torn tail, if any."""
    file.seek(offset)
    start = base = size = offset  # the member being inflated; where `chunk` starts; the end
    inflater, head = _inflater(), bytearray()
    for chunk in iter(lambda: file.read(_READ), b""):
        size = base + len(chunk)
        data = chunk
        while data:
            try:
                out = inflater.decompress(data, _HEAD)
            except zlib.error:
                raise _DamagedError(start) from None
            if len(head) < _HEAD:
                head += out[: _HEAD - len(head)]
            if not inflater.eof:
                data = inflater.unconsumed_tail
                continue
            data = inflater.unused_data  # the next member's first bytes (a suffix of chunk)
            end = size - len(data)
            members.append(_member(start, end - start, bytes(head)))
            start, inflater, head = end, _inflater(), bytearray()
        base = size
    return start if start < size else None


def _next_member(file: BinaryIO, offset: int) -> int | None:
    """The offset of the next gzip header at or after `offset`, if any."""
    file.seek(offset)
    carry = b""
    position = offset
    for chunk in iter(lambda: file.read(_READ), b""):
        data = carry + chunk
        found = data.find(_GZIP_MAGIC)
        if found >= 0:
            return position - len(carry) + found
        carry = data[-(len(_GZIP_MAGIC) - 1) :]
        position += len(chunk)
    return None


def _inflater() -> zlib._Decompress:
    return zlib.decompressobj(16 + zlib.MAX_WBITS)


def _member(offset: int, length: int, head: bytes) -> Member:
    fields = warc_fields(head)
    return Member(
        offset,
        length,
        fields.get("WARC-Type", ""),
        fields.get("WARC-Record-ID", ""),
        fields.get("WARC-Target-URI", ""),
    )
