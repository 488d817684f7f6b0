"""The pure decisions of one check (worker/decide.py): how a change was disclosed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from worker import decide, diff
from worker.types import Article

BODY = (
    "The city council approved the new budget on Tuesday after a long debate in the chamber.",
    "The mayor said the plan would fund three new schools and repair the old bridge downtown.",
    "Opposition members voted against it, saying the tax increase would hurt small businesses.",
)
EDITED = (BODY[0], BODY[1].replace("three", "four"), BODY[2])
BEFORE = Article(url="https://news.example/a", title="Budget approved", body=BODY)


def _disclosure(before: Article, after: Article) -> str:
    change = diff.compare(before, after)
    assert change is not None
    return decide.disclosure(before, after, change)


def test_an_edit_without_notice_or_date_is_silent():
    assert _disclosure(BEFORE, replace(BEFORE, body=EDITED)) == "silent"


def test_a_correction_notice_added_is_a_notice():
    notice = "Correction: An earlier version of this article misstated the number of schools."
    after = replace(BEFORE, body=(*EDITED, notice))
    assert _disclosure(BEFORE, after) == "notice"


def test_a_notice_reworded_is_a_notice_and_one_unchanged_is_not():
    notice = "Correction: An earlier version of this article misstated the number of schools."
    before = replace(BEFORE, body=(*BODY, notice))
    reworded = notice.replace("misstated", "gave the wrong")
    assert _disclosure(before, replace(before, body=(*EDITED, reworded))) == "notice"
    assert _disclosure(before, replace(before, body=(*EDITED, notice))) == "silent"


def test_a_moved_modified_date_is_a_timestamp():
    before = replace(BEFORE, modified=datetime(2026, 5, 1, 9, tzinfo=UTC))
    after = replace(before, body=EDITED, modified=datetime(2026, 5, 1, 11, tzinfo=UTC))
    assert _disclosure(before, after) == "timestamp"
    # The modified date moved alone: the page says it was updated, nothing else changed.
    assert _disclosure(before, replace(before, modified=after.modified)) == "timestamp"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("Updated 09:12 GMT", "Updated 11:40 GMT", "timestamp"),
        ("Aktualisiert am 14.05.2024, 10:32 Uhr", "Aktualisiert am 14.05.2024, 12:05 Uhr",
         "timestamp"),
        # A relative time moves with the clock: the page says nothing new by it.
        ("Updated 5 minutes ago", "Updated 25 minutes ago", "silent"),
        ("Mis à jour il y a 3 heures", "Mis à jour il y a 4 heures", "silent"),
    ],
)  # fmt: skip
def test_an_updated_line_that_moved_is_a_timestamp(old, new, expected):
    before = replace(BEFORE, body=(old, *BODY))
    after = replace(BEFORE, body=(new, *EDITED))
    assert _disclosure(before, after) == expected


def test_a_long_paragraph_mentioning_an_update_is_no_updated_line():
    text = "The council will publish an updated version of the plan next month, " * 3
    before = replace(BEFORE, body=(*BODY, text))
    after = replace(BEFORE, body=(*EDITED, text.replace("next month", "in June")))
    assert _disclosure(before, after) == "silent"
