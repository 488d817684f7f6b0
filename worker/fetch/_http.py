"""One request and its answer: the client, conditional headers, the error a failure
becomes, and when to retry."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from worker.errors import (
    DiscoverError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    NetworkError,
    RefusedError,
)
from worker.headers import retry_after
from worker.settings import HttpSettings
from worker.transport import DeadlineExceeded, NonPublicAddressError, keep_deadlines
from worker.types import FetchResult, Headers
from worker.urls import Resolver, check_public

_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
_ACCEPT_ENCODING = "gzip, deflate"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_RETRY_STATUSES = frozenset({502, 503, 504})
_MAX_RETRY_AFTER = 10.0
_BACKOFF = 0.5


def user_agent(settings: HttpSettings) -> str:
    """The User-Agent: the tool, and the operator's contact when the config gives one."""
    if not settings.contact:
        return settings.user_agent
    return f"{settings.user_agent} (contact: {settings.contact})"


# What lifts each refusal; only the articles a source enrolled are refused these.
LIFT_PRIVATE = "allow_private = true on its [[source]], or `source add SOURCE --allow-private`"


def require_public(url: str, host: str, resolver: Resolver | None) -> None:
    try:
        check_public(host, resolver)
    except DiscoverError as exc:
        raise RefusedError(f"refused {url}: {exc} (to allow it: {LIFT_PRIVATE})", url=url) from None


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def not_modified(result: FetchResult, request: httpx.Request, elapsed: float) -> FetchResult:
    """A 304 may omit the validators; keep the ones we sent so the next GET is conditional."""
    return replace(
        result,
        not_modified=True,
        etag=result.etag or request.headers.get("if-none-match"),
        last_modified=result.last_modified or request.headers.get("if-modified-since"),
        elapsed=elapsed,
    )


def new_client(settings: HttpSettings, transport: httpx.BaseTransport | None) -> httpx.Client:
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


def translate_error(exc: httpx.HTTPError, url: str) -> FetchError:
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


def exchange_of(response: httpx.Response) -> dict[str, Any]:
    """What the web archive keeps of an exchange (FetchResult fields): the request headers
    as sent, the answer's HTTP version, reason and headers as received, and when."""
    return {
        "request_headers": _pairs(response.request.headers.raw),
        "http_version": response.http_version,
        "reason": response.reason_phrase,
        "response_headers": _pairs(response.headers.raw),
        "fetched_at": datetime.now(UTC),
    }


def _pairs(raw: list[tuple[bytes, bytes]]) -> Headers:
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in raw)


def status_error(
    url: str, response: httpx.Response, redirects: tuple[FetchResult, ...] = ()
) -> HTTPStatusError:
    """The error of an answer that is no page (4xx, 5xx), with its exchange and the
    redirects that led to it, for the web archive of a removal."""
    status = response.status_code
    reason = f" {response.reason_phrase}" if response.reason_phrase else ""
    where = url if response.url == httpx.URL(url) else f"{response.url} (redirected from {url})"
    after = None
    if status in {429, 503}:
        after = retry_after(response.headers.get("retry-after"), time.time())
    exchange = FetchResult(
        url, str(response.url), status, **exchange_of(response), redirects=redirects
    )
    return HTTPStatusError(
        f"HTTP {status}{reason} from {where}",
        url=url,
        status=status,
        retry_after=after,
        exchange=exchange,
    )


def retry_in(response: httpx.Response, attempt: int) -> float | None:
    """Seconds to wait before retrying this status, or None to give up now."""
    if response.status_code not in _RETRY_STATUSES:
        return None
    after = retry_after(response.headers.get("retry-after"), time.time())
    if after is None:
        return backoff(attempt)
    return after if after <= _MAX_RETRY_AFTER else None


def backoff(attempt: int) -> float:
    return _BACKOFF * 2**attempt
