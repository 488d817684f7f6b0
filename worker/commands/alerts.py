"""alerts list, retry and test: the alert outbox."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from worker.commands._base import _checking_stack, _open_store
from worker.commands.output import _print_json, counted
from worker.errors import NotFoundError, UsageError
from worker.models import (
    Delivery,
)
from worker.settings import Settings
from worker.shapes import iso
from worker.store import Deliveries


def cmd_alerts_list(args: argparse.Namespace, settings: Settings) -> int:
    rows = Deliveries(_open_store(settings, create=False)).deliveries(args.status, args.limit)
    if args.json:
        _print_json([_delivery_json(row) for row in rows])
        return 0
    if not rows:
        print("no alert deliveries" + (f" {args.status}" if args.status else ""))
    for row in rows:
        error = f"  {row.last_error}" if row.last_error else ""
        print(
            f"#{row.id} {row.status:<8} {row.channel} {row.event} attempts={row.attempts} "
            f"next={iso(row.next_attempt_at)}{error}"
        )
    return 0


def cmd_alerts_retry(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.ids) == bool(args.all_failed):
        raise UsageError("give delivery IDs or --all-failed")
    outbox = Deliveries(_open_store(settings, create=False))
    retried = outbox.retry(None if args.all_failed else args.ids)
    if retried or args.all_failed:
        print(f"{counted(len(retried), 'delivery', 'deliveries')} pending again")
    others = sorted(set(args.ids or ()) - set(retried))
    if others:
        listed = ", ".join(map(str, others))
        raise NotFoundError(f"no failed delivery with id {listed} (see 'alerts list')")
    return 0


def cmd_alerts_test(args: argparse.Namespace, settings: Settings) -> int:
    configs = {config.channel_name: config for config in settings.alerts}
    if args.channel not in configs:
        known = ", ".join(configs) or "none configured"
        raise UsageError(f"no alert channel {args.channel!r} (channels: {known})")
    stack = _checking_stack()
    channel = stack.build_channels(settings)[args.channel]
    result = channel.send(stack.sample_message(configs[args.channel], settings.web.base_url))
    if not result.ok:
        print(f"newswatch: {args.channel}: sample alert failed: {result.error}", file=sys.stderr)
        return 1
    print(f"{args.channel}: sample alert sent")
    return 0


def _delivery_json(row: Delivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "key": row.key,
        "channel": row.channel,
        "event": row.event,
        "change_id": row.change_id,
        "status": row.status,
        "attempts": row.attempts,
        "created_at": iso(row.created_at),
        "next_attempt_at": iso(row.next_attempt_at),
        "sent_at": iso(row.sent_at),
        "last_status": row.last_status,
        "last_error": row.last_error,
    }
