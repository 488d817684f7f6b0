"""Search snippets: the part of a body around the first word found, with the words marked,
cut on word boundaries."""

from __future__ import annotations

import re
from collections.abc import Sequence

WIDTH = 90  # characters on each side of the first match, about


def snippet(body: str, words: Sequence[str]) -> list[tuple[str, bool]]:
    """(text, is_match) runs around the first match in `body`; the template marks matches.

    Runs rather than markup, so that the template escapes all of the scraped text. Whole
    words are marked (as the full-text indexes match them); a part of a word only where no
    whole word is found (the LIKE fallback matches those).
    """
    wanted = [re.escape(word) for word in words if word]
    if not wanted or not body:
        return [(_shorten(body), False)] if body else []
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(wanted) + r")(?!\w)", re.IGNORECASE)
    first = pattern.search(body)
    if first is None:
        pattern = re.compile("|".join(wanted), re.IGNORECASE)
        first = pattern.search(body)
    if first is None:
        return [(_shorten(body), False)]
    start = _word_start(body, max(first.start() - WIDTH, 0), first.start())
    end = _word_end(body, min(first.end() + WIDTH, len(body)), first.end())
    runs = _runs(body[start:end], pattern)
    if start > 0:
        runs.insert(0, ("… ", False))
    if end < len(body):
        runs.append((" …", False))
    return runs


def _word_start(text: str, start: int, limit: int) -> int:
    """`start`, moved forward to the beginning of a word (not past `limit`)."""
    if start == 0 or text[start - 1].isspace():
        return start
    space = re.compile(r"\s").search(text, start, limit)
    return space.end() if space else limit


def _word_end(text: str, end: int, limit: int) -> int:
    """`end`, moved back to the end of a word (not before `limit`)."""
    if end >= len(text) or text[end].isspace():
        return end
    cut = max(text.rfind(" ", limit, end), text.rfind("\n", limit, end))
    return cut if cut >= limit else limit


def _runs(text: str, pattern: re.Pattern[str]) -> list[tuple[str, bool]]:
    runs: list[tuple[str, bool]] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            runs.append((text[position : match.start()], False))
        runs.append((match.group(), True))
        position = match.end()
    if position < len(text):
        runs.append((text[position:], False))
    return runs


def _shorten(text: str) -> str:
    if len(text) <= 2 * WIDTH:
        return text
    return text[: _word_end(text, 2 * WIDTH, 0) or 2 * WIDTH].rstrip() + " …"
