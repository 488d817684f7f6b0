"""`newswatch serve`: web pages, a JSON API and Atom feeds over the stored versions.

Read-only, rendered on the server (Jinja2, no scripts), bound to 127.0.0.1 by default;
binding any other address requires an access token, checked on every request. It answers
only to the Host names it expects (loopback, its address, base_url's host, `[web] hosts`).
"""

from __future__ import annotations

from typing import Any

import uvicorn

from worker.errors import ConfigError
from worker.settings import Settings
from worker.store import Store
from worker.web.access import is_loopback
from worker.web.app import create_app
from worker.web.logs import log_config

__all__ = ["create_app", "serve", "uvicorn_options"]


def serve(settings: Settings, store: Store, host: str, port: int) -> None:
    """Serve until interrupted; refuses a non-loopback address without a token.

    The token is `[web] token`, which `load_settings` fills from NEWSWATCH_WEB_TOKEN.
    """
    if not settings.web.token and not is_loopback(host):
        raise ConfigError(
            f"serving on {host} needs an access token: set [web] token or NEWSWATCH_WEB_TOKEN"
            " (or bind 127.0.0.1)"
        )
    app = create_app(settings, store, host)
    uvicorn.run(app, **uvicorn_options(settings, host, port))


def uvicorn_options(settings: Settings, host: str, port: int) -> dict[str, Any]:
    """How `serve` runs uvicorn: no Server header, and no token in any log line."""
    return {
        "host": host,
        "port": port,
        "log_level": "info",
        "server_header": False,
        "log_config": log_config(settings.web.token),
    }
