"""Text helpers shared by the metadata and body readers."""

from __future__ import annotations

import re

from bs4 import Tag

from worker.extract._tree import texts

_SPACE = re.compile(r"\s+")
# Invisible characters, and control characters other than whitespace (a terminal escape in a
# page must never reach the terminal of someone reading `newswatch diff`).
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\x00-\x08\x0e-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Collapse runs of whitespace (non-breaking spaces included) and strip."""
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def text_of(tag: Tag) -> str:
    """The visible text of an element, whitespace-normalised."""
    return clean(tag.get_text())


def text_shorter(tag: Tag, limit: int) -> bool:
    """Whether the visible text of an element is shorter than `limit` characters, reading
    only as far as needed (elements nest: reading each one whole would be quadratic)."""
    total = 0
    for text in texts(tag):
        total += len(clean(text[: 4 * limit]))  # a huge string: its start tells
        if total >= limit:
            return False
    return total < limit


def attr(tag: Tag, name: str) -> str:
    """An attribute as one string (bs4 returns lists for multi-valued ones such as class)."""
    value = tag.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(value)
    return str(value)


def class_and_id(tag: Tag) -> str:
    """The class and id of an element, joined, for the hint patterns."""
    return f"{attr(tag, 'class')} {attr(tag, 'id')}".strip()
