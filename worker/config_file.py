"""The configuration file as text: read as UTF-8 TOML, and its problems described by file,
line, key and what is wrong (never echoing a secret value)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from worker.errors import ConfigError


def read_toml(path: Path, explicit: bool) -> dict[str, Any]:
    """The file's tables; {} for a default file that is not there (an explicit one must be)."""
    if not path.exists():
        if explicit:
            raise ConfigError(f"{path}: configuration file not found")
        return {}
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return tomllib.loads(_utf8(raw, path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _utf8(raw: bytes, path: Path) -> str:
    """The file's text: UTF-8, as TOML requires; a leading byte-order mark is dropped."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{path}: the file is UTF-16; save it as UTF-8")
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start + 1}); save it as UTF-8") from None


def describe(exc: ValidationError, path: Path | None) -> str:
    """Every problem of a file that does not validate: its key, its line, what is wrong."""
    where = str(path) if path else "configuration"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines() if path else []
    lines = [f"{where}: invalid configuration"]
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not str(p).startswith("function-"))
        line = _key_line(text, loc)
        at = f" (line {line})" if line else ""
        where_key = f"{_dotted(loc)}{at}: " if loc else ""  # a whole-config check names its keys
        lines.append(f"  {where_key}{_problem(error)}")
    return "\n".join(lines)


_TABLE = re.compile(r"^\s*\[\s*([\w.-]+)\s*\]")
_ARRAY_TABLE = re.compile(r"^\s*\[\[\s*([\w.-]+)\s*\]\]")
_KEY = re.compile(r"^\s*[\"']?([\w-]+)[\"']?\s*=")


def _key_line(lines: list[str], loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line where the key at `loc` is written, when a simple scan finds it."""
    table, index, key = _key_path(loc)
    current, seen = "", -1
    for number, line in enumerate(lines, start=1):
        header = _ARRAY_TABLE.match(line) or _TABLE.match(line)
        if not table and header and header.group(1).split(".")[0] == key:
            return number  # a top-level key written as a table: [htp] or [[sources]]
        if header := _ARRAY_TABLE.match(line):
            current = header.group(1)
            seen = seen + 1 if current == table else seen
        elif header := _TABLE.match(line):
            current, seen = header.group(1), 0 if header.group(1) == table else seen
        elif _is_key(line, key) and _at(current, seen, table, index):
            return number
    return None


def _is_key(line: str, key: str) -> bool:
    found = _KEY.match(line)
    return found is not None and found.group(1) == key


def _key_path(loc: tuple[int | str, ...]) -> tuple[str, int, str]:
    if not loc:  # a check of the whole configuration: its message names the keys
        return "", 0, ""
    if len(loc) == 1:
        return "", 0, str(loc[0])
    if len(loc) >= 3 and isinstance(loc[1], int):
        return str(loc[0]), loc[1], str(loc[2])
    return str(loc[0]), 0, str(loc[1])


def _at(current: str, seen: int, table: str, index: int) -> bool:
    return current == table and (not table or seen == index)


def _dotted(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item}]" if parts else f"[{item}]"
        elif not item.startswith("function-"):
            parts.append(item)
    return ".".join(parts) or "(top level)"


# Keys whose values may hold credentials: an error about them never repeats the value.
SECRET_KEYS = frozenset({"url", "secret", "token", "password"})


def _problem(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing" or not _safe_to_echo(error):
        return message
    return f"{message} (got {error['input']!r})"


def _safe_to_echo(error: Any) -> bool:
    """True if the bad value can be shown: a scalar that is not under a secret-bearing key."""
    keys = {str(part) for part in error["loc"]}
    return not keys & SECRET_KEYS and not isinstance(error["input"], dict | list)
