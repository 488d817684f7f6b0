"""What each `newswatch` command does; `worker.cli` parses the command line and calls them.

Each handler takes the parsed arguments and the settings and returns the exit status. The
checking stack (fetcher, extractor, pipeline, poller, alert channels) is loaded only by the
commands that check, poll or send (`_base._checking_stack`): reading commands start faster.
The handlers live in one module per group of commands: `check`, `watches`, `history`,
`alerts`, `sources`, `serve`, `archive`; what they share in `_base` (the database, the stack) and
`output` (JSON, colour, the progress bar).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from worker.commands._base import hide_secrets
from worker.commands.alerts import cmd_alerts_list, cmd_alerts_retry, cmd_alerts_test
from worker.commands.archive import cmd_export, cmd_verify
from worker.commands.check import cmd_check, cmd_checks, cmd_init, cmd_run
from worker.commands.history import (
    cmd_changes,
    cmd_diff,
    cmd_noise_add,
    cmd_noise_forget,
    cmd_noise_list,
    cmd_show,
    cmd_snapshots,
)
from worker.commands.serve import cmd_serve, cmd_workers
from worker.commands.sources import (
    cmd_source_add,
    cmd_source_list,
    cmd_source_poll,
    cmd_source_remove,
)
from worker.commands.watches import (
    cmd_watch_add,
    cmd_watch_import,
    cmd_watch_list,
    cmd_watch_remove,
)
from worker.settings import Settings

__all__ = ["HANDLERS", "hide_secrets"]


# The handler of each command, keyed as `worker.cli` names them.
HANDLERS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "init": cmd_init,
    "run": cmd_run,
    "check": cmd_check,
    "checks": cmd_checks,
    "watch add": cmd_watch_add,
    "watch import": cmd_watch_import,
    "watch list": cmd_watch_list,
    "watch remove": cmd_watch_remove,
    "snapshots": cmd_snapshots,
    "show": cmd_show,
    "diff": cmd_diff,
    "changes": cmd_changes,
    "alerts list": cmd_alerts_list,
    "alerts retry": cmd_alerts_retry,
    "alerts test": cmd_alerts_test,
    "source add": cmd_source_add,
    "source list": cmd_source_list,
    "source remove": cmd_source_remove,
    "source poll": cmd_source_poll,
    "serve": cmd_serve,
    "workers": cmd_workers,
    "noise list": cmd_noise_list,
    "noise add": cmd_noise_add,
    "noise forget": cmd_noise_forget,
    "verify": cmd_verify,
    "export": cmd_export,
}
