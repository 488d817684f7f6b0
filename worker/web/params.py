"""The parameters routes share, bounded so that no value reaches the database it cannot hold.

Ids and versions are INTEGER columns (PostgreSQL: up to 2**31 - 1), offsets go to LIMIT and
OFFSET (up to 2**63 - 1), PostgreSQL refuses NUL in text, and a time far from UTC may not
exist in UTC: each such value is a 400 naming the parameter, never a database error.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

from worker.errors import BadURLError
from worker.types import CHANGE_FIELDS, DISCLOSURES, SIGNIFICANCE
from worker.urls import host_of, normalise_url

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


def bounded(longest: int, shortest: int = 0) -> Any:
    """Text of `shortest` to `longest` characters, no NUL (the length checked first, so that
    its message speaks of characters)."""
    length = StringConstraints(min_length=shortest, max_length=longest)
    return Annotated[str, length, AfterValidator(_without_nul)]


Text = Annotated[bounded(2048) | None, Query()]
SEARCH_LENGTH = 500  # characters of a search, on its page and in the API
SearchText = Annotated[bounded(SEARCH_LENGTH) | None, Query()]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Day = Annotated[
    date | None, BeforeValidator(_blank_is_none), Query(description="YYYY-MM-DD, in UTC")
]


def choice(words: Sequence[str], what: str) -> Any:
    """A query parameter that is one of `words` (an empty form field: none): anything else
    is a 400 naming the parameter and the words it takes, not a filter silently dropped."""
    allowed = tuple(words)

    def _one_of(value: str | None) -> str | None:
        if value is not None and value not in allowed:
            raise PydanticCustomError(
                "choice", "Input should be one of: {allowed}", {"allowed": ", ".join(allowed)}
            )
        return value

    return Annotated[
        str | None,
        BeforeValidator(_blank_is_none),
        AfterValidator(_one_of),
        Query(description=what),
    ]


CHANGE_ORDERS = ("time", "significance")
FieldChoice = choice(CHANGE_FIELDS, "the changed field")
SignificanceChoice = choice(SIGNIFICANCE, "at least this significant")
DisclosureChoice = choice(DISCLOSURES, "how the page disclosed the change")
ChangeOrder = choice(CHANGE_ORDERS, "time (newest first) or significance")


def host_filter(host: str | None) -> str | None:
    """A host as the store keeps it (`urls.host_of` of the normalised URL): lower-cased,
    IDNA-encoded (bücher.example is xn--bcher-kva.example), without a trailing dot, a port or
    an IPv6 address's brackets. Text that is no host is compared as typed (and finds none)."""
    bare = (host or "").strip()
    if not bare:
        return None
    if any(char in bare for char in "/?#@\\") or any(char.isspace() for char in bare):
        return bare.lower()
    if bare.count(":") > 1 and not bare.startswith("["):
        bare = f"[{bare}]"  # an IPv6 address typed without its brackets
    try:
        return host_of(normalise_url(f"http://{bare}/")) or bare.lower()
    except (BadURLError, ValueError):
        return bare.lower().removeprefix("[").removesuffix("]")


def change_filters(
    source: Text = None,
    field: FieldChoice = None,
    significance: SignificanceChoice = None,
    disclosure: DisclosureChoice = None,
    host: Text = None,
    order: ChangeOrder = None,
) -> dict[str, Any]:
    """The filters of a list of changes (the dashboard and its feeds); a value no filter
    takes is a 400 naming it (a feed with a typo must not deliver every change)."""
    return {
        "source": source or None,
        "field": field,
        "significance": significance,
        "disclosure": disclosure,
        "host": host_filter(host),
        "order": order or "time",
    }
