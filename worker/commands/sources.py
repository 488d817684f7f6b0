"""source add, list, remove and poll: feeds, sitemaps and section pages to follow."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from worker.commands._base import _open_store, _service
from worker.commands.output import _print_json, counted
from worker.durations import format_duration
from worker.errors import NotFoundError, UsageError
from worker.models import (
    Source,
)
from worker.settings import Settings, SourceSettings
from worker.shapes import iso
from worker.urls import normalise_url


def cmd_source_add(args: argparse.Namespace, settings: Settings) -> int:
    options = {"kind": args.kind, "pattern": args.pattern, "label": args.label}
    options |= {"allow_private": args.allow_private, "ignore_robots": args.ignore_robots}
    options |= {"every": args.every, "fetcher": args.fetcher}
    given = {name: value for name, value in options.items() if value is not None}
    try:
        config = SourceSettings.model_validate({"url": args.url, **given})
    except ValidationError as exc:
        problem = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise UsageError(f"source {args.url}: {problem}") from None
    source = _open_store(settings).add_source(config, only=set(given))
    every = format_duration(timedelta(seconds=source.every_seconds))
    print(f"following {source.url} ({source.kind}, every {every})")
    return 0


def cmd_source_list(args: argparse.Namespace, settings: Settings) -> int:
    sources = _open_store(settings, create=False).list_sources()
    if args.json:
        _print_json([_source_json(source) for source in sources])
        return 0
    if not sources:
        print("no sources yet: follow one with `newswatch source add URL`")
    for source in sources:
        state = "active" if source.active else "inactive"
        error = f"  last error: {source.last_error}" if source.last_error else ""
        label = f" [{source.label}]" if source.label else ""
        print(
            f"{source.url}{label}  {source.kind} {state}, {source.enrolled} enrolled, "
            f"next poll {iso(source.next_poll_at)}{error}"
        )
    return 0


def cmd_source_remove(args: argparse.Namespace, settings: Settings) -> int:
    source = _open_store(settings, create=False).remove_source(args.url)
    print(f"no longer following {source.url} (its articles stay watched)")
    return 0


def cmd_source_poll(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, sync=True)
    known = {source.url for source in store.list_sources()}
    unknown = [url for url in args.urls or () if normalise_url(url) not in known]
    if unknown:
        raise NotFoundError(f"not a source: {', '.join(unknown)} (add it with 'source add')")
    service = _service(settings, store)
    try:
        enrolled = service.poll_sources(args.urls or sorted(known))
    finally:
        service.close()
    print(f"enrolled {counted(enrolled, 'new article')}")
    return 0


def _source_json(source: Source) -> dict[str, Any]:
    return {
        "url": source.url,
        "kind": source.kind,
        "pattern": source.pattern,
        "label": source.label,
        "active": source.active,
        "every": source.every_seconds,
        "allow_private": source.allow_private,
        "ignore_robots": source.ignore_robots,
        "fetcher": source.fetcher,
        "next_poll_at": iso(source.next_poll_at),
        "last_polled_at": iso(source.last_polled_at),
        "last_error": source.last_error,
        "enrolled": source.enrolled,
    }
