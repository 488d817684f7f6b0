"""A body as text: the charset rules of `worker.fetch` (byte-order mark, declared charsets,
utf-8, detection last)."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_META_WINDOW = 4096
_FEW_ERRORS = 0.001
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
# Python codecs that are not web charsets (utf-7 is also an XSS vector browsers refuse).
_NOT_CHARSETS = frozenset(
    {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "utf-7", "undefined"}
)
# As browsers do (WHATWG Encoding): a latin-1 label means windows-1252.
_WEB_ALIASES = {"iso8859-1": "cp1252"}


def decode(raw: bytes, content_type: str = "") -> str:
    """A stored body as text, decoded as a fetch decodes it (the charset rules above)."""
    return text_and_encoding(raw, content_type)[0]


def text_and_encoding(raw: bytes, content_type: str) -> tuple[str, str]:
    """Decode the body to text; return (text, encoding). Never raises."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(encoding, errors="replace"), encoding
    declared = [
        name for name in (_codec(_header_charset(content_type)), _codec(_meta_charset(raw))) if name
    ]
    for encoding in [*declared, "utf-8"]:
        text = _decode_strictly(raw, encoding)
        if text is not None:
            return text, encoding
    for encoding in declared:
        text = raw.decode(encoding, errors="replace")
        if text.count("\ufffd") <= max(1, len(raw) * _FEW_ERRORS):
            return text, encoding
    encoding = _detect(raw) or (declared[0] if declared else "utf-8")
    return raw.decode(encoding, errors="replace"), encoding


def _header_charset(content_type: str) -> str | None:
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def _meta_charset(raw: bytes) -> str | None:
    match = _META_CHARSET.search(raw[:_META_WINDOW])
    if not match:
        return None
    name = match.group(1).decode("ascii")
    # A <meta> readable as ASCII cannot be in utf-16; browsers read it as utf-8.
    return "utf-8" if name.lower().startswith("utf-16") else name


def _codec(label: str | None) -> str | None:
    """Python's name for a charset label, or None if it is unknown or not a web charset."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    if name in _NOT_CHARSETS:
        return None
    return _WEB_ALIASES.get(name, name)


def _decode_strictly(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except (LookupError, ValueError):
        return None


def _detect(raw: bytes) -> str | None:
    best = charset_normalizer.from_bytes(raw).best()
    return _codec(best.encoding) if best else None
