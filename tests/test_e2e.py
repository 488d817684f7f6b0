"""The whole story through the CLI, as a user types it: a real local HTTP server, a real
SQLite file, and `python -m worker` in a subprocess."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import cli_runner
import pytest

pytestmark = pytest.mark.e2e


class Newswatch:
    """Runs `python -m worker` with one config and one database file."""

    def __init__(self, config: Path, database: Path) -> None:
        self.config = config
        self.database = database

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return cli_runner.run(*args, config=self.config, database=self.database)

    def start(self, *args: str) -> subprocess.Popen[str]:
        """A long-running command (`run`), its stderr kept for the test to read."""
        return cli_runner.start(
            *args, config=self.config, database=self.database, stderr=subprocess.PIPE, text=True
        )

    def ok(self, *args: str) -> str:
        done = self(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def json(self, *args: str) -> object:
        return json.loads(self.ok(*args, "--json"))

    def outcomes(self) -> list[str]:
        with sqlite3.connect(self.database) as db:
            return [row[0] for row in db.execute('SELECT outcome FROM "check" ORDER BY id')]


@pytest.fixture
def newswatch(tmp_path, write_config) -> Newswatch:
    config = write_config(tmp_path / "newswatch.toml", '[schedule]\ntick = "0.2s"\n')
    return Newswatch(config, tmp_path / "newswatch.db")


def test_the_story(newswatch, server, seed_v1, seed_v2):
    url = server.serve("/2020/11/11/damascus", seed_v1)
    assert "watching" in newswatch.ok("watch", "add", url)

    # v1: the first snapshot
    assert "1 new" in newswatch.ok("check", url)
    [first] = newswatch.json("snapshots", url)
    assert first["version"] == 1
    assert first["title"] == "Damascus Holds Russia-Backed Conference on Refugee Returns"

    # v1 again: an unchanged check and no snapshot
    assert "1 unchanged" in newswatch.ok("check", url)
    assert len(newswatch.json("snapshots", url)) == 1

    # a 503 in between: an error check, nothing else
    server.serve("/2020/11/11/damascus", b"busy", status=503)
    assert "1 error" in newswatch.ok("check", url)
    assert len(newswatch.json("snapshots", url)) == 1
    assert newswatch.json("changes") == []

    # v2: snapshot 2 and one change listing title and body
    server.serve("/2020/11/11/damascus", seed_v2)
    assert "1 changed" in newswatch.ok("check", url)
    assert [s["version"] for s in newswatch.json("snapshots", url)] == [1, 2]
    [change] = newswatch.json("changes")
    assert {"title", "body"} <= set(change["fields"])
    assert (change["url"], change["from_version"], change["to_version"]) == (url, 1, 2)
    assert isinstance(change["id"], int)
    assert change["significance"] in {"trivial", "minor", "substantive", "major"}
    assert change["detected_at"].endswith("Z")
    assert newswatch.json("changes", "--since", change["detected_at"]) == [change]

    assert newswatch.outcomes() == ["new", "unchanged", "error", "changed"]
    shown = newswatch.json("show", url, "--version", "1")
    assert shown["authors"] == ["AFP"]
    assert shown["body"][0].startswith("Syria's government kicked off")
    assert "{+" in newswatch.ok("diff", url) or "+ " in newswatch.ok("diff", url)
    assert "<ins>" in newswatch.ok("diff", url, "--format", "html")
    assert "<table" in newswatch.ok("diff", url, "--format", "html", "--side-by-side")
    operations = json.loads(newswatch.ok("diff", url, "--format", "json"))["operations"]
    assert {op["kind"] for op in operations} >= {"added", "edited"}


def test_not_modified_with_etag(newswatch, server, seed_v1):
    url = server.serve("/a", seed_v1, ETag='"abc"')
    newswatch.ok("watch", "add", url)
    newswatch.ok("check", url)
    assert "1 not modified" in newswatch.ok("check", url)
    assert server.requests[-1][1].get("If-None-Match") == '"abc"'
    assert newswatch.outcomes() == ["new", "not_modified"]


def test_check_all_summary_counts_every_outcome(newswatch, server, seed_v1):
    good = server.serve("/good", seed_v1)
    missing = server.url("/missing")
    newswatch.ok("watch", "add", good)
    newswatch.ok("watch", "add", missing)
    out = newswatch.ok("check", "--all")
    summary, *problems = out.strip().splitlines()
    assert summary == "checked 2: 1 new, 0 changed, 0 unchanged, 0 not modified, 0 held, 1 error"
    # Each held or failed article is listed under the summary, with its reason.
    assert problems == [f"  error {missing}: HTTP 404 Not Found from {missing}"]
    listing = newswatch.ok("watch", "list")
    assert f"{missing}  failing, 0 versions" in listing
    assert f"{good}  ok, 1 version," in listing
    checks = newswatch.ok("checks", missing)
    assert "error" in checks and "HTTP 404" in checks
    [check] = json.loads(newswatch.ok("checks", missing, "--json"))
    assert (check["outcome"], check["http_status"]) == ("error", 404)


def test_run_checks_due_work_and_stops_on_sigterm(newswatch, server, seed_v1):
    url = server.serve("/a", seed_v1)
    newswatch.ok("watch", "add", url)
    process = newswatch.start("run")
    try:
        _wait_for(lambda: newswatch.outcomes() == ["new"], process)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    log = process.stderr.read()
    assert "SIGTERM: finishing in-flight checks" in log
    assert "stopped" in log


def test_run_reports_itself_and_logs_json(newswatch, server, seed_v1):
    url = server.serve("/a", seed_v1)
    newswatch.ok("watch", "add", url)
    process = newswatch.start("--log-format", "json", "run")
    try:
        _wait_for(lambda: newswatch.outcomes() == ["new"], process)
        [worker] = newswatch.json("workers")
        assert worker["id"].endswith(f":{process.pid}")
        assert worker["checks"] >= 0 and worker["leases"] == 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    lines = [json.loads(line) for line in process.stderr.read().splitlines()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any("SIGTERM" in line["message"] for line in lines)
    assert newswatch.json("workers") == []  # stopped cleanly


def _wait_for(condition, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"newswatch run exited early: {process.stderr.read()}")
        if _holds(condition):
            return
        time.sleep(0.1)
    pytest.fail("newswatch run did not check the due watch in time")


def _holds(condition) -> bool:
    """The condition, or False while the database is still being created."""
    try:
        return bool(condition())
    except sqlite3.OperationalError:
        return False
