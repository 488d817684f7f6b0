"""Fetch one article page over HTTP: the only module that talks to httpx.

Decisions a reader could not guess:

- A 304 Not Modified is a success, not an error: it is the cheapest answer a server can give
  and means "nothing changed since your copy", so the pipeline stops there without parsing.
  Nothing is read or decoded; the validators we sent are kept when the 304 repeats none.
- The size cap counts *decompressed* bytes, because that is what costs memory and parsing
  time: a 50 KB gzip body can inflate to 50 MB. We inflate gzip/deflate ourselves, at most
  64 KB at a time (httpx inflates each network chunk in one go, so one 64 KB read of a
  gzip bomb would already be 64 MB). Only gzip and deflate are advertised; httpx decodes
  br and zstd only with extra packages.
- Redirects are followed by hand so that a redirect's body is never read and the limit
  error names the URL asked for.
- Cookies are never kept: a shared cookie jar would let paywall meters count our visits
  and make a fetch depend on the ones before it.
- Retries cover connection failures and 502/503/504 only. Timeouts are not retried: the
  worst case of a check stays about one timeout (the service waits that long at
  shutdown), and the next scheduled check is the retry. `settings.timeout` also bounds
  the whole download, so a server that drips bytes cannot hold a worker forever.
- Charset: a byte-order mark wins; then the Content-Type charset, then a <meta> charset in
  the first 4 KB, each only if it decodes strictly (servers often declare utf-8 for
  windows-1251 pages); then plain utf-8; then a declared charset that fails on a few bytes
  only; then charset_normalizer. Detection comes last because it guesses wildly on a
  utf-8 page with one stray byte.
"""

from __future__ import annotations

import codecs
import re
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import NamedTuple, Self, TypeVar

import charset_normalizer
import httpx

from worker.errors import (
    DiscoverError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    NetworkError,
    NotHTMLError,
    RefusedError,
    TooLargeError,
)
from worker.headers import retry_after
from worker.robots import DISALLOW_ALL, RobotsRules, parse_robots
from worker.settings import HttpSettings
from worker.transport import (
    DeadlineExceeded,
    NonPublicAddressError,
    deadline,
    keep_deadlines,
    public_only_transport,
)
from worker.types import FetchResult
from worker.urls import Resolver, check_public

HOSTS_KEPT = 10_000  # hosts whose politeness and robots.txt state a fetcher remembers
_V = TypeVar("_V")
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
_ACCEPT_ENCODING = "gzip, deflate"
_FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_ROBOTS_KEEP = 24 * 3600.0
_ROBOTS_RETRY = 600.0
_ROBOTS_MAX = 512 * 1024
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
_RETRY_STATUSES = frozenset({502, 503, 504})
_MAX_RETRY_AFTER = 10.0
_BACKOFF = 0.5
_INFLATE_CHUNK = 64 * 1024
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


@dataclass(frozen=True)
class FetchRules:
    """How one URL may be fetched.

    `feed`: a feed or sitemap, read as bytes whatever its type. `public_only`: every hop
    must resolve to public addresses (URLs a feed or sitemap listed). `respect_robots`: obey
    robots.txt.
    """

    feed: bool = False
    public_only: bool = False
    respect_robots: bool = False


class _Failure(NamedTuple):
    """A failed attempt and how long to wait before the next one (None: do not retry)."""

    error: FetchError
    retry_in: float | None


class Fetcher:
    """Conditional GETs with a size cap, retries and per-host politeness; thread-safe."""

    def __init__(
        self,
        settings: HttpSettings,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        resolver: Resolver | None = None,
    ) -> None:
        self._settings = settings
        self._resolver = resolver
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots: Recent[threading.BoundedSemaphore] = Recent()
        self._next_start: Recent[float] = Recent()
        self._robots = _RobotsCache(self, clock)
        self._client = _client(settings, transport)
        # Untrusted URLs (from feeds and sitemaps) go through connections that can only
        # reach public addresses, checked on the address actually connected to.
        self._public_client = _client(settings, transport or public_only_transport(resolver))

    def get(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        *,
        rules: FetchRules = FetchRules(),
    ) -> FetchResult:
        """Fetch `url`, sending the validators given; raise a FetchError subclass on failure."""
        host = _host(url)
        headers = _conditional_headers(etag, last_modified)
        if rules.feed:
            headers["Accept"] = _FEED_ACCEPT
        if rules.respect_robots:
            if rules.public_only:  # a refused host gets no robots.txt request either
                _require_public(url, host, self._resolver)
            self._robots.check(url, self._settings.user_agent, rules.public_only)
        attempt = 0
        while True:
            outcome = self._attempt(url, host, headers, attempt, rules)
            if isinstance(outcome, FetchResult):
                return outcome
            if outcome.retry_in is None or attempt >= self._settings.retries:
                raise outcome.error
            self._sleep(outcome.retry_in)
            attempt += 1

    def close(self) -> None:
        """Close the connection pools."""
        self._client.close()
        self._public_client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _attempt(
        self, url: str, host: str, headers: dict[str, str], attempt: int, rules: FetchRules
    ) -> FetchResult | _Failure:
        """One request (redirects included) under the host's politeness rules."""
        try:
            with self._polite(host), deadline(self._settings.timeout.total_seconds()):
                started = self._clock()
                with closing(self._open(url, headers, rules.public_only)) as response:
                    if response.status_code >= 300 and response.status_code != 304:
                        return _Failure(_status_error(url, response), _retry_in(response, attempt))
                    return self._result(url, response, started, rules.feed)
        except httpx.HTTPError as exc:
            error = _translate(exc, url)
            error.__cause__ = exc
            retryable = isinstance(error, NetworkError) and not isinstance(error, FetchTimeoutError)
            return _Failure(error, _backoff(attempt) if retryable else None)

    def _open(self, url: str, headers: dict[str, str], public_only: bool) -> httpx.Response:
        """Send the GET and follow redirects by hand, closing each redirect unread.

        With `public_only`, every hop must resolve to public addresses only (no SSRF).
        """
        client = self._public_client if public_only else self._client
        request = client.build_request("GET", url, headers=headers)
        for _ in range(self._settings.max_redirects + 1):
            if public_only:  # a clear refusal before connecting; the connection checks again
                _require_public(url, request.url.host, self._resolver)
            response = client.send(request, stream=True)
            if response.next_request is None:
                return response
            response.close()
            request = response.next_request
        raise FetchError(
            f"too many redirects (more than {self._settings.max_redirects}) from {url}", url=url
        )

    def _result(
        self, url: str, response: httpx.Response, started: float, feed: bool = False
    ) -> FetchResult:
        """Turn a 2xx or 304 response into a FetchResult, reading the body under the cap."""
        content_type = response.headers.get("content-type", "")
        result = FetchResult(
            url=url,
            final_url=str(response.url),
            status=response.status_code,
            content_type=content_type,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )
        if response.status_code == 304:
            return _not_modified(result, response.request, self._clock() - started)
        if feed:  # feeds and sitemaps are parsed from bytes by their own parsers
            raw = self._read(url, response, started)
            return replace(result, raw=raw, elapsed=self._clock() - started)
        _check_declared_type(url, content_type)
        raw = self._read(url, response, started)
        if not content_type and not _looks_like_html(raw):
            raise NotHTMLError(f"no Content-Type and the body is not HTML: {url}", url=url)
        html, encoding = _decode(raw, content_type)
        return replace(
            result, html=html, raw=raw, encoding=encoding, elapsed=self._clock() - started
        )

    def _read(self, url: str, response: httpx.Response, started: float) -> bytes:
        """Read the decompressed body, stopping at the size cap and the overall deadline."""
        cap = self._settings.max_bytes
        _check_declared_length(url, response, cap)
        deadline = started + self._settings.timeout.total_seconds()
        body = bytearray()
        for chunk in _body_chunks(url, response):
            body += chunk
            if len(body) > cap:
                raise TooLargeError(_too_large(url, cap, "the body is larger"), url=url)
            if self._clock() > deadline:
                raise FetchTimeoutError(f"download not finished in time: {url}", url=url)
        return bytes(body)

    @contextmanager
    def _polite(self, host: str) -> Iterator[None]:
        """Hold one of the host's concurrency slots and wait for its next start time."""
        with self._slot(host):
            self._wait_turn(host)
            yield

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            if host not in self._slots:
                limit = self._settings.per_host_concurrency
                self._slots[host] = threading.BoundedSemaphore(limit)
            return self._slots[host]

    def _wait_turn(self, host: str) -> None:
        """Reserve the next start time of the host (per_host_delay after its last request)
        and of the whole fetcher (1 / max_rps after the last request), then wait."""
        delay = self._settings.per_host_delay.total_seconds()
        rps = self._settings.max_rps
        if delay <= 0 and rps <= 0:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start.get(host, now), self._next_start.get("", now))
            if delay > 0:
                self._next_start[host] = start + delay
            if rps > 0:
                self._next_start[""] = start + 1 / rps
        if start > now:
            self._sleep(start - now)


def user_agent(settings: HttpSettings) -> str:
    """The User-Agent: the tool, and the operator's contact when the config gives one."""
    if not settings.contact:
        return settings.user_agent
    return f"{settings.user_agent} (contact: {settings.contact})"


# What lifts each refusal; only the articles a source enrolled are refused these.
LIFT_PRIVATE = "allow_private = true on its [[source]], or `source add SOURCE --allow-private`"
LIFT_ROBOTS = "ignore_robots = true on its [[source]], for a site you own"


def _require_public(url: str, host: str, resolver: Resolver | None) -> None:
    try:
        check_public(host, resolver)
    except DiscoverError as exc:
        raise RefusedError(f"refused {url}: {exc} (to allow it: {LIFT_PRIVATE})", url=url) from None


class _RobotsCache:
    """robots.txt per origin, fetched once and kept for a day (RFC 9309).

    4xx means no rules (everything allowed); 5xx and network errors mean "disallow all" for a
    short while, as the RFC asks, so an overloaded site is not hammered.
    """

    def __init__(self, fetcher: Fetcher, clock: Callable[[], float]) -> None:
        self._fetcher = fetcher
        self._clock = clock
        self._lock = threading.Lock()
        self._rules: Recent[tuple[float, RobotsRules | None]] = Recent()

    def check(self, url: str, agent: str, public_only: bool = False) -> None:
        """Raise RefusedError when robots.txt disallows `url` for our user agent.

        With `public_only`, robots.txt (and its redirects) must be on public addresses too.
        """
        rules = self._parser(_origin(url), public_only)
        if rules is not None and not rules.allowed(url, agent):
            raise RefusedError(
                f"disallowed by robots.txt: {url} (to allow it: {LIFT_ROBOTS})", url=url
            )

    def _parser(self, origin: str, public_only: bool) -> RobotsRules | None:
        with self._lock:
            cached = self._rules.get(origin)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        parser, keep = self._load(origin, public_only)
        with self._lock:
            self._rules[origin] = (self._clock() + keep, parser)
        return parser

    def _load(self, origin: str, public_only: bool) -> tuple[RobotsRules | None, float]:
        rules = FetchRules(feed=True, public_only=public_only)
        try:
            result = self._fetcher.get(f"{origin}/robots.txt", rules=rules)
        except HTTPStatusError as exc:
            if exc.status is not None and exc.status < 500:
                return None, _ROBOTS_KEEP
            return DISALLOW_ALL, _ROBOTS_RETRY
        except FetchError:
            return DISALLOW_ALL, _ROBOTS_RETRY
        return parse_robots(result.raw[:_ROBOTS_MAX].decode("utf-8", "replace")), _ROBOTS_KEEP


class Recent(OrderedDict[str, _V]):
    """A dict of per-host state that keeps only the `limit` hosts used last, so that hosts
    met in strangers' feeds cannot grow a long-running fetcher without end. (A host dropped
    while in use only loses its politeness state: it is rebuilt on its next request.)"""

    def __init__(self, limit: int = 0) -> None:
        super().__init__()
        self.limit = limit or HOSTS_KEPT

    def __getitem__(self, key: str) -> _V:
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def __setitem__(self, key: str, value: _V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


def _host(url: str) -> str:
    """The host politeness applies to; refuse what is not an http(s) URL."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}", url=url) from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(f"not an http(s) URL: {url!r}", url=url)
    return parsed.host


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _not_modified(result: FetchResult, request: httpx.Request, elapsed: float) -> FetchResult:
    """A 304 may omit the validators; keep the ones we sent so the next GET is conditional."""
    return replace(
        result,
        not_modified=True,
        etag=result.etag or request.headers.get("if-none-match"),
        last_modified=result.last_modified or request.headers.get("if-modified-since"),
        elapsed=elapsed,
    )


def _client(settings: HttpSettings, transport: httpx.BaseTransport | None) -> httpx.Client:
    client = httpx.Client(
        transport=transport,
        timeout=settings.timeout.total_seconds(),
        follow_redirects=False,
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        headers={
            "User-Agent": user_agent(settings),
            "Accept": _ACCEPT,
            "Accept-Encoding": _ACCEPT_ENCODING,
        },
    )
    return keep_deadlines(client)


def _translate(exc: httpx.HTTPError, url: str) -> FetchError:
    """Map an httpx exception onto our error tree."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc.__cause__, NonPublicAddressError):
        return RefusedError(
            f"refused {url}: {exc.__cause__} (to allow it: {LIFT_PRIVATE})", url=url
        )
    if isinstance(exc.__cause__, DeadlineExceeded):
        return FetchTimeoutError(f"timed out (no whole answer within the timeout): {url}", url=url)
    if isinstance(exc, httpx.TimeoutException):
        return FetchTimeoutError(f"timed out ({type(exc).__name__}) fetching {url}", url=url)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return FetchError(f"cannot fetch {url}: {detail}", url=url)
    if isinstance(exc, httpx.TransportError):
        return NetworkError(f"network error fetching {url}: {detail}", url=url)
    return FetchError(f"fetching {url} failed: {detail}", url=url)


def _status_error(url: str, response: httpx.Response) -> HTTPStatusError:
    status = response.status_code
    reason = f" {response.reason_phrase}" if response.reason_phrase else ""
    where = url if response.url == httpx.URL(url) else f"{response.url} (redirected from {url})"
    after = None
    if status in {429, 503}:
        after = retry_after(response.headers.get("retry-after"), time.time())
    return HTTPStatusError(
        f"HTTP {status}{reason} from {where}", url=url, status=status, retry_after=after
    )


def _retry_in(response: httpx.Response, attempt: int) -> float | None:
    """Seconds to wait before retrying this status, or None to give up now."""
    if response.status_code not in _RETRY_STATUSES:
        return None
    after = retry_after(response.headers.get("retry-after"), time.time())
    if after is None:
        return _backoff(attempt)
    return after if after <= _MAX_RETRY_AFTER else None


def _backoff(attempt: int) -> float:
    return _BACKOFF * 2**attempt


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _check_declared_type(url: str, content_type: str) -> None:
    """Refuse a declared non-HTML type before reading the body."""
    media = _media_type(content_type)
    if media and media not in _HTML_TYPES:
        raise NotHTMLError(f"not an HTML page ({media}): {url}", url=url)


def _looks_like_html(raw: bytes) -> bool:
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


def _check_declared_length(url: str, response: httpx.Response, cap: int) -> None:
    """Refuse before reading when an uncompressed body's Content-Length is over the cap."""
    if _content_codings(url, response):
        return  # the compressed size says little about the inflated one
    try:
        declared = int(response.headers["content-length"])
    except (KeyError, ValueError):
        return
    if declared > cap:
        raise TooLargeError(_too_large(url, cap, f"Content-Length is {declared}"), url=url)


def _too_large(url: str, cap: int, why: str) -> str:
    return f"{url} is over the size cap of {cap} bytes ({why})"


def _body_chunks(url: str, response: httpx.Response) -> Iterator[bytes]:
    """The body's decompressed chunks, read lazily from the network."""
    if response.is_stream_consumed:
        # respx and httpx.MockTransport hand over bodies that httpx has already read and inflated.
        yield response.content
        return
    codings = _content_codings(url, response)
    try:
        yield from _inflated(response.iter_raw(), codings)
    except zlib.error as exc:
        raise FetchError(f"corrupt {'+'.join(codings)} body from {url}", url=url) from exc


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


def decode(raw: bytes, content_type: str = "") -> str:
    """A stored body as text, decoded as a fetch decodes it (the charset rules above)."""
    return _decode(raw, content_type)[0]


def _decode(raw: bytes, content_type: str) -> tuple[str, str]:
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
