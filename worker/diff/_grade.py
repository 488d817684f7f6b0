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
from dataclasses import dataclass

from worker.diff._align import reordered
from worker.diff._budget import Budget, Opcode, opcodes, ratio
from worker.diff._lexicon import (
    CAPITALISED_TIME_WORDS,
    DETERMINERS,
    HEDGES,
    HONORIFICS,
    INTENSIFIERS,
    MODAL_STEMS,
    MODALS,
    NUMBER_WORDS,
    PRONOUNS,
    RARE,
    REPORTING,
    TIME_NAMES,
    TIME_WORDS,
    Lexicon,
    american,
    number_values,
    stem,
)
from worker.diff._sentences import join_sentences, split_sentences
from worker.types import SIGNIFICANCE, FieldChange, ParagraphOp
from worker.words import CJK_CHARACTERS

MAJOR_BODY_SHARE = 0.3  # share of the old body's words rewritten or removed from which it is major
REWRITTEN_SENTENCE_WORDS = 8  # words changed in one sentence from which it is substantive
SPELLING_RATIO = 0.75  # letters kept in a word for its change to count as a spelling fix
SPELLING_LETTERS = 3  # letters on one side only, at most, in a spelling fix
WORD_FORM_PREFIX = 4  # letters two forms of one word share at least (approve / approval)
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
_NUMBER = r"\d+(?:[.,:/]\d+)*"
_TOKEN = re.compile(rf"{_NUMBER}|[{CJK_CHARACTERS}]|[^\W_{CJK_CHARACTERS}]+")
_DIGITS = re.compile(r"\d")
_SENTENCE_STOP = re.compile(r"[.!?…:;]")
_NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non", "non-")
_NEGATION = re.compile(
    r"\b(?:not(?! only)|no|never|neither|nor|none|nobody|nothing|nowhere|cannot|without)\b"
    r"|n't\b",
    re.IGNORECASE,
)
_AUTHOR_SEPARATORS = re.compile(r",|;|&|\band\b|\bund\b|\bet\b|\by\b", re.IGNORECASE)
# Classes of changed words that carry a fact, in the order their reasons are given.
_FACT_REASONS = (
    ("time", "date or time changed"),
    ("attribution", "attribution changed"),
    ("hedge", "hedging changed"),
    ("modal", "modality changed"),
    ("name", "names changed"),
)

Finding = tuple[str, str]  # (significance level, reason)


@dataclass(frozen=True)
class _TokenDiff:
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


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers ('3.5' stays one token), punctuation dropped."""
    return _TOKEN.findall(text.casefold())


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
        diff = _token_diff(change.old, change.new, budget)
        spelling = _spelling(diff, lexicon, budget)
        if spelling and not _net_words(diff, spelling):
            return [(level, f"{change.name}: {reason}") for _, _, (level, reason) in spelling]
    if change.name == "title":
        return [_grade_title(change, budget)]
    return [(_FIELD_LEVELS[change.name], f"{change.name} changed")]


def _grade_title(change: FieldChange, budget: Budget) -> Finding:
    """One word reworded is substantive; anything more, or a number, rewrites the headline."""
    diff = _token_diff(change.old, change.new, budget)
    numbers_kept = number_values(diff.old) == number_values(diff.new)
    if numbers_kept and _changed_words(diff) <= 1:
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
        findings += _grade_edit(old, new, diff, lexicon, budget, versions)
    share = _rewritten_share(rest, old_body, relocated, [diff for _, _, diff in units])
    if share > MAJOR_BODY_SHARE:
        findings.append(("major", f"{share:.0%} of the old body rewritten or removed"))
    return findings


def _edit_units(
    operations: Sequence[ParagraphOp], budget: Budget
) -> tuple[list[tuple[str, str, _TokenDiff]], set[int]]:
    """The edits to grade, each (old text, new text, token diff); and the ids of the
    sentence operations joined into one.

    In an edited paragraph whose sentences were also added or removed, a full stop added or
    dropped (one sentence split in two, two joined) aligns as a sentence edited and one added
    or removed: when most words of those reappear around them, the sentences are graded
    together as one edit.
    """
    groups: dict[tuple[int | None, int | None], list[ParagraphOp]] = {}
    for op in operations:
        if op.unit == "sentence" and op.kind in ("edited", "added", "removed"):
            groups.setdefault((op.old_index, op.new_index), []).append(op)
    units: list[tuple[str, str, _TokenDiff]] = []
    joined: set[int] = set()
    for group in groups.values():
        whole = [op for op in group if op.kind != "edited"]
        if whole and len(whole) < len(group):
            old, new = _joined(group)
            diff = _token_diff(old, new, budget)
            moved_words = sum(len(tokens(op.old or op.new)) for op in whole)
            if _changed_words(diff) <= BOUNDARY_SHARE * moved_words:
                units.append((old, new, diff))
                joined |= {id(op) for op in group}
                continue
        edits = [op for op in group if op.kind == "edited"]
        units += [(op.old, op.new, _token_diff(op.old, op.new, budget)) for op in edits]
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


def _grade_edit(
    old: str, new: str, diff: _TokenDiff, lexicon: Lexicon, budget: Budget, versions: Versions
) -> list[Finding]:
    """One edit: what its changed words are (see the module's docstring)."""
    if diff.old == diff.new:
        return [("trivial", "punctuation or case only")]
    findings: list[Finding] = []
    if _numbers_changed(diff):
        findings.append(("substantive", "numbers changed"))
    elif any(_is_number(word) for word in _changed(diff)):
        findings.append(("trivial", "numbers written otherwise"))
    if _negations(old) != _negations(new) or _negated_word(diff):
        findings.append(("substantive", "negation changed"))
    spelling = _spelling(diff, lexicon, budget)
    spelling += _references(diff, lexicon, versions)
    findings += [finding for _, _, finding in spelling]
    words = _net_words(diff, spelling)
    if not words:
        return findings or [("minor", "word order changed")]
    classes = _classes(words, diff, lexicon)
    findings += [("substantive", reason) for name, reason in _FACT_REASONS if name in classes]
    content = classes.get("content", set())
    meaningful = content.union(*(classes.get(name, set()) for name, _ in _FACT_REASONS))
    if meaningful & (set(_quoted_words(old)) ^ set(_quoted_words(new))):
        findings.append(("substantive", "quotation changed"))
    if content:
        findings.append(("substantive", _content_reason(diff, content)))
    if _person_changed(words):
        findings.append(("substantive", "person changed (he / she)"))
    if "honorific" in classes:
        findings.append(("minor", "honorific added or removed"))
    if "abbreviation" in classes:
        findings.append(("minor", "abbreviation written out"))
    if "intensifier" in classes:
        findings.append(("minor", "intensifier added or removed"))
    if classes.keys() & {"form", "function"} or not findings:
        findings.append(("minor", "words edited"))
    return findings


def _numbers_changed(diff: _TokenDiff) -> bool:
    """Figures or number words changed; 'one', 'first' and 'second' count where they must
    ('2nd' / 'second' is no change)."""
    if number_values(diff.old) == number_values(diff.new):
        return False
    return number_values(diff.old, every=True) != number_values(diff.new, every=True)


def _person_changed(words: Counter[str]) -> bool:
    """A pronoun of one gender replaced by one of the other: 'breaking her arm' / 'his'."""
    return bool(words.keys() & _HE) and bool(words.keys() & _SHE)


_FORM_CANDIDATES = 32
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})  # of '11th', read with its figure
_HE = frozenset({"he", "him", "his", "himself"})
_SHE = frozenset({"she", "her", "hers", "herself"})


def _content_reason(diff: _TokenDiff, content: set[str]) -> str:
    """'words added', 'words removed', 'words replaced' or, past a few, 'sentence rewritten'."""
    if _changed_words(diff) >= REWRITTEN_SENTENCE_WORDS:
        return "sentence rewritten"
    gone = content & (set(diff.old) - set(diff.new))
    came = content & (set(diff.new) - set(diff.old))
    if gone and came:
        return "words replaced"
    return "words added" if came else "words removed"


def _changed(diff: _TokenDiff) -> list[str]:
    """The words of every block that is not equal, both sides."""
    words: list[str] = []
    for tag, i1, i2, j1, j2 in diff.opcodes:
        if tag != "equal":
            words += diff.old[i1:i2] + diff.new[j1:j2]
    return words


def _references(diff: _TokenDiff, lexicon: Lexicon, versions: Versions) -> list[_Respelt]:
    """One reference to someone or something written as another: a pronoun for a name or a
    description ('them' / 'the prisoners', 'Mrs Abbott' / 'she'), or a description for a name
    ('the organisation' / 'CAMERA'). A name must be in the other version of the article, and
    so must what a pronoun stands for: a name new to the article is news, one it already
    holds only makes clear who. A description for another (the mayor / the governor) or a
    name for another is no such."""
    found: list[_Respelt] = []
    for tag, i1, i2, j1, j2 in diff.opcodes:
        if tag != "replace" or max(i2 - i1, j2 - j1) > _REFERENCE_WORDS:
            continue
        olds, news = diff.old[i1:i2], diff.new[j1:j2]
        kinds = (
            _reference_kind(olds, diff.old_cased[i1:i2], lexicon),
            _reference_kind(news, diff.new_cased[j1:j2], lexicon),
        )
        if None in kinds or kinds[0] == kinds[1] or not {"pronoun", "name"} & set(kinds):
            continue
        # A name must be in the other version; so must a description a pronoun stands for.
        sides = ((olds, kinds[0], versions.words(1)), (news, kinds[1], versions.words(0)))
        if all(
            _found_in(words, article, lexicon)
            for words, kind, article in sides
            if kind == "name" or "pronoun" in kinds
        ):
            found.append((olds, news, ("minor", "referred to otherwise")))
    return found


_REFERENCE_WORDS = 4  # words of a name or description at most


def _reference_kind(words: list[str], cased: list[str], lexicon: Lexicon) -> str | None:
    """'pronoun' (he, them, which), 'name' (capitalised words: 'Mrs Abbott', 'CAMERA'),
    'description' ('the organisation', 'the prisoners'), or None for anything else."""
    if all(lexicon.is_function_word(word) for word in words):
        return "pronoun" if len(words) == 1 and words[0] in PRONOUNS else None
    rest = words[1:] if words[0] in DETERMINERS else words
    if not rest or any(lexicon.is_function_word(word) for word in rest):
        return None
    if all(word[:1].isupper() for word in cased[len(words) - len(rest) :]):
        return "name" if rest is words else None
    return "description" if rest is not words else None


def _found_in(words: list[str], article: frozenset[str], lexicon: Lexicon) -> bool:
    """Every word of a name or description, but its determiner and honorific, is in the
    article."""
    return all(
        word in article
        for word in words
        if not lexicon.is_function_word(word) and word not in HONORIFICS
    )


def _net_words(diff: _TokenDiff, spelling: list[_Respelt]) -> Counter[str]:
    """Words on one side only (a word moved is on both), without the words respelt."""
    gone = Counter(diff.old) - Counter(diff.new)
    came = Counter(diff.new) - Counter(diff.old)
    for olds, news, _ in spelling:
        gone.subtract(olds)
        came.subtract(news)
    return +gone + +came


_Respelt = tuple[list[str], list[str], Finding]  # old words, new words, what their change is


def _spelling(diff: _TokenDiff, lexicon: Lexicon, budget: Budget) -> list[_Respelt]:
    """Words written otherwise: the same letters spaced or punctuated otherwise ('U.K.' /
    'UK', 'semi-final' / 'semifinal'), or a word replaced one for one by a near spelling."""
    found: list[_Respelt] = []
    for tag, i1, i2, j1, j2 in diff.opcodes:
        if tag != "replace":
            continue
        olds, news = diff.old[i1:i2], diff.new[j1:j2]
        if "".join(olds) == "".join(news):
            found.append((olds, news, ("trivial", "punctuation or spacing only")))
            continue
        if len(olds) != len(news):
            continue
        for k, pair in enumerate(zip(olds, news, strict=True)):
            cased = diff.old_cased[i1 + k], diff.new_cased[j1 + k]
            first = i1 + k in diff.old_initial or j1 + k in diff.new_initial
            finding = _spelling_of(pair, cased, first, lexicon, budget)
            if finding:
                found.append(([pair[0]], [pair[1]], finding))
    return found


def _spelling_of(
    pair: tuple[str, str], cased: tuple[str, str], first: bool, lexicon: Lexicon, budget: Budget
) -> Finding | None:
    """A spelling finding for one word replaced by another, if its letters are near.

    The word's frequency decides where it is known: a rare word or no word becoming a far
    more common one is a fix, the reverse a typo introduced; two words of like frequency are
    two words. Where it is not known, a capitalised word after the first (a name: Jane ->
    Janet) is never a typo.
    """
    a, b = pair
    if not _near(a, b, budget, shortest=3):
        return None
    before, after = lexicon.zipf(a), lexicon.zipf(b)
    if (before is None or after is None) and min(len(a), len(b)) < 4:
        return None  # three letters and no frequencies: too short to tell
    if before is not None and after is not None:
        gain = after - before
        name = not first and (cased[0][:1].isupper() or cased[1][:1].isupper())
        if min(before, after) >= RARE and not name and _british_american(a, b, lexicon):
            return "trivial", "British / American spelling"
        if _far_more_common(after, before):
            return "trivial", "spelling corrected"
        if _far_more_common(before, after) and not name:
            return "minor", "typo introduced"  # a name respelt may be another name
        if before >= RARE or after >= RARE or abs(gain) >= 1:
            return None  # two words; rare ones too, unless both are
    if not first and (cased[0][:1].isupper() or cased[1][:1].isupper()):
        return None
    return "trivial", "spelling corrected"


def _british_american(a: str, b: str, lexicon: Lexicon) -> bool:
    """Two English words, one the other's British or American spelling ('colour' / 'color',
    'organise' / 'organize', 'centre' / 'center', 'travelled' / 'traveled')."""
    return lexicon.language == "en" and american(a) == american(b)


_FAR_MORE_COMMON = 2.0  # Zipf points: a hundred times as frequent


def _far_more_common(word: float, other: float) -> bool:
    """A word (Zipf frequency) is a real word, and the other a rare one or far rarer."""
    gain = word - other
    return word >= RARE and gain >= 1 and (other < RARE or gain >= _FAR_MORE_COMMON)


def _near(a: str, b: str, budget: Budget, shortest: int) -> bool:
    """Two spellings of one word: most letters kept, a few changed, no digit, not opposites
    ('subdistrict' / 'districts' is another word)."""
    if _DIGITS.search(a + b) or min(len(a), len(b)) < shortest or _opposites(a, b):
        return False
    similarity = ratio(a, b, budget, at_least=SPELLING_RATIO, autojunk=True)
    changed = (len(a) + len(b)) * (1 - similarity)  # letters on one side only
    return similarity >= SPELLING_RATIO and changed <= SPELLING_LETTERS + 0.5


def _classes(words: Counter[str], diff: _TokenDiff, lexicon: Lexicon) -> dict[str, set[str]]:
    """The changed words by class: time, attribution, hedge, modal, name, honorific,
    abbreviation, intensifier, form (another form of a word on the other side), function,
    content."""
    gone = Counter(diff.old) - Counter(diff.new)
    came = Counter(diff.new) - Counter(diff.old)
    names = _names(diff)
    abbreviations = _abbreviations(diff)
    classes: dict[str, set[str]] = {}
    # Another form of a word is looked for among a few words of the other side: a block
    # rewritten whole is content anyway, and trying every pair of it would be quadratic.
    candidates = sorted(gone)[:_FORM_CANDIDATES], sorted(came)[:_FORM_CANDIDATES]
    for word in words:
        other = set(candidates[1] if word in gone else candidates[0])
        name = _word_class(word, other, names, abbreviations, lexicon)
        classes.setdefault(name, set()).add(word)
    # The same day, verb of saying or modal written otherwise: 'Mar.' / 'March', 'said' /
    # 'says', 'will' / 'would'.
    for name, same in (("time", _time_name), ("attribution", _lemma), ("modal", _modal)):
        found = classes.get(name, set())
        if found and {same(w) for w in found & set(gone)} == {same(w) for w in found & set(came)}:
            classes.setdefault("form", set()).update(classes.pop(name))
    return classes


def _word_class(
    word: str, other: set[str], names: set[str], abbreviations: set[str], lexicon: Lexicon
) -> str:
    if _is_number(word) or word in _ORDINAL_SUFFIXES:
        return "number"
    if word in abbreviations:
        return "abbreviation"
    if word in TIME_WORDS and (word not in CAPITALISED_TIME_WORDS or word in names):
        return "time"
    if word in HONORIFICS:
        return "honorific"
    forms = [candidate for candidate in other if _same_word(word, candidate)]
    if word in names and not any(form not in names for form in forms):
        return "name"  # unless another form of it is written lower-case: 'manager' / 'Managing'
    if _lemma(word) in REPORTING:
        return "attribution"
    if word in HEDGES:
        return "hedge"
    if word in MODALS:
        return "modal"
    if word in INTENSIFIERS:
        return "intensifier"
    if forms:
        return "form"
    if lexicon.is_function_word(word):
        return "function"
    return "content"


def _lemma(word: str) -> str:
    root = stem(word)
    return root + "e" if root != word and root + "e" in REPORTING else root


def _time_name(word: str) -> str:
    return TIME_NAMES.get(word, word)


def _modal(word: str) -> str:
    return MODAL_STEMS.get(word, word)


def _same_word(a: str, b: str) -> bool:
    """Two forms of one word: one stem (said / says), a common start of most of the shorter
    one (approve / approval, lose / lost), or a letter or two more in front (waited /
    awaited)."""
    if _lemma(a) == _lemma(b):
        return True
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    short, long = sorted((a, b), key=len)
    if shared >= WORD_FORM_PREFIX - 1 and shared >= 0.6 * len(short):
        return True
    return len(short) >= WORD_FORM_PREFIX and long.endswith(short) and len(long) - len(short) <= 2


def _is_number(word: str) -> bool:
    return word[:1].isdigit() or word in NUMBER_WORDS


def _names(diff: _TokenDiff) -> set[str]:
    """Changed words written capitalised after the first word: names, places, days."""
    names: set[str] = set()
    for tag, i1, i2, j1, j2 in diff.opcodes:
        if tag == "equal":
            continue
        for cased, initial, start, end in (
            (diff.old_cased, diff.old_initial, i1, i2),
            (diff.new_cased, diff.new_initial, j1, j2),
        ):
            names |= {
                cased[k].casefold()
                for k in range(start, end)
                if cased[k][:1].isupper() and k not in initial
            }
    return names


def _abbreviations(diff: _TokenDiff) -> set[str]:
    """Words of a block that are the initials of the block on the other side ('PM' / 'Prime
    Minister', 'U.S.' / 'United States'), both sides."""
    found: set[str] = set()
    for tag, i1, i2, j1, j2 in diff.opcodes:
        if tag != "replace":
            continue
        old, new = diff.old[i1:i2], diff.new[j1:j2]
        for short, long in ((old, new), (new, old)):
            letters = "".join(short)
            initials = "".join(word[0] for word in long if word not in ("of", "and", "the"))
            if 2 <= len(letters) <= 6 and letters.isalpha() and letters == initials:
                found |= set(short) | set(long)
    return found


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
    (old_cased, old_initial), (new_cased, new_initial) = _cased(old), _cased(new)
    a, b = [word.casefold() for word in old_cased], [word.casefold() for word in new_cased]
    return _TokenDiff(a, b, opcodes(a, b, budget), old_cased, new_cased, old_initial, new_initial)


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


def _lost_words(diff: _TokenDiff) -> int:
    """Old words an edit removes or replaces."""
    return sum(i2 - i1 for tag, i1, i2, _, _ in diff.opcodes if tag in ("delete", "replace"))


def _changed_words(diff: _TokenDiff) -> int:
    """Words (punctuation and case ignored) added, removed or replaced."""
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in diff.opcodes if tag != "equal")


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


def _plural_verb(count: int, noun: str, verb: str) -> str:
    return f"{noun} {verb}" if count == 1 else f"{count} {noun}s {verb}"
