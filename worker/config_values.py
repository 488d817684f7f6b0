"""The value types of the configuration: each parses and checks itself, so that a bad value
is named with its key (see worker.config_file) wherever it is written.

Durations are written `90s`, `15m`, `2h` or `1d` (a bare number means seconds).
"""

from __future__ import annotations

import importlib.util
import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from worker.durations import parse_duration
from worker.types import FetcherChoice


def positive(value: timedelta) -> timedelta:
    """The duration, refused when it is not more than zero."""
    if value <= timedelta(0):
        raise ValueError("a duration here must be more than zero")
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(positive)]
Delay = Annotated[timedelta, BeforeValidator(parse_duration)]


def _stage(value: object) -> tuple[timedelta, timedelta]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"a stage is [age, every], such as ['3h', '15m'], got {value!r}")
    age, every = (positive(parse_duration(part)) for part in value)
    return age, every


Stage = Annotated[tuple[timedelta, timedelta], BeforeValidator(_stage)]


def _ascending(stages: tuple[tuple[timedelta, timedelta], ...]) -> tuple:
    ages = [age for age, _ in stages]
    if not ages:
        raise ValueError("give at least one stage, such as [['3h', '15m']]")
    if ages != sorted(ages) or len(set(ages)) != len(ages):
        raise ValueError("stages must be in order of increasing age")
    return stages


Stages = Annotated[tuple[Stage, ...], AfterValidator(_ascending)]


BROWSER_EXTRA = "pip install 'newswatch[browser]'"


def browser_extra_missing() -> bool:
    """True when Playwright (the `browser` extra) cannot be imported."""
    try:
        return importlib.util.find_spec("playwright.async_api") is None
    except (ImportError, ValueError):
        return True


def require_browser_extra(what: str) -> None:
    """Raise ValueError naming the extra when `what` needs the browser and it is missing."""
    if browser_extra_missing():
        raise ValueError(f"{what} needs the browser extra, which is not installed: {BROWSER_EXTRA}")


def _browser_ready(choice: FetcherChoice | None) -> FetcherChoice | None:
    if choice in ("browser", "auto"):
        require_browser_extra(f'fetcher = "{choice}"')
    return choice


Fetcher = Annotated[FetcherChoice | None, AfterValidator(_browser_ready)]


def _css_selectors(value: list[str]) -> list[str]:
    """CSS selectors as soupsieve reads them; a bad one is named with the reason."""
    for selector in value:
        reason = css_problem(selector)
        if reason is not None:
            raise ValueError(f"{selector!r} is not a CSS selector: {reason}")
    return value


def css_problem(selector: str) -> str | None:
    """Why soupsieve cannot read `selector` as a CSS selector, or None when it can."""
    import soupsieve  # here: soupsieve loads bs4, which commands that parse nothing never need

    try:
        soupsieve.compile(selector)
    # NotImplementedError: what soupsieve reads but does not select by (`p::before`, a
    # pseudo-element); ValueError: an empty or otherwise unusable pattern.
    except (soupsieve.SelectorSyntaxError, ValueError, NotImplementedError) as exc:
        return str(exc).splitlines()[0]
    return None


# CSS selectors of page parts never compared (furniture: at most a few short blocks).
Selectors = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]],
                      Field(max_length=20), AfterValidator(_css_selectors)]  # fmt: skip


def _wait_list(value: object) -> object:
    if not isinstance(value, list | tuple):
        raise ValueError("retry is a list of waits, such as ['5s', '5m', '30m'] ([] never retries)")
    return value


RetrySchedule = Annotated[tuple[Delay, ...], BeforeValidator(_wait_list)]


_SIZE = re.compile(r"(\d+)\s*([KMG]i?B|B)?", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9}
_SIZE_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30}


def _byte_size(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("a size is a number of bytes or a text such as '1GB' or '512MiB'")
    if isinstance(value, int) or not isinstance(value, str):
        return value
    found = _SIZE.fullmatch(value.strip())
    if found is None:
        raise ValueError(f"{value!r} is not a size: write it as 1GB, 500MB, 512MiB or in bytes")
    return int(found.group(1)) * _SIZE_UNITS[(found.group(2) or "").lower()]


ByteSize = Annotated[int, BeforeValidator(_byte_size), Field(ge=4096, le=2**40)]
