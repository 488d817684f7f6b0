"""The archive of a service killed again and again (SIGKILL, no chance to clean up): every
entry still verifies, records whose check never landed are orphans, and a record
half-written at the end of a file is detected, skipped, and never written after."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import threading
import time
from datetime import UTC, datetime

import cli_runner
import pytest
from test_archive import page

from worker.archive.records import response_record, warc_date
from worker.types import FetchResult

pytestmark = pytest.mark.e2e

KILLS = 3


@pytest.fixture
def live_page(server):
    """A page that changes several times a second, so that every check stores a version."""
    stop = threading.Event()

    def change() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            server.serve("/live", page(f"Live {number}", 4 + number % 3))
            stop.wait(0.2)

    thread = threading.Thread(target=change, daemon=True)
    thread.start()
    yield server.url("/live")
    stop.set()
    thread.join()


def test_verify_passes_after_kills_and_a_torn_tail(tmp_path, write_config, live_page):
    archive, database = tmp_path / "archive", tmp_path / "newswatch.db"
    config = write_config(
        tmp_path / "newswatch.toml",
        f'[schedule]\nevery = "1s"\ntick = "0.3s"\nlease = "2s"\n[guard]\nconfirm_checks = 1\n'
        f'[archive]\ndir = "{archive}"\nmax_file_size = "64KB"\n'
        f'[[watch]]\nurl = "{live_page}"\nevery = "1s"\n',
    )
    rng = random.Random(18)
    for _ in range(KILLS):
        service = _run(config, database)
        _wait_for_more_entries(database, service)
        time.sleep(rng.uniform(0, 0.7))  # anywhere in the next checks: a fetch, a write, ...
        service.send_signal(signal.SIGKILL)
        service.wait(timeout=30)

    torn_file = max(archive.glob("*.warc.gz"), key=lambda p: p.stat().st_mtime)
    with torn_file.open("ab") as file:  # what a kill in the middle of a write leaves
        file.write(_member()[:300])
    service = _run(config, database)
    _wait_for_more_entries(database, service)
    service.send_signal(signal.SIGTERM)
    service.wait(timeout=60)

    done = cli_runner.run("verify", "--json", config=config, database=database)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["counts"].get("failed", 0) == 0
    torn = [f for f in report["findings"] if f["status"] == "torn"]
    assert any(f["where"].startswith(torn_file.name) for f in torn)
    entries = _entries(database)
    assert report["counts"]["ok"] == len(entries) >= KILLS + 1
    assert [seq for seq, _ in entries] == list(range(1, len(entries) + 1))
    assert entries[-1][1] != torn_file.name  # the torn file is never written after


def _run(config, database) -> subprocess.Popen[bytes]:
    return cli_runner.start(
        "run", config=config, database=database, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _entries(database) -> list[tuple[int, str]]:
    if not database.exists():
        return []
    with sqlite3.connect(database) as db:
        try:
            return list(db.execute("SELECT seq, file FROM archive_entry ORDER BY seq"))
        except sqlite3.OperationalError:
            return []  # not migrated yet


def _wait_for_more_entries(database, service: subprocess.Popen[bytes]) -> None:
    before = len(_entries(database))
    deadline = time.monotonic() + 60
    while len(_entries(database)) <= before:
        assert service.poll() is None, "the service stopped"
        assert time.monotonic() < deadline, "no new version was archived"
        time.sleep(0.1)


def _member() -> bytes:
    answer = FetchResult(
        "http://x/", "http://x/", 200, raw=page("Torn", 4), http_version="HTTP/1.1"
    )
    return response_record(answer, "<urn:uuid:torn>", warc_date(datetime.now(UTC))).member
