"""worker.diff: normalisation and noise, sentence alignment, significance, notices, renderers."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from worker import decide
from worker.diff import (
    apply,
    comparable,
    compare,
    content_hash,
    correction_notices,
    join_sentences,
    mirror,
    normalise_text,
    notice_kind,
    render_html,
    render_json,
    render_text,
    split_sentences,
    strip_noise,
)
from worker.models import Watch
from worker.settings import GuardSettings
from worker.types import (
    Article,
    Change,
    CheckContext,
    CheckRecord,
    FieldChange,
    Link,
    ParagraphOp,
    StoredVersion,
)

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
            {"body": with_paragraph(3, BODY[3].replace("their doors", "the doors"))},
            "minor",
            "words edited",
            id="minor-function-word",
        ),
        pytest.param(
            {"body": with_paragraph(3, BODY[3].replace("worry", "fear"))},
            "substantive",
            "words replaced",
            id="substantive-content-word",
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


# --- noise: relative times, datelines and counters


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Updated 5 minutes ago", "", id="updated-minutes-ago"),
        pytest.param("Posted 2 hrs ago · 1,234 views", "", id="posted-hours-views"),
        pytest.param("Share 45 | 12 comments", "", id="share-and-comments"),
        pytest.param("Updated just now", "", id="just-now"),
        pytest.param("Updated: 11:42 18 Jan 2024", "", id="dateline"),
        pytest.param("Published May 14, 2024 at 9:30 a.m. EDT", "", id="dateline-us"),
        pytest.param("vor 5 Minuten · Kommentare (12)", "", id="german"),
        pytest.param("il y a 3 heures", "", id="french"),
        pytest.param("By Ana Lima · Updated 3 minutes ago", "By Ana Lima ·", id="byline-kept"),
        pytest.param(
            "The agency received 45 comments on the proposal before the deadline passed last "
            "week, a spokesperson for the ministry said on Monday.",
            "The agency received 45 comments on the proposal before the deadline passed last "
            "week, a spokesperson for the ministry said on Monday.",
            id="counter-words-in-a-real-sentence",
        ),
        pytest.param("Posted by Ana Lima", "Posted by Ana Lima", id="posted-by-is-not-a-dateline"),
        pytest.param("WASHINGTON — Twelve died.", "Twelve died.", id="story-dateline"),
        pytest.param("By Ana Lima · 3 min read", "By Ana Lima ·", id="reading-time"),
        pytest.param("SPRINGFIELD, Ill. (AP) — Twelve died.", "Twelve died.", id="ap-dateline"),
        pytest.param("LONDON (Reuters) - Shares fell.", "Shares fell.", id="agency-dateline"),
        pytest.param(
            "The US — and its allies — agreed.",
            "The US - and its allies - agreed.",
            id="dashes-in-a-sentence",
        ),
        pytest.param("By Ana Lima · 2 hours ago", "By Ana Lima ·", id="byline-time-unannounced"),
        pytest.param(
            "It was last inspected 3 years ago, according to state records.",
            "It was last inspected 3 years ago, according to state records.",
            id="relative-time-in-a-sentence",
        ),
        pytest.param(
            "The video drew 1,234 comments on Facebook.",
            "The video drew 1,234 comments on Facebook.",
            id="counter-in-a-short-sentence",
        ),
        pytest.param(
            "Amtrak parent shares 3% lower in early trade",
            "Amtrak parent shares 3% lower in early trade",
            id="shares-percent-is-not-a-share-counter",
        ),
        pytest.param("它说。 我们走", "它说。我们走", id="cjk-gap"),
    ],
)
def test_strip_noise(raw: str, expected: str) -> None:
    assert strip_noise(normalise_text(raw)) == expected


NOISE_ONLY = [
    pytest.param(
        {"body": ("Updated 5 minutes ago", *BODY, "1,234 views")},
        {"body": ("Updated 12 minutes ago", *BODY, "1,301 views")},
        id="relative-time-and-views",
    ),
    pytest.param(
        {"body": ("Share 45", *BODY)},
        {"body": ("Share 61", *BODY)},
        id="share-count",
    ),
    pytest.param(
        {"subtitle": "Updated 3 minutes ago"},
        {"subtitle": "Updated 1 hour ago"},
        id="subtitle-relative-time",
    ),
    pytest.param(
        {"body": (*BODY, "Published 10:00 18 Jan 2024")},
        {"body": (*BODY, "Updated: 11:42 18 Jan 2024")},
        id="dateline",
    ),
]


FACTS_IN_SENTENCES = [
    pytest.param(
        "It was last inspected 3 years ago, according to state records.",
        "It was last inspected 30 years ago, according to state records.",
        id="years-ago",
    ),
    pytest.param(
        "Rescuers reached the wreckage 2 hours ago, officials said.",
        "Rescuers reached the wreckage 20 minutes ago, officials said.",
        id="hours-ago",
    ),
    pytest.param(
        "The video drew 1,234 comments on Facebook.",
        "The video drew 5,000 comments on Facebook.",
        id="comments",
    ),
    pytest.param(
        "The motion passed with 52 likes from members.",
        "The motion passed with 12 likes from members.",
        id="likes",
    ),
]


@pytest.mark.parametrize(("before", "after"), FACTS_IN_SENTENCES)
def test_times_and_counts_in_sentences_are_facts(before: str, after: str) -> None:
    change = compare(article(body=(*BODY, before)), article(body=(*BODY, after)))
    assert change is not None
    assert change.significance == "substantive"
    assert "numbers changed" in change.reasons


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param("patients -- several of them", "patients — several of them", id="dashes"),
        pytest.param("قُتل ثلاثة أشخاص في الحادث", "قتل ثلاثة أشخاص في الحادث", id="harakat"),
        pytest.param("a\x1b\x07\x9b b", "a b", id="controls"),
    ],
)
def test_typography_folds_away(before: str, after: str) -> None:
    assert normalise_text(before) == normalise_text(after)


def test_a_terminal_escape_in_a_page_never_reaches_the_text_diff() -> None:
    change = compare(article(), article(body=(*BODY, "New \x1b[31mred\x1b[0m text \x07.")))
    assert change is not None
    assert not any(char in render_text(change) for char in "\x1b\x07")


@pytest.mark.parametrize(("old", "new"), NOISE_ONLY)
def test_noise_only_is_not_a_change_and_keeps_the_hash(old: dict, new: dict) -> None:
    assert compare(article(**old), article(**new)) is None
    assert content_hash(article(**old)) == content_hash(article(**new))


# --- sentences


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        pytest.param("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"], id="plain"),
        pytest.param(
            "Police arrived at 8:15 a.m. Officers closed the street.",
            ["Police arrived at 8:15 a.m.", "Officers closed the street."],
            id="clock-ends",
        ),
        pytest.param(
            "The vote is at 8 a.m. Tuesday in the hall.",
            ["The vote is at 8 a.m. Tuesday in the hall."],
            id="clock-then-day",
        ),
        pytest.param(
            "SPRINGFIELD, Ill. (AP) - Twelve died. More were hurt.",
            ["SPRINGFIELD, Ill. (AP) - Twelve died.", "More were hurt."],
            id="state-in-dateline",
        ),
        pytest.param("He was ill. Then he slept.", ["He was ill.", "Then he slept."], id="ill"),
        pytest.param(
            "Mr. Smith met Dr. Jones. They talked.",
            ["Mr. Smith met Dr. Jones.", "They talked."],
            id="titles",
        ),
        pytest.param(
            "J. K. Rowling spoke. Then.", ["J. K. Rowling spoke.", "Then."], id="initials"
        ),
        pytest.param(
            "The U.S. economy grew 3.5 percent. Prices rose.",
            ["The U.S. economy grew 3.5 percent.", "Prices rose."],
            id="acronym-and-decimal",
        ),
        pytest.param(
            '"Is it over?" she asked. "Yes." He left.',
            ['"Is it over?" she asked.', '"Yes."', "He left."],
            id="quotes",
        ),
        pytest.param(
            "It is No. 5 today. No. Never.", ["It is No. 5 today.", "No.", "Never."], id="no"
        ),
        pytest.param("他说。我们走吧！好的", ["他说。", "我们走吧！", "好的"], id="chinese"),
        pytest.param(
            "東京は晴れ。「行こう」と言った。",
            ["東京は晴れ。", "「行こう」と言った。"],
            id="japanese",
        ),
    ],
)
def test_split_sentences(paragraph: str, sentences: list[str]) -> None:
    assert split_sentences(paragraph) == sentences
    assert join_sentences(sentences) == paragraph


def test_sentence_edit_inside_a_long_paragraph() -> None:
    long = f"{BODY[1]} Inspectors found cracks in six beams. The report was published in March."
    edited = long.replace("six beams", "eight beams")
    change = compare(article(body=with_paragraph(1, long)), article(body=with_paragraph(1, edited)))
    assert change is not None
    (op,) = change.operations
    assert (op.unit, op.kind, op.old_index, op.old_sentence) == ("sentence", "edited", 1, 1)
    assert op.old == "Inspectors found cracks in six beams."
    assert ("delete", "six") in op.words and ("insert", "eight") in op.words
    assert (change.edited, change.paragraphs_edited, change.significance) == (1, 1, "substantive")


def test_sentence_moved_inside_a_paragraph() -> None:
    first, second = "Inspectors found cracks in six beams.", "The report was published in March."
    old = article(body=with_paragraph(1, f"{BODY[1]} {first} {second}"))
    new = article(body=with_paragraph(1, f"{BODY[1]} {second} {first}"))
    change = compare(old, new)
    assert change is not None
    assert [(op.unit, op.kind) for op in change.operations] == [("sentence", "moved")]
    assert change.significance == "minor"


def test_apply_replays_the_operations_on_the_raw_body() -> None:
    new_body = (BODY[0], BODY[2] + " It opened in 1931.", BODY[1], "A new paragraph.", BODY[4])
    change = compare(article(), article(body=new_body))
    assert change is not None
    assert apply(BODY, change.operations) == list(new_body)


def test_mirror_swaps_the_two_sides() -> None:
    op = ParagraphOp("edited", 1, 2, "a b", "a c", "sentence", 0, 3, (("equal", "a"),))
    back = mirror(op)
    assert (back.kind, back.old_index, back.new_index, back.old, back.new) == (
        "edited",
        2,
        1,
        "a c",
        "a b",
    )
    assert (back.old_sentence, back.new_sentence) == (3, 0)
    assert back.words == (("equal", "a"), ("delete", "c"), ("insert", "b"))
    assert mirror(ParagraphOp("added", new_index=4, new="x")).kind == "removed"


# --- correction notices


@pytest.mark.parametrize(
    ("paragraph", "kind"),
    [
        pytest.param(
            "Correction: An earlier version misspelt her name.", "correction", id="correction"
        ),
        pytest.param("CORRECTION (May 15): The figure is 42.", "correction", id="dated"),
        pytest.param("Correction : le chiffre est 42.", "correction", id="french-space"),
        pytest.param("Berichtigung: Richtig sind 48 Euro.", "correction", id="german"),
        pytest.param("Rectificación: la cifra es 42.", "correction", id="spanish"),
        pytest.param("Clarification: The report was leaked.", "clarification", id="clarification"),
        pytest.param(
            "Editor\u2019s note: This story was updated.", "editor_note", id="editors-note"
        ),
        pytest.param("Update: Police have released the men.", "update", id="update"),
        pytest.param("Updated at 14:05: More details.", "update", id="updated-at"),
        pytest.param(
            "An earlier version of this article misstated the date.", "correction", id="phrase"
        ),
        pytest.param("The correction of the error took weeks.", None, id="not-a-notice"),
        pytest.param("Updates to the timetable are expected.", None, id="no-colon"),
    ],
)
def test_notice_kind(paragraph: str, kind: str | None) -> None:
    assert notice_kind(normalise_text(paragraph)) == kind


def test_correction_appended_is_a_major_event() -> None:
    notice = "Correction: An earlier version of this article gave the wrong cost of the work."
    change = compare(article(), article(body=(*BODY, notice)))
    assert change is not None
    assert change.events == ("correction",)
    assert change.notices == (notice,)
    assert change.significance == "major"
    assert "correction notice added" in change.reasons
    assert change.summary.endswith("; correction")
    assert correction_notices(article(body=(*BODY, notice))) == (notice,)


def test_notice_removed_is_substantive_and_no_event() -> None:
    notice = "Update: The council will vote again in June."
    change = compare(article(body=(*BODY, notice)), article())
    assert change is not None
    assert change.events == ()
    assert change.significance == "substantive"
    assert "update notice removed" in change.reasons


def test_a_correction_that_disappears_is_major() -> None:
    notice = "Correction: An earlier version of this article gave the wrong cost of the work."
    change = compare(article(body=(*BODY, notice)), article())
    assert change is not None
    assert (change.significance, change.events) == ("major", ())
    assert "correction notice removed" in change.reasons


def test_a_reworded_correction_is_an_edit_not_a_new_correction() -> None:
    notice = "Correction: An earlier version of this article gave the wrong cost of the work."
    reworded = notice.replace("An earlier", "The first")
    change = compare(article(body=(*BODY, notice)), article(body=(*BODY, reworded)))
    assert change is not None
    assert change.events == ()
    assert change.significance == "substantive"
    assert "correction notice edited" in change.reasons
    assert "correction notice added" not in change.reasons


# --- more significance


@pytest.mark.parametrize(
    ("new", "significance", "reason"),
    [
        pytest.param(
            {"body": with_paragraph(1, BODY[1].replace("corroded", "coroded"))},
            "minor",
            "typo introduced",
            id="typo-introduced",
        ),
        pytest.param(
            {"body": with_paragraph(3, BODY[3].replace("Shop owners", "Shop owners in Lisbon"))},
            "substantive",
            "names changed",
            id="name-added",
        ),
        pytest.param(
            {"title": "Council shuts old bridge for repairs"},
            "substantive",
            "headline reworded",
            id="headline-one-word",
        ),
        pytest.param(
            {"body": with_paragraph(3, BODY[3].replace("Shop owners", "Shop owners in Austria"))},
            "substantive",
            "names changed",
            id="place-added",
        ),
        pytest.param(
            {"subtitle": "Eight months of work from next spring!"},
            "trivial",
            "subtitle: punctuation or case only",
            id="subtitle-punctuation",
        ),
    ],
)
def test_more_significance(new: dict, significance: str, reason: str) -> None:
    change = compare(article(), article(**new))
    assert change is not None
    assert (change.significance, reason in change.reasons) == (significance, True), change.reasons


SENTENCE = "The mayor said Jane Ortiz, the engineer, found the arrest lawful and the bridge safe."


@pytest.mark.parametrize(
    ("edited", "replacement", "significance", "reason"),
    [
        pytest.param("Jane Ortiz", "Janet Ortiz", "substantive", "names changed", id="first-name"),
        pytest.param("Ortiz", "Ortez", "substantive", "names changed", id="surname"),
        pytest.param("lawful", "unlawful", "substantive", "negation changed", id="prefix"),
        pytest.param("found", "never found", "substantive", "negation changed", id="never"),
        pytest.param("safe", "not safe", "substantive", "negation changed", id="not"),
        pytest.param("engineer", "enginer", "minor", "typo introduced", id="lowercase-typo"),
    ],
)
def test_names_and_negations_are_never_spelling(
    edited: str, replacement: str, significance: str, reason: str
) -> None:
    new = SENTENCE.replace(edited, replacement, 1)
    change = compare(article(body=(*BODY, SENTENCE)), article(body=(*BODY, new)))
    assert change is not None
    assert (change.significance, reason in change.reasons) == (significance, True), change.reasons


@pytest.mark.parametrize(
    ("old_title", "new_title", "significance"),
    [
        pytest.param("Trian derails near Springfield", "Train derails near Springfield", "trivial",
                     id="first-word-typo"),
        pytest.param("Mayor Jane Ortiz Vows To Rebuild", "Mayor Janet Ortiz Vows To Rebuild",
                     "substantive", id="name-in-title-case"),
        pytest.param("Floods Hit Austria", "Floods Hit Australia", "substantive",
                     id="place-in-title-case"),
    ],
)  # fmt: skip
def test_headline_typos_and_names(old_title: str, new_title: str, significance: str) -> None:
    change = compare(article(title=old_title), article(title=new_title))
    assert change is not None
    assert change.significance == significance, change.reasons


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param("It will not only rise.", "It will rise.", id="not-only"),
        pytest.param("Police arrived at 6 a.m. Mayor Ortiz came.", "Police arrived at 6 a.m. "
                     "Mayor Ortiz came later.", id="am-before-mayor"),
    ],
)  # fmt: skip
def test_no_false_negation_and_clock_splits(before: str, after: str) -> None:
    change = compare(article(body=(*BODY, before)), article(body=(*BODY, after)))
    assert change is not None
    assert "negation changed" not in change.reasons
    assert change.edited == 1


def test_a_notice_with_a_dash_is_a_notice_not_a_dateline() -> None:
    notice = "UPDATE — 3:45 p.m.: Amtrak has suspended all service on the line."
    change = compare(article(), article(body=(notice, *BODY)))
    assert change is not None
    assert (change.significance, change.events) == ("major", ("update",))
    assert change.notices == (normalise_text(notice),)


def test_an_acronym_opening_a_sentence_is_no_dateline() -> None:
    old = article(body=(*BODY, "NATO - the alliance - agreed to send more troops to the east."))
    new = article(body=(*BODY, "EU - the bloc - agreed to send more troops to the east."))
    change = compare(old, new)
    assert change is not None
    assert "NATO" in render_text(change)


# --- renderers: side by side, hunks


def test_render_text_has_paragraph_hunks() -> None:
    lines = render_text(edited_change()).splitlines()
    assert "@@ paragraph 2 @@" in lines
    assert "@@ new paragraph 6 @@" in lines


def test_render_json_lists_events_and_paragraph_counts() -> None:
    data = render_json(edited_change())
    assert data["paragraphs"] == {"added": 1, "removed": 0, "edited": 1, "moved": 0}
    assert data["events"] == []


@pytest.mark.parametrize("payload", HOSTILE)
def test_render_html_side_by_side_escapes_untrusted_content(payload: str) -> None:
    old = article(title=f"Bridge {payload}", body=with_paragraph(0, f"{BODY[0]} {payload}"))
    new = article(body=(*BODY, payload, f"Also {payload}"))
    change = compare(old, new)
    assert change is not None
    output = render_html(change, mode="side-by-side")
    parser = _TagCollector()
    parser.feed(output)
    assert payload not in output
    allowed = {"div", "p", "dl", "dt", "dd", "ul", "li", "del", "ins", "span"}
    assert parser.tags <= allowed | {"table", "thead", "tbody", "tr", "th", "td"}
    assert parser.attributes <= {"class", "colspan"}


def test_render_html_side_by_side_splits_the_word_diff() -> None:
    output = render_html(edited_change(), mode="side-by-side")
    assert "<td>Engineers said the <del>steel</del> deck" in output
    assert "<td>Engineers said the <ins>concrete</ins> deck" in output


def test_render_html_rejects_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="side-by-side"):
        render_html(edited_change(), mode="sideways")


# --- languages written without spaces

ZH = "东京电视台报道，地震造成至少12人死亡。当局表示，救援工作仍在进行。首相将于明天访问灾区。"
JA = "東京都は、新しい橋の工事が来年の春に始まると発表した。費用は約30億円になる見込みだ。"


@pytest.mark.parametrize(
    ("paragraph", "edited", "replacement", "highlight"),
    [
        pytest.param(ZH, "12", "15", "至少[-12-]{+15+}人死亡", id="chinese-number"),
        pytest.param(ZH, "明天", "后天", "首相将于[-明-]{+后+}天访问灾区", id="chinese-word"),
        pytest.param(JA, "春", "秋", "来年の[-春-]{+秋+}に始まる", id="japanese-word"),
    ],
)
def test_one_sentence_edited_in_chinese_or_japanese_is_one_edit(
    paragraph: str, edited: str, replacement: str, highlight: str
) -> None:
    """Without spaces, a paragraph is still aligned sentence by sentence and word by word:
    one edited sentence, not the paragraph removed and added again."""
    other = "警方正在调查事故原因。" if paragraph == ZH else "工事は二年かかる予定だ。"
    old = article(body=(paragraph, other))
    new = article(body=(paragraph.replace(edited, replacement, 1), other))
    change = compare(old, new)
    assert change is not None
    assert (change.edited, change.added, change.removed) == (1, 0, 0)
    assert change.significance in {"minor", "substantive"}, change.reasons
    assert highlight in render_text(change)


def test_a_paragraph_moved_and_lightly_edited_is_an_edit_at_its_new_place() -> None:
    moved = BODY[3].replace("their doors", "their doors at midday")
    old = article(body=(*BODY[:3], moved, BODY[4]))
    new = article(body=(moved.replace("midday", "noon"), *BODY[:3], BODY[4]))
    change = compare(old, new)
    assert change is not None
    assert (change.edited, change.added, change.removed) == (1, 0, 0)
    assert change.significance == "minor", change.reasons
    assert "paragraphs reordered" in change.reasons
    assert "[-midday.-]{+noon.+}" in render_text(change)
    assert apply(old.body, change.operations) == list(new.body)


def test_two_paragraphs_merged_are_trivial_and_counted_as_moved() -> None:
    """P2 ends with "a.m." and P3 opens with a quotation: merged, they are the same sentences."""
    body = (
        BODY[0],
        "Engineers inspected the deck at 8:15 a.m.",
        '"It is not safe," the chief engineer said after the inspection.',
        BODY[4],
    )
    merged = (body[0], f"{body[1]} {body[2]}", body[3])
    change = compare(article(body=body), article(body=merged))
    assert change is not None
    assert (change.significance, change.reasons) == ("trivial", ("paragraphs split or merged",))
    assert (change.added, change.removed, change.moved) == (0, 0, 1)
    assert change.summary == "body: 1 sentence moved"


def test_a_dropped_dateline_is_no_change() -> None:
    lead = "At least 12 people died on Monday when the bridge collapsed."
    old = article(body=(f"WASHINGTON — {lead}", *BODY))
    assert compare(old, article(body=(lead, *BODY))) is None


def test_a_cache_busting_query_on_the_image_is_no_change() -> None:
    old = Article(
        url="https://news.example/a",
        title="T",
        body=("Text.",),
        image="https://img.example/a.jpg?v=2",
    )
    same = replace(old, image="https://img.example/a.jpg?v=3&w=800")
    other = replace(old, image="https://img.example/b.jpg?v=3")
    assert compare(old, same) is None
    assert compare(old, other).fields == ("image",)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("https://img.example/a.jpg?v=2", "https://img.example/a.jpg?v=3"),
        ("https://img.example/a.jpg?w=800", "https://img.example/a.jpg?w=1200&quality=80"),
        ("https://img.example/a.jpg?width=800&height=600&fit=crop&auto=format",
         "https://img.example/a.jpg?dpr=2&fm=webp&q=75"),
        ("https://img.example/a.jpg?itok=Xy12", "https://img.example/a.jpg?itok=Zw34#top"),
        ("https://img.example/a.jpg?1700000000", "https://IMG.example/a.jpg?1700000600"),
        ("https://s3.example/a.jpg?X-Amz-Signature=ab&X-Amz-Date=1",
         "https://s3.example/a.jpg?X-Amz-Signature=cd&X-Amz-Date=2"),
        # A meaningful parameter kept, the noise around it dropped, in any order.
        ("https://img.example/photo.php?id=7&v=2", "https://img.example/photo.php?v=3&id=7"),
        # Seen on real pages: a space before the query, parameters no list knows.
        ("http://o.example/p/1281734929876.JPEG ", "http://o.example/p/1281734929876.JPEG ?v=1"),
        ("https://o.example/images/dims?client=amp-blogside-v2&signature=3e0f&thumbnail=130",
         "https://o.example/images/dims?client=amp-v3&signature=193a&thumbnail=130&v=1"),
        ("https://i0.wp.com/a.example/2022/04/b.jpeg?fit=940%2C625&ssl=1",
         "https://i0.wp.com/a.example/2022/04/b.jpeg?fit=940%2C625&ssl=1&v=1"),
    ],
)  # fmt: skip
def test_image_parameters_that_bust_a_cache_or_size_the_picture_are_no_change(
    old: str, new: str
) -> None:
    before = Article(url="https://news.example/a", title="T", body=("Text.",), image=old)
    assert compare(before, replace(before, image=new)) is None


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("https://img.example/photo.php?id=7", "https://img.example/photo.php?id=8"),
        ("https://img.example/photo.php?id=7&w=800", "https://img.example/photo.php?w=800"),
        ("https://img.example/2024/a.jpg?w=800", "https://img.example/2024/b.jpg?w=800"),
        ("https://img.example/a.jpg", "https://other.example/a.jpg"),
    ],
)
def test_another_image_path_host_or_meaningful_parameter_is_a_change(old: str, new: str) -> None:
    before = Article(url="https://news.example/a", title="T", body=("Text.",), image=old)
    change = compare(before, replace(before, image=new))
    assert change is not None
    assert (change.fields, change.reasons) == (("image",), ("image changed",))


# content_hash of this article as the release before image parameters were told apart
# stored it (the whole query dropped): a version stored then, read by this release.
HASHED = Article(
    url="https://news.example/a",
    title="Bridge reopens",
    body=(
        "The bridge over the river reopened on Monday after eight months of repairs, the city"
        " said, and the first cars crossed it shortly after six in the morning.",
        "Engineers replaced the deck and two of the supports, which had cracked in the floods"
        " of last winter; buses will use the bridge again from next week.",
    ),
    image="https://img.example/photo.php?id=7&v=2",
)
HASHED_BEFORE = "8a73a39ffea8bdfbc93d943580bdc16d0aa9649e0a8ff27917b3d4dc4d41ccf4"


def test_the_first_check_after_the_image_rule_changed_reports_no_change() -> None:
    """A stored hash means the old normalisation; the next check of the same page (its
    image cache-busted) hashes otherwise, so the pipeline compares, and finds nothing."""
    new = replace(HASHED, image="https://img.example/photo.php?id=7&v=3")
    assert content_hash(new) != HASHED_BEFORE  # ?id= is part of the picture now
    watch = Watch(id=1, url=HASHED.url)
    now = datetime(2024, 5, 14, 12, tzinfo=UTC)
    record = CheckRecord(watch_id=1, started_at=now, outcome="unchanged", next_check_at=now)
    context = CheckContext(
        latest=StoredVersion(version=1, content_hash=HASHED_BEFORE, article=HASHED),
        versions={HASHED_BEFORE: 1},
    )
    hashed = content_hash(new)
    assert decide.settled(watch, record, context, new, hashed, GuardSettings()) is None
    change = compare(HASHED, new)
    assert change is None
    assert decide.compared(record, context, HASHED, new, hashed, change, "").outcome == "unchanged"
    # And from then on the new hash is stored: the same page again is settled as unchanged.
    stored = replace(context, latest=StoredVersion(2, hashed, new), versions={hashed: 2})
    settled = decide.settled(watch, record, stored, new, hashed, GuardSettings())
    assert settled is not None and settled.outcome == "unchanged"
