"""How the commands print: JSON, colour on a terminal only, the progress bar."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import TextIO

from worker.types import CheckRecord

# Colour on a terminal only, and never when NO_COLOR is set (https://no-color.org).
_SIGNIFICANCE_COLOURS = {"trivial": "2", "minor": "36", "substantive": "33", "major": "1;31"}

_DIFF_COLOURS = (
    ("[-", "\x1b[31m[-"),
    ("-]", "-]\x1b[0m"),
    ("{+", "\x1b[32m{+"),
    ("+}", "+}\x1b[0m"),
)


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """'1 article', '3 articles': a number of things, as the commands print it."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {plural or noun + 's'}"


def _colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _significance(name: str, colour: bool) -> str:
    code = _SIGNIFICANCE_COLOURS.get(name)
    return f"\x1b[{code}m{name}\x1b[0m" if colour and code else name


def _disclosed(disclosure: str | None) -> str:
    """` [silent]` after the significance of a change the page did not disclose."""
    return " [silent]" if disclosure == "silent" else ""


def _painted_diff(text: str) -> str:
    """A text diff with its deletions red and insertions green (plain replaces: linear)."""
    first, _, rest = text.partition("\n")
    significance, colon, summary = first.partition(":")
    for marker, painted in _DIFF_COLOURS:
        rest = rest.replace(marker, painted)
    return f"{_significance(significance, True)}{colon}{summary}\n{rest}"


def _print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _progress_bar(stream: TextIO) -> Callable[[int, int, CheckRecord], None]:
    def show(done: int, total: int, record: CheckRecord) -> None:
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        stream.write(f"\r[{bar}] {done}/{total} {record.outcome:<12}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show
