"""The apprise channel: email, Slack, Matrix, ntfy, ... through one apprise URL.

apprise is an optional extra (`pip install 'newswatch[apprise]'`), imported when a channel is
built. Its `notify` does not raise: the result is checked, and its warnings become the error.
The plain-text body is sent as TEXT, so scraped text needs no escaping here; apprise converts
it for the target. The alert's `timeout` bounds connecting and reading, unless the URL sets
apprise's own `cto` / `rto` options.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from worker.errors import ConfigError
from worker.notify._config import alert_label, resolve_url
from worker.redact import safe_url, scrub, url_secrets
from worker.settings import AlertSettings, HttpSettings
from worker.types import Message, SendResult

MAX_ERROR = 500


class AppriseChannel:
    """Send each alert's title and text through one apprise URL."""

    def __init__(
        self, name: str, url: str, *, label: str | None = None, timeout: float = 10.0
    ) -> None:
        label = label or f"alerts[apprise {name!r}]"
        self.name = name
        self._lib = load_apprise(label)
        self._target = safe_url(url)
        self._secrets = url_secrets(url)
        self._apprise = self._lib.Apprise()
        if not self._apprise.add(url):
            raise ConfigError(f"{label}: apprise does not understand the URL {self._target}")
        _apply_timeout(self._apprise, url, timeout)

    @classmethod
    def from_config(
        cls, config: AlertSettings, http: HttpSettings, environ: Mapping[str, str]
    ) -> AppriseChannel:
        """A channel for one `[[alerts]]` entry; ConfigError names the entry when it cannot work."""
        return cls(
            config.channel_name,
            resolve_url(config, environ),
            label=alert_label(config),
            timeout=config.timeout.total_seconds(),
        )

    def send(self, message: Message) -> SendResult:
        """One notification; apprise's failure (a false result) becomes a redacted error."""
        try:
            with self._lib.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
                sent = self._apprise.notify(
                    body=message.text,
                    title=message.title,
                    body_format=self._lib.NotifyFormat.TEXT,
                )
                warnings = captured.getvalue()
        except Exception as exc:  # a plugin bug must not take the dispatcher down
            return self._failure(f"{type(exc).__name__}: {exc}")
        if sent:
            return SendResult(ok=True)
        return self._failure(_one_line(warnings) or "notification failed")

    def close(self) -> None:
        """Nothing held open between sends."""

    def _failure(self, error: str) -> SendResult:
        text = scrub(f"{self._target}: {error}", self._secrets)
        return SendResult(ok=False, error=text[:MAX_ERROR])


def _apply_timeout(notifier: Any, url: str, timeout: float) -> None:
    """The alert's `timeout` for connecting and reading, unless the URL sets apprise's own
    `cto` / `rto` (apprise's default read timeout is 4 s, its connect timeout unbounded)."""
    query = parse_qs(urlsplit(url).query)
    for plugin in notifier:
        if "cto" not in query:
            plugin.socket_connect_timeout = timeout
        if "rto" not in query:
            plugin.socket_read_timeout = timeout


def load_apprise(label: str) -> ModuleType:
    """The apprise module, or a ConfigError that says how to install it."""
    try:
        import apprise  # the optional extra: imported only when an apprise alert is set up
    except ImportError:
        raise ConfigError(
            f"{label}: the apprise channel needs apprise: pip install 'newswatch[apprise]'"
        ) from None
    return apprise


def _one_line(text: Any) -> str:
    return " | ".join(line.strip() for line in str(text).splitlines() if line.strip())
