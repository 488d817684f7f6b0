"""No secret in any log line at any level: alert URLs and their tokens, signing secrets, the
database password; libraries that log request URLs are held at WARNING."""

from __future__ import annotations

import logging
import signal
import subprocess
from pathlib import Path

import cli_runner
import pytest

from worker import logs
from worker.redact import url_secrets

PATH_TOKEN = "T0KEN1n7hePath9f3a"
QUERY_TOKEN = "q7Secret0fTheQuery2b"
SIGNING = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECRETS = (PATH_TOKEN, QUERY_TOKEN, SIGNING, SIGNING.removeprefix("whsec_"))


def test_scrub_masks_hidden_secrets_and_token_query_values():
    logs.hide(["x9Hidden0Secret"])
    line = "POST https://hooks.example/a?x=1&access_token=abc.def-1 sent x9Hidden0Secret"
    assert logs.scrub(line) == "POST https://hooks.example/a?x=1&access_token=*** sent ***"
    assert logs.scrub("https://news.example/story?id=42&page=2") == (
        "https://news.example/story?id=42&page=2"  # article parameters stay readable
    )


def test_the_logs_hide_only_the_token_like_parts_of_an_alert_url():
    url = f"https://u:pw0rd1234@hooks.example/services/{PATH_TOKEN}?k=v"
    pieces = url_secrets(url, tokens_only=True)
    assert PATH_TOKEN in pieces and "pw0rd1234" in pieces
    assert "services" not in pieces and "hooks.example" not in pieces
    # A channel's own error texts hide every piece that may be secret, words included.
    assert "services" in url_secrets(url) and "hooks.example" not in url_secrets(url)


def test_libraries_that_log_urls_stay_at_warning_even_at_debug():
    logs.configure("debug")
    try:
        assert logging.getLogger().level == logging.DEBUG
        for name in ("httpx", "httpcore", "urllib3", "apprise"):
            assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name
    finally:
        logs.configure("warning")


def _debug(config: Path, database: Path, *args: str, check: bool = False):
    """`newswatch --log-level debug ARGS` on this config and database, to its end."""
    return cli_runner.run(
        "--log-level", "debug", *args, config=config, database=database, check=check
    )


@pytest.fixture
def secret_config(tmp_path, write_config, receiver):
    url = f"{receiver.url}/{PATH_TOKEN}?token={QUERY_TOKEN}"
    return write_config(
        tmp_path / "newswatch.toml",
        '[schedule]\nlease = "5s"\nevery = "1s"\ntick = "1s"\n'
        f'[[alerts]]\ntype = "webhook"\nname = "hook"\nurl = "{url}"\n'
        f'secret = "{SIGNING}"\n',
    )


def _assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.e2e
def test_check_logs_no_secret_at_debug(tmp_path, secret_config, server, receiver, seed_v1, seed_v2):
    database = tmp_path / "newswatch.db"
    url = server.serve("/story", seed_v1)
    outputs = [_debug(secret_config, database, "watch", "add", url)]
    outputs.append(_debug(secret_config, database, "check", url))
    server.serve("/story", seed_v2)
    outputs.append(_debug(secret_config, database, "check", url))
    assert len(receiver.received) == 1  # the change was delivered: the URL was used
    for done in outputs:
        _assert_no_secret(done.stdout + done.stderr)


@pytest.mark.e2e
def test_run_logs_no_secret_at_debug(tmp_path, secret_config, server, receiver, seed_v1, seed_v2):
    database = tmp_path / "newswatch.db"
    url = server.serve("/story", seed_v1)
    _debug(secret_config, database, "watch", "add", url, check=True)
    _debug(secret_config, database, "check", url, check=True)
    server.serve("/story", seed_v2)
    worker = cli_runner.start(
        "--log-level",
        "debug",
        "run",
        config=secret_config,
        database=database,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert receiver.arrived.wait(60), "the service delivered no alert"
    finally:
        worker.send_signal(signal.SIGINT)
        _, stderr = worker.communicate(timeout=60)
    _assert_no_secret(stderr)
