"""The word-level diff of two texts: their tokens (punctuation dropped, numbers kept whole),
as written and case-folded, where sentences open, and how the two align; the texts of both
versions; the words inside quotes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from worker.diff._budget import Budget, Opcode, opcodes
from worker.words import CJK_CHARACTERS

_NUMBER = r"\d+(?:[.,:/]\d+)*"
_TOKEN = re.compile(rf"{_NUMBER}|[{CJK_CHARACTERS}]|[^\W_{CJK_CHARACTERS}]+")
_SENTENCE_STOP = re.compile(r"[.!?…:;]")

Finding = tuple[str, str]  # (significance level, reason)


@dataclass(frozen=True)
class TokenDiff:
    """Two texts as tokens (punctuation ignored; `old`, `new` case-folded), and how they align."""

    old: list[str]
    new: list[str]
    opcodes: list[Opcode]
    old_cased: list[str]
    new_cased: list[str]
    old_initial: frozenset[int]  # indices of the tokens that open a sentence
    new_initial: frozenset[int]


class Versions:
    """The texts of the old and the new version (title and body), and their words, read
    once and only if an edit asks."""

    def __init__(self, old: Sequence[str], new: Sequence[str]) -> None:
        self._texts = (old, new)
        self._words: list[frozenset[str] | None] = [None, None]

    def words(self, side: int) -> frozenset[str]:
        """The words of the old (0) or the new (1) version."""
        found = self._words[side]
        if found is None:
            found = self._words[side] = frozenset(
                word for text in self._texts[side] for word in tokens(text)
            )
        return found


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers ('3.5' stays one token), punctuation dropped."""
    return _TOKEN.findall(text.casefold())


def token_diff(old: str, new: str, budget: Budget) -> TokenDiff:
    """The tokens of two texts aligned once, for every test of an edit that needs them."""
    (old_cased, old_initial), (new_cased, new_initial) = _cased(old), _cased(new)
    a, b = [word.casefold() for word in old_cased], [word.casefold() for word in new_cased]
    return TokenDiff(a, b, opcodes(a, b, budget), old_cased, new_cased, old_initial, new_initial)


def _cased(text: str) -> tuple[list[str], frozenset[int]]:
    """The tokens of a text as written, and the indices of those that open a sentence."""
    words: list[str] = []
    initial: set[int] = set()
    end = 0
    for match in _TOKEN.finditer(text):
        if not words or _SENTENCE_STOP.search(text, end, match.start()):
            initial.add(len(words))
        words.append(match.group())
        end = match.end()
    return words, frozenset(initial)


def lost_words(diff: TokenDiff) -> int:
    """Old words an edit removes or replaces."""
    return sum(i2 - i1 for tag, i1, i2, _, _ in diff.opcodes if tag in ("delete", "replace"))


def changed_words(diff: TokenDiff) -> int:
    """Words (punctuation and case ignored) added, removed or replaced."""
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in diff.opcodes if tag != "equal")


def changed(diff: TokenDiff) -> list[str]:
    """The words of every block that is not equal, both sides."""
    words: list[str] = []
    for tag, i1, i2, j1, j2 in diff.opcodes:
        if tag != "equal":
            words += diff.old[i1:i2] + diff.new[j1:j2]
    return words


def quoted_words(text: str) -> list[str]:
    """Words inside double quotes; an unmatched quote runs to the sentence's edge."""
    inside = _starts_inside_quote(text)
    words: list[str] = []
    for part in text.split('"'):
        if inside:
            words += tokens(part)
        inside = not inside
    return words


def _starts_inside_quote(text: str) -> bool:
    """A sentence inside a quotation opened earlier: its first quote closes ('... it," he said')."""
    first = text.find('"')
    if first <= 0:
        return False
    return not text[first - 1].isspace() and text[first - 1] not in "([:"
