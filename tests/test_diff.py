"""worker.diff: normalisation, paragraph alignment, significance and the three renderers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from worker.diff import (
    comparable,
    compare,
    content_hash,
    normalise_text,
    render_html,
    render_json,
    render_text,
)
from worker.types import Article, Change, FieldChange, Link

URL = "https://news.example/2024/05/story"

BODY = (
    "The city council voted on Tuesday to close the old bridge for repairs next spring.",
    "Engineers said the steel deck had corroded faster than expected after two wet winters.",
    "Traffic will be sent over the ring road, adding about ten minutes to most journeys.",
    "Shop owners near the bridge worry that fewer people will pass their doors.",
    "The work is expected to take eight months and will be paid from the roads budget.",
)


def article(**fields: object) -> Article:
    """A realistic article; keyword arguments override its fields."""
    base: dict[str, object] = {
        "url": URL,
        "title": "Council closes old bridge for repairs",
        "subtitle": "Eight months of work from next spring",
        "authors": ("Ana Lima", "Tom Reyes"),
        "published": datetime(2024, 5, 14, 9, 30, tzinfo=UTC),
        "language": "en",
        "body": BODY,
    }
    return Article(**(base | fields))  # type: ignore[arg-type]


def with_paragraph(index: int, text: str) -> tuple[str, ...]:
    """BODY with paragraph `index` replaced."""
    return (*BODY[:index], text, *BODY[index + 1 :])


# --- normalise_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            "\u2018quoted\u2019 \u201cwords\u201d", "'quoted' \"words\"", id="curly-quotes"
        ),
        pytest.param(
            "\u201epl\u201f \u00abfr\u00bb \u201alow\u201b", '"pl" "fr" \'low\'', id="other-quotes"
        ),
        pytest.param("a \u2013 b \u2014 c \u2012 d \u2015 e", "a - b - c - d - e", id="dashes"),
        pytest.param("  many \t\n spaces  ", "many spaces", id="whitespace-runs"),
        pytest.param(
            "no\u00a0break\u202fthin\u3000ideo", "no break thin ideo", id="unicode-spaces"
        ),
        pytest.param("re\u00adport", "report", id="soft-hyphen"),
        pytest.param("z\u200bw\u200cj\u200dw\u2060b\ufeffo", "zwjwbo", id="zero-width"),
        pytest.param("Cafe\u0301", "Caf\u00e9", id="nfc"),
        pytest.param("\u00a0\u200b\u00a0", "", id="only-invisible"),
    ],
)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


# --- comparable / content_hash


def test_comparable_uses_public_names_and_skips_presentation_fields() -> None:
    page = article(
        body=(*BODY, "  ", ""),
        site_name="Example News",
        image_caption="The bridge",
        related=(Link("More", "https://news.example/more"),),
    )
    fields = comparable(page)
    assert list(fields) == [
        "title",
        "subtitle",
        "authors",
        "published",
        "modified",
        "canonical_url",
        "image",
        "language",
        "body",
    ]
    assert fields["authors"] == ["Ana Lima", "Tom Reyes"]
    assert fields["published"] == "2024-05-14T09:30:00+00:00"
    assert fields["body"] == list(BODY)


def test_comparable_puts_aware_times_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    local = article(published=datetime(2024, 5, 14, 11, 30, tzinfo=paris))
    assert comparable(local)["published"] == comparable(article())["published"]


def test_content_hash_changes_with_content() -> None:
    assert content_hash(article()) != content_hash(article(title="Council reopens bridge"))
    assert len(content_hash(article())) == 64


# --- compare: no change


TYPOGRAPHY_ONLY = [
    pytest.param(
        {"title": "Council closes \u2018old\u2019 bridge"},
        {"title": "Council closes 'old' bridge"},
        id="curly-vs-straight-quotes",
    ),
    pytest.param(
        {"title": "Council  closes old bridge\n"},
        {"title": "Council closes old bridge"},
        id="whitespace",
    ),
    pytest.param(
        {"body": with_paragraph(3, BODY[3].replace(" ", "\u00a0"))},
        {"body": BODY},
        id="nbsp",
    ),
    pytest.param(
        {"body": with_paragraph(1, BODY[1].replace("corroded", "cor\u00adroded"))},
        {"body": BODY},
        id="soft-hyphen",
    ),
    pytest.param(
        {"subtitle": "Eight\u200b months\ufeff of work"},
        {"subtitle": "Eight months of work"},
        id="zero-width",
    ),
    pytest.param(
        {"body": (*BODY, "", "\u00a0")},
        {"body": BODY},
        id="empty-paragraphs",
    ),
    pytest.param(
        {"site_name": "Example News", "image_caption": "Old caption"},
        {"site_name": "Example", "image_caption": "New caption"},
        id="fields-not-compared",
    ),
]


def test_identical_is_not_a_change() -> None:
    assert compare(article(), article()) is None


def test_first_capture_is_not_a_change() -> None:
    assert compare(None, article()) is None


@pytest.mark.parametrize(("old", "new"), TYPOGRAPHY_ONLY)
def test_typography_only_is_not_a_change(old: dict, new: dict) -> None:
    assert compare(article(**old), article(**new)) is None


@pytest.mark.parametrize(("old", "new"), TYPOGRAPHY_ONLY)
def test_typography_only_keeps_the_hash(old: dict, new: dict) -> None:
    assert content_hash(article(**old)) == content_hash(article(**new))


# --- compare: fields


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        pytest.param(
            {"title": "Council delays bridge repairs"},
            FieldChange(
                "title", "Council closes old bridge for repairs", "Council delays bridge repairs"
            ),
            id="title",
        ),
        pytest.param(
            {"authors": ("Ana Lima",)},
            FieldChange("authors", "Ana Lima, Tom Reyes", "Ana Lima"),
            id="authors",
        ),
        pytest.param(
            {"published": datetime(2024, 5, 15, 9, 30, tzinfo=UTC)},
            FieldChange("published", "2024-05-14T09:30:00+00:00", "2024-05-15T09:30:00+00:00"),
            id="published",
        ),
        pytest.param(
            {"modified": datetime(2024, 5, 16, 8, 0, tzinfo=UTC)},
            FieldChange("modified", "", "2024-05-16T08:00:00+00:00"),
            id="modified-appears",
        ),
        pytest.param(
            {"canonical_url": "https://news.example/bridge"},
            FieldChange("canonical_url", "", "https://news.example/bridge"),
            id="canonical-url",
        ),
        pytest.param(
            {"language": "fr"},
            FieldChange("language", "en", "fr"),
            id="language",
        ),
    ],
)
def test_field_change(new: dict, expected: FieldChange) -> None:
    change = compare(article(), article(**new))
    assert change is not None
    assert change.fields == (expected.name,)
    assert change.field_changes == (expected,)
    assert change.operations == ()


def test_fields_follow_the_public_order() -> None:
    new = article(
        language="de",
        body=(*BODY, "A new closing paragraph about the mayor."),
        title="Bridge closure approved by the council",
        authors=("Ana Lima",),
    )
    change = compare(article(), new)
    assert change is not None
    assert change.fields == ("title", "authors", "language", "body")
    assert [fc.name for fc in change.field_changes] == ["title", "authors", "language"]


def test_language_compares_case_insensitively() -> None:
    assert compare(article(language="en-GB"), article(language="en_gb")) is None


# --- compare: body operations


@pytest.mark.parametrize(
    ("new_body", "counts", "kinds"),
    [
        pytest.param(
            BODY[:2] + BODY[3:],
            {"added": 0, "removed": 1, "edited": 0, "moved": 0},
            ["removed"],
            id="paragraph-removed",
        ),
        pytest.param(
            (*BODY[:2], "The mayor declined to comment on the closure.", *BODY[2:]),
            {"added": 1, "removed": 0, "edited": 0, "moved": 0},
            ["added"],
            id="paragraph-added",
        ),
        pytest.param(
            (BODY[0], BODY[2], BODY[3], BODY[1], BODY[4]),
            {"added": 0, "removed": 0, "edited": 0, "moved": 1},
            ["moved"],
            id="paragraph-moved",
        ),
        pytest.param(
            with_paragraph(1, BODY[1].replace("faster than expected", "more quickly than hoped")),
            {"added": 0, "removed": 0, "edited": 1, "moved": 0},
            ["edited"],
            id="paragraph-edited",
        ),
        pytest.param(
            with_paragraph(3, "Residents held a protest outside city hall on Wednesday evening."),
            {"added": 1, "removed": 1, "edited": 0, "moved": 0},
            ["removed", "added"],
            id="paragraph-rewritten-is-removed-and-added",
        ),
    ],
)
def test_body_operations(new_body: tuple[str, ...], counts: dict, kinds: list[str]) -> None:
    change = compare(article(), article(body=new_body))
    assert change is not None
    assert change.fields == ("body",)
    assert {kind: getattr(change, kind) for kind in counts} == counts
    assert [op.kind for op in change.operations] == kinds


def test_moved_paragraph_keeps_both_positions() -> None:
    change = compare(article(), article(body=(BODY[0], BODY[2], BODY[3], BODY[1], BODY[4])))
    assert change is not None
    (op,) = change.operations
    assert (op.old_index, op.new_index, op.new) == (1, 3, BODY[1])


def test_reworded_and_added_paragraph_with_new_title() -> None:
    reworded = BODY[2].replace("about ten minutes", "nearly ten minutes")
    added = "The mayor declined to comment on the closure."
    new = article(
        title="Old bridge to shut for eight months",
        body=(*BODY[:2], reworded, *BODY[3:], added),
    )
    change = compare(article(), new)
    assert change is not None
    assert change.fields == ("title", "body")
    assert (change.added, change.removed, change.edited, change.moved) == (1, 0, 1, 0)
    edited = next(op for op in change.operations if op.kind == "edited")
    assert (edited.old_index, edited.new_index, edited.old, edited.new) == (2, 2, BODY[2], reworded)
    assert change.summary == "title changed; body: 1 sentence added, 1 edited"


# --- significance


@pytest.mark.parametrize(
    ("new", "significance", "reason"),
    [
        pytest.param(
            {"body": with_paragraph(0, BODY[0].replace("Tuesday to", "Tuesday, to"))},
            "trivial",
            "punctuation or case only",
            id="trivial-punctuation",
        ),
        pytest.param(
            {"title": "Council Closes Old Bridge for Repairs!"},
            "trivial",
            "title: punctuation or case only",
            id="trivial-title-case",
        ),
        pytest.param(
            {"modified": datetime(2024, 5, 16, 8, 0, tzinfo=UTC)},
            "trivial",
            "modified changed",
            id="trivial-modified-only",
        ),
        pytest.param(
            {"body": with_paragraph(3, BODY[3].replace("worry", "fear"))},
            "minor",
            "words edited",
            id="minor-few-words",
        ),
        pytest.param(
            {"body": (*BODY, "The mayor declined to comment on the closure.")},
            "substantive",
            "1 sentence added",
            id="substantive-paragraph-added",
        ),
        pytest.param(
            {"body": with_paragraph(2, BODY[2].replace("ten minutes", "20 minutes"))},
            "substantive",
            "numbers changed",
            id="substantive-number-changed",
        ),
        pytest.param(
            {"body": with_paragraph(3, BODY[3] + ' "We are worried," said one.')},
            "substantive",
            "quotation added",
            id="substantive-quote-added",
        ),
        pytest.param(
            {"title": "Mayor resigns after bridge collapse"},
            "major",
            "headline rewritten",
            id="major-title-rewrite",
        ),
        pytest.param(
            {"body": BODY[:3]},
            "major",
            "40% of the old body rewritten or removed",
            id="major-body-share",
        ),
    ],
)
def test_significance(new: dict, significance: str, reason: str) -> None:
    change = compare(article(), article(**new))
    assert change is not None
    assert change.significance == significance
    assert reason in change.reasons


def test_numbers_in_changed_figures() -> None:
    old = article(body=with_paragraph(4, "The work will cost 3.5 million euros."))
    new = article(body=with_paragraph(4, "The work will cost 35 million euros."))
    change = compare(old, new)
    assert change is not None
    assert change.significance == "substantive"


# --- renderers


def edited_change() -> Change:
    new = article(
        title="Council delays bridge repairs",
        body=(*with_paragraph(1, BODY[1].replace("steel deck", "concrete deck")), "Extra."),
    )
    change = compare(article(), new)
    assert change is not None
    return change


def test_render_text_word_diff() -> None:
    text = render_text(edited_change())
    assert "~ Engineers said the [-steel-]{+concrete+} deck had corroded" in text
    assert (
        "title: - Council closes old bridge for repairs / + Council delays bridge repairs" in text
    )
    assert "+ Extra." in text.splitlines()


def test_render_text_removed_and_moved() -> None:
    change = compare(article(), article(body=(BODY[1], BODY[0], BODY[2], BODY[3])))
    assert change is not None
    lines = render_text(change).splitlines()
    assert f"- {BODY[4]}" in lines
    assert any(line.startswith("> moved from paragraph") for line in lines)


def test_render_json_is_serialisable() -> None:
    data = render_json(edited_change())
    round_trip = json.loads(json.dumps(data))
    assert round_trip["fields"] == ["title", "body"]
    assert round_trip["counts"] == {"added": 1, "removed": 0, "edited": 1, "moved": 0}
    assert round_trip["significance"] == "major"
    edited = next(op for op in round_trip["operations"] if op["kind"] == "edited")
    assert {"op": "delete", "text": "steel"} in edited["words"]
    assert {"op": "insert", "text": "concrete"} in edited["words"]


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


HOSTILE = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param('<img src=x onerror="alert(1)">', id="onerror"),
    pytest.param('"><svg onload=alert(1)>', id="attribute-breakout"),
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_render_html_escapes_untrusted_content(payload: str) -> None:
    old = article(title=f"Bridge {payload}", body=with_paragraph(0, f"{BODY[0]} {payload}"))
    new = article(body=(*BODY, payload, f"Also {payload}"))
    change = compare(old, new)
    assert change is not None
    output = render_html(change)
    parser = _TagCollector()
    parser.feed(output)
    assert "<script" not in output
    assert payload not in output
    assert parser.tags <= {"div", "p", "dl", "dt", "dd", "ul", "li", "del", "ins", "span"}
    assert parser.attributes <= {"class"}


def test_render_html_marks_word_changes() -> None:
    output = render_html(edited_change())
    assert "<del>steel</del><ins>concrete</ins>" in output
    assert "<ins>Extra.</ins>" in output
