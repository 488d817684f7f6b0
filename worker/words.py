"""What a word is, for every part of newswatch that counts or compares words.

Words are separated by white space, except in Chinese and Japanese, which write none: there
each character is one word (a word count of a Chinese article is then its character count).
"""

from __future__ import annotations

import re

CJK_CHARACTERS = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
CJK = re.compile(f"[{CJK_CHARACTERS}]")
_UNITS = re.compile(f"[{CJK_CHARACTERS}]|[^\\s{CJK_CHARACTERS}]+")


def units(text: str) -> list[str]:
    """The words of a text, each Chinese or Japanese character one word."""
    return _UNITS.findall(text) if CJK.search(text) else text.split()


def count(text: str) -> int:
    """How many words a text has (see `units`)."""
    return len(units(text))
