"""Significance: trivial, minor, substantive or major, with the reasons.

- trivial: punctuation, case, spelling fixed, whitespace; British / American spelling (colour /
  color); numbers written otherwise (3 / three); a sentence split in two or joined; paragraphs
  split or merged; `modified` alone
- minor: function words (the, of, for, is, ...), word forms, honorifics, abbreviations
  expanded, intensifiers (severely, extremely), word order; one referent written otherwise (a
  pronoun, a description or a name for one the article already names); a typo introduced;
  paragraphs or sentences reordered; image (another picture) or canonical URL
- substantive: what a reader would call news: numbers, names, dates and times, negation,
  attribution (said / claimed), hedging (admitted / allegedly admitted), modality, quotations;
  content words added, removed or replaced; sentences added or removed; subtitle, authors or
  publication date changed; a headline reworded by one word
- major: a headline rewritten; a correction or update notice; much of the old body rewritten

A changed word is told from a typo fix by its letters and its frequency in the article's
language (`_lexicon`): a rare word or non-word replaced by a common one is a spelling fix, the
reverse a typo introduced, and two real words are two words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from worker.diff._align import reordered
from worker.diff._budget import Budget
from worker.diff._edit import grade_edit
from worker.diff._lexicon import Lexicon
from worker.diff._sentences import join_sentences, split_sentences
from worker.diff._spelling import net_words, respellings
from worker.diff._tokens import (
    Finding,
    TokenDiff,
    Versions,
    changed_words,
    lost_words,
    quoted_words,
    token_diff,
    tokens,
)
from worker.types import SIGNIFICANCE, FieldChange, ParagraphOp

MAJOR_BODY_SHARE = 0.3  # share of the old body's words rewritten or removed from which it is major
BOUNDARY_SHARE = 0.5  # words of the sentences added or removed that must reappear around them

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
_AUTHOR_SEPARATORS = re.compile(r",|;|&|\band\b|\bund\b|\bet\b|\by\b", re.IGNORECASE)


def grade(
    field_changes: Sequence[FieldChange],
    operations: Sequence[ParagraphOp],
    old_body: list[str],
    notices: tuple[tuple[str, str], ...],
    edited_notices: Sequence[str] = (),
    removed_notices: Sequence[str] = (),
    *,
    budget: Budget,
    lexicon: Lexicon | None = None,
    versions: Versions | None = None,
) -> tuple[str, tuple[str, ...]]:
    """The highest level found, with every distinct reason, in order. `versions`: the
    texts of both versions, where an edit's words are looked for elsewhere in the article."""
    lexicon = lexicon or Lexicon(None, lookups=0)
    versions = versions or Versions(old_body, ())
    findings = [f for change in field_changes for f in _grade_field(change, lexicon, budget)]
    findings += [("major", f"{_NOTICE_NAMES[kind]} added") for kind, _ in notices]
    findings += [("substantive", f"{_NOTICE_NAMES[kind]} edited") for kind in edited_notices]
    for kind in removed_notices:
        # A correction that quietly disappears is as telling as one that appears.
        level = "major" if kind in _RETRACTABLE else "substantive"
        findings.append((level, f"{_NOTICE_NAMES[kind]} removed"))
    findings += _grade_body(operations, old_body, lexicon, budget, versions)
    level = max((level for level, _ in findings), key=SIGNIFICANCE.index, default="minor")
    return level, tuple(dict.fromkeys(reason for _, reason in findings))


def sentences_of(op: ParagraphOp) -> tuple[list[str], list[str]]:
    """The old and new sentences an operation touches (a whole paragraph's, or one)."""
    if op.unit == "sentence":
        return [op.old] if op.old else [], [op.new] if op.new else []
    return split_sentences(op.old) if op.old else [], split_sentences(op.new) if op.new else []


# --- fields


def _grade_field(change: FieldChange, lexicon: Lexicon, budget: Budget) -> list[Finding]:
    """A metadata field: its weight, unless only punctuation, case or spelling moved."""
    if change.name in _TEXT_FIELDS and tokens(change.old) == tokens(change.new):
        return [("trivial", f"{change.name}: punctuation or case only")]
    if change.name == "authors":
        return _grade_authors(change)
    if change.name in _TEXT_FIELDS:
        diff = token_diff(change.old, change.new, budget)
        spelling = respellings(diff, lexicon, budget)
        if spelling and not net_words(diff, spelling):
            return [(level, f"{change.name}: {reason}") for _, _, (level, reason) in spelling]
    if change.name == "title":
        return [_grade_title(change, lexicon, budget)]
    return [(_FIELD_LEVELS[change.name], f"{change.name} changed")]


def _grade_title(change: FieldChange, lexicon: Lexicon, budget: Budget) -> Finding:
    """One word reworded is substantive; anything more, or a number, rewrites the headline."""
    diff = token_diff(change.old, change.new, budget)
    numbers = lexicon.lists.numbers
    numbers_kept = numbers.values_of(diff.old) == numbers.values_of(diff.new)
    if numbers_kept and changed_words(diff) <= 1:
        return "substantive", "headline reworded"
    return "major", "headline rewritten"


def _grade_authors(change: FieldChange) -> list[Finding]:
    """Authors added or removed, by name: 'AFP' -> 'Pjotr Sauer and AFP' adds one."""
    old, new = _author_names(change.old), _author_names(change.new)
    added = [name for name in new if name not in old]
    removed = [name for name in old if name not in new]
    findings: list[Finding] = [("substantive", "authors changed")] if added or removed else []
    if added:
        findings.append(("substantive", _plural_verb(len(added), "author", "added")))
    if removed:
        findings.append(("substantive", _plural_verb(len(removed), "author", "removed")))
    return findings or [("minor", "authors reordered")]


def _author_names(text: str) -> list[str]:
    names = (" ".join(tokens(part)) for part in _AUTHOR_SEPARATORS.split(text))
    return list(dict.fromkeys(name for name in names if name))


# --- body


def _grade_body(
    operations: Sequence[ParagraphOp],
    old_body: list[str],
    lexicon: Lexicon,
    budget: Budget,
    versions: Versions,
) -> list[Finding]:
    """Sentences added or removed, reordered, edited; and the share of the old body rewritten."""
    units, joined = _edit_units(operations, budget)
    rest = [op for op in operations if id(op) not in joined]
    added, removed = _added_and_removed(rest)
    relocated = sum((Counter(added) & Counter(removed)).values())
    findings: list[Finding] = []
    if relocated:
        findings.append(("trivial", "paragraphs split or merged"))
    added, removed, reworded = _reordered_words(added, removed)
    if reworded:
        findings.append(("minor", "word order changed"))
    for kind, texts in (("added", added), ("removed", removed)):
        findings += _grade_whole_sentences(kind, texts, added if kind == "removed" else removed)
    if reordered(len(old_body), operations):
        findings.append(("minor", "paragraphs reordered"))
    if any(op.kind == "moved" and op.unit == "sentence" for op in operations):
        findings.append(("minor", "sentences reordered"))
    for old, new, diff in units:
        findings += grade_edit(old, new, diff, lexicon, budget, versions)
    share = _rewritten_share(rest, old_body, relocated, [diff for _, _, diff in units])
    if share > MAJOR_BODY_SHARE:
        findings.append(("major", f"{share:.0%} of the old body rewritten or removed"))
    return findings


def _edit_units(
    operations: Sequence[ParagraphOp], budget: Budget
) -> tuple[list[tuple[str, str, TokenDiff]], set[int]]:
    """The edits to grade, each (old text, new text, token diff); and the ids of the
    sentence operations joined into one.

    In an edited paragraph whose sentences were also added or removed, a full stop added or
    dropped (one sentence split in two, two joined) aligns as a sentence edited and one added
    or removed, or (two halves too short to pair with the whole) as sentences removed and
    added: when most words of those reappear around them, the sentences are graded together
    as one edit.
    """
    groups: dict[tuple[int | None, int | None], list[ParagraphOp]] = {}
    for op in operations:
        if op.unit == "sentence" and op.kind in ("edited", "added", "removed"):
            groups.setdefault((op.old_index, op.new_index), []).append(op)
    units: list[tuple[str, str, TokenDiff]] = []
    joined: set[int] = set()
    for group in groups.values():
        whole = [op for op in group if op.kind != "edited"]
        kinds = {op.kind for op in group}
        if whole and (len(whole) < len(group) or kinds == {"added", "removed"}):
            old, new = _joined(group)
            diff = token_diff(old, new, budget)
            moved_words = sum(len(tokens(op.old or op.new)) for op in whole)
            if changed_words(diff) <= BOUNDARY_SHARE * moved_words:
                units.append((old, new, diff))
                joined |= {id(op) for op in group}
                continue
        edits = [op for op in group if op.kind == "edited"]
        units += [(op.old, op.new, token_diff(op.old, op.new, budget)) for op in edits]
    return units, joined


def _joined(group: list[ParagraphOp]) -> tuple[str, str]:
    """The old and the new sentences of one edited paragraph's operations, each side joined."""
    olds = sorted((op.old_sentence or 0, op.old) for op in group if op.kind != "added")
    news = sorted((op.new_sentence or 0, op.new) for op in group if op.kind != "removed")
    return join_sentences([text for _, text in olds]), join_sentences([text for _, text in news])


def _reordered_words(added: list[str], removed: list[str]) -> tuple[list[str], list[str], int]:
    """The sentences added and removed without those that are another's words in another
    order ('Yesterday the mayor resigned.' / 'The mayor resigned yesterday.'), and how many
    such pairs there were. Sentences relocated whole are left: they are counted apart."""

    def key(text: str) -> frozenset[tuple[str, int]]:
        return frozenset(Counter(tokens(text)).items())

    same = Counter(added) & Counter(removed)
    gone = Counter(key(text) for text in (Counter(removed) - same).elements())
    came = Counter(key(text) for text in (Counter(added) - same).elements())
    paired = gone & came
    left = Counter(paired)
    kept_added = [text for text in added if text in same or not _take(left, key(text))]
    left = Counter(paired)
    kept_removed = [text for text in removed if text in same or not _take(left, key(text))]
    return kept_added, kept_removed, sum(paired.values())


def _take(counts: Counter[frozenset[tuple[str, int]]], key: frozenset[tuple[str, int]]) -> bool:
    """Take one of `key` from `counts` if any is left."""
    if counts[key] <= 0:
        return False
    counts[key] -= 1
    return True


def _grade_whole_sentences(kind: str, texts: list[str], elsewhere: list[str]) -> list[Finding]:
    """Sentences added (or removed) that do not reappear on the other side."""
    really = list((Counter(texts) - Counter(elsewhere)).elements())
    findings: list[Finding] = []
    if really:
        findings.append(("substantive", f"{_plural(len(really), 'sentence')} {kind}"))
    if any(quoted_words(text) for text in really):
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


def _rewritten_share(
    operations: Sequence[ParagraphOp],
    old_body: list[str],
    relocated: int,
    edits: Sequence[TokenDiff],
) -> float:
    """Old words removed or replaced, over the words of the old body (additions excluded)."""
    total = sum(len(tokens(paragraph)) for paragraph in old_body)
    lost = sum(len(tokens(op.old)) for op in operations if op.kind == "removed")
    lost += sum(map(lost_words, edits))
    if relocated:
        added, removed = _added_and_removed(operations)
        moved = Counter(added) & Counter(removed)
        lost -= sum(len(tokens(text)) * count for text, count in moved.items())
    if not total:
        return 0.0
    return max(lost, 0) / total


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _plural_verb(count: int, noun: str, verb: str) -> str:
    return f"{noun} {verb}" if count == 1 else f"{count} {noun}s {verb}"
