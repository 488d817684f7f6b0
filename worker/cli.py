"""The `newswatch` command (also `python -m worker`): the command line, parsed here; what each
command does is in `worker.commands`, loaded once the arguments are known (`--help` and a
bad option answer without loading the rest of newswatch).

Exit status: 0 on success, 2 for bad usage or configuration, 1 for other failures.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from worker import logs
from worker.durations import parse_duration
from worker.errors import ConfigError, NewswatchError, UsageError
from worker.types import DELIVERY_STATUSES, DISCLOSURES, FETCHER_CHOICES, SOURCE_KINDS


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, load settings, run one command; return the exit status."""
    args = _parser().parse_args(argv)
    level = args.log_level or ("info" if args.command in {"run", "serve"} else "warning")
    logs.configure(level, args.log_format)
    try:
        # Loaded now, not above: the arguments are known to be good (see the docstring).
        from worker.commands import HANDLERS, hide_secrets
        from worker.settings import load_settings

        settings = load_settings(args.config, args.database_url)
        hide_secrets(settings)
        return int(HANDLERS[args.handler](args, settings))
    except (ConfigError, UsageError) as exc:
        return _fail(exc, 2)
    except NewswatchError as exc:
        return _fail(exc, 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_gone()


def _reader_gone() -> int:
    """The reader of our output left (`newswatch changes --json | head`): stop quietly, as
    a program killed by SIGPIPE would, instead of a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the final flush at exit must not fail again
    except (OSError, ValueError):
        pass
    return 141


def _fail(exc: Exception, status: int) -> int:
    print(f"newswatch: {exc}", file=sys.stderr)
    return status


# -- the parser ------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newswatch",
        description="Watch news articles change.",
        epilog="example:\n  newswatch watch add https://news.example/story && newswatch check\n"
        "  (each command's --help ends with examples of its own)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", help="TOML file (default: config/newswatch.toml)")
    parser.add_argument("--database-url", help="overrides [database] url")
    parser.add_argument(
        "--log-format", choices=["text", "json"], default="text", help="json: one object a line"
    )
    parser.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        help="default: info for run, warning otherwise",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add(commands, "init", "init", "create or upgrade the database")
    _add(commands, "run", "run", "run the service until SIGINT/SIGTERM")
    _add_check(commands)
    _add_watch(commands)
    _add_history(commands)
    _add_alerts(commands)
    _add_noise(commands)
    _add_source(commands)
    _add_archive(commands)
    serve = _add(commands, "serve", "serve", "web pages, JSON API and Atom feeds")
    serve.add_argument("--host", help="address to bind (default [web] host, 127.0.0.1)")
    serve.add_argument("--port", type=_port, help="port (default [web] port, 8080)")
    workers = _add(commands, "workers", "workers", "live workers, their leases and throughput")
    workers.add_argument("--json", action="store_true", help="print JSON")
    return parser


class _Version(argparse.Action):
    """--version: the installed package's version (read only when asked for)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("newswatch")
        except PackageNotFoundError:
            found = "(not installed)"
        print(f"newswatch {found}")
        parser.exit()


# An example for each command's --help (keyed as the handlers are).
EXAMPLES = {
    "init": "newswatch init",
    "run": "newswatch --config config/newswatch.toml run",
    "check": "newswatch check --all",
    "checks": "newswatch checks https://news.example/story --limit 5",
    "watch add": "newswatch watch add https://news.example/story --every 10m --label politics",
    "watch import": "newswatch watch import urls.txt",
    "watch list": "newswatch watch list --json",
    "watch remove": "newswatch watch remove https://news.example/story",
    "snapshots": "newswatch snapshots https://news.example/story",
    "show": "newswatch show https://news.example/story --version 2",
    "diff": "newswatch diff https://news.example/story --from 1 --to 3",
    "changes": "newswatch changes --disclosure silent --since 2026-01-31T00:00:00Z --json",
    "alerts list": "newswatch alerts list --status failed",
    "alerts retry": "newswatch alerts retry --all-failed",
    "alerts test": "newswatch alerts test webhook",
    "source add": "newswatch source add https://news.example/rss.xml --every 10m",
    "source list": "newswatch source list",
    "source remove": "newswatch source remove https://news.example/rss.xml",
    "source poll": "newswatch source poll",
    "serve": "newswatch serve --port 8080",
    "workers": "newswatch workers --json",
    "noise list": "newswatch noise list --host news.example",
    "noise add": "newswatch noise add news.example --selector '.most-read'",
    "noise forget": "newswatch noise forget news.example 'most read'",
    "verify": "newswatch verify https://news.example/story",
    "export": "newswatch export https://news.example/story -o story.wacz",
}


def _add(commands: Any, name: str, handler: str, help_text: str) -> argparse.ArgumentParser:
    """A command, with the key of its handler in `worker.commands.HANDLERS`."""
    example = EXAMPLES.get(handler)
    sub: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=f"example:\n  {example}" if example else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,  # examples stay on one line
    )
    sub.set_defaults(handler=handler)
    return sub


def _group(commands: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """A command of several actions (watch, source, ...): its --help ends with theirs."""
    examples = [example for key, example in EXAMPLES.items() if key.startswith(f"{name} ")]
    group: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog="examples:\n" + "\n".join(f"  {example}" for example in examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return group


def _add_check(commands: Any) -> None:
    sub = _add(commands, "check", "check", "check now: the URLs given, else those due")
    sub.add_argument("urls", nargs="*", metavar="URL", help="articles to check (default: due)")
    sub.add_argument("--all", action="store_true", help="check every active watch")
    checks = _add(commands, "checks", "checks", "the latest checks of one article")
    checks.add_argument("url", metavar="URL", help="a watched article")
    checks.add_argument("--limit", type=_positive_int, default=20, help="how many (20)")
    checks.add_argument("--json", action="store_true", help="print JSON")


_FETCHER_HELP = (
    "plain, browser (rendered in Chromium: the browser extra) or auto (rendered when its HTML "
    "is a script shell); default: as [fetch] browser says"
)


def _add_watch(commands: Any) -> None:
    watch = _group(commands, "watch", "manage watched articles")
    actions = watch.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = _add(actions, "add", "watch add", "watch an article URL")
    add.add_argument("url", metavar="URL", help="the article (normalised before it is stored)")
    add.add_argument("--every", type=_duration, help="re-check interval, e.g. 15m, 2h, 1d")
    add.add_argument("--label", help="a name of yours for it ('' clears it)")
    add.add_argument("--fetcher", choices=FETCHER_CHOICES, help=_FETCHER_HELP)
    imp = _add(actions, "import", "watch import", "watch every URL in a file ('-' = stdin)")
    imp.add_argument("file", metavar="FILE", help="one URL a line, # comments; - for stdin")
    listing = _add(actions, "list", "watch list", "list watched articles")
    listing.add_argument("--json", action="store_true", help="print JSON")
    remove = _add(actions, "remove", "watch remove", "stop watching (history is kept)")
    remove.add_argument("url", metavar="URL", help="a watched article")


def _add_history(commands: Any) -> None:
    snaps = _add(commands, "snapshots", "snapshots", "stored versions of one article")
    snaps.add_argument("url", metavar="URL", help="a watched article")
    snaps.add_argument("--json", action="store_true", help="print JSON")
    show = _add(commands, "show", "show", "one stored version (default: the latest)")
    show.add_argument("url", metavar="URL", help="a watched article")
    show.add_argument("--version", type=_positive_int, help="which version (default: latest)")
    show.add_argument("--json", action="store_true", help="print JSON")
    diffs = _add(commands, "diff", "diff", "what changed between two stored versions")
    diffs.add_argument("url", metavar="URL", help="a watched article")
    diffs.add_argument(
        "--from",
        dest="from_version",
        type=_positive_int,
        help="old version (default: the one before)",
    )
    diffs.add_argument("--to", dest="to_version", type=_positive_int, help="new version (latest)")
    diffs.add_argument(
        "--format", choices=["text", "json", "html"], default="text", help="default: text"
    )
    diffs.add_argument(
        "--side-by-side", action="store_true", help="HTML as two columns instead of inline"
    )
    changes = _add(commands, "changes", "changes", "detected changes, newest first")
    changes.add_argument("--since", type=_timestamp, help="ISO 8601, inclusive")
    changes.add_argument("--url", help="only the changes of this article")
    changes.add_argument(
        "--disclosure",
        choices=DISCLOSURES,
        help="only changes the page disclosed so: notice, timestamp or silent (no notice, no "
        "new update time)",
    )
    changes.add_argument("--limit", type=_positive_int, help="at most this many")
    changes.add_argument("--json", action="store_true", help="print JSON")


def _add_alerts(commands: Any) -> None:
    alerts = _group(commands, "alerts", "the alert outbox")
    actions = alerts.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = _add(actions, "list", "alerts list", "deliveries, newest first")
    listing.add_argument("--status", choices=DELIVERY_STATUSES, help="only these")
    listing.add_argument("--limit", type=_positive_int, default=200, help="at most (200)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    retry = _add(actions, "retry", "alerts retry", "send failed deliveries again")
    retry.add_argument("ids", nargs="*", type=_positive_int, metavar="ID", help="delivery ids")
    retry.add_argument("--all-failed", action="store_true", help="every failed delivery")
    test = _add(actions, "test", "alerts test", "send a sample alert through one channel")
    test.add_argument("channel", metavar="CHANNEL", help="an [[alerts]] name or type")


def _add_source(commands: Any) -> None:
    source = _group(commands, "source", "feeds, sitemaps and section pages to follow")
    actions = source.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = _add(actions, "add", "source add", "follow a feed, sitemap or section page")
    add.add_argument("url", metavar="URL", help="a feed, a sitemap or a section page")
    add.add_argument("--kind", choices=SOURCE_KINDS, help="default: auto (sniffed)")
    add.add_argument("--pattern", help="section pages: regex the article links must match")
    add.add_argument("--label", help="label given to the articles it enrols")
    add.add_argument("--every", type=_duration, help="poll interval (default 15m)")
    add.add_argument(
        "--allow-private",
        action="store_true",
        default=None,
        help="its articles may resolve to private addresses (your own site)",
    )
    add.add_argument(
        "--ignore-robots",
        action="store_true",
        default=None,
        help="do not obey robots.txt (only for sites you own)",
    )
    enrolled = "for the articles it enrols: " + _FETCHER_HELP
    add.add_argument("--fetcher", choices=FETCHER_CHOICES, help=enrolled)
    listing = _add(actions, "list", "source list", "sources and what they enrolled")
    listing.add_argument("--json", action="store_true", help="print JSON")
    remove = _add(actions, "remove", "source remove", "stop polling a source")
    remove.add_argument("url", metavar="URL", help="a followed source")
    poll = _add(actions, "poll", "source poll", "poll sources now (all active, or these)")
    poll.add_argument("urls", nargs="*", metavar="URL", help="sources (default: all active)")


def _add_archive(commands: Any) -> None:
    verify = _add(commands, "verify", "verify", "check the web archive and each article's chain")
    verify.add_argument("urls", nargs="*", metavar="URL", help="articles (default: all)")
    verify.add_argument("--json", action="store_true", help="print JSON")
    export = _add(commands, "export", "export", "archived versions as a WACZ (or WARC) file")
    export.add_argument("urls", nargs="*", metavar="URL", help="articles to export")
    export.add_argument("--all", action="store_true", help="every article")
    export.add_argument("--source", metavar="URL", help="the articles a source enrolled")
    export.add_argument("--since", type=_timestamp, help="versions fetched since (ISO 8601)")
    export.add_argument("--format", choices=["wacz", "warc"], default="wacz", help="default: wacz")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")


def _add_noise(commands: Any) -> None:
    noise = _group(commands, "noise", "page parts kept out of comparisons, per site")
    actions = noise.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = _add(actions, "list", "noise list", "noise rules per host and what they hid")
    listing.add_argument("--host", help="only this site")
    listing.add_argument("--json", action="store_true", help="print JSON")
    add = _add(actions, "add", "noise add", "hide a page part on a site from every comparison")
    add.add_argument("host", metavar="HOST", help="the site, as news.example")
    what = add.add_mutually_exclusive_group(required=True)
    what.add_argument("--selector", metavar="CSS", help="page elements, as .most-read")
    what.add_argument("--prefix", metavar="TEXT", help="short paragraphs that start so")
    forget = _add(actions, "forget", "noise forget", "drop a rule (learned or added)")
    forget.add_argument("host", metavar="HOST", help="the site")
    forget.add_argument("key", metavar="KEY", help="the rule's key, as noise list shows it")


def _duration(text: str) -> Any:
    try:
        every = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not every:
        raise argparse.ArgumentTypeError(f"must be more than zero, got {text!r}")
    return every


def _port(text: str) -> int:
    number = _positive_int(text)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535, not {number}")
    return number


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def _timestamp(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 time such as 2026-01-31T12:00:00Z, got {text!r}"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
