"""Dates as pages write them, made timezone-aware UTC.

A page states its dates in many ways: ISO 8601 with or without an offset, a date alone, RFC
2822 with a zone abbreviation, or words in the page's language ("11. November 2020, 13:47
Uhr"). Parsing is python-dateutil for ISO and English forms with the explicit zone table
below, and dateparser, limited to the page's language, for month names of other languages.

A stamp without an offset takes the zone the page states elsewhere (another of its dates, or a
visible dateline such as "3:47 PM EST"), else UTC; `DateNote` records which.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

from dateutil import parser as dateutil_parser

from worker.types import DateNote

MAX_LENGTH = 80  # longer strings are not dates; bounded work for dateparser's regexes
_YEARS = range(1990, 2101)

_H = 3600
# Zone abbreviations news pages print, with their UTC offsets. Ambiguous ones take the reading
# news pages mean most often: IST is India, BST British summer time, AST Atlantic.
ZONES: dict[str, int] = {
    **{name: 0 for name in ("UTC", "GMT", "UT", "Z", "WET", "WEZ")},
    **{"BST": _H, "IST": 5 * _H + 1800, "WEST": _H, "WESZ": _H, "CET": _H, "MEZ": _H},
    **{"CEST": 2 * _H, "MESZ": 2 * _H, "EET": 2 * _H, "OEZ": 2 * _H, "EEST": 3 * _H},
    **{"OESZ": 3 * _H, "MSK": 3 * _H, "SAST": 2 * _H, "CAT": 2 * _H, "WAT": _H, "EAT": 3 * _H},
    **{"TRT": 3 * _H, "GST": 4 * _H, "PKT": 5 * _H, "NPT": 5 * _H + 2700, "ICT": 7 * _H},
    **{"WIB": 7 * _H, "HKT": 8 * _H, "SGT": 8 * _H, "MYT": 8 * _H, "PHT": 8 * _H, "AWST": 8 * _H},
    **{"JST": 9 * _H, "KST": 9 * _H, "ACST": 9 * _H + 1800, "AEST": 10 * _H, "AEDT": 11 * _H},
    **{"NZST": 12 * _H, "NZDT": 13 * _H, "EST": -5 * _H, "EDT": -4 * _H, "CST": -6 * _H},
    **{"CDT": -5 * _H, "MST": -7 * _H, "MDT": -6 * _H, "PST": -8 * _H, "PDT": -7 * _H},
    **{"AKST": -9 * _H, "AKDT": -8 * _H, "HST": -10 * _H, "AST": -4 * _H, "ADT": -3 * _H},
    **{"NST": -3 * _H - 1800, "ART": -3 * _H, "BRT": -3 * _H, "CLT": -4 * _H, "COT": -5 * _H},
    **{"PET": -5 * _H, "VET": -4 * _H, "UYT": -3 * _H},
}  # fmt: skip
_ZONE_WORD = re.compile(r"\b([A-Z]{1,5})\b")
_UTC_OFFSET = re.compile(r"\b(?:GMT|UTC)\s?([+-])(\d{1,2})(?::?(\d{2}))?\b")
_OFFSET = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z)$")
_ISO = re.compile(
    r"\d{4}-?\d{2}-?\d{2}(?:[T ]\d{2}(?::?\d{2}){0,2}(?:[.,]\d{1,9})?)?"
    r"\s?(?:Z|[+-]\d{2}(?::?\d{2})?)?"
)
_HAS_TIME = re.compile(r"\d{1,2}\s?[:h]\s?\d{2}|\b\d{1,2}\s?[ap]\.?m\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)|\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2}")


@dataclass(frozen=True)
class Stamp:
    """A date as parsed: `when` naive unless the text carried its zone; `precision` day or time."""

    when: datetime
    precision: str

    @property
    def zoned(self) -> bool:
        return self.when.tzinfo is not None


def parse_stamp(value: str, language: str | None = None) -> Stamp | None:
    """One date string, or None when it is not a date newswatch believes (1990-2100)."""
    value = " ".join(value.split())
    if not value or len(value) > MAX_LENGTH:
        return None
    stamp = _iso(value) or _english(value, language) or _localised(value, language)
    if stamp is None or stamp.when.year not in _YEARS:
        return None
    return stamp


def zone_of(text: str) -> timezone | None:
    """The zone a visible dateline names ('3:47 PM EST', 'GMT+3', '13:47 MEZ'), if any."""
    text = text[:200]
    offset = _UTC_OFFSET.search(text)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        minutes = int(offset.group(2)) * 60 + int(offset.group(3) or 0)
        return _fixed(sign * minutes * 60) if minutes < 15 * 60 else None
    words = [word for word in _ZONE_WORD.findall(text) if word in ZONES and word != "Z"]
    return _fixed(ZONES[words[-1]]) if words and _HAS_TIME.search(text) else None


def settle(stamp: Stamp, page_zone: timezone | None) -> tuple[datetime, DateNote]:
    """The stamp as UTC, with how its zone was known."""
    if stamp.precision == "day":
        day = stamp.when.date()
        return datetime(day.year, day.month, day.day, tzinfo=UTC), DateNote("day", "")
    if stamp.zoned:
        return stamp.when.astimezone(UTC), DateNote("time", "stated")
    if page_zone is not None:
        return stamp.when.replace(tzinfo=page_zone).astimezone(UTC), DateNote("time", "page")
    return stamp.when.replace(tzinfo=UTC), DateNote("time", "assumed")


def _fixed(seconds: int) -> timezone:
    return UTC if seconds == 0 else timezone(timedelta(seconds=seconds))


def _iso(value: str) -> Stamp | None:
    if not _ISO.fullmatch(value):
        return None
    try:
        when = dateutil_parser.isoparse(value.replace(" ", "T", 1).replace(" ", ""))
    except (ValueError, OverflowError):
        return None
    return Stamp(when, "time" if len(value) > 10 and not value.isdigit() else "day")


def _english(value: str, language: str | None) -> Stamp | None:
    """dateutil's reading of RFC 2822, English and numeric dates, zones from ZONES only.

    10/05/2022 is 5 October in the United States and 10 May almost everywhere else.
    """
    if not _YEAR.search(value):
        return None
    dayfirst = (language or "en").lower() not in {"en", "en-us"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an unknown zone name: the date stays naive
        try:
            when = dateutil_parser.parse(value, tzinfos=ZONES, dayfirst=dayfirst)
        except (ValueError, OverflowError, TypeError, LookupError):
            return None
    return Stamp(when, _precision(value))


def _localised(value: str, language: str | None) -> Stamp | None:
    """Month and day names of the page's language, through dateparser."""
    code = (language or "").split("-")[0].lower()
    if not code or code == "en" or not _YEAR.search(value):
        return None
    parser = _parser(code)
    if parser is None:
        return None
    zone = zone_of(value)
    bare = _ZONE_WORD.sub(lambda m: "" if m.group(1) in ZONES else m.group(0), value)
    try:
        found = parser.get_date_data(_UTC_OFFSET.sub("", bare)).date_obj
    except (ValueError, OverflowError, TypeError, LookupError, AttributeError):
        return None
    if found is None:
        return None
    when = found.replace(tzinfo=zone) if zone is not None and found.tzinfo is None else found
    return Stamp(when, _precision(value))


def _precision(value: str) -> str:
    return "time" if _HAS_TIME.search(value) or _OFFSET.search(value) else "day"


@lru_cache(maxsize=32)
def _parser(code: str) -> object | None:
    """A dateparser parser for one language (and English), or None when it has no such one."""
    # Imported here: dateparser loads its language data on import, and only pages that write
    # their dates in words of another language need it.
    from dateparser.date import DateDataParser

    settings = {"PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"]}
    try:
        return DateDataParser(languages=[code, "en"], settings=settings)
    except ValueError:  # a language dateparser does not know
        return None
