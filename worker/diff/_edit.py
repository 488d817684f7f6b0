"""One edit graded by the class of its changed words (numbers, dates and times, names,
negation, attribution, hedges, modals, quotes, function and content words): see `_grade`."""

from __future__ import annotations

from collections import Counter

from worker.diff._budget import Budget
from worker.diff._lexicon import Lexicon
from worker.diff._referents import references
from worker.diff._spelling import negated_word, net_words, respellings
from worker.diff._tokens import Finding, TokenDiff, Versions, changed, changed_words, quoted_words
from worker.diff._wordlists import WordLists

REWRITTEN_SENTENCE_WORDS = 8  # words changed in one sentence from which it is substantive
WORD_FORM_PREFIX = 4  # letters two forms of one word share at least (approve / approval)
# Classes of changed words that carry a fact, in the order their reasons are given.
_FACT_REASONS = (
    ("time", "date or time changed"),
    ("attribution", "attribution changed"),
    ("hedge", "hedging changed"),
    ("modal", "modality changed"),
    ("name", "names changed"),
)
_FORM_CANDIDATES = 32


def grade_edit(
    old: str, new: str, diff: TokenDiff, lexicon: Lexicon, budget: Budget, versions: Versions
) -> list[Finding]:
    """One edit: what its changed words are (see `_grade`'s docstring)."""
    if diff.old == diff.new:
        return [("trivial", "punctuation or case only")]
    findings: list[Finding] = []
    lists = lexicon.lists
    if _numbers_changed(diff, lists):
        findings.append(("substantive", "numbers changed"))
    elif any(_is_number(word, lists) for word in changed(diff)):
        findings.append(("trivial", "numbers written otherwise"))
    if _negations(old, lists) != _negations(new, lists) or negated_word(diff, lists):
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
    if _person_changed(words, lists):
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


def _numbers_changed(diff: TokenDiff, lists: WordLists) -> bool:
    """Figures or number words changed; 'one', 'first' and 'second' count where they must
    ('2nd' / 'second' is no change)."""
    numbers = lists.numbers
    if numbers.values_of(diff.old) == numbers.values_of(diff.new):
        return False
    return numbers.values_of(diff.old, every=True) != numbers.values_of(diff.new, every=True)


def _person_changed(words: Counter[str], lists: WordLists) -> bool:
    """A pronoun of one gender replaced by one of the other: 'breaking her arm' / 'his'."""
    return bool(words.keys() & lists.he) and bool(words.keys() & lists.she)


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
    lists = lexicon.lists
    names = _names(diff, lists)
    abbreviations = _abbreviations(diff, lists)
    classes: dict[str, set[str]] = {}
    # Another form of a word is looked for among a few words of the other side: a block
    # rewritten whole is content anyway, and trying every pair of it would be quadratic.
    candidates = sorted(gone)[:_FORM_CANDIDATES], sorted(came)[:_FORM_CANDIDATES]
    # 'and' of 'two hundred and fifty' written '250' is part of the number.
    spelt = any(lists.numbers.is_word(word) for word in words)
    for word in words:
        other = set(candidates[1] if word in gone else candidates[0])
        if spelt and word in lists.numbers.connectors:
            name = "number"
        else:
            name = _word_class(word, other, names, abbreviations, lexicon)
        classes.setdefault(name, set()).add(word)
    # The same day, verb of saying or modal written otherwise: 'Mar.' / 'March', 'said' /
    # 'says', 'will' / 'would'.
    for name, same in (
        ("time", lists.time_name),
        ("attribution", lists.lemma),
        ("modal", lists.modality),
    ):
        found = classes.get(name, set())
        if found and {same(w) for w in found & set(gone)} == {same(w) for w in found & set(came)}:
            classes.setdefault("form", set()).update(classes.pop(name))
    return classes


def _word_class(
    word: str, other: set[str], names: set[str], abbreviations: set[str], lexicon: Lexicon
) -> str:
    lists = lexicon.lists
    if _is_number(word, lists) or word in lists.numbers.suffixes:
        return "number"
    if word in abbreviations:
        return "abbreviation"
    if word in lists.time and (word not in lists.capitalised_time or word in names):
        return "time"
    if word in lists.honorifics:
        return "honorific"
    forms = [candidate for candidate in other if _same_word(word, candidate, lists)]
    # A name, unless another form of it is written lower-case ('manager' / 'Managing'), or
    # the language capitalises its nouns and another form is there ('Rates' / 'Rat').
    lower = any(form not in names for form in forms)
    if word in names and not lower and not (lists.nouns_capitalised and forms):
        return "name"
    if lists.lemma(word) in lists.reporting:
        return "attribution"
    if word in lists.hedges:
        return "hedge"
    if word in lists.modals:
        return "modal"
    if word in lists.intensifiers:
        return "intensifier"
    if forms:
        return "form"
    if lexicon.is_function_word(word):
        return "function"
    return "content"


def _same_word(a: str, b: str, lists: WordLists) -> bool:
    """Two forms of one word: one stem (said / says), a common start of most of the shorter
    one (approve / approval, lose / lost), or a letter or two more in front (waited /
    awaited)."""
    if lists.lemma(a) == lists.lemma(b):
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


def _is_number(word: str, lists: WordLists) -> bool:
    return word[:1].isdigit() or lists.numbers.is_word(word)


def _names(diff: TokenDiff, lists: WordLists) -> set[str]:
    """Changed words written capitalised after the first word: names, places, days; in a
    language that capitalises its nouns, not one right after an article ('das Haus')."""
    names: set[str] = set()
    for tag, i1, i2, j1, j2 in diff.opcodes:
        if tag == "equal":
            continue
        for tokens, cased, initial, start, end in (
            (diff.old, diff.old_cased, diff.old_initial, i1, i2),
            (diff.new, diff.new_cased, diff.new_initial, j1, j2),
        ):
            names |= {
                cased[k].casefold()
                for k in range(start, end)
                if cased[k][:1].isupper()
                and k not in initial
                and not (k > 0 and tokens[k - 1] in lists.articles)
            }
    return names


def _abbreviations(diff: TokenDiff, lists: WordLists) -> set[str]:
    """Words of a block that are the initials of the block on the other side ('PM' / 'Prime
    Minister', 'U.S.' / 'United States'), both sides."""
    found: set[str] = set()
    for tag, i1, i2, j1, j2 in diff.opcodes:
        if tag != "replace":
            continue
        old, new = diff.old[i1:i2], diff.new[j1:j2]
        for short, long in ((old, new), (new, old)):
            letters = "".join(short)
            initials = "".join(word[0] for word in long if word not in lists.initials_skipped)
            if 2 <= len(letters) <= 6 and letters.isalpha() and letters == initials:
                found |= set(short) | set(long)
    return found


def _negations(text: str, lists: WordLists) -> int:
    """How many negations a sentence holds: not, no, never, n't, ..."""
    return len(lists.negation.findall(text))
