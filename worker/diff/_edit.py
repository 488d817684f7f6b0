"""One edit graded by the class of its changed words (numbers, dates and times, names,
negation, attribution, hedges, modals, quotes, function and content words): see `_grade`."""

from __future__ import annotations

import re
from collections import Counter

from worker.diff._budget import Budget
from worker.diff._lexicon import (
    CAPITALISED_TIME_WORDS,
    HEDGES,
    HONORIFICS,
    INTENSIFIERS,
    MODAL_STEMS,
    MODALS,
    NUMBER_WORDS,
    ORDINAL_SUFFIXES,
    REPORTING,
    TIME_NAMES,
    TIME_WORDS,
    Lexicon,
    number_values,
    stem,
)
from worker.diff._referents import references
from worker.diff._spelling import negated_word, net_words, respellings
from worker.diff._tokens import Finding, TokenDiff, Versions, changed, changed_words, quoted_words

REWRITTEN_SENTENCE_WORDS = 8  # words changed in one sentence from which it is substantive
WORD_FORM_PREFIX = 4  # letters two forms of one word share at least (approve / approval)
_NEGATION = re.compile(
    r"\b(?:not(?! only)|no|never|neither|nor|none|nobody|nothing|nowhere|cannot|without)\b"
    r"|n't\b",
    re.IGNORECASE,
)
# Classes of changed words that carry a fact, in the order their reasons are given.
_FACT_REASONS = (
    ("time", "date or time changed"),
    ("attribution", "attribution changed"),
    ("hedge", "hedging changed"),
    ("modal", "modality changed"),
    ("name", "names changed"),
)
_FORM_CANDIDATES = 32
_HE = frozenset({"he", "him", "his", "himself"})
_SHE = frozenset({"she", "her", "hers", "herself"})


def grade_edit(
    old: str, new: str, diff: TokenDiff, lexicon: Lexicon, budget: Budget, versions: Versions
) -> list[Finding]:
    """One edit: what its changed words are (see `_grade`'s docstring)."""
    if diff.old == diff.new:
        return [("trivial", "punctuation or case only")]
    findings: list[Finding] = []
    if _numbers_changed(diff):
        findings.append(("substantive", "numbers changed"))
    elif any(_is_number(word) for word in changed(diff)):
        findings.append(("trivial", "numbers written otherwise"))
    if _negations(old) != _negations(new) or negated_word(diff):
        findings.append(("substantive", "negation changed"))
    spelling = respellings(diff, lexicon, budget)
    spelling += references(diff, lexicon, versions)
    findings += [finding for _, _, finding in spelling]
    words = net_words(diff, spelling)
    if not words:
        return findings or [("minor", "word order changed")]
    classes = _classes(words, diff, lexicon)
    findings += [("substantive", reason) for name, reason in _FACT_REASONS if name in classes]
    content = classes.get("content", set())
    meaningful = content.union(*(classes.get(name, set()) for name, _ in _FACT_REASONS))
    if meaningful & (set(quoted_words(old)) ^ set(quoted_words(new))):
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


def _numbers_changed(diff: TokenDiff) -> bool:
    """Figures or number words changed; 'one', 'first' and 'second' count where they must
    ('2nd' / 'second' is no change)."""
    if number_values(diff.old) == number_values(diff.new):
        return False
    return number_values(diff.old, every=True) != number_values(diff.new, every=True)


def _person_changed(words: Counter[str]) -> bool:
    """A pronoun of one gender replaced by one of the other: 'breaking her arm' / 'his'."""
    return bool(words.keys() & _HE) and bool(words.keys() & _SHE)


def _content_reason(diff: TokenDiff, content: set[str]) -> str:
    """'words added', 'words removed', 'words replaced' or, past a few, 'sentence rewritten'."""
    if changed_words(diff) >= REWRITTEN_SENTENCE_WORDS:
        return "sentence rewritten"
    gone = content & (set(diff.old) - set(diff.new))
    came = content & (set(diff.new) - set(diff.old))
    if gone and came:
        return "words replaced"
    return "words added" if came else "words removed"


def _classes(words: Counter[str], diff: TokenDiff, lexicon: Lexicon) -> dict[str, set[str]]:
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
    if _is_number(word) or word in ORDINAL_SUFFIXES:
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


def _names(diff: TokenDiff) -> set[str]:
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


def _abbreviations(diff: TokenDiff) -> set[str]:
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


def _negations(text: str) -> int:
    """How many negations a sentence holds: not, no, never, n't, ..."""
    return len(_NEGATION.findall(text))
