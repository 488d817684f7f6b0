"""What every route needs: the store, the diffs, the templates, and links back to this server."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from worker.errors import NotFoundError
from worker.shapes import iso
from worker.store import Store
from worker.types import DISCLOSURE_LABELS
from worker.web.access import host_name, is_loopback
from worker.web.diffs import Diffs

FRESH = 60.0  # seconds counts over weeks (a site at a glance, the sources) are kept
KEPT = 256  # and for how many keys (hosts) at most


class Recent:
    """Values computed at most `fresh` seconds ago, for at most `entries` keys."""

    def __init__(self, fresh: float = FRESH, entries: int = KEPT) -> None:
        self._values: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._fresh = fresh
        self._entries = entries
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value computed for `key` less than `fresh` seconds ago, else `compute()`."""
        now = time.monotonic()
        with self._lock:
            kept = self._values.get(key)
        if kept is not None and now - kept[0] < self._fresh:
            return kept[1]
        value = compute()
        with self._lock:
            self._values[key] = (now, value)
            self._values.move_to_end(key)
            while len(self._values) > self._entries:
                self._values.popitem(last=False)
        return value


@dataclass(frozen=True)
class Context:
    """Shared by the routes of one app; kept on `app.state.web`."""

    store: Store
    diffs: Diffs
    templates: Environment
    base_url: str | None
    failing_after: int
    archive_dir: Path | None = None  # [archive] dir: the records a version's download copies
    counts: Recent = field(default_factory=Recent)  # aggregates, recounted once a minute

    def page(self, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        """A server-rendered page; every value is escaped unless a template says otherwise."""
        html = self.templates.get_template(name).render(**values)
        return HTMLResponse(html, status_code=status_code)

    def absolute(self, request: Request, path: str) -> str:
        """A link to this server for feeds, from `[web] base_url`.

        Without it, only a request to a loopback name may supply the address: any other Host
        header could be a name that a subscriber's feed reader should never be sent to.
        """
        if self.base_url:
            return self.base_url.rstrip("/") + path
        if not is_loopback(host_name(request) or ""):
            raise NotFoundError(
                "feeds served beyond localhost need [web] base_url, the address subscribers use"
            )
        return str(request.base_url).rstrip("/") + path


def context(request: Request) -> Context:
    """The app's Context, for a route handler."""
    web: Context = request.app.state.web
    return web


def templates() -> Environment:
    """Jinja2 with autoescaping everywhere: scraped text is never trusted."""
    env = Environment(
        loader=PackageLoader("worker.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["iso"] = iso
    env.globals["http_link"] = http_link
    env.globals["query"] = query
    env.globals["disclosure_labels"] = DISCLOSURE_LABELS
    return env


def when(value: datetime | None) -> str:
    """A time for people: '2026-11-28 09:00 UTC'."""
    stamp = iso(value)
    return "—" if stamp is None else stamp[:16].replace("T", " ") + " UTC"


def http_link(url: str | None) -> str | None:
    """`url` if it is an http(s) address with a host, else None: a scraped `javascript:` or
    `data:` URL is never a link."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # an unclosed IPv6 bracket
        return None
    return url.strip() if parts.scheme.lower() in {"http", "https"} and parts.netloc else None


def query(**values: object) -> str:
    """A query string of the values that are set."""
    kept = {key: value for key, value in values.items() if value not in (None, "")}
    return "?" + urlencode(kept) if kept else ""
