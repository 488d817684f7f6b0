"""The shape of one language's word lists (`WordLists`, `Numerals`) and how its numbers are
read; the lists themselves are data, one module a language (`_lexicon_en`, `_lexicon_fr`,
`_lexicon_de`, `_lexicon_es`), chosen by `_lexicon.Lexicon`.

Every word is written case-folded (as `_tokens.tokens` reads them: 'ß' is 'ss'), and looked up
in a set or a mapping: no list is scanned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


def words(text: str) -> list[str]:
    """A word list written as text, in order, case-folded."""
    return text.casefold().split()


def forms(text: str) -> dict[str, str]:
    """Forms of some words written one word a line, its lemma first ('dire dit dites disait'):
    each form (the lemma too) mapped to its lemma."""
    found: dict[str, str] = {}
    for line in text.casefold().splitlines():
        if line.split():
            lemma, *rest = line.split()
            found |= dict.fromkeys((lemma, *rest), lemma)
    return found


def _unchanged(word: str) -> str:
    return word


_LONGEST_NUMBER = 40  # letters of a number written as one word at most
_FIGURE = re.compile(r"\d+(?:[.,:]\d+)*")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class Numerals:
    """How a language writes numbers in words.

    `values`: number words and their values (units, tens, ordinals: added up); `scales`:
    words that multiply what comes before (hundred, thousand); `alone`: number words that
    count only inside a number or if `every` (one, first: far more often a pronoun, an order
    or an article); `connectors`: words inside a number ('two hundred and fifty', 'vingt et
    un'); `times`: words that multiply a unit before them ('quatre-vingts'); `suffixes`:
    what follows a figure in an ordinal ('11th', '11e'); `pieces`: where a language writes a
    number as one word ('zweihundertfünfzig'), the pieces it is cut into besides the number
    words and connectors ('ein'), and their values.
    """

    values: Mapping[str, int]
    scales: Mapping[str, int]
    alone: frozenset[str]
    connectors: frozenset[str]
    suffixes: frozenset[str]
    times: frozenset[str] = frozenset()
    pieces: Mapping[str, int] = field(default_factory=dict)

    def is_word(self, word: str) -> bool:
        """A number word, or one written of number words ('einundzwanzig')."""
        return word in self.values or word in self.scales or len(self._pieces(word)) > 1

    def values_of(self, tokens: Sequence[str], every: bool = False) -> list[str]:
        """The numbers of lower-case tokens as canonical values, sorted: '3' and 'three',
        '200' and 'two hundred', '11th' and 'eleventh', '1,000' and '1000', '09:00' and
        '0900' alike. The words of `alone` on their own count only if `every`."""
        values: list[str] = []
        run: list[str] = []
        for token in (*tokens, ""):
            if token in self.values or token in self.scales:
                run.append(token)
                continue
            pieces = self._pieces(token)
            if len(pieces) > 1:
                run += pieces
                continue
            if token in self.connectors and run:
                run.append(token)
                continue
            if run:
                values += self._spelt(run, every)
                run = []
            if _FIGURE.fullmatch(token):
                values.append(_figure(token))
            elif token in self.suffixes and values:
                continue  # '11th': the figure was read
        return sorted(values)

    def _pieces(self, word: str) -> list[str]:
        """A word cut into number words ('zweihundertfünfzig' -> zwei, hundert, fünfzig),
        longest piece first; [] if it is none (or too long to be one)."""
        if not self.pieces or len(word) > _LONGEST_NUMBER:
            return []
        for end in range(len(word), 0, -1):
            head = word[:end]
            if (
                head in self.values
                or head in self.scales
                or head in self.pieces
                or (head in self.connectors and 0 < end < len(word))
            ):
                if end == len(word):
                    return [head]
                rest = self._pieces(word[end:])
                if rest:
                    return [head, *rest]
        return []

    def _spelt(self, run: list[str], every: bool) -> list[str]:
        """The value of a run of number words ('two hundred and fifty' -> '250')."""
        while run and run[-1] in self.connectors:
            run = run[:-1]
        if len(run) == 1 and run[0] in self.alone and not every:
            return []
        total = current = 0
        for word in run:
            if word in self.scales:
                scale = self.scales[word]
                current = max(current, 1) * scale
                if scale >= 1_000:
                    total, current = total + current, 0
                continue
            value = self.values.get(word, self.pieces.get(word, 0))
            unit = current % 100
            if word in self.times and 1 < unit < 10:
                current += unit * (value - 1)  # quatre-vingts: four twenties
            else:
                current += value
        return [str(total + current)] if run else []


def _figure(token: str) -> str:
    if _THOUSANDS.fullmatch(token):
        return token.replace(",", "")
    clock = _CLOCK.fullmatch(token)
    if clock:
        return f"{int(clock[1])}{clock[2]}"
    return token.lstrip("0") or "0"


@dataclass(frozen=True)
class WordLists:
    """The small closed classes of one language that carry meaning in news or carry none.

    `function`: grammar, not content; `pronouns` and `determiners`: a reference to someone
    named elsewhere, and what opens a description of one; `time`: days, months, relative
    days (`capitalised_time`: only when capitalised, as 'May'; `time_names`: abbreviations by
    their full names); `reporting`: verbs of attribution by lemma (`lemmas`: forms -> lemma;
    `stem` reads the others); `modals` by modality (will / would are one); `negation`: a
    pattern of the words that negate; `negating_prefixes`: legal / illegal; `he`, `she`: a
    person's gender; `initials_skipped`: words an abbreviation leaves out (FBI); whether the
    language capitalises its nouns (a capitalised word is then no name by that alone), and
    `articles`, after which a capitalised word is a noun there ('das Haus', not a name).
    """

    function: frozenset[str]
    pronouns: frozenset[str]
    determiners: frozenset[str]
    honorifics: frozenset[str]
    time: frozenset[str]
    capitalised_time: frozenset[str]
    time_names: Mapping[str, str]
    reporting: frozenset[str]
    lemmas: Mapping[str, str]
    hedges: frozenset[str]
    intensifiers: frozenset[str]
    modals: Mapping[str, str]
    negation: re.Pattern[str]
    negating_prefixes: tuple[str, ...]
    he: frozenset[str]
    she: frozenset[str]
    initials_skipped: frozenset[str]
    numbers: Numerals
    stem: Callable[[str], str] = _unchanged
    nouns_capitalised: bool = False
    articles: frozenset[str] = frozenset()

    def lemma(self, word: str) -> str:
        """One form for all of a word's ('said', 'says' -> 'say'; 'déclaré' -> 'déclarer')."""
        found = self.lemmas.get(word)
        if found is not None:
            return found
        root = self.stem(word)
        if root != word and root + "e" in self.reporting:
            return root + "e"
        # a verb of saying that its stem would not name ('contend' is no 'conten')
        return word if word in self.reporting and root not in self.reporting else root

    def modality(self, word: str) -> str:
        return self.modals.get(word, word)

    def time_name(self, word: str) -> str:
        return self.time_names.get(word, word)


def written(
    *,
    function: str,
    pronouns: str,
    determiners: str,
    honorifics: str,
    time: str,
    time_names: Mapping[str, str],
    reporting: str,
    hedges: str,
    intensifiers: str,
    modals: str,
    negations: str,
    negating_prefixes: str,
    he: str,
    she: str,
    initials_skipped: str,
    numbers: Numerals,
    nouns_capitalised: bool = False,
    articles: str = "",
) -> WordLists:
    """One language's lists written as text: words apart by spaces; `reporting` and `modals`
    one verb a line, its lemma first (see `forms`); abbreviations of `time_names` are time
    words too."""
    lemmas = forms(reporting)
    return WordLists(
        function=frozenset(words(function)),
        pronouns=frozenset(words(pronouns)),
        determiners=frozenset(words(determiners)),
        honorifics=frozenset(words(honorifics)),
        time=frozenset(words(time)) | frozenset(time_names),
        capitalised_time=frozenset(),
        time_names=time_names,
        reporting=frozenset(lemmas.values()),
        lemmas=lemmas,
        hedges=frozenset(words(hedges)),
        intensifiers=frozenset(words(intensifiers)),
        modals=forms(modals),
        negation=negation(negations),
        negating_prefixes=tuple(words(negating_prefixes)),
        he=frozenset(words(he)),
        she=frozenset(words(she)),
        initials_skipped=frozenset(words(initials_skipped)),
        numbers=numbers,
        nouns_capitalised=nouns_capitalised,
        articles=frozenset(words(articles)),
    )


def negation(text: str) -> re.Pattern[str]:
    """A pattern of the negating words written as text (a piece as "n'" too), any case."""
    return re.compile(r"\b(?:" + "|".join(map(re.escape, text.split())) + r")\b", re.IGNORECASE)
