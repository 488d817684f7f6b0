"""worker.diff on hostile pages: each input below stalled the process for tens of seconds.

Every hostile call runs under a liveness bound (SIGALRM interrupts a regex or difflib where it
is): the fixed code takes a fraction of a second, the old one many times the bound. Each test
also checks that the result still makes sense.
"""

from __future__ import annotations

import random
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from difflib import SequenceMatcher
from types import FrameType

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from worker import diff
from worker.db import create_engine, migrate
from worker.diff import (
    apply,
    compare,
    content_hash,
    join_sentences,
    render_html,
    split_sentences,
)
from worker.diff._budget import Budget, opcodes
from worker.models import utcnow
from worker.settings import Settings
from worker.store import Store
from worker.types import Article, CheckRecord
from worker.web import create_app

LIVENESS = 5.0  # seconds

BODY = (
    "The city council voted on Tuesday to close the old bridge for repairs next spring.",
    "Engineers said the steel deck had corroded faster than expected after two wet winters.",
)


@contextmanager
def finishes_within(seconds: float = LIVENESS) -> Iterator[None]:
    """Fail the test if its block is still running after `seconds`."""

    def stalled(signum: int, frame: FrameType | None) -> None:
        pytest.fail(f"still running after {seconds} s", pytrace=False)

    previous = signal.signal(signal.SIGALRM, stalled)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def article(*body: str) -> Article:
    return Article(url="https://evil.example/story", title="Council closes old bridge", body=body)


def test_a_run_of_counts_is_captured_and_compared_in_time() -> None:
    """20 kB of '1,1,1,...': the counter regex tried it from every digit (old: 13 s to capture
    it, four times that for the comparisons)."""
    run = "1," * 10_000
    with finishes_within():
        content_hash(article(*BODY, run))
        edited = compare(article(*BODY, run), article(*BODY, run + "2"))
        counter = compare(article(*BODY, run + "1 views"), article(*BODY, run + "2 views"))
    assert edited is not None and edited.fields == ("body",)
    assert counter is None  # a view counter, however long, is still noise


def test_a_run_of_dots_is_split_in_time() -> None:
    """30 kB of dots not followed by a space: the sentence-end regex tried the run from every
    dot (old: ~25 s for each split)."""
    paragraph = "It went on" + "." * 30_000 + "and on. Then it stopped."
    with finishes_within():
        sentences = split_sentences(paragraph)
        change = compare(article(*BODY, paragraph), article(*BODY, paragraph + " It went on."))
    assert sentences == [paragraph.removesuffix(" Then it stopped."), "Then it stopped."]
    assert change is not None and change.added == 1 and change.paragraphs_edited == 1


def test_many_sentences_join_in_time() -> None:
    """40,000 sentences: joining searched the whole text joined so far after each (old: 27 s)."""
    paragraph = " ".join(["It rained."] * 20_000) + " " + "雨だ。" * 20_000
    with finishes_within():
        assert join_sentences(split_sentences(paragraph)) == paragraph


def repetitive(words: int) -> list[str]:
    """`words` words of four kinds: difflib's worst case."""
    return random.Random(1).choices(["a", "b", "c", "d"], k=words)


def test_a_long_repetitive_paragraph_is_compared_in_time() -> None:
    """10,000 words of four kinds: difflib's search grows with the product of the lengths
    (old: minutes). Past the budget, common start and end are kept, the middle replaced."""
    words = repetitive(10_000)
    scattered = [word if k % 50 else "x" for k, word in enumerate(words)]
    once = [*words[:5_000], "x", *words[5_001:]]
    twice = [*words[:3_000], "x", *words[3_001:7_000], "x", *words[7_001:]]
    with finishes_within():
        rewritten = compare(article(" ".join(words)), article(" ".join(scattered)))
        edited = compare(article(" ".join(words)), article(" ".join(once)))
        page = render_html(edited) if edited else ""
        # a 4,001-word replaced middle: looking for a negated word was quadratic in it
        far_apart = compare(article(" ".join(words)), article(" ".join(twice)))
    assert rewritten is not None and (rewritten.added, rewritten.removed) == (1, 1)
    assert rewritten.significance == "major"
    assert edited is not None and edited.paragraphs_edited == 1
    (op,) = edited.operations
    assert [tag for tag, _ in op.words] == ["equal", "delete", "insert", "equal"]
    assert op.words[1:3] == (("delete", words[5_000]), ("insert", "x"))
    assert f"<del>{words[5_000]}</del><ins>x</ins>" in page
    assert far_apart is not None and far_apart.paragraphs_edited == 1
    assert "sentence rewritten" in far_apart.reasons


def test_a_long_paragraph_past_the_budget_is_still_compared_sentence_by_sentence() -> None:
    """4,800 words in one paragraph, most of its sentences edited: difflib would pass the
    budget pairing it, so it pairs by the words it shares; its sentences are still compared
    word by word, with the result the old code took a second for."""
    rng = random.Random(2)
    vocabulary = [f"w{rank}" for rank in range(300)]
    weights = [1 / (rank + 1) for rank in range(300)]
    sentences = [
        " ".join(rng.choices(vocabulary, weights, k=16)).capitalize() + "." for _ in range(300)
    ]
    edited = [s.replace(" ", " reportedly ", 1) if k % 30 else s for k, s in enumerate(sentences)]
    with finishes_within():
        change = compare(article(" ".join(sentences)), article(" ".join(edited)))
    assert change is not None and change.paragraphs_edited == 1
    assert (change.edited, change.added, change.removed) == (290, 0, 0)
    assert (change.significance, change.reasons) == ("substantive", ("hedging changed",))


def test_many_edited_paragraphs_are_paired_in_time() -> None:
    """10,000 edited paragraphs: pairing checked each candidate pair against every pair taken
    (old: ~25 s). Past the budget the first edits are shown word by word, the rest replaced."""
    old = [f"Item {k} said yes." for k in range(10_000)]
    new = [f"Item {k} said no." for k in range(10_000)]
    with finishes_within():
        change = compare(article(*old), article(*new))
    assert change is not None and change.fields == ("body",)
    first = change.operations[0]
    assert (first.kind, first.old_index, first.new_index) == ("edited", 0, 0)
    assert first.words == (("equal", "Item 0 said"), ("delete", "yes."), ("insert", "no."))
    assert change.paragraphs_edited > 100
    assert change.paragraphs_edited + change.paragraphs_added == 10_000
    assert apply(old, change.operations) == new


def store_versions(database_url: str, *versions: Article) -> tuple[Store, int]:
    """A store holding `versions` of one article, as checks would have saved them."""
    engine = create_engine(database_url)
    migrate(engine)
    store = Store(engine)
    watch = store.add_watch(versions[0].url).id
    for number, version in enumerate(versions):
        now = utcnow()
        outcome = "changed" if number else "new"
        later = now + timedelta(minutes=15)
        hashed = content_hash(version)
        store.save_check(
            CheckRecord(watch, now, outcome, later, article=version, content_hash=hashed)
        )
    return store, watch


def test_a_hostile_diff_view_answers_and_is_then_served_from_the_memo(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any visitor may ask for the diff of any two versions: the page of a hostile pair answers
    in time (old: minutes), and asking again, or through the API, compares nothing again."""
    words = repetitive(10_000)
    scattered = [word if k % 50 else "x" for k, word in enumerate(words)]
    versions = [article(*BODY, " ".join(body)) for body in (words, scattered, words[::-1])]
    store, watch = store_versions(database_url, *versions)
    compared = []
    real = diff.compare
    monkeypatch.setattr(diff, "compare", lambda old, new: compared.append(1) or real(old, new))
    client = TestClient(create_app(Settings(), store), base_url="http://127.0.0.1:8080")
    page = f"/articles/{watch}/diff?from=1&to=3&mode=side-by-side"
    with finishes_within():
        first = client.get(page)
    again = client.get(page)
    inline = client.get(f"/articles/{watch}/diff?from=1&to=3")
    api = client.get(f"/api/watches/{watch}/diff?from=1&to=3")
    assert first.status_code == 200 and 'class="nw-diff' in first.text
    assert again.text == first.text
    assert inline.status_code == 200 and "<del>" in inline.text
    assert api.status_code == 200 and api.json()["fields"] == ["body"]
    assert len(compared) == 1


letters = st.lists(st.sampled_from("abc"), max_size=12)


@settings(max_examples=300, deadline=None)
@given(letters, letters, st.integers(0, 400))
def test_a_budget_changes_nothing_until_it_is_spent(a: list[str], b: list[str], steps: int) -> None:
    """With budget enough a diff is difflib's; past it, it still accounts for every item."""
    difflib = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    assert opcodes(a, b, Budget(10**9)) == difflib
    runs = opcodes(a, b, Budget(steps))
    starts = [(0, 0)] + [(i2, j2) for _, _, i2, _, j2 in runs]
    assert [(i1, j1) for _, i1, _, j1, _ in runs] == starts[:-1]
    assert starts[-1] == (len(a), len(b))
    assert all(a[i1:i2] == b[j1:j2] for tag, i1, i2, j1, j2 in runs if tag == "equal")
