"""Sentence splitting of normalised paragraphs, exact enough to join back.

`join_sentences(split_sentences(p)) == p` for every paragraph `comparable` produces: a Latin
boundary drops the single space after it and the join puts it back; a CJK boundary ('。！？')
has no space after it once normalised.
"""

from __future__ import annotations

import re

# Lower-case forms, without the final period. Single letters (initials) are handled apart.
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "mx", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "maj", "sgt",
    "capt", "cmdr", "adm", "gov", "sen", "rep", "rev", "hon", "pres", "supt", "insp", "det",
    "inc", "ltd", "co", "corp", "bros", "plc", "llc", "vs", "etc", "e.g", "i.e", "cf", "al",
    "approx", "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "mt", "ft", "ave", "blvd", "rd", "univ", "ca", "bzw", "dh", "evtl",
    "ggf", "hr", "fr", "hrs", "str", "usw", "vgl", "mme", "mlle", "sra", "dña",
})  # fmt: skip
# Abbreviations only before a number: "No. 5", but "The answer was no. Then ..."
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "vol", "pp", "fig", "art", "nr", "tel", "p"})
# US state abbreviations in AP style, as in a dateline: "SPRINGFIELD, Ill. (AP) - ...". Only
# capitalised and after a comma: "He was ill. Then ..." still ends a sentence.
_STATES = frozenset({
    "ala", "ariz", "ark", "calif", "colo", "conn", "del", "fla", "ga", "ill", "ind", "kan",
    "ky", "la", "md", "mass", "mich", "minn", "miss", "mo", "mont", "neb", "nev", "okla", "ore",
    "pa", "tenn", "vt", "va", "wash", "wis", "wyo",
})  # fmt: skip
# "a.m." and "p.m." end a sentence before a capitalised word ("at 8:15 a.m. Police said"),
# unless it names the day, month or zone: "at 8 a.m. Tuesday".
_CLOCK = frozenset({"a.m", "p.m"})
_WHEN = re.compile(
    r"(?i:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?"
    r"|jan(?:uary)?|feb(?:ruary)?|march|mar|april|apr|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"
    r"|(?:[A-Z]{1,3}T|GMT|UTC)\b"
)
# A run of terminators is tried from its start only, and taken whole: tried from every dot of
# '.....' not followed by a space, it made the scan quadratic.
_LATIN_END = re.compile(r"(?<![.!?…؟।])[.!?…؟।]++[\"')\]]*+(?= )")
_CJK_END = re.compile(r"[。！？]+[」』)\"']*")
_CJK_STOPS = "。！？"
_CJK_CLOSERS = "」』)\"'"
_OPENERS = "\"'([¿¡"
_OPENERS_RUN = re.compile(r"[\"'(\[¿¡]*")


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of a normalised paragraph, in order, none empty."""
    sentences: list[str] = []
    start = 0
    for end in _boundaries(paragraph):
        sentences.append(paragraph[start:end].strip())
        start = end
    rest = paragraph[start:].strip()
    return [*sentences, rest] if rest else sentences


def join_sentences(sentences: list[str]) -> str:
    """The paragraph the sentences were split from."""
    pieces: list[str] = []
    empty, stopped = True, False  # the text so far: empty; ending in a CJK stop (and closers)
    for sentence in sentences:
        piece = sentence if empty or stopped else " " + sentence
        pieces.append(piece)
        if piece:
            rest = piece.rstrip(_CJK_CLOSERS)
            stopped = rest[-1] in _CJK_STOPS if rest else stopped and not empty
            empty = False
    return "".join(pieces)


def _boundaries(paragraph: str) -> list[int]:
    """End offsets of every sentence but the last, in order."""
    ends = {m.end() for m in _CJK_END.finditer(paragraph) if m.end() < len(paragraph)}
    ends |= {m.end() for m in _LATIN_END.finditer(paragraph) if _ends_sentence(paragraph, m)}
    return sorted(ends)


def _ends_sentence(paragraph: str, match: re.Match[str]) -> bool:
    """A Latin terminator ends a sentence unless an abbreviation or a lower-case word follows.

    It reads the paragraph in place, around the match: slicing it from the start or to the
    end at every terminator made long paragraphs quadratic.
    """
    following = _OPENERS_RUN.match(paragraph, match.end() + 1).end()
    if following == len(paragraph) or paragraph[following].islower():
        return False
    if match.group() != ".":
        return True  # '!', '?', '...', or a period inside a closing quote
    word_start = paragraph.rfind(" ", 0, match.start()) + 1
    word = paragraph[word_start : match.start()].lstrip(_OPENERS)
    if len(word) == 1 and word.isalpha():
        return False  # an initial: "J. K. Rowling"
    if word.casefold() in _NUMBER_ABBREVIATIONS:
        return not paragraph[following].isdigit()
    if word.casefold() in _CLOCK:
        return not _WHEN.match(paragraph, following)
    if word[:1].isupper() and word.casefold() in _STATES:
        return not paragraph.endswith(", ", 0, match.start() - len(word))
    return "." not in word and word.casefold() not in _ABBREVIATIONS
