"""The web archive's commands: verify (every digest and link again) and export (WACZ or
WARC of one article, several, a source's or all)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from worker.archive.export import History, Piece, pieces
from worker.archive.verify import Finding, Report, verify
from worker.archive.wacz import write_wacz, write_warc
from worker.commands._base import _open_store
from worker.commands.output import _print_json, counted
from worker.errors import NotFoundError, UsageError
from worker.models import Watch
from worker.settings import Settings
from worker.store import Store

# How the report names what it found (the order of the summary).
STATUS_WORDS = {
    "ok": "intact",
    "failed": "failed",
    "orphan": "orphan records",
    "torn": "torn tails",
    "unarchived": "versions before the archive",
}


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when every entry is intact, 1 when one failed (orphans, torn tails and
    versions before the archive are reported, not failures)."""
    folder = settings.archive.dir
    if folder is None:
        raise UsageError("verify reads the archive: set [archive] dir (where `run` writes it)")
    store = _open_store(settings, create=False)
    watches = store.watches_to_archive(args.urls)
    ids = [w.id for w in watches if w.id is not None]
    report = verify(
        Path(folder),
        {w.id: w.url for w in watches if w.id is not None},
        store.archive_entries(ids),
        store.archived_versions(ids),
        every_file=not args.urls,
    )
    if args.json:
        _print_json({"counts": report.counts(), "findings": [_json(f) for f in report.findings]})
    else:
        _print_report(report, len(watches))
    return 1 if report.failed else 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    output = _output(args.output)
    if sum([bool(args.urls), args.all, args.source is not None]) != 1:
        raise UsageError("export what? give URL ..., --all or --source URL (one of them)")
    store = _open_store(settings, create=False)
    watches = store.watches_to_archive(args.urls, args.source)
    folder = Path(settings.archive.dir) if settings.archive.dir else None
    written_pieces: list[Piece] = []
    chosen = _counted(_pieces(store, watches, folder, args), written_pieces)
    title = f"newswatch: {watches[0].url}" if len(watches) == 1 else "newswatch export"
    write = write_wacz if args.format == "wacz" else write_warc
    with _replacing(output) as out:
        written = write(out, chosen, title)
        if not written_pieces:  # an archive of nothing is no export: no file, exit 1
            since = f" since {args.since.isoformat()}" if args.since else ""
            raise NotFoundError(f"nothing to export: no version or event was captured{since}")
    rebuilt = sum(piece.reconstructed for piece in written_pieces)
    print(
        f"wrote {output}: {counted(len(written.pages), 'version')} of "
        f"{counted(len(watches), 'article')}"
        f" ({rebuilt} rebuilt from stored HTML), {written.records} records"
    )
    return 0


def _pieces(
    store: Store, watches: list[Watch], folder: Path | None, args: argparse.Namespace
) -> Iterator[Piece]:
    for watch in watches:
        assert watch.id is not None
        history = History(
            watch,
            store.archive_entries([watch.id]),
            store.archived_versions([watch.id], since=args.since),
            since=args.since,
        )
        yield from pieces(folder, history, store.raw_html)


def _counted(chosen: Iterator[Piece], seen: list[Piece]) -> Iterator[Piece]:
    for piece in chosen:
        seen.append(piece)
        yield piece


def _output(name: str) -> Path:
    """The -o path, refused (exit 2) before any work when it cannot be written."""
    path = Path(name)
    folder = path.parent
    if path.is_dir():
        raise UsageError(f"-o {name} is a folder: give a file name, such as {name}/export.wacz")
    if not folder.is_dir():
        raise UsageError(f"-o {name}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"-o {name}: cannot write there")
    return path


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[BinaryIO]:
    """A file beside `path` that replaces it once whole: a failed export leaves nothing."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".export-", delete=False) as out:
        try:
            yield out  # type: ignore[misc]
        except BaseException:
            out.close()
            Path(out.name).unlink(missing_ok=True)
            raise
    Path(out.name).chmod(0o644)
    Path(out.name).replace(path)


def _print_report(report: Report, articles: int) -> None:
    for finding in report.findings:
        if finding.status != "ok":
            print(_line(finding), file=sys.stdout)
    counts = report.counts()
    summary = ", ".join(f"{counts.get(s, 0)} {word}" for s, word in STATUS_WORDS.items())
    verdict = "FAILED" if report.failed else "ok"
    print(f"verify {verdict} ({counted(articles, 'article')}): {summary}")


def _line(finding: Finding) -> str:
    version = f" v{finding.version}" if finding.version is not None else ""
    entry = f" entry {finding.entry}" if finding.entry is not None else ""
    where = f" {finding.where}" if finding.where else ""
    return f"{finding.status:<10} {finding.url or '-'}{version}{entry}{where}: {finding.message}"


def _json(finding: Finding) -> dict[str, object]:
    return {
        "status": finding.status,
        "url": finding.url or None,
        "version": finding.version,
        "entry": finding.entry,
        "where": finding.where or None,
        "message": finding.message,
    }
