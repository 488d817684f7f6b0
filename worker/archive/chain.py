"""The digests of the web archive, defined once: of a stored record, of a payload, and of
one entry of an article's hash chain."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence


def member_digest(member: bytes) -> str:
    """The digest of one record as stored: sha256 over its gzip member, byte for byte."""
    return "sha256:" + hashlib.sha256(member).hexdigest()


def payload_digest(payload: bytes) -> str:
    """The WARC-Payload-Digest of a body, in the form WARC writers use (sha256, base32)."""
    return "sha256:" + base64.b32encode(hashlib.sha256(payload).digest()).decode("ascii")


def entry_digest(
    previous: str,
    watch_id: int,
    kind: str,
    version: int | None,
    content_hash: str,
    records: Sequence[str],
) -> str:
    """The digest of one entry of an article's chain: sha256 over the compact JSON array
    [previous entry's digest ("" for the first), watch id, kind, version, content hash,
    [the member digest of each record, in file order]]. Each entry names the one before,
    so a byte changed in a record or a field changed in a row breaks every link after it."""
    fields = [previous, watch_id, kind, version, content_hash, list(records)]
    text = json.dumps(fields, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(text.encode("ascii")).hexdigest()
