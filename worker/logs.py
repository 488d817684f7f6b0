"""The log: one handler on stderr (text or JSON lines), and no secret in it at any level.

Libraries log what they send: httpx and httpcore every request URL at INFO/DEBUG, urllib3 and
apprise the paths that carry chat and webhook tokens. They are held at WARNING, and every line
that reaches the handler is scrubbed of the configured secrets (alert URLs and their tokens,
signing secrets, the web token, the database password) and of token-like query values.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from worker import redact
from worker.redact import MASK

QUIET = ("httpx", "httpcore", "hpack", "urllib3", "requests", "apprise", "apscheduler")
# `?token=...`, `&api_key=...`, `;sig=...`: the value up to the next separator (linear).
_SECRET_QUERY = re.compile(
    r"(?i)([?&;](?:[a-z0-9_.-]{0,40}(?:token|key|secret|passw(?:or)?d|pwd|sig|signature|auth)"
    r"|code|session)=)[^&;#\s\"'<>]{1,2000}"
)
_secrets: list[str] = []
_secrets_lock = threading.Lock()


def configure(level: str, style: str = "text") -> None:
    """Log to stderr at `level`, as text or JSON lines; libraries that log URLs at WARNING."""
    handler = logging.StreamHandler(sys.stderr)
    inner = JsonFormatter() if style == "json" else logging.Formatter(_TEXT)
    handler.setFormatter(ScrubbingFormatter(inner))
    logging.basicConfig(level=getattr(logging, level.upper()), handlers=[handler], force=True)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


def hide(secrets: Iterable[str]) -> None:
    """Add secrets that no log line may show (short pieces are ignored: they are no secret,
    and masking them would garble every line)."""
    with _secrets_lock:
        found = {s for s in [*_secrets, *secrets] if len(s) >= 6}
        _secrets[:] = sorted(found, key=len, reverse=True)


def scrub(text: str) -> str:
    """`text` without the hidden secrets and token-like query values."""
    return _SECRET_QUERY.sub(rf"\1{MASK}", redact.scrub(text, list(_secrets)))


_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ScrubbingFormatter(logging.Formatter):
    """Formats with `inner`, then scrubs the whole line, traceback included."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return scrub(self.inner.format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per log line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)
