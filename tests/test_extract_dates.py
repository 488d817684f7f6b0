"""Dates as pages write them: every datetime the extractor gives is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from worker.extract import article
from worker.extract._dates import parse_stamp, zone_of
from worker.types import DateNote


def _page(head: str, body: str = "") -> str:
    return (
        f"<html lang='en'><head><title>Ferry returns</title>{head}</head><body>{body}</body></html>"
    )


def _published(html: str) -> tuple[datetime | None, DateNote | None]:
    found = article(html, "https://news.example/ferry")
    return found.published, dict(found.dates).get("published")


@pytest.mark.parametrize(
    ("head", "when", "note"),
    [
        (
            "<meta name='date' content='2016-02-01 01:28:49'>",
            datetime(2016, 2, 1, 1, 28, 49, tzinfo=UTC),
            DateNote("time", "assumed"),
        ),
        (
            '<script type="application/ld+json">{"@type": "NewsArticle",'
            ' "datePublished": "2020-11-11T13:47:00"}</script>',
            datetime(2020, 11, 11, 13, 47, tzinfo=UTC),
            DateNote("time", "assumed"),
        ),
        (
            "<meta property='article:published_time' content='2025-06-30'>",
            datetime(2025, 6, 30, tzinfo=UTC),
            DateNote("day", ""),
        ),
        (
            "<meta property='article:published_time' content='Wed, 11 Nov 2020 13:47:00 CEST'>",
            datetime(2020, 11, 11, 11, 47, tzinfo=UTC),
            DateNote("time", "stated"),
        ),
        (
            "<meta name='pubdate' content='November 11, 2020 3:47 PM EST'>",
            datetime(2020, 11, 11, 20, 47, tzinfo=UTC),
            DateNote("time", "stated"),
        ),
        (
            "<meta name='date' content='11 Nov 2020 18:30 IST'>",
            datetime(2020, 11, 11, 13, 0, tzinfo=UTC),
            DateNote("time", "stated"),
        ),
        (
            "<meta property='article:published_time' content='2020-11-11T13:47:00+03:00'>",
            datetime(2020, 11, 11, 10, 47, tzinfo=UTC),
            DateNote("time", "stated"),
        ),
    ],
    ids=["meta-space", "jsonld-naive", "date-alone", "cest", "est-words", "ist", "offset"],
)
def test_every_form_of_date_comes_out_aware_utc(head, when, note) -> None:
    published, found_note = _published(_page(head))
    assert published == when
    assert published.tzinfo is UTC or published.utcoffset().total_seconds() == 0
    assert found_note == note


def test_a_naive_time_takes_the_zone_another_date_of_the_page_states() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "datePublished": "2020-11-11T13:47:00"}</script>'
        "<meta property='article:modified_time' content='2020-11-12T09:00:00+03:00'>"
    )
    found = article(_page(head), "https://news.example/ferry")
    assert found.published == datetime(2020, 11, 11, 10, 47, tzinfo=UTC)
    assert dict(found.dates) == {
        "published": DateNote("time", "page"),
        "modified": DateNote("time", "stated"),
    }


def test_a_naive_time_takes_the_zone_of_the_visible_dateline() -> None:
    head = "<meta name='date' content='2020-11-11 15:47'>"
    body = "<h1>Ferry returns</h1><div class='dateline'>Updated 3:47 PM EST, Wed November 11</div>"
    published, note = _published(_page(head, body))
    assert published == datetime(2020, 11, 11, 20, 47, tzinfo=UTC)
    assert note == DateNote("time", "page")


@pytest.mark.parametrize(
    ("lang", "value", "when"),
    [
        ("de", "11. November 2020, 13:47 Uhr", datetime(2020, 11, 11, 13, 47)),
        ("es", "11 de noviembre de 2020 13:47", datetime(2020, 11, 11, 13, 47)),
        ("fr", "mercredi 11 novembre 2020", datetime(2020, 11, 11)),
        ("pl", "11 listopada 2020", datetime(2020, 11, 11)),
        ("es", "10/05/2022 05:22 pm", datetime(2022, 5, 10, 17, 22)),
        ("en-US", "10/05/2022 05:22 pm", datetime(2022, 10, 5, 17, 22)),
        ("de", "10.12.2022, 07:00:03", datetime(2022, 12, 10, 7, 0, 3)),
    ],
)
def test_month_names_and_day_order_follow_the_page_language(lang, value, when) -> None:
    stamp = parse_stamp(value, lang)
    assert stamp is not None
    assert stamp.when.replace(tzinfo=None) == when


def test_a_date_with_a_zone_name_in_another_language_keeps_its_zone() -> None:
    stamp = parse_stamp("Mittwoch, 11. November 2020, 13:47 MEZ", "de")
    assert stamp is not None and stamp.zoned
    assert stamp.when.astimezone(UTC) == datetime(2020, 11, 11, 12, 47, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    ["", "yesterday", "1,234 shares", "x" * 500, "2020-13-45", "1850-01-01", "9" * 80],
)
def test_what_is_not_a_believable_date_is_none(value) -> None:
    assert parse_stamp(value, "en") is None


@pytest.mark.parametrize(
    ("text", "hours"),
    [("Updated 3:47 PM EST", -5), ("13:47 MEZ", 1), ("10:00 GMT+3", 3), ("9:30 UTC-03:30", -3.5)],
)
def test_dateline_zones(text, hours) -> None:
    zone = zone_of(text)
    assert zone is not None
    assert zone.utcoffset(None).total_seconds() == hours * 3600


def test_a_zone_word_without_a_time_is_no_dateline() -> None:
    assert zone_of("EST. 1887 — THE HERALD") is None
