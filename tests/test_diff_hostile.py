"""worker.diff on hostile pages: each input below stalled the process for tens of seconds.

Every hostile call runs under a liveness bound (SIGALRM interrupts a regex or difflib where it
is): the fixed code takes a fraction of a second, the old one many times the bound. Each test
also checks that the result still makes sense.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import pytest

from worker.diff import compare, content_hash, join_sentences, split_sentences
from worker.types import Article

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


def article(*body: str, title: str = "Council closes old bridge") -> Article:
    return Article(url="https://evil.example/story", title=title, body=body)


def test_a_run_of_counts_is_captured_and_compared_in_time() -> None:
    """20 kB of '1,1,1,...': the counter regex tried it from every digit (old: ~20 s each)."""
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
