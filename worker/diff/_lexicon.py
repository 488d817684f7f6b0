"""What the grader knows of words: how common a word is (wordfreq), and the small closed
classes that carry meaning in news (numbers, dates and times, attribution, hedging, modality)
or carry none (function words, honorifics), in the article's language.

Word lists are kept for English, French, German and Spanish (`_lexicon_en`, `_lexicon_fr`,
`_lexicon_de`, `_lexicon_es`); another language gets the English lists, and its function
words are told by their frequency alone. Where wordfreq has no list for the language, the
grader judges spellings by letters alone (see `Lexicon`).
"""

from __future__ import annotations

import re

from wordfreq import available_languages, zipf_frequency

from worker.diff._lexicon_de import GERMAN
from worker.diff._lexicon_en import AMERICAN_SPELLINGS, ENGLISH
from worker.diff._lexicon_es import SPANISH
from worker.diff._lexicon_fr import FRENCH
from worker.diff._wordlists import WordLists

# wordfreq needs extra tokenisers (jieba, MeCab) for these; their words have no typos anyway.
_WITHOUT_LOOKUPS = frozenset({"zh", "ja", "ko"})
LANGUAGES = frozenset(available_languages()) - _WITHOUT_LOOKUPS
LOOKUPS = 200  # frequency lookups per comparison at most: one per changed word, capped
_LONGEST_WORD = 40  # letters; a longer "word" is looked up nowhere (it is no word)
RARE = 2.0  # Zipf frequency under which a word is rare, or no word at all
WORD_LISTS = {"en": ENGLISH, "fr": FRENCH, "de": GERMAN, "es": SPANISH}


class Lexicon:
    """Word frequencies in one language, looked up at most `LOOKUPS` times (then unknown),
    and its word lists (`lists`).

    The article's language decides ('fr', 'fr-FR', 'de_DE'); without one, English. A language
    without lists of its own gets the English ones; a language wordfreq lacks gets no
    frequencies: every word is then unknown, and the grader judges by letters alone.
    """

    def __init__(self, language: str | None, lookups: int = LOOKUPS) -> None:
        code = (language or "en").replace("_", "-").split("-")[0].casefold()
        self.language = code if code in LANGUAGES else None
        self.lists: WordLists = WORD_LISTS.get(code, ENGLISH)
        self._own_lists = code in WORD_LISTS or self.language is None
        self._left = lookups
        self._known: dict[str, float | None] = {}

    def zipf(self, word: str) -> float | None:
        """How common `word` is (0 for no word, 7 for 'the'), or None if unknown."""
        word = word.casefold()
        if word in self._known:
            return self._known[word]
        value = None
        if self.language and self._left > 0 and len(word) <= _LONGEST_WORD:
            self._left -= 1
            value = zipf_frequency(word, self.language)
        self._known[word] = value
        return value

    def is_function_word(self, word: str) -> bool:
        """A word of a closed class (the, of, is, his, ...): grammar, not content."""
        if self._own_lists:
            return word in self.lists.function
        frequency = self.zipf(word)  # a language without lists: its most common words
        return frequency is not None and frequency >= _FUNCTION_ZIPF


_FUNCTION_ZIPF = 6.0


# British spellings and their American forms, most after three letters at least of the stem
# ('colour' / 'color', 'organise' / 'organize', 'centre' / 'center', 'travelled' / 'traveled',
# 'defence' / 'defense', 'catalogue' / 'catalog', 'paediatric' / 'pediatric').
_AMERICAN = (
    (re.compile(r"(?<=\w{3})our(?=s?$|ed|ing|ite|able|er|ful|less|ist)"), "or"),
    (re.compile(r"(?<=\w{3}i)s(?=e[sdr]?$|ing$|ation|ations$)"), "z"),
    (re.compile(r"(?<=\w{2}y)s(?=e[sdr]?$|ing$)"), "z"),
    (re.compile(r"(?<=\w{2}[bcdgtv])re(?=s?$|d$)"), "er"),
    (re.compile(r"([aeiou][^aeiou]{1,2}[ae])ll(ed|ing|ers?|ors?)$"), r"\1l\2"),
    (re.compile(r"(?<=\w{3})ence(?=s?$|less$)"), "ense"),
    (re.compile(r"(?<=\w{3})ogue(?=s?$)"), "og"),
    (re.compile(r"(?:ae|oe)(?=\w{2})"), "e"),
)


def american(word: str) -> str:
    """A lower-case English word in its American spelling, as far as these rules and the
    list of words they cannot derive (`AMERICAN_SPELLINGS`) go."""
    if word in AMERICAN_SPELLINGS:
        return AMERICAN_SPELLINGS[word]
    for pattern, replacement in _AMERICAN:
        word = pattern.sub(replacement, word)
    return word
