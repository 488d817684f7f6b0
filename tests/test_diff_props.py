"""Properties of worker.diff over generated bodies (Hypothesis).

- a version compared with itself gives nothing;
- applying the operations to the old body gives the new body;
- swapping old and new mirrors the operations;
- splitting a paragraph into sentences and joining them gives it back.
"""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from worker import diff
from worker.types import Article, ParagraphOp

WORDS = ["the", "mayor", "said", "Council", "bridge", "42", "3.5", "Mr.", "no", "she", "我们"]
ENDS = [".", "!", "?", '."', "。", ""]

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=8)
sentences = st.builds(lambda ws, end: " ".join(ws) + end, words, st.sampled_from(ENDS))
paragraphs = st.lists(sentences, min_size=1, max_size=4).map(" ".join)
# A small pool of paragraphs, so that versions share, move and edit some of them.
pool = st.lists(paragraphs, min_size=3, max_size=8, unique=True)


@st.composite
def versions(draw: st.DrawFn) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Two bodies drawn from one pool: reordered, with paragraphs dropped and edited."""
    texts = draw(pool)
    old = draw(st.lists(st.sampled_from(texts), max_size=8))
    new = draw(st.permutations(old)) if draw(st.booleans()) else list(old)
    new = new + draw(st.lists(st.sampled_from(texts), max_size=3))
    drop = draw(st.sets(st.integers(0, max(len(new) - 1, 0)), max_size=2))
    new = [text for index, text in enumerate(new) if index not in drop]
    if new and draw(st.booleans()):
        index = draw(st.integers(0, len(new) - 1))
        new[index] = new[index] + " " + draw(sentences)
    if new and draw(st.booleans()):
        index = draw(st.integers(0, len(new) - 1))
        swapped = new[index].split(" ")
        swapped[draw(st.integers(0, len(swapped) - 1))] = draw(st.sampled_from(WORDS))
        new[index] = " ".join(swapped)
    return tuple(old), tuple(new)


def article(body: tuple[str, ...]) -> Article:
    return Article(url="https://news.example/a", title="A story", body=body)


def operations(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[ParagraphOp, ...]:
    change = diff.compare(article(old), article(new))
    return change.operations if change else ()


def without_words(op: ParagraphOp) -> ParagraphOp:
    return dataclasses.replace(op, words=())


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.lists(paragraphs, max_size=6).map(tuple))
def test_a_version_compared_with_itself_gives_nothing(body: tuple[str, ...]) -> None:
    assert diff.compare(article(body), article(body)) is None


@PROPERTY
@given(versions())
def test_applying_the_operations_gives_the_new_body(pair: tuple) -> None:
    old, new = pair
    assert diff.apply(old, operations(old, new)) == diff.comparable(article(new))["body"]


@PROPERTY
@given(versions())
def test_swapping_versions_mirrors_the_operations(pair: tuple) -> None:
    old, new = pair
    forward = sorted(map(repr, (without_words(diff.mirror(op)) for op in operations(old, new))))
    backward = sorted(map(repr, map(without_words, operations(new, old))))
    assert forward == backward


@PROPERTY
@given(versions())
def test_mirrored_operations_apply_backwards(pair: tuple) -> None:
    old, new = pair
    back = [diff.mirror(op) for op in operations(old, new)]
    assert diff.apply(new, back) == diff.comparable(article(old))["body"]


@PROPERTY
@given(paragraphs)
def test_sentences_join_back_into_the_paragraph(paragraph: str) -> None:
    (normalised,) = diff.comparable(article((paragraph,)))["body"]
    assert diff.join_sentences(diff.split_sentences(normalised)) == normalised
