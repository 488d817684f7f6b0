"""HTTP response headers that both page fetches and alert deliveries honour."""

from __future__ import annotations

import re
from datetime import UTC
from email.utils import parsedate_to_datetime

RETRY_AFTER_LONGEST = 365 * 24 * 3600.0  # a Retry-After beyond a year is read as a year
_SECONDS = re.compile(r"^\d+(\.\d+)?$")


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), at most a year;
    None when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if _SECONDS.match(value):
        return min(float(value), RETRY_AFTER_LONGEST)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, when.timestamp() - now), RETRY_AFTER_LONGEST)
