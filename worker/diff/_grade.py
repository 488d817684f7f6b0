"""Significance: trivial, minor, substantive or major, with the reasons.

- trivial: punctuation, case, spelling, whitespace; paragraphs split or merged; `modified` alone
- minor: a few words reworded; paragraphs or sentences reordered; image or canonical URL
- substantive: numbers, names or quotations changed; sentences added or removed; a sentence
  rewritten; subtitle, authors or publication date changed; a headline reworded by one word
- major: a headline rewritten; a correction or update notice; much of the old body rewritten
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from worker.diff._align import reordered
from worker.diff._budget import Budget, Opcode, opcodes, ratio
from worker.diff._sentences import split_sentences
from worker.types import SIGNIFICANCE, FieldChange, ParagraphOp
from worker.words import CJK_CHARACTERS

MAJOR_BODY_SHARE = 0.3  # share of the old body's words rewritten or removed from which it is major
REWRITTEN_SENTENCE_WORDS = 8  # words changed in one sentence from which it is substantive
SPELLING_RATIO = 0.75  # letters kept in a word for its change to count as a spelling fix

_TEXT_FIELDS = frozenset({"title", "subtitle", "authors"})
# How much a change to each metadata field weighs; the title and body are graded apart.
# `modified` alone is trivial: sites bump it on every republish without touching the text.
_FIELD_LEVELS = {
    "subtitle": "substantive",
    "authors": "substantive",
    "published": "substantive",
    "modified": "trivial",
    "canonical_url": "minor",
    "image": "minor",
    "language": "minor",
}
_NOTICE_NAMES = {
    "correction": "correction notice",
    "clarification": "clarification notice",
    "editor_note": "editor's note",
    "update": "update notice",
}
_RETRACTABLE = frozenset({"correction", "clarification"})
_NUMBER = r"\d+(?:[.,:/]\d+)*"
_TOKEN = re.compile(rf"{_NUMBER}|[{CJK_CHARACTERS}]|[^\W_{CJK_CHARACTERS}]+")
_NUMBERS = re.compile(_NUMBER)
# "one" and "second" are left out: far more often a pronoun and a unit than a figure.
_NUMBER_WORDS = frozenset({
    "zero", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand", "million", "billion", "trillion", "dozen", "dozens", "half",
    "quarter", "third", "fourth", "fifth", "twice",
})  # fmt: skip
_WORD = re.compile(r"[^\W\d_][\w'-]*")
_NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non", "non-")
_NEGATION = re.compile(
    r"\b(?:not(?! only)|no|never|neither|nor|none|nobody|nothing|nowhere|cannot|without)\b"
    r"|n't\b",
    re.IGNORECASE,
)

Finding = tuple[str, str]  # (significance level, reason)


@dataclass(frozen=True)
class _TokenDiff:
    """Two texts as tokens (punctuation and case ignored), and how they align."""

    old: list[str]
    new: list[str]
    opcodes: list[Opcode]


def grade(
    field_changes: Sequence[FieldChange],
    operations: Sequence[ParagraphOp],
    old_body: list[str],
    notices: tuple[tuple[str, str], ...],
    edited_notices: Sequence[str] = (),
    removed_notices: Sequence[str] = (),
    *,
    budget: Budget,
) -> tuple[str, tuple[str, ...]]:
    """The highest level found, with every distinct reason, in order."""
    findings = [_grade_field(change, budget) for change in field_changes]
    findings += [("major", f"{_NOTICE_NAMES[kind]} added") for kind, _ in notices]
    findings += [("substantive", f"{_NOTICE_NAMES[kind]} edited") for kind in edited_notices]
    for kind in removed_notices:
        # A correction that quietly disappears is as telling as one that appears.
        level = "major" if kind in _RETRACTABLE else "substantive"
        findings.append((level, f"{_NOTICE_NAMES[kind]} removed"))
    findings += _grade_body(operations, old_body, budget)
    level = max((level for level, _ in findings), key=SIGNIFICANCE.index, default="minor")
    return level, tuple(dict.fromkeys(reason for _, reason in findings))


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers ('3.5' stays one token), punctuation dropped."""
    return _TOKEN.findall(text.casefold())


def sentences_of(op: ParagraphOp) -> tuple[list[str], list[str]]:
    """The old and new sentences an operation touches (a whole paragraph's, or one)."""
    if op.unit == "sentence":
        return [op.old] if op.old else [], [op.new] if op.new else []
    return split_sentences(op.old) if op.old else [], split_sentences(op.new) if op.new else []


# --- fields


def _grade_field(change: FieldChange, budget: Budget) -> Finding:
    """A metadata field: its weight, unless only punctuation, case or spelling moved."""
    if change.name in _TEXT_FIELDS and tokens(change.old) == tokens(change.new):
        return "trivial", f"{change.name}: punctuation or case only"
    if change.name in _TEXT_FIELDS and _is_spelling(change.old, change.new, budget):
        return "trivial", f"{change.name}: spelling corrected"
    if change.name == "title":
        return _grade_title(change, budget)
    return _FIELD_LEVELS[change.name], f"{change.name} changed"


def _grade_title(change: FieldChange, budget: Budget) -> Finding:
    """One word reworded is substantive; anything more, or a number, rewrites the headline."""
    numbers_kept = _numbers(change.old) == _numbers(change.new)
    if numbers_kept and _changed_words(_token_diff(change.old, change.new, budget)) <= 1:
        return "substantive", "headline reworded"
    return "major", "headline rewritten"


# --- body


def _grade_body(
    operations: Sequence[ParagraphOp], old_body: list[str], budget: Budget
) -> list[Finding]:
    """Sentences added or removed, reordered, edited; and the share of the old body rewritten."""
    edits = [(op, _token_diff(op.old, op.new, budget)) for op in operations if op.kind == "edited"]
    added, removed = _added_and_removed(operations)
    relocated = sum((Counter(added) & Counter(removed)).values())
    findings: list[Finding] = []
    if relocated:
        findings.append(("trivial", "paragraphs split or merged"))
    for kind, texts in (("added", added), ("removed", removed)):
        findings += _grade_whole_sentences(kind, texts, added if kind == "removed" else removed)
    if reordered(len(old_body), operations):
        findings.append(("minor", "paragraphs reordered"))
    if any(op.kind == "moved" and op.unit == "sentence" for op in operations):
        findings.append(("minor", "sentences reordered"))
    findings += [_grade_edit(op.old, op.new, diff, budget) for op, diff in edits]
    share = _rewritten_share(operations, old_body, relocated, [diff for _, diff in edits])
    if share > MAJOR_BODY_SHARE:
        findings.append(("major", f"{share:.0%} of the old body rewritten or removed"))
    return findings


def _grade_whole_sentences(kind: str, texts: list[str], elsewhere: list[str]) -> list[Finding]:
    """Sentences added (or removed) that do not reappear on the other side."""
    really = list((Counter(texts) - Counter(elsewhere)).elements())
    findings: list[Finding] = []
    if really:
        findings.append(("substantive", f"{_plural(len(really), 'sentence')} {kind}"))
    if any(_quoted_words(text) for text in really):
        findings.append(("substantive", f"quotation {kind}"))
    return findings


def _added_and_removed(operations: Sequence[ParagraphOp]) -> tuple[list[str], list[str]]:
    """The sentences added and removed, whole paragraphs included."""
    added: list[str] = []
    removed: list[str] = []
    for op in operations:
        if op.kind in ("added", "removed"):
            old, new = sentences_of(op)
            added += new
            removed += old
    return added, removed


def _grade_edit(old: str, new: str, diff: _TokenDiff, budget: Budget) -> Finding:
    """One edited sentence: punctuation, numbers, spelling, a quotation, names, or words."""
    if diff.old == diff.new:
        return "trivial", "punctuation or case only"
    if _numbers(old) != _numbers(new):
        return "substantive", "numbers changed"
    if _is_spelling(old, new, budget):
        return "trivial", "spelling corrected"
    if _quoted_words(old) != _quoted_words(new):
        return "substantive", "quotation changed"
    if _negations(old) != _negations(new) or _negated_word(diff):
        return "substantive", "negation changed"
    if _names(old) != _names(new):
        return "substantive", "names changed"
    if _changed_words(diff) >= REWRITTEN_SENTENCE_WORDS:
        return "substantive", "sentence rewritten"
    return "minor", "words edited"


def _rewritten_share(
    operations: Sequence[ParagraphOp],
    old_body: list[str],
    relocated: int,
    edits: Sequence[_TokenDiff],
) -> float:
    """Old words removed or replaced, over the words of the old body (additions excluded)."""
    total = sum(len(tokens(paragraph)) for paragraph in old_body)
    lost = sum(len(tokens(op.old)) for op in operations if op.kind == "removed")
    lost += sum(map(_lost_words, edits))
    if relocated:
        added, removed = _added_and_removed(operations)
        moved = Counter(added) & Counter(removed)
        lost -= sum(len(tokens(text)) * count for text, count in moved.items())
    if not total:
        return 0.0
    return max(lost, 0) / total


def _token_diff(old: str, new: str, budget: Budget) -> _TokenDiff:
    """The tokens of two texts aligned once, for every test of an edit that needs them."""
    a, b = tokens(old), tokens(new)
    return _TokenDiff(a, b, opcodes(a, b, budget))


def _lost_words(diff: _TokenDiff) -> int:
    """Old words an edit removes or replaces."""
    return sum(i2 - i1 for tag, i1, i2, _, _ in diff.opcodes if tag in ("delete", "replace"))


def _changed_words(diff: _TokenDiff) -> int:
    """Words (punctuation and case ignored) added, removed or replaced."""
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in diff.opcodes if tag != "equal")


def _is_spelling(old: str, new: str, budget: Budget) -> bool:
    """Up to two words changed, each keeping most of its letters, no number involved; not a
    capitalised word after the first (a name: Jane -> Janet, Austria -> Australia), and not a
    word turned into its opposite (lawful -> unlawful)."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(a) != len(b):
        return False
    changed = [
        (n, x, y) for n, (x, y) in enumerate(zip(a, b, strict=True)) if x.casefold() != y.casefold()
    ]
    if not 0 < len(changed) <= 2:
        return False
    # The first word is capitalised anyway; in a title-case headline a name is not told apart
    # from other words, so a changed capitalised word there is not called a typo either.
    return all(
        _misspelt(x.casefold(), y.casefold(), budget) and not (n and _is_name(x, y))
        for n, x, y in changed
    )


def _misspelt(a: str, b: str, budget: Budget) -> bool:
    if a.isdigit() or b.isdigit() or min(len(a), len(b)) < 4 or _opposites(a, b):
        return False
    return ratio(a, b, budget, at_least=SPELLING_RATIO, autojunk=True) >= SPELLING_RATIO


def _is_name(a: str, b: str) -> bool:
    return a[:1].isupper() or b[:1].isupper()


def _opposites(a: str, b: str) -> bool:
    """One word is the other with a negating prefix: legal / illegal, able / unable."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and any(long == prefix + short for prefix in _NEGATING_PREFIXES)


def _negated_word(diff: _TokenDiff) -> bool:
    """A word of one side is negated on the other: 'lawful' became 'unlawful'."""
    return any(
        _has_negated(diff.old[i1:i2], set(diff.new[j1:j2]))
        or _has_negated(diff.new[j1:j2], set(diff.old[i1:i2]))
        for tag, i1, i2, j1, j2 in diff.opcodes
        if tag == "replace"
    )


def _has_negated(words: list[str], others: set[str]) -> bool:
    """Some word of four letters or more has its negation (see `_opposites`) among `others`:
    looked up, where trying every pair of a rewritten block was quadratic."""
    return any(
        len(word) >= 4 and any(prefix + word in others for prefix in _NEGATING_PREFIXES)
        for word in words
    )


def _negations(text: str) -> int:
    """How many negations a sentence holds: not, no, never, n't, ..."""
    return len(_NEGATION.findall(text))


def _numbers(text: str) -> list[str]:
    """Figures and number words: 'six beams' -> 'eight beams' changes a fact too."""
    words = [token for token in tokens(text) if token in _NUMBER_WORDS]
    return sorted(_NUMBERS.findall(text) + words)


def _names(text: str) -> Counter[str]:
    """Capitalised words after the first: names, places, days, organisations."""
    words = _WORD.findall(text)
    return Counter(word for word in words[1:] if word[0].isupper())


def _quoted_words(text: str) -> list[str]:
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


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
