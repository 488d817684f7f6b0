"""What feeds and sitemaps share: expat without entities, the document's encoding, caps,
and order-keeping de-duplication."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar
from xml.parsers import expat

from worker.errors import DiscoverError

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 65_536  # bytes fed to expat at a time
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_NO_BOM = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


class _HasURL(Protocol):
    """A feed item or a sitemap entry: what has the URL it is known by."""

    @property
    def url(self) -> str: ...


_Entry = TypeVar("_Entry", bound=_HasURL)


class CapReachedError(Exception):
    """Raised inside an expat handler to stop reading: a cap was reached."""


def expat_parser(where: str, namespace_separator: str | None = None) -> Any:
    """An expat parser that refuses entity declarations and external entities (as
    defusedxml does) with a DiscoverError naming `where`."""
    parser = expat.ParserCreate(namespace_separator=namespace_separator)
    parser.buffer_text = True

    def refuse(*_: Any) -> None:
        raise DiscoverError(f"refused {where}: XML entity declarations")

    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def as_utf8(data: bytes) -> bytes:
    """The document re-encoded as UTF-8 with a matching declaration.

    Decoding once here means the entity check and feedparser see the same characters,
    whatever encoding the document claims.
    """
    text = decoded(data).lstrip("\ufeff")
    text = _DECLARATION.sub("", text, count=1)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode("utf-8", "replace")


def decoded(data: bytes) -> str:
    for encoding in _encodings(data):
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeError):
            continue
    return data.decode("windows-1252", errors="replace")


def _encodings(data: bytes) -> list[str]:
    """Encodings to try, most trusted first: byte order mark, declaration, UTF-8, cp1252."""
    for prefixes in (_BOMS, _NO_BOM):
        for prefix, encoding in prefixes:
            if data.startswith(prefix):
                return [encoding]
    declared = _DECLARED.match(data)
    # A declaration readable as ASCII cannot be in UTF-16 or UTF-32, whatever it says.
    label = declared.group(1).decode("ascii").lower() if declared else ""
    wide = label.startswith(("utf-16", "utf16", "utf-32", "utf32", "ucs"))
    return [*([label] if label and not wide else []), "utf-8", "windows-1252"]


def first_per_url(entries: Iterable[_Entry | None]) -> list[_Entry]:
    """Drop missing entries and later duplicates of a URL, keeping order."""
    first: dict[str, _Entry] = {}
    for entry in entries:
        if entry is not None:
            first.setdefault(entry.url, entry)
    return list(first.values())


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
