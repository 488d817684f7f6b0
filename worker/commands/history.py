"""What is stored of an article: snapshots, show, diff, changes; the learned noise."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from typing import Any

from worker import diff
from worker.commands._base import _open_store
from worker.commands.output import (
    _colour,
    _disclosed,
    _painted_diff,
    _print_json,
    _significance,
)
from worker.config_values import css_problem
from worker.errors import NotFoundError, UsageError
from worker.guard import prefix_key
from worker.models import (
    NoiseRule,
    Snapshot,
)
from worker.settings import Settings
from worker.shapes import change_json, iso, snapshot_json
from worker.store import Store, snapshot_article
from worker.types import NoiseKind


def cmd_snapshots(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, create=False)
    snapshots = store.versions_of(store.watch_id(args.url))
    if args.json:
        _print_json([snapshot_json(snapshot, body=False) for snapshot in snapshots])
        return 0
    for snapshot in snapshots:
        words = len(snapshot.body.split())
        print(f"v{snapshot.version}  {iso(snapshot.fetched_at)}  {words} words  {snapshot.title}")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, create=False)
    snapshot = store.version_of(store.watch_id(args.url), args.version)
    if args.json:
        _print_json(snapshot_json(snapshot, body=True))
        return 0
    print("\n".join(_snapshot_text(snapshot)))
    return 0


def cmd_diff(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, create=False)
    old, new = _diff_versions(store, args.url, args.from_version, args.to_version)
    change = diff.compare(snapshot_article(old), snapshot_article(new))
    if args.format == "json":
        body = diff.render_json(change) if change else {"fields": []}
        _print_json({"from_version": old.version, "to_version": new.version, **body})
    elif change is None:
        print(f"no difference between v{old.version} and v{new.version}")
    elif args.format == "html":
        print(diff.render_html(change, "side-by-side" if args.side_by_side else "inline"))
    else:
        print(f"v{old.version} -> v{new.version}")
        text = diff.render_text(change)
        print(_painted_diff(text) if _colour(sys.stdout) else text)
    return 0


def _diff_versions(
    store: Store, url: str, first: int | None, second: int | None
) -> tuple[Snapshot, Snapshot]:
    watch_id = store.watch_id(url)
    latest = store.version_of(watch_id)
    to_version = second or latest.version
    from_version = first or to_version - 1
    if from_version < 1:
        raise NotFoundError(f"{latest.title or url}: only one version stored, nothing to compare")
    return store.version_of(watch_id, from_version), store.version_of(watch_id, to_version)


def cmd_changes(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings, create=False)
    watch_id = store.watch_id(args.url) if args.url else None
    rows = store.recent_changes(
        watch_id=watch_id, since=args.since, disclosure=args.disclosure, limit=args.limit
    )
    if args.json:
        _print_json([change_json(change, watch) for change, watch in rows])
        return 0
    if not rows:
        print("no changes yet" if args.since is None else f"no changes since {iso(args.since)}")
    colour = _colour(sys.stdout)
    for change, watch in rows:
        print(
            f"#{change.id} {iso(change.detected_at)} {watch.url} "
            f"v{change.from_version}->v{change.to_version} "
            f"[{_significance(change.significance, colour)}]"
            f"{_disclosed(change.disclosure)} {change.summary}"
        )
    return 0


def cmd_noise_list(args: argparse.Namespace, settings: Settings) -> int:
    rules = _open_store(settings, create=False).noise_rules(args.host)
    if args.json:
        _print_json([_noise_json(rule) for rule in rules])
        return 0
    if not rules:
        print("no noise rules yet")
    for rule in rules:
        print(f"{rule.host}  {rule.key!r:<24} {_noise_state(rule)}")
    return 0


def cmd_noise_add(args: argparse.Namespace, settings: Settings) -> int:
    kind, key = _noise_rule(args)
    rule = _open_store(settings, create=False).add_noise_rule(_bare_host(args.host), kind, key)
    print(f"hiding {kind} {rule.key!r} on {rule.host} from the next check on")
    return 0


def _noise_rule(args: argparse.Namespace) -> tuple[NoiseKind, str]:
    if args.selector is not None:
        reason = css_problem(args.selector)
        if reason is not None:
            raise UsageError(f"{args.selector!r} is not a CSS selector: {reason}")
        return "selector", args.selector
    key = prefix_key(args.prefix)
    if not key:
        raise UsageError(f"--prefix {args.prefix!r} holds no word")
    return "prefix", key


def _bare_host(text: str) -> str:
    host = text.strip().lower().rstrip(".").removeprefix("[").removesuffix("]")
    if not _HOST.fullmatch(host):
        raise UsageError(
            f"{text!r} is not a host name: write it as news.example, with no scheme or path "
            "(an international name in its xn-- form)"
        )
    return host


_HOST = re.compile(r"[a-z0-9.:-]{1,253}")


def _noise_state(rule: NoiseRule) -> str:
    """What `noise list` says of a rule: whose it is, and what it did last time."""
    if rule.kind == "learned":
        state = "learned" if rule.learned else "candidate"
        return f"{state:<9} {len(set(rule.watch_ids))} articles  e.g. {rule.sample[:80]!r}"
    whose = "config" if rule.from_config else "added"
    scope = f" for {', '.join(rule.scope)}" if rule.scope else ""
    if rule.last_applied is None:
        return f"{rule.kind} ({whose}){scope}: not applied yet"
    done = f"hid {rule.removed} part(s) at {iso(rule.last_applied)}"
    if rule.refused:
        done += f"; matched {rule.refused} article part(s) it did not hide (too long for furniture)"
    return f"{rule.kind} ({whose}){scope}: {done}"


def cmd_noise_forget(args: argparse.Namespace, settings: Settings) -> int:
    _open_store(settings, create=False).forget_noise(args.host, args.key)
    print(f"forgot {args.key!r} on {args.host}")
    return 0


def _noise_json(rule: NoiseRule) -> dict[str, Any]:
    return {
        "host": rule.host,
        "key": rule.key,
        "kind": rule.kind,
        "learned": rule.learned,
        "from_config": rule.from_config,
        "scope": list(rule.scope),
        "removed": rule.removed,
        "refused": rule.refused,
        "last_applied": iso(rule.last_applied),
        "articles": len(set(rule.watch_ids)),
        "sample": rule.sample,
        "first_seen": iso(rule.first_seen),
        "last_seen": iso(rule.last_seen),
    }


def _snapshot_text(snapshot: Snapshot) -> Iterator[str]:
    yield snapshot.title
    if snapshot.subtitle:
        yield snapshot.subtitle
    facts = [f"By {', '.join(snapshot.authors)}" if snapshot.authors else ""]
    facts += [f"published {iso(snapshot.published_at)}" if snapshot.published_at else ""]
    facts += [f"modified {iso(snapshot.modified_at)}" if snapshot.modified_at else ""]
    yield " · ".join(fact for fact in facts if fact)
    yield f"version {snapshot.version}, fetched {iso(snapshot.fetched_at)}"
    for paragraph in snapshot_article(snapshot).body:
        yield ""
        yield paragraph
