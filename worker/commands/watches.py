"""watch add, import, list and remove."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import timedelta
from pathlib import Path

from worker.commands._base import _open_store
from worker.commands.output import _print_json
from worker.config_values import require_browser_extra
from worker.durations import format_duration
from worker.errors import BadURLError, ConfigError, UsageError
from worker.models import (
    Watch,
    watch_state,
)
from worker.settings import Settings
from worker.shapes import iso, watch_json
from worker.urls import is_http_url, normalise_url

_COMMENT = re.compile(r"\s#")  # an import line: URL, then an optional comment


def cmd_watch_add(args: argparse.Namespace, settings: Settings) -> int:
    fetcher = getattr(args, "fetcher", None)
    if fetcher in ("browser", "auto"):
        try:
            require_browser_extra(f"--fetcher {fetcher}")
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    watch = _open_store(settings).add_watch(args.url, args.every, args.label, fetcher=fetcher)
    every = f" every {format_duration(args.every)}" if args.every else ""
    how = f", fetched with the {fetcher} fetcher" if fetcher else ""
    print(f"watching {watch.url}{every}{how}")
    return 0


def cmd_watch_import(args: argparse.Namespace, settings: Settings) -> int:
    urls = list(dict.fromkeys(normalise_url(url) for url in _read_url_list(args.file)))
    store = _open_store(settings)
    for url in urls:
        store.add_watch(url)
    print(f"watching {len(urls)} URLs from {args.file}")
    return 0


def _read_url_list(name: str) -> list[str]:
    """URLs from a file, one a line; every bad line is reported and nothing is imported."""
    lines = _lines(name)
    urls, problems = [], []
    for number, line in enumerate(lines, start=1):
        text = _COMMENT.split(line, maxsplit=1)[0].strip()
        if not text or text.startswith("#"):
            continue
        problem = _url_problem(text)
        if problem:
            problems.append(f"{name}:{number}: {problem}")
        else:
            urls.append(text)
    if problems:
        raise UsageError("nothing imported:\n" + "\n".join(problems))
    return urls


def _url_problem(text: str) -> str | None:
    try:
        normalise_url(text)
    except BadURLError as exc:
        return str(exc)
    if not is_http_url(text):
        return f"not an http(s) URL: {text[:200]!r}"
    if any(char.isspace() for char in text):
        return "text after the URL (comments start with ' #')"
    return None


def _lines(name: str) -> list[str]:
    if name == "-":
        return sys.stdin.read().splitlines()
    try:
        return Path(name).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {name}: {exc}") from None


def cmd_watch_list(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, create=False)
    rows = store.list_watches()
    titles = store.headlines([watch.id for watch, _ in rows if watch.id is not None])
    if args.json:
        _print_json([watch_json(watch, n, titles.get(watch.id or 0)) for watch, n in rows])
        return 0
    if not rows:
        print("no watches yet: add one with `newswatch watch add URL`")
    for watch, versions in rows:
        print(_watch_line(watch, versions, titles.get(watch.id or 0)))
    return 0


def _watch_line(watch: Watch, versions: int, headline: str | None) -> str:
    label = f" [{watch.label}]" if watch.label else ""
    own = watch.every_seconds
    every = f", every {format_duration(timedelta(seconds=own))}" if own else ""
    plural = "version" if versions == 1 else "versions"
    facts = [
        watch_state(watch),
        f"{versions} {plural}",
        f"last checked {iso(watch.last_checked_at) or 'never'}",
        f"next {iso(watch.next_check_at) if watch.active else '-'}",
    ]
    title = f"\n    {headline}" if headline else ""
    return f"{watch.url}{label}  {', '.join(facts)}{every}{title}"


def cmd_watch_remove(args: argparse.Namespace, settings: Settings) -> int:
    watch = _open_store(settings, create=False).remove_watch(args.url)
    print(f"no longer watching {watch.url} (its history is kept)")
    return 0
