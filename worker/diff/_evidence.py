"""Evidence in the article's own words: the operations found on the comparable text, shown
with the original paragraphs' text (en dashes, curly quotes and datelines as published).

Versions are compared on normalised text (`_normalise`); a reader is shown what the page
said. Each comparable sentence is found back in its original paragraph by one greedy walk
over both (the comparable text is the original with characters folded or dropped), so the
first sentence keeps its dateline and every sentence its typography. Where the walk fails
(it never should), the comparable text is shown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from worker.diff._align import word_ops
from worker.diff._budget import Budget
from worker.diff._normalise import display_text, fold_character
from worker.diff._sentences import split_sentences
from worker.types import ParagraphOp


class Originals:
    """The original text of one version's comparable paragraphs and of their sentences."""

    def __init__(self, originals: Sequence[str], comparables: Sequence[str]) -> None:
        self._originals = [display_text(text) for text in originals]
        self._comparables = list(comparables)
        self._sentences: dict[int, list[str]] = {}

    def paragraph(self, index: int | None, fallback: str) -> str:
        if index is None or not 0 <= index < len(self._originals):
            return fallback
        return self._originals[index]

    def sentence(self, index: int | None, sentence: int | None, fallback: str) -> str:
        if index is None or sentence is None or not 0 <= index < len(self._originals):
            return fallback
        if index not in self._sentences:
            self._sentences[index] = original_sentences(
                self._originals[index], self._comparables[index]
            )
        found = self._sentences[index]
        return found[sentence] if 0 <= sentence < len(found) else fallback


def with_originals(
    operations: Sequence[ParagraphOp], old: Originals, new: Originals, budget: Budget
) -> tuple[ParagraphOp, ...]:
    """The operations with the original text, and the word diffs of edits on it."""
    shown = []
    for op in operations:
        if op.unit == "sentence":
            before = old.sentence(op.old_index, op.old_sentence, op.old) if op.old else ""
            after = new.sentence(op.new_index, op.new_sentence, op.new) if op.new else ""
        else:
            before = old.paragraph(op.old_index, op.old) if op.old else ""
            after = new.paragraph(op.new_index, op.new) if op.new else ""
        words = word_ops(before, after, budget) if op.kind == "edited" else ()
        shown.append(dataclasses.replace(op, old=before, new=after, words=words))
    return tuple(shown)


def original_sentences(original: str, comparable: str) -> list[str]:
    """The original text of each sentence of `comparable` (the normalised `original`)."""
    sentences = split_sentences(comparable)
    starts, position = [], 0
    for sentence in sentences:
        position = comparable.find(sentence, position)
        starts.append(position)
        position += len(sentence)
    found = _found_at(original, comparable, starts)
    if found is None:
        return sentences
    ends = [*found[1:], len(original)]
    return [original[start:end].strip() for start, end in zip([0, *found[1:]], ends, strict=True)]


def _found_at(original: str, comparable: str, starts: list[int]) -> list[int] | None:
    """Where the characters of `comparable` at `starts` are in `original`: one walk, each
    comparable character matched with the next original one that folds to it (a space
    matches a run of white space, or nothing where normalising put one)."""
    found: list[int] = []
    wanted = iter(starts)
    next_start = next(wanted, None)
    at, size = 0, len(original)
    for index, character in enumerate(comparable):
        if character == " ":
            while at < size and original[at].isspace():
                at += 1
            continue
        while at < size and fold_character(original[at]) != character:
            at += 1
        if at == size:
            return None
        if index == next_start:
            found.append(at)
            next_start = next(wanted, None)
        at += 1
    return found if len(found) == len(starts) else None
