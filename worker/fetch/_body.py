"""Reading a body: declared type and length, Content-Encoding layers inflated lazily under
the size cap, and whether bytes look like HTML."""

from __future__ import annotations

import codecs
import zlib
from collections.abc import Iterable, Iterator

import httpx

from worker.errors import FetchError, NotHTMLError, TooLargeError

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_HTML_STARTS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<title",
    b"<meta",
    b"<script",
    b"<style",
    b"<div",
    b"<p>",
    b"<h1",
    b"<table",
    b"<!--",
)
_INFLATE_CHUNK = 64 * 1024


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def check_declared_type(url: str, content_type: str) -> None:
    """Refuse a declared non-HTML type before reading the body."""
    media = _media_type(content_type)
    if media and media not in _HTML_TYPES:
        raise NotHTMLError(f"not an HTML page ({media}): {url}", url=url)


def looks_like_html(raw: bytes) -> bool:
    head = raw[:1024].removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n\x0c").lower()
    return head.startswith(_HTML_STARTS)


def _content_codings(url: str, response: httpx.Response) -> list[str]:
    """The Content-Encoding layers, outermost last; refuse any we cannot inflate."""
    header = response.headers.get("content-encoding", "")
    codings = [c.strip().lower() for c in header.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    unknown = [c for c in codings if c not in ("gzip", "x-gzip", "deflate")]
    if unknown:
        raise FetchError(f"unsupported Content-Encoding {', '.join(unknown)} from {url}", url=url)
    return codings


def check_declared_length(url: str, response: httpx.Response, cap: int) -> None:
    """Refuse before reading when an uncompressed body's Content-Length is over the cap."""
    if _content_codings(url, response):
        return  # the compressed size says little about the inflated one
    try:
        declared = int(response.headers["content-length"])
    except (KeyError, ValueError):
        return
    if declared > cap:
        raise TooLargeError(too_large(url, cap, f"Content-Length is {declared}"), url=url)


def too_large(url: str, cap: int, why: str) -> str:
    return f"{url} is over the size cap of {cap} bytes ({why})"


def body_chunks(url: str, response: httpx.Response, wire: bytearray) -> Iterator[bytes]:
    """The body's decompressed chunks, read lazily from the network; a body that came
    content-coded is also kept in `wire` as it came (for the web archive)."""
    if response.is_stream_consumed:
        # respx and httpx.MockTransport hand over bodies that httpx has already read and inflated.
        yield response.content
        return
    codings = _content_codings(url, response)
    chunks = response.iter_raw()
    if codings:
        chunks = _kept(chunks, wire)
    try:
        yield from _inflated(chunks, codings)
    except zlib.error as exc:
        raise FetchError(f"corrupt {'+'.join(codings)} body from {url}", url=url) from exc


def _kept(chunks: Iterable[bytes], wire: bytearray) -> Iterator[bytes]:
    for chunk in chunks:
        wire += chunk
        yield chunk


def _inflated(chunks: Iterable[bytes], codings: list[str]) -> Iterator[bytes]:
    """Undo each Content-Encoding layer lazily, last applied first."""
    for coding in reversed(codings):
        chunks = _inflate(chunks, coding)
    yield from chunks


def _inflate(chunks: Iterable[bytes], coding: str) -> Iterator[bytes]:
    """Inflate gzip or deflate, yielding at most _INFLATE_CHUNK bytes at a time."""
    inflater = None
    for chunk in chunks:
        if not chunk:
            continue
        if inflater is None:
            inflater = zlib.decompressobj(_wbits(coding, chunk))
        data = chunk
        while data:
            yield inflater.decompress(data, _INFLATE_CHUNK)
            data = inflater.unconsumed_tail
    if inflater is not None:
        yield inflater.flush()


def _wbits(coding: str, first: bytes) -> int:
    """zlib window bits: gzip header, zlib header, or raw deflate (some servers send that)."""
    if coding != "deflate":
        return 16 + zlib.MAX_WBITS
    zlib_header = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
    return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS
