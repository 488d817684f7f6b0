"""Words written otherwise: spacing and punctuation, a typo fixed or introduced, British /
American spelling; a word and its opposite (legal / illegal) told apart."""

from __future__ import annotations

import re
from collections import Counter

from worker.diff._budget import Budget, ratio
from worker.diff._lexicon import RARE, Lexicon, american
from worker.diff._lexicon_en import AMERICAN_SPELLINGS
from worker.diff._tokens import Finding, TokenDiff
from worker.diff._wordlists import WordLists

SPELLING_RATIO = 0.75  # letters kept in a word for its change to count as a spelling fix
SPELLING_LETTERS = 3  # letters on one side only, at most, in a spelling fix
_DIGITS = re.compile(r"\d")
Respelt = tuple[list[str], list[str], Finding]  # old words, new words, what their change is


def net_words(diff: TokenDiff, spelling: list[Respelt]) -> Counter[str]:
    """Words on one side only (a word moved is on both), without the words respelt."""
    gone = Counter(diff.old) - Counter(diff.new)
    came = Counter(diff.new) - Counter(diff.old)
    for olds, news, _ in spelling:
        gone.subtract(olds)
        came.subtract(news)
    return +gone + +came


def respellings(diff: TokenDiff, lexicon: Lexicon, budget: Budget) -> list[Respelt]:
    """Words written otherwise: the same letters spaced or punctuated otherwise ('U.K.' /
    'UK', 'semi-final' / 'semifinal'), or a word replaced one for one by a near spelling."""
    found: list[Respelt] = []
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
    name = not first and (cased[0][:1].isupper() or cased[1][:1].isupper())
    if not name and _british_american(a, b, lexicon) and _known(a, b, lexicon):
        return "trivial", "British / American spelling"  # 'gaol' / 'jail' are not near
    if not _near(a, b, budget, 3, lexicon.lists.negating_prefixes):
        return None
    before, after = lexicon.zipf(a), lexicon.zipf(b)
    if (before is None or after is None) and min(len(a), len(b)) < 4:
        return None  # three letters and no frequencies: too short to tell
    if before is not None and after is not None:
        gain = after - before
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
    'organise' / 'organize', 'centre' / 'center', 'travelled' / 'traveled', 'gaol' / 'jail')."""
    return lexicon.language == "en" and american(a) == american(b)


def _known(a: str, b: str, lexicon: Lexicon) -> bool:
    """Both words are words of the language: listed British / American spellings (a
    'gaoled' is rare), or not rare ones (nor typos)."""
    if AMERICAN_SPELLINGS.get(a) == b or AMERICAN_SPELLINGS.get(b) == a:
        return True
    before, after = lexicon.zipf(a), lexicon.zipf(b)
    return before is not None and after is not None and min(before, after) >= RARE


_FAR_MORE_COMMON = 2.0  # Zipf points: a hundred times as frequent


def _far_more_common(word: float, other: float) -> bool:
    """A word (Zipf frequency) is a real word, and the other a rare one or far rarer."""
    gain = word - other
    return word >= RARE and gain >= 1 and (other < RARE or gain >= _FAR_MORE_COMMON)


def _near(a: str, b: str, budget: Budget, shortest: int, prefixes: tuple[str, ...]) -> bool:
    """Two spellings of one word: most letters kept, a few changed, no digit, not opposites
    ('subdistrict' / 'districts' is another word)."""
    if _DIGITS.search(a + b) or min(len(a), len(b)) < shortest or _opposites(a, b, prefixes):
        return False
    similarity = ratio(a, b, budget, at_least=SPELLING_RATIO, autojunk=True)
    changed = (len(a) + len(b)) * (1 - similarity)  # letters on one side only
    return similarity >= SPELLING_RATIO and changed <= SPELLING_LETTERS + 0.5


def _opposites(a: str, b: str, prefixes: tuple[str, ...]) -> bool:
    """One word is the other with a negating prefix: legal / illegal, able / unable."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and any(long == prefix + short for prefix in prefixes)


def negated_word(diff: TokenDiff, lists: WordLists) -> bool:
    """A word of one side is negated on the other: 'lawful' became 'unlawful'."""
    return any(
        _has_negated(diff.old[i1:i2], set(diff.new[j1:j2]), lists.negating_prefixes)
        or _has_negated(diff.new[j1:j2], set(diff.old[i1:i2]), lists.negating_prefixes)
        for tag, i1, i2, j1, j2 in diff.opcodes
        if tag == "replace"
    )


def _has_negated(words: list[str], others: set[str], prefixes: tuple[str, ...]) -> bool:
    """Some word of four letters or more has its negation (see `_opposites`) among `others`:
    looked up, where trying every pair of a rewritten block was quadratic."""
    return any(
        len(word) >= 4 and any(prefix + word in others for prefix in prefixes) for word in words
    )
