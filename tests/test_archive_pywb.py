"""An export replays in pywb, the reference wayback machine: pywb's own indexer reads the
WARC, and its server answers each version at its own time, and the address the watch asked
for with the redirect the page took, as it was recorded."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_archive import archive_dir, check, page, pipe  # noqa: F401 (fixtures)
from warcio.timeutils import iso_date_to_timestamp

from worker.archive.export import History, pieces
from worker.archive.wacz import write_wacz
from worker.fetch import Fetcher
from worker.types import FetchResult

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent  # pywb's commands, in the test extra
READY_WITHIN = 60.0  # seconds for pywb to listen (it imports gevent and its templates)


class _AnHourLater:
    """The pipeline's fetcher, its answers dated an hour later: replay addresses name a capture
    by a 14-digit timestamp (to the second), and two checks a few milliseconds apart would be
    one time."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher

    def get(self, *args: Any, **kwargs: Any) -> FetchResult:
        answer = self._fetcher.get(*args, **kwargs)
        assert answer.fetched_at is not None
        return replace(answer, fetched_at=answer.fetched_at + timedelta(hours=1))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int, process: subprocess.Popen[bytes]) -> None:
    """Wait until pywb accepts connections (or has died), within READY_WITHIN."""
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        assert process.poll() is None, "pywb exited before it listened"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            with contextlib.suppress(subprocess.TimeoutExpired):  # returns early if pywb dies
                process.wait(timeout=min(0.1, max(deadline - time.monotonic(), 0)))
    raise AssertionError(f"pywb did not listen on {port} within {READY_WITHIN} s")


@pytest.fixture
def wayback(tmp_path) -> Iterator[tuple[Path, int]]:
    """A pywb collection folder and the port its server answers on, once started."""
    root = tmp_path / "pywb"
    root.mkdir()
    subprocess.run([str(BIN / "wb-manager"), "init", "nw"], cwd=root, check=True)
    yield root, _free_port()


def _serve(root: Path, port: int) -> subprocess.Popen[bytes]:
    command = [str(BIN / "wayback"), "--port", str(port), "--bind", "127.0.0.1"]
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL)
    _listening(port, process)
    return process


def test_an_export_replays_in_pywb(pipe, store, server, archive_dir, wayback, tmp_path):  # noqa: F811
    story = server.serve("/story", page("Harbour fire", 4))
    asked = server.serve("/old", b"moved", status=301, Location=story)
    store.add_watch(asked)
    assert check(pipe, store).outcome == "new"
    pipe.fetcher = _AnHourLater(pipe.fetcher)
    server.serve("/story", page("Harbour fire", 5))
    assert check(pipe, store).outcome == "changed"
    [watch] = store.watches_to_archive()
    history = History(watch, store.archive_entries(), store.archived_versions())
    export = tmp_path / "story.wacz"
    with export.open("wb") as out:
        write_wacz(out, pieces(archive_dir, history, store.raw_html), "newswatch export")
    root, port = wayback
    adding = [str(BIN / "wb-manager"), "add", "--unpack-wacz", "nw", str(export)]
    subprocess.run(adding, cwd=root, check=True)
    process = _serve(root, port)
    try:
        replay = f"http://127.0.0.1:{port}/nw"
        with httpx.Client(timeout=30) as client:
            for entry, paragraphs in zip(store.archive_entries(), (4, 5), strict=True):
                stamp = iso_date_to_timestamp(entry.warc_date)
                answer = client.get(f"{replay}/{stamp}id_/{story}")
                assert answer.status_code == 200, answer.text[:300]
                assert answer.text.count("<p>") == paragraphs
                assert "Harbour fire" in answer.text
                redirect = client.get(f"{replay}/{stamp}id_/{asked}")
                assert redirect.status_code == 301
                assert redirect.headers["location"].endswith("/story")
    finally:
        process.terminate()
        process.wait(timeout=30)
