"""Per-host state a fetcher keeps, bounded; the host politeness applies to."""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

import httpx

from worker.errors import FetchError

_V = TypeVar("_V")


class Recent(OrderedDict[str, _V]):
    """A dict of per-host state that keeps only the `limit` hosts used last, so that hosts
    met in strangers' feeds cannot grow a long-running fetcher without end. (A host dropped
    while in use only loses its politeness state: it is rebuilt on its next request.)"""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __getitem__(self, key: str) -> _V:
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def __setitem__(self, key: str, value: _V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


def politeness_host(url: str) -> str:
    """The host politeness applies to; refuse what is not an http(s) URL."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}", url=url) from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(f"not an http(s) URL: {url!r}", url=url)
    return parsed.host
