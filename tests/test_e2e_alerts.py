"""Alerts end to end: `python -m worker` against a real webhook receiver and the real SQLite
file, signatures verified with the standardwebhooks library, and a sender killed mid-delivery."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import cli_runner
import pytest
from standardwebhooks.webhooks import Webhook

from worker.db import create_engine
from worker.models import Delivery, utcnow
from worker.store import Outbox, Store

pytestmark = pytest.mark.e2e
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def newswatch(tmp_path, write_config, receiver):
    config = write_config(
        tmp_path / "newswatch.toml",
        '[schedule]\nlease = "1s"\n'
        f'[[alerts]]\ntype = "webhook"\nname = "hook"\nurl = "{receiver.url}"\n'
        'secret_env = "TEST_WEBHOOK_SECRET"\ntimeout = "20s"\n'
        # A short first retry: long enough that `check` ends with the delivery still pending
        # (it drains only what is due), short enough to wait for.
        'retry = ["1s", "1h"]\n',
    )
    database = tmp_path / "newswatch.db"
    env = {"TEST_WEBHOOK_SECRET": SECRET, "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return cli_runner.ok(*args, config=config, database=database, env=env)

    run.database = database
    run.start = lambda *args, **popen: cli_runner.start(
        *args, config=config, database=database, env=env, **popen
    )
    return run


def _deliveries(database) -> list[Delivery]:
    engine = create_engine(f"sqlite:///{database}")
    try:
        return Outbox(Store(engine)).deliveries()
    finally:
        engine.dispose()


def _wait_until_sendable(database, seconds: float = 30) -> Delivery:
    """Wait until the one pending delivery is due and no sender holds its lease: the next
    `check` sends it."""
    deadline = time.monotonic() + seconds
    while True:
        [row] = _deliveries(database)
        now = utcnow()
        if row.next_attempt_at <= now and (row.lease_until is None or row.lease_until < now):
            return row
        assert row.status == "pending", row
        assert time.monotonic() < deadline, f"not sendable within {seconds} s: {row}"
        time.sleep(0.05)


def _verified(receiver) -> list[dict]:
    hook = Webhook(SECRET)
    return [hook.verify(body, headers) for headers, body in receiver.received]


def test_check_delivers_one_signed_webhook(newswatch, server, receiver, seed_v1, seed_v2):
    url = server.serve("/story", seed_v1)
    newswatch("watch", "add", url)
    newswatch("check", url)
    assert receiver.received == []  # a first capture is not a change
    server.serve("/story", seed_v2)
    newswatch("check", url)
    [payload] = _verified(receiver)
    assert payload["type"] == "article.changed"
    assert payload["timestamp"].endswith("Z")
    data = payload["data"]
    assert {"title", "body"} <= set(data["fields"])
    assert (data["url"], data["from_version"], data["to_version"]) == (url, 1, 2)
    assert data["article"]["title"] != ""
    assert "diff" in data
    [change] = json.loads(newswatch("changes", "--json").stdout)
    assert {k: data[k] for k in change} == change  # the change, as `changes --json` shows it
    [delivery] = json.loads(newswatch("alerts", "list", "--json").stdout)
    assert (delivery["status"], delivery["attempts"]) == ("sent", 1)
    headers = receiver.received[0][0]
    assert headers["webhook-id"] == delivery["key"]
    assert SECRET not in newswatch("alerts", "list").stdout


def test_failed_delivery_is_retried_under_the_same_id(
    newswatch, server, receiver, seed_v1, seed_v2
):
    url = server.serve("/story", seed_v1)
    newswatch("watch", "add", url)
    newswatch("check", url)
    server.serve("/story", seed_v2)
    receiver.answers = [500]
    newswatch("check", url)  # first attempt fails, the second is due 1 s later (retry)
    [pending] = json.loads(newswatch("alerts", "list", "--json").stdout)
    assert (pending["status"], pending["last_status"]) == ("pending", 500)
    assert len(receiver.received) == 1
    due = _wait_until_sendable(newswatch.database)
    assert due.attempts == 1
    newswatch("check")
    assert len(_verified(receiver)) == 2
    ids = {headers["webhook-id"] for headers, _ in receiver.received}
    stamps = {headers["webhook-timestamp"] for headers, _ in receiver.received}
    assert len(ids) == 1
    assert len(stamps) == 2  # each attempt is signed afresh


def test_sigkill_mid_delivery_delivers_once_after_restart(
    newswatch, server, receiver, seed_v1, seed_v2
):
    url = server.serve("/story", seed_v1)
    newswatch("watch", "add", url)
    newswatch("check", url)
    server.serve("/story", seed_v2)
    receiver.hang.set()
    process = newswatch.start("check", url, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert receiver.arrived.wait(30), "the change was never sent"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        process.kill()
        receiver.release()
    assert _wait_until_sendable(newswatch.database).attempts == 0  # the lease ran out
    newswatch("check")
    payloads = _verified(receiver)
    ids = {headers["webhook-id"] for headers, _ in receiver.received}
    assert len(ids) == 1, "one change must never be sent under two ids"
    assert len(payloads) == 2  # the repeat after the crash carries the same id
    [change] = json.loads(newswatch("changes", "--json").stdout)
    assert change["id"] == payloads[-1]["data"]["id"]
    [delivery] = json.loads(newswatch("alerts", "list", "--json").stdout)
    assert delivery["status"] == "sent"
