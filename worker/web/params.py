"""The parameters routes share, bounded so that no value reaches the database it cannot hold.

Ids and versions are INTEGER columns (PostgreSQL: up to 2**31 - 1), offsets go to LIMIT and
OFFSET (up to 2**63 - 1), PostgreSQL refuses NUL in text, and a time far from UTC may not
exist in UTC: each such value is a 400 naming the parameter, never a database error.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from worker.types import CHANGE_FIELDS, DISCLOSURES, SIGNIFICANCE

LARGEST = 2**63 - 1  # SQLite's INTEGER, PostgreSQL's BIGINT
LARGEST_ID = 2**31 - 1  # PostgreSQL's INTEGER


def _without_nul(text: str) -> str:
    if "\x00" in text:
        raise PydanticCustomError("nul_character", "Text must not contain a NUL character")
    return text


def _in_utc(value: datetime) -> datetime:
    """The time in UTC; a time without an offset is taken to be UTC, as the CLI takes it."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        return aware.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "Time is out of range in UTC") from None


Clean = Annotated[str, AfterValidator(_without_nul)]
Instant = Annotated[datetime, AfterValidator(_in_utc)]
Id = Annotated[int, Path(ge=1, le=LARGEST_ID)]
Version = Annotated[int, Path(ge=1, le=LARGEST_ID, description="1 for the first capture")]
IdFilter = Annotated[int | None, Query(ge=1, le=LARGEST_ID)]
FromVersion = Annotated[int | None, Query(alias="from", ge=1, le=LARGEST_ID)]
ToVersion = Annotated[int | None, Query(alias="to", ge=1, le=LARGEST_ID)]


def _blank_is_none(value: object) -> object:
    """An empty form field means "any", not a value that fails to parse."""
    return None if value == "" else value


Text = Annotated[Clean | None, Query(max_length=2048)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Day = Annotated[
    date | None, BeforeValidator(_blank_is_none), Query(description="YYYY-MM-DD, in UTC")
]


def host_filter(host: str | None) -> str | None:
    """A host as the store compares it: lower-cased, without brackets or spaces."""
    bare = (host or "").strip().lower().removeprefix("[").removesuffix("]")
    return bare or None


def change_filters(
    source: Text = None,
    field: Text = None,
    significance: Text = None,
    disclosure: Text = None,
    host: Text = None,
    order: Text = None,
) -> dict[str, Any]:
    """The filters of a list of changes (the dashboard and its feeds), unknown values dropped
    rather than failing the page."""
    return {
        "source": source or None,
        "field": field if field in CHANGE_FIELDS else None,
        "significance": significance if significance in SIGNIFICANCE else None,
        "disclosure": disclosure if disclosure in DISCLOSURES else None,
        "host": host_filter(host),
        "order": "significance" if order == "significance" else "time",
    }
