"""Search snippets: the part of a body around the first word found, with the words marked."""

from __future__ import annotations

import re
from collections.abc import Sequence

WIDTH = 90


def snippet(body: str, words: Sequence[str]) -> list[tuple[str, bool]]:
    """(text, is_match) runs around the first match in `body`; the template marks matches.

    Runs rather than markup, so that the template escapes all of the scraped text.
    """
    wanted = [re.escape(word) for word in words if word]
    if not wanted or not body:
        return [(_shorten(body), False)] if body else []
    pattern = re.compile("|".join(wanted), re.IGNORECASE)
    first = pattern.search(body)
    if first is None:
        return [(_shorten(body), False)]
    start, end = max(first.start() - WIDTH, 0), min(first.end() + WIDTH, len(body))
    window = body[start:end]
    runs = _runs(window, pattern)
    if start > 0:
        runs.insert(0, ("…", False))
    if end < len(body):
        runs.append(("…", False))
    return runs


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
    return text if len(text) <= 2 * WIDTH else text[: 2 * WIDTH] + "…"
