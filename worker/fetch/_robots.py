"""robots.txt per origin: fetched once, kept for a day, obeyed (RFC 9309)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx

from worker.errors import FetchError, HTTPStatusError, RefusedError
from worker.fetch._hosts import Recent
from worker.robots import DISALLOW_ALL, RobotsRules, parse_robots

_ROBOTS_KEEP = 24 * 3600.0
_ROBOTS_RETRY = 600.0
_ROBOTS_MAX = 512 * 1024
# What lifts this refusal; only the articles a source enrolled are refused it.
LIFT_ROBOTS = "ignore_robots = true on its [[source]], for a site you own"


# Fetches a robots.txt URL (public addresses only, if told) and returns its raw bytes, raising
# a FetchError (an HTTPStatusError for a status) on failure.
RobotsLoader = Callable[[str, bool], bytes]


class RobotsCache:
    """robots.txt per origin, fetched once and kept for a day (RFC 9309).

    4xx means no rules (everything allowed); 5xx and network errors mean "disallow all" for a
    short while, as the RFC asks, so an overloaded site is not hammered.
    """

    def __init__(self, load: RobotsLoader, clock: Callable[[], float], limit: int) -> None:
        self._get = load
        self._clock = clock
        self._lock = threading.Lock()
        self._rules: Recent[tuple[float, RobotsRules | None]] = Recent(limit)

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
        try:
            raw = self._get(f"{origin}/robots.txt", public_only)
        except HTTPStatusError as exc:
            if exc.status is not None and exc.status < 500:
                return None, _ROBOTS_KEEP
            return DISALLOW_ALL, _ROBOTS_RETRY
        except FetchError:
            return DISALLOW_ALL, _ROBOTS_RETRY
        return parse_robots(raw[:_ROBOTS_MAX].decode("utf-8", "replace")), _ROBOTS_KEEP


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"
