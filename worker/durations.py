"""Durations as the config and the command line write them: 90s, 15m, 2h, 1d."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


LONGEST_DURATION = timedelta(days=3650)  # ten years: beyond, date arithmetic overflows


def parse_duration(value: object) -> timedelta:
    """Turn `90s`, `15m`, `2h`, `1d` or a number of seconds into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected a duration such as '90s', '15m', '2h' or '1d', got {value!r}")
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"bad duration {value!r}: write it as '90s', '15m', '2h' or '1d'")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds > LONGEST_DURATION.total_seconds():
        raise ValueError(f"duration {value!r} is too long: at most '{LONGEST_DURATION.days}d'")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """A duration as the config writes it: 90s, 15m, 2h, 1d (the largest exact unit)."""
    seconds = int(value.total_seconds())
    if seconds != value.total_seconds():
        return f"{value.total_seconds():g}s"  # a fraction of a second (tests tick fast)
    for unit in ("d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"
