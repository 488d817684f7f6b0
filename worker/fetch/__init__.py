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

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from types import TracebackType
from typing import NamedTuple, Self

import httpx

from worker.errors import FetchError, FetchTimeoutError, NetworkError, NotHTMLError, TooLargeError
from worker.fetch._body import (
    body_chunks,
    check_declared_length,
    check_declared_type,
    looks_like_html,
    too_large,
)
from worker.fetch._charset import decode, text_and_encoding
from worker.fetch._hosts import Recent, politeness_host
from worker.fetch._http import (
    FEED_ACCEPT,
    backoff,
    conditional_headers,
    exchange_of,
    new_client,
    not_modified,
    require_public,
    retry_in,
    status_error,
    translate_error,
)
from worker.fetch._robots import RobotsCache
from worker.settings import HttpSettings
from worker.transport import deadline, public_only_transport
from worker.types import FetchResult
from worker.urls import Resolver

__all__ = ["HOSTS_KEPT", "FetchRules", "Fetcher", "decode"]

HOSTS_KEPT = 10_000  # hosts whose politeness and robots.txt state a fetcher remembers


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
        self._slots: Recent[threading.BoundedSemaphore] = Recent(HOSTS_KEPT)
        self._next_start: Recent[float] = Recent(HOSTS_KEPT)
        self._robots = RobotsCache(self._robots_txt, clock, HOSTS_KEPT)
        self._client = new_client(settings, transport)
        # Untrusted URLs (from feeds and sitemaps) go through connections that can only
        # reach public addresses, checked on the address actually connected to.
        self._public_client = new_client(settings, transport or public_only_transport(resolver))

    def get(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        *,
        rules: FetchRules = FetchRules(),
    ) -> FetchResult:
        """Fetch `url`, sending the validators given; raise a FetchError subclass on failure."""
        host = politeness_host(url)
        headers = conditional_headers(etag, last_modified)
        if rules.feed:
            headers["Accept"] = FEED_ACCEPT
        if rules.respect_robots:
            if rules.public_only:  # a refused host gets no robots.txt request either
                require_public(url, host, self._resolver)
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

    def _robots_txt(self, url: str, public_only: bool) -> bytes:
        """The raw bytes of a robots.txt, fetched as a feed is (whatever its type)."""
        return self.get(url, rules=FetchRules(feed=True, public_only=public_only)).raw

    def _attempt(
        self, url: str, host: str, headers: dict[str, str], attempt: int, rules: FetchRules
    ) -> FetchResult | _Failure:
        """One request (redirects included) under the host's politeness rules."""
        try:
            with self._polite(host), deadline(self._settings.timeout.total_seconds()):
                started = self._clock()
                response, hops = self._open(url, headers, rules.public_only)
                with closing(response):
                    if response.status_code >= 300 and response.status_code != 304:
                        failure = status_error(url, response, hops)
                        return _Failure(failure, retry_in(response, attempt))
                    return replace(self._result(url, response, started, rules.feed), redirects=hops)
        except httpx.HTTPError as exc:
            error = translate_error(exc, url)
            error.__cause__ = exc
            retryable = isinstance(error, NetworkError) and not isinstance(error, FetchTimeoutError)
            return _Failure(error, backoff(attempt) if retryable else None)

    def _open(
        self, url: str, headers: dict[str, str], public_only: bool
    ) -> tuple[httpx.Response, tuple[FetchResult, ...]]:
        """Send the GET and follow redirects by hand, closing each redirect unread; the last
        response, and each redirect's exchange (for the web archive).

        With `public_only`, every hop must resolve to public addresses only (no SSRF).
        """
        client = self._public_client if public_only else self._client
        request = client.build_request("GET", url, headers=headers)
        hops: list[FetchResult] = []
        for _ in range(self._settings.max_redirects + 1):
            if public_only:  # a clear refusal before connecting; the connection checks again
                require_public(url, request.url.host, self._resolver)
            response = client.send(request, stream=True)
            if response.next_request is None:
                return response, tuple(hops)
            response.close()
            hop = str(response.url)
            hops.append(FetchResult(hop, hop, response.status_code, **exchange_of(response)))
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
            **exchange_of(response),
        )
        if response.status_code == 304:
            return not_modified(result, response.request, self._clock() - started)
        if feed:  # feeds and sitemaps are parsed from bytes by their own parsers
            raw, wire = self._read(url, response, started)
            return replace(result, raw=raw, wire=wire, elapsed=self._clock() - started)
        check_declared_type(url, content_type)
        raw, wire = self._read(url, response, started)
        if not content_type and not looks_like_html(raw):
            raise NotHTMLError(f"no Content-Type and the body is not HTML: {url}", url=url)
        html, encoding = text_and_encoding(raw, content_type)
        return replace(
            result,
            html=html,
            raw=raw,
            wire=wire,
            encoding=encoding,
            elapsed=self._clock() - started,
        )

    def _read(
        self, url: str, response: httpx.Response, started: float
    ) -> tuple[bytes, bytes | None]:
        """Read the decompressed body, stopping at the size cap (which the body as received
        must keep to as well) and the overall deadline; with it, the body as received when a
        Content-Encoding was undone (None when the two are the same bytes)."""
        cap = self._settings.max_bytes
        check_declared_length(url, response, cap)
        deadline = started + self._settings.timeout.total_seconds()
        body, wire = bytearray(), bytearray()
        for chunk in body_chunks(url, response, wire):
            body += chunk
            if len(body) > cap or len(wire) > cap:
                raise TooLargeError(too_large(url, cap, "the body is larger"), url=url)
            if self._clock() > deadline:
                raise FetchTimeoutError(f"download not finished in time: {url}", url=url)
        return bytes(body), bytes(wire) if wire else None

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
