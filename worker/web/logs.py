"""uvicorn's logging for `newswatch serve`, with access tokens kept out of every line.

uvicorn logs a `?token=` login before the Guard can redirect it away, so the log drops the
token itself: every `token=` value in a line, and the configured token wherever it appears.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

HIDDEN = "[hidden]"
# `token=`, however its letters are percent-encoded: Starlette decodes the keys of a query.
_TOKEN_VALUE = re.compile(
    "".join(f"(?:{letter}|%{ord(letter):02x})" for letter in "token") + r"=[^&;#\s'\"]*",
    re.IGNORECASE,
)


class RedactTokens(logging.Filter):
    """Rewrites a record so that no token survives, whichever logger or handler it reaches."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token or None

    def filter(self, record: logging.LogRecord) -> bool:
        # The arguments are redacted one by one, since uvicorn's access formatter unpacks them.
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.redact(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed record: the formatter reports it
        if self.redact(message) != message:
            record.msg, record.args = self.redact(message), ()
        return True

    def redact(self, text: str) -> str:
        """`text` with every token value hidden."""
        text = _TOKEN_VALUE.sub(f"token={HIDDEN}", text)
        return text.replace(self.token, HIDDEN) if self.token else text


def log_config(token: str | None) -> dict[str, Any]:
    """uvicorn's own logging configuration, with `RedactTokens` on its loggers and handlers."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"tokens": {"()": RedactTokens, "token": token}}
    for section in ("handlers", "loggers"):
        for entry in config[section].values():
            entry["filters"] = ["tokens"]
    return config
