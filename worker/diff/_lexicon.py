"""What the grader knows of words: how common a word is (wordfreq), and the small closed
classes that carry meaning in news (numbers, dates and times, attribution, hedging, modality)
or carry none (function words, honorifics).

The word lists are English; for another language the grader leans on word frequencies alone,
and where wordfreq has no list for the language, on letters alone (see `Lexicon`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from wordfreq import available_languages, zipf_frequency

# wordfreq needs extra tokenisers (jieba, MeCab) for these; their words have no typos anyway.
_WITHOUT_LOOKUPS = frozenset({"zh", "ja", "ko"})
LANGUAGES = frozenset(available_languages()) - _WITHOUT_LOOKUPS
LOOKUPS = 200  # frequency lookups per comparison at most: one per changed word, capped
_LONGEST_WORD = 40  # letters; a longer "word" is looked up nowhere (it is no word)
RARE = 2.0  # Zipf frequency under which a word is rare, or no word at all


class Lexicon:
    """Word frequencies in one language, looked up at most `LOOKUPS` times (then unknown).

    The article's language decides; without one, English. A language wordfreq lacks gets no
    frequencies: every word is then unknown, and the grader judges by letters alone.
    """

    def __init__(self, language: str | None, lookups: int = LOOKUPS) -> None:
        code = (language or "en").replace("_", "-").split("-")[0].casefold()
        self.language = code if code in LANGUAGES else None
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
        if self.language in (None, "en"):
            return word in FUNCTION_WORDS
        frequency = self.zipf(word)  # another language: its most common words stand in
        return frequency is not None and frequency >= _FUNCTION_ZIPF


_FUNCTION_ZIPF = 6.0


def _words(text: str) -> list[str]:
    """A word list written as text, in order."""
    return text.split()


FUNCTION_WORDS = frozenset(
    _words("""
a an the this that these those such some any each every either neither both all another other
of in on at to for from by with without into onto upon over under about above below between
among amongst amid amidst through throughout across against during before after since until till
toward towards within beyond around near off out up down via per than as like unlike despite
along alongside behind beside besides beneath inside outside
and or but nor so yet if whether because while whilst whereas although though unless once then
also
not no never too very quite rather just only even still already again ever however thus
therefore hence
i me my mine we us our ours you your yours he him his she her hers it its they them their
theirs himself herself itself themselves myself ourselves yourself who whom whose which what
where when why how there here
is are was were be been being am has have had having do does did doing done get got gets
s t d ll ve re m st nd rd th don doesn didn isn wasn aren weren hasn haven hadn couldn wouldn
shouldn
""")
)
# Words that stand for someone or something named elsewhere, and those that open a
# description of one ('the organisation', 'their leader').
PRONOUNS = frozenset(
    _words("he him his she her hers it its they them their theirs this these those which who")
)
DETERMINERS = frozenset(_words("the this that these those his her its their"))
HONORIFICS = frozenset(
    _words("""
mr mrs ms mx miss dr prof sir dame lord lady rev fr sr jr st herr frau mme mlle
""")
)
# Words that date or time a fact: days, months, relative days, parts of the day.
TIME_WORDS = frozenset(
    _words("""
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri
sat sun january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec today yesterday tomorrow tonight
morning afternoon evening night overnight midnight noon midday dawn dusk weekend
earlier later recently week weeks month months year years decade decades
""")
)
# Month and day names that are also common words: a time word only when capitalised.
CAPITALISED_TIME_WORDS = frozenset({"may", "march", "sun", "sat", "wed", "jan", "dec"})
# Verbs that attribute a statement (by stem: said, says, saying -> say).
REPORTING = frozenset(
    _words("""
say said tell told state claim allege admit deny insist argue suggest report announce confirm
assert contend maintain acknowledge concede reveal disclose declare testify accuse add warn
note explain describe write wrote
""")
)
HEDGES = frozenset(
    _words("""
allegedly alleged reportedly reported apparently apparent purportedly purported supposedly
seemingly possibly possible probably probable likely unlikely perhaps maybe presumably
believed suspected thought rumoured rumored appears appeared seems seemed suggests unconfirmed
unverified
""")
)
# Adverbs that only strengthen the word they qualify ('severely limited', 'very large'):
# adding, removing or swapping one is emphasis, not a fact. Downtoners (slightly, partly,
# nearly, almost, barely) are not here: 'almost died' is not 'died'.
INTENSIFIERS = frozenset(
    _words("""
really extremely highly severely seriously greatly strongly deeply particularly especially
totally completely entirely utterly absolutely incredibly truly hugely vastly enormously
immensely intensely extraordinarily exceptionally remarkably terribly awfully literally
""")
)
MODALS = frozenset(_words("may might could would should must will shall can cannot ought won"))
# A modal and its past form are one modality ("he said he will" / "would").
MODAL_STEMS = {"would": "will", "could": "can", "should": "shall", "might": "may", "won": "will"}
# Abbreviated days and months, by their full names.
TIME_NAMES = {
    **{day[:3]: day for day in _words("monday tuesday wednesday thursday friday saturday sunday")},
    "tues": "tuesday", "thur": "thursday", "thurs": "thursday", "sept": "september",
    "midday": "noon",
    **{month[:3]: month for month in _words("january february march april may june july august "
                                            "september october november december")},
}  # fmt: skip

_UNITS = _words("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                "fourteen fifteen sixteen seventeen eighteen nineteen")  # fmt: skip
_TENS = _words("twenty thirty forty fifty sixty seventy eighty ninety")
_ORDINAL_UNITS = _words("zeroth first second third fourth fifth sixth seventh eighth ninth tenth "
                        "eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth "
                        "eighteenth nineteenth")  # fmt: skip
_ORDINAL_TENS = _words("twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth "
                       "ninetieth")  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 10**6, "billion": 10**9,
           "trillion": 10**12}  # fmt: skip
_ORDINAL_SCALES = {"hundredth": 100, "thousandth": 1_000, "millionth": 10**6}
# Values of number words; "one", "first" and "second" are left out of what counts as a number
# on its own (far more often a pronoun, an order or a unit), but read inside a number.
_VALUES: dict[str, int] = {
    **{word: value for value, word in enumerate(_UNITS)},
    **{word: 20 + 10 * rank for rank, word in enumerate(_TENS)},
    **{word: value for value, word in enumerate(_ORDINAL_UNITS)},
    **{word: 20 + 10 * rank for rank, word in enumerate(_ORDINAL_TENS)},
    "dozen": 12,
}
_ALONE_EXCLUDED = frozenset({"one", "first", "second"})
NUMBER_WORDS = frozenset(_VALUES) | frozenset(_SCALES) | frozenset(_ORDINAL_SCALES)
_FIGURE = re.compile(r"\d+(?:[.,:]\d+)*")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})


def number_values(tokens: Sequence[str], every: bool = False) -> list[str]:
    """The numbers of lower-case tokens as canonical values, sorted: '3' and 'three', '200'
    and 'two hundred', '11th' and 'eleventh', '1,000' and '1000', '09:00' and '0900' alike.
    'one', 'first' and 'second' alone count only if `every`."""
    values: list[str] = []
    words: list[str] = []
    for token in (*tokens, ""):
        if token in NUMBER_WORDS or (token == "and" and words):
            words.append(token)
            continue
        if words:
            values += _spelt(words, every)
            words = []
        if _FIGURE.fullmatch(token):
            values.append(_figure(token))
        elif token in ORDINAL_SUFFIXES and values:
            continue  # '11th': the figure was read
    return sorted(values)


def _figure(token: str) -> str:
    if _THOUSANDS.fullmatch(token):
        return token.replace(",", "")
    clock = _CLOCK.fullmatch(token)
    if clock:
        return f"{int(clock[1])}{clock[2]}"
    return token.lstrip("0") or "0"


def _spelt(words: list[str], every: bool) -> list[str]:
    """The value of a run of number words ('two hundred and fifty' -> '250')."""
    while words and words[-1] == "and":
        words = words[:-1]
    if len(words) == 1 and words[0] in _ALONE_EXCLUDED and not every:
        return []
    total = current = 0
    for word in words:
        if word in _VALUES:
            current += _VALUES[word]
        elif word in _SCALES or word in _ORDINAL_SCALES:
            scale = _SCALES.get(word) or _ORDINAL_SCALES[word]
            current = max(current, 1) * scale
            if scale >= 1_000:
                total, current = total + current, 0
    return [str(total + current)] if words else []


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
    """A lower-case English word in its American spelling, as far as these rules go."""
    for pattern, replacement in _AMERICAN:
        word = pattern.sub(replacement, word)
    return word


def stem(word: str) -> str:
    """A crude English stem, enough to tell 'say' from 'says' and 'said'."""
    irregular = {"said": "say", "told": "tell", "wrote": "write", "thought": "think"}
    if word in irregular:
        return irregular[word]
    for suffix in ("ing", "ied", "ies", "ed", "es", "s", "d"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word
