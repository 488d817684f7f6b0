"""One referent written otherwise: a pronoun, a description or a name for someone the
article already names."""

from __future__ import annotations

from worker.diff._lexicon import Lexicon
from worker.diff._spelling import Respelt
from worker.diff._tokens import TokenDiff, Versions


def references(diff: TokenDiff, lexicon: Lexicon, versions: Versions) -> list[Respelt]:
    """One reference to someone or something written as another: a pronoun for a name or a
    description ('them' / 'the prisoners', 'Mrs Abbott' / 'she'), or a description for a name
    ('the organisation' / 'CAMERA'). A name must be in the other version of the article, and
    so must what a pronoun stands for: a name new to the article is news, one it already
    holds only makes clear who. A description for another (the mayor / the governor) or a
    name for another is no such."""
    found: list[Respelt] = []
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
    'description' ('the organisation', 'the prisoners'; in a language that capitalises its
    nouns, 'die Gefangenen'), or None for anything else."""
    lists = lexicon.lists
    if all(lexicon.is_function_word(word) for word in words):
        return "pronoun" if len(words) == 1 and words[0] in lists.pronouns else None
    rest = words[1:] if words[0] in lists.determiners else words
    if not rest or any(lexicon.is_function_word(word) for word in rest):
        return None
    if all(word[:1].isupper() for word in cased[len(words) - len(rest) :]):
        if rest is words:
            return "name"
        return "description" if lists.nouns_capitalised else None
    return "description" if rest is not words else None


def _found_in(words: list[str], article: frozenset[str], lexicon: Lexicon) -> bool:
    """Every word of a name or description, but its determiner and honorific, is in the
    article."""
    return all(
        word in article
        for word in words
        if not lexicon.is_function_word(word) and word not in lexicon.lists.honorifics
    )
