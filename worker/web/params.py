"""The parameters routes share, bounded so that no value reaches the database it cannot hold.

Ids and versions are INTEGER columns (PostgreSQL: up to 2**31 - 1), offsets go to LIMIT and
OFFSET (up to 2**63 - 1), PostgreSQL refuses NUL in text, and a time far from UTC may not
exist in UTC: each such value is a 400 naming the parameter, never a database error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

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
