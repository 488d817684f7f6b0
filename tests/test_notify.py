"""Alert channels (webhook, apprise, log), message building and the rules that pick alerts."""

from __future__ import annotations

import email
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import Message as EmailMessage
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from worker.errors import ConfigError
from worker.headers import retry_after
from worker.notify import CHANNELS, build_channel
from worker.notify.apprise import AppriseChannel
from worker.notify.log import LogChannel
from worker.notify.message import change_message, digest_message, operator_message
from worker.notify.rules import wants
from worker.notify.webhook import MAX_BODY, WebhookChannel, encode_body
from worker.redact import safe_url, scrub, url_secrets
from worker.settings import AlertSettings, HttpSettings
from worker.types import Message

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DIFF = "\n".join(f"line {n}: [-old-]{{+new+}} paragraph" for n in range(1, 41))


def change_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": 42,
        "url": "https://news.example/a/1",
        "label": "politics",
        "from_version": 2,
        "to_version": 3,
        "detected_at": "2026-03-01T11:59:00Z",
        "kind": "edit",
        "reverts_to": None,
        "fields": ["title", "body"],
        "significance": "major",
        "summary": "headline rewritten; 3 sentences edited",
        "reasons": ["headline changed", "numbers changed"],
        "stats": {"added": 1, "removed": 0, "edited": 3, "moved": 0},
        "article": {
            "title": "Minister resigns",
            "subtitle": "",
            "authors": ["A. Writer"],
            "published": "2026-03-01T08:00:00Z",
            "url": "https://news.example/a/1",
        },
        "diff": {"text": DIFF, "html": "<p>…</p>"},
    }
    return data | overrides


def message(**overrides: object) -> Message:
    return change_message("delivery-7", "article.changed", change_data(**overrides), None, NOW)


def test_the_article_shown_is_the_watched_url_whatever_the_page_declares():
    article = {"title": "Minister resigns", "url": "https://hostile.example/", "canonical_url": "x"}
    shown = message(article=article)
    assert "https://news.example/a/1" in shown.text
    assert "hostile.example" not in shown.text
    assert shown.link == "https://news.example/a/1"


# --- a real local HTTP receiver ---------------------------------------------------------------


class Receiver(ThreadingHTTPServer):
    """Records each request; answers with the queued (status, headers, body) replies.

    While `answering` is clear, requests are recorded but answered only once it is set.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.replies: list[tuple[int, dict[str, str], bytes]] = []
        self.answering = threading.Event()
        self.answering.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append((dict(self.headers.items()), body))
        self.server.answering.wait(30)
        status, headers, reply = (
            self.server.replies.pop(0) if self.server.replies else (204, {}, b"")
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server
    server.answering.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook(receiver: Receiver) -> Iterator[WebhookChannel]:
    channel = WebhookChannel("newsroom", receiver.url, secret=SECRET, timeout=2.0)
    yield channel
    channel.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- webhook ----------------------------------------------------------------------------------


def test_webhook_is_signed_per_standard_webhooks(receiver, hook):
    result = hook.send(message())

    assert result.ok and result.status == 204
    headers, body = receiver.requests[0]
    payload = Webhook(SECRET).verify(body, headers)
    assert payload["type"] == "article.changed"
    assert payload["timestamp"] == "2026-03-01T12:00:00Z"
    assert payload["data"]["id"] == 42 and payload["data"]["diff"]["text"] == DIFF
    assert headers["webhook-id"] == "delivery-7"
    assert headers["Content-Type"] == "application/json"


def test_webhook_wrong_secret_does_not_verify(receiver, hook):
    hook.send(message())
    headers, body = receiver.requests[0]
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQQ==").verify(body, headers)


def test_retry_keeps_the_id_and_signs_afresh(receiver):
    ticks = iter([time.time() - 5, time.time()])
    channel = WebhookChannel("h", receiver.url, secret=SECRET, clock=lambda: next(ticks))
    alert = message()

    assert channel.send(alert).ok and channel.send(alert).ok

    (first, body1), (second, body2) = receiver.requests
    assert first["webhook-id"] == second["webhook-id"] == "delivery-7"
    assert first["webhook-timestamp"] != second["webhook-timestamp"]
    assert first["webhook-signature"] != second["webhook-signature"]
    assert body1 == body2
    Webhook(SECRET).verify(body1, first)
    Webhook(SECRET).verify(body2, second)


def test_secret_without_prefix_is_base64_like_the_library(receiver):
    bare = SECRET.removeprefix("whsec_")
    channel = WebhookChannel("h", receiver.url, secret=bare)
    channel.send(message())
    headers, body = receiver.requests[0]
    assert Webhook(bare).verify(body, headers)["type"] == "article.changed"


def test_webhook_without_secret_is_unsigned(receiver):
    channel = WebhookChannel("h", receiver.url, user_agent="tester/1")
    assert channel.send(message()).ok
    headers, _ = receiver.requests[0]
    assert "webhook-signature" not in headers
    assert headers["webhook-id"] == "delivery-7"
    assert headers["User-Agent"] == "tester/1"


@pytest.mark.parametrize(
    ("status", "reply_headers", "expected"),
    [
        (500, {}, {"ok": False, "status": 500, "gone": False, "retry_after": None}),
        (410, {}, {"ok": False, "status": 410, "gone": True}),
        (429, {"Retry-After": "7"}, {"ok": False, "status": 429, "retry_after": 7.0}),
        (429, {}, {"ok": False, "status": 429, "retry_after": None}),
        (503, {"Retry-After": "soon"}, {"ok": False, "retry_after": None}),
        (302, {"Location": "http://elsewhere.example/"}, {"ok": False, "status": 302}),
        (200, {}, {"ok": True, "status": 200, "error": None}),
    ],
    ids=["500", "410-gone", "429-seconds", "429-no-header", "503-bad-header", "302", "200"],
)
def test_status_mapping(receiver, hook, status, reply_headers, expected):
    receiver.replies.append((status, reply_headers, b"nope"))
    result = hook.send(message())
    assert {key: getattr(result, key) for key in expected} == expected
    if not result.ok:
        assert f"HTTP {status}" in result.error
    assert len(receiver.requests) == 1  # a redirect is not followed


def test_503_with_an_http_date(receiver):
    now = time.time()
    receiver.replies.append((503, {"Retry-After": formatdate(now + 120, usegmt=True)}, b""))
    channel = WebhookChannel("h", receiver.url, secret=SECRET, clock=lambda: now)
    result = channel.send(message())
    assert result.status == 503 and not result.ok
    assert result.retry_after == pytest.approx(120, abs=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        ("0", 0.0),
        (" 1.5 ", 1.5),
        (None, None),
        ("", None),
        ("-3", None),
        ("x", None),
        ("9" * 400, 365 * 24 * 3600.0),  # float("9" * 400) is inf: read as a year
        ("Fri, 31 Dec 9999 23:59:59 GMT", 365 * 24 * 3600.0),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
    ],
)
def test_retry_after_values(value, expected):
    assert retry_after(value, 0.0) == expected


def test_retry_after_date_in_the_past_is_zero():
    assert retry_after("Sun, 06 Nov 1994 08:49:37 GMT", time.time()) == 0.0


def test_error_carries_a_short_part_of_the_answer(receiver, hook):
    receiver.replies.append((500, {}, b"database exploded " * 10_000))
    result = hook.send(message())
    assert "database exploded" in result.error
    assert len(result.error) < 400


def test_timeout_is_a_failed_result():
    def too_slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    channel = WebhookChannel(
        "h", "https://hooks.example/h", secret=SECRET, transport=httpx.MockTransport(too_slow)
    )
    result = channel.send(message())
    assert not result.ok and result.status is None
    assert "timeout" in result.error and "ReadTimeout" in result.error


def test_slow_real_server_times_out(receiver):
    receiver.answering.clear()  # the server reads the request and answers only when told
    channel = WebhookChannel("h", receiver.url, timeout=0.1)
    result = channel.send(message())
    receiver.answering.set()
    assert not result.ok and "timeout" in result.error


def test_apprise_sends_under_the_alert_timeout(receiver):
    """apprise's own read timeout is 4 s; the alert's timeout replaces it."""
    target = receiver.url.replace("http://", "json://")
    receiver.answering.clear()
    assert not AppriseChannel("m", target, timeout=0.2).send(message()).ok
    receiver.answering.set()
    assert AppriseChannel("m", target, timeout=5).send(message()).ok


def test_connection_refused_is_a_failed_result():
    token = "tok3n-in-the-query"
    url = f"http://127.0.0.1:{free_port()}/hook?token={token}"
    channel = WebhookChannel("h", url, secret=SECRET)
    result = channel.send(message())
    assert not result.ok and result.status is None
    assert "ConnectError" in result.error
    assert result.error.startswith("http://127.0.0.1:")


def test_errors_never_carry_secrets(receiver):
    token = "s3cr3t-path-token"
    url = receiver.url + f"/{token}?key={token}x"
    bare = SECRET.removeprefix("whsec_")
    receiver.replies.append((500, {}, (f"bad {SECRET} {bare} {token} {url}").encode()))
    channel = WebhookChannel("h", url, secret=SECRET)
    result = channel.send(message())
    assert not result.ok
    assert SECRET not in result.error and bare not in result.error
    assert token not in result.error


def test_body_over_the_cap_has_its_diff_cut(receiver, hook):
    huge = "\n".join("x" * 99 for _ in range(10_000))  # about 1 MB
    result = hook.send(message(diff={"text": huge, "html": huge}))

    assert result.ok
    headers, body = receiver.requests[0]
    assert len(body) <= MAX_BODY
    data = Webhook(SECRET).verify(body, headers)["data"]
    assert data["diff"]["truncated"] is True and "html" not in data["diff"]
    assert 0 < len(data["diff"]["text"]) < len(huge)
    assert data["summary"] == "headline rewritten; 3 sentences edited"


def test_digest_body_over_the_cap_cuts_every_item():
    items = [change_data(diff={"text": "y" * 200_000}) for _ in range(5)]
    alert = digest_message("d", [message(), message()], NOW)
    body = encode_body(replace(alert, data={"items": items}))
    assert len(body) <= MAX_BODY
    assert all(item["diff"]["truncated"] for item in json.loads(body)["data"]["items"])


def test_body_too_large_without_diff_is_refused(receiver, hook):
    result = hook.send(message(summary="z" * (MAX_BODY + 1)))
    assert not result.ok and "cap" in result.error
    assert receiver.requests == []


# --- build_channel and configuration ----------------------------------------------------------


def alert(**values: object) -> AlertSettings:
    return AlertSettings.model_validate(values)


def test_registry_is_literal():
    assert {"webhook": WebhookChannel, "apprise": AppriseChannel, "log": LogChannel} == CHANNELS


def test_build_webhook_from_env(receiver):
    config = alert(type="webhook", name="newsroom", url_env="HOOK", secret_env="HOOK_SECRET")
    channel = build_channel(config, HttpSettings(), {"HOOK": receiver.url, "HOOK_SECRET": SECRET})
    try:
        assert isinstance(channel, WebhookChannel) and channel.name == "newsroom"
        assert channel.send(message()).ok
        headers, body = receiver.requests[0]
        Webhook(SECRET).verify(body, headers)
        assert headers["User-Agent"] == HttpSettings().user_agent
    finally:
        channel.close()


@pytest.mark.parametrize(
    ("values", "environ", "problem"),
    [
        (
            {"type": "webhook", "name": "newsroom", "url_env": "NEWSWATCH_HOOK_URL"},
            {},
            "alerts[webhook 'newsroom']: url_env NEWSWATCH_HOOK_URL is not set",
        ),
        (
            {"type": "webhook", "url": "https://h.example/", "secret_env": "HOOK_SECRET"},
            {"HOOK_SECRET": " "},
            "alerts[webhook]: secret_env HOOK_SECRET is not set",
        ),
        ({"type": "webhook"}, {}, "alerts[webhook]: set url or url_env"),
        ({"type": "apprise", "name": "mail"}, {}, "alerts[apprise 'mail']: set url or url_env"),
        ({"type": "webhook", "url": "ftp://h.example/"}, {}, "must be http:// or https://"),
        (
            {"type": "webhook", "url": "https://h.example/", "secret": "whsec_"},
            {},
            "alerts[webhook]: secret is empty",
        ),
        (
            {"type": "apprise", "url": "nosuchscheme://user:hunter22@host.example/x"},
            {},
            "apprise does not understand the URL nosuchscheme://host.example",
        ),
    ],
    ids=[
        "url-env-unset",
        "secret-env-blank",
        "no-url",
        "apprise-no-url",
        "scheme",
        "empty-secret",
        "apprise-bad-url",
    ],
)
def test_config_errors_name_the_alert(values, environ, problem):
    with pytest.raises(ConfigError) as caught:
        build_channel(alert(**values), HttpSettings(), environ)
    assert problem in str(caught.value)
    assert "hunter22" not in str(caught.value)


def test_build_uses_os_environ_by_default(monkeypatch, receiver):
    monkeypatch.setenv("NW_TEST_HOOK", receiver.url)
    channel = build_channel(alert(type="webhook", url_env="NW_TEST_HOOK"), HttpSettings())
    assert channel.name == "webhook"
    channel.close()


def test_apprise_missing_is_a_config_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "apprise", None)
    with pytest.raises(ConfigError, match=r"pip install 'newswatch\[apprise\]'"):
        build_channel(alert(type="apprise", name="m", url="json://h.example/"), HttpSettings(), {})


# --- apprise through a real SMTP server -------------------------------------------------------


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 (aiosmtpd hook name)
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def test_email_through_apprise(smtp):
    mailbox, port = smtp
    url = f"mailto://127.0.0.1:{port}?from=watch@news.example&to=desk@news.example"
    channel = build_channel(alert(type="apprise", name="mail", url=url), HttpSettings(), {})

    result = channel.send(message())

    assert result.ok, result.error
    (mail,) = mailbox.messages
    subject = str(email.header.make_header(email.header.decode_header(mail["Subject"])))
    assert subject == "[major] Minister resigns — title and body changed"
    assert mail["To"] == "desk@news.example"
    body = mail.get_payload(decode=True).decode()
    assert "Significance: major — headline changed; numbers changed" in body
    assert "line 1: [-old-]{+new+} paragraph" in body
    assert "line 13:" not in body


def test_apprise_failure_is_redacted():
    password = "hunter2-very-secret"
    url = f"mailto://user:{password}@127.0.0.1:{free_port()}?from=a@b.example&to=c@d.example"
    channel = AppriseChannel("mail", url)
    result = channel.send(message())
    assert not result.ok
    assert password not in result.error
    assert result.error.startswith("mailto://127.0.0.1")


def test_apprise_plugin_exception_is_a_redacted_result(monkeypatch):
    password = "hunter2-very-secret"
    channel = AppriseChannel("mail", f"mailto://user:{password}@mail.example?to=c@d.example")

    def broken(**_: object) -> bool:
        raise RuntimeError(f"login as user:{password} refused")

    monkeypatch.setattr(channel._apprise, "notify", broken)
    result = channel.send(message())
    assert not result.ok
    assert result.error == "mailto://mail.example: RuntimeError: login as ***:*** refused"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@hooks.example:8443/T0/B1?token=x", "https://hooks.example:8443"),
        ("mailto://u:p@127.0.0.1:25?to=a@b.example", "mailto://127.0.0.1:25"),
        ("json://localhost/path", "json://localhost"),
        ("tgram://BotTokenABCdef/12345", "tgram://***"),
        ("tgram://123456789:ABCdefGhIJKlmnOPQ/-100123", "tgram://***"),
        ("not a url", "***"),
    ],
)
def test_safe_url_shows_scheme_and_host_only(url, shown):
    assert safe_url(url) == shown


def test_token_host_is_scrubbed_in_its_original_case():
    url = "tgram://BotTokenABCdef/chat-12345"
    text = scrub("failed for BotTokenABCdef in chat-12345 at port 8443", url_secrets(url))
    assert text == "failed for *** in *** at port 8443"


def test_apprise_error_carries_its_warning_without_tokens():
    port = free_port()
    url = f"json://127.0.0.1:{port}/SecretPathXYZ?token=QueryTok"
    result = AppriseChannel("hook", url).send(message())
    assert not result.ok
    assert result.error.startswith(f"json://127.0.0.1:{port}: ")
    assert "Connection error" in result.error
    assert "SecretPathXYZ" not in result.error and "QueryTok" not in result.error


# --- log channel ------------------------------------------------------------------------------


def test_log_channel_writes_one_json_line(caplog):
    caplog.set_level(logging.INFO, logger="worker.notify")
    channel = build_channel(alert(type="log"), HttpSettings(), {})
    assert channel.send(message()).ok
    (record,) = caplog.records
    assert record.name == "worker.notify" and record.levelno == logging.INFO
    line = json.loads(record.getMessage())
    assert line["event"] == "article.changed" and line["id"] == "delivery-7"
    assert line["title"].startswith("[major] Minister resigns")
    assert line["data"]["id"] == 42


# --- messages ---------------------------------------------------------------------------------


def test_change_message_text():
    alert_message = message()
    assert alert_message.id == "delivery-7" and alert_message.timestamp == NOW
    assert alert_message.link == "https://news.example/a/1"
    text = alert_message.text
    assert text.startswith("Minister resigns\nhttps://news.example/a/1\nBy A. Writer")
    assert "What: title and body changed (version 2 → 3)" in text
    assert "Summary: headline rewritten; 3 sentences edited" in text
    assert "line 12:" in text and "line 13:" not in text and "[…]" in text


def test_change_message_links_to_the_web_view():
    alert_message = change_message(
        "k", "article.changed", change_data(), "https://nw.example/", NOW
    )
    assert alert_message.link == "https://nw.example/changes/42"
    assert alert_message.text.endswith("View: https://nw.example/changes/42")


def test_change_message_caps_a_long_diff_line():
    alert_message = message(diff={"text": "w" * 5000})
    assert 1500 <= len(alert_message.text) < 2200


@pytest.mark.parametrize(
    ("event", "overrides", "title"),
    [
        ("article.changed", {}, "[major] Minister resigns — title and body changed"),
        (
            "article.changed",
            {"fields": ["canonical_url"], "significance": "minor"},
            "[minor] Minister resigns — canonical URL changed",
        ),
        (
            "article.changed",
            {"fields": ["title", "subtitle", "body"]},
            "[major] Minister resigns — title, subtitle and body changed",
        ),
        (
            "article.changed",
            {"kind": "revert", "reverts_to": 1},
            "[major] Minister resigns — reverted to version 1",
        ),
        ("article.removed", {"fields": []}, "[major] Minister resigns — removed"),
        ("article.restored", {"fields": []}, "[major] Minister resigns — restored"),
        ("article.new", {"significance": None}, "[new] Minister resigns — first captured"),
        (
            "article.changed",
            {"article": {"title": "Two\nlines  here"}},
            "[major] Two lines here — title and body changed",
        ),
        ("article.changed", {"article": None}, "[major] politics — title and body changed"),
    ],
)
def test_change_message_titles(event, overrides, title):
    assert change_message("k", event, change_data(**overrides), None, NOW).title == title


def test_digest_bundles_messages():
    first = message()
    second = change_message(
        "k2", "article.changed", change_data(id=43, article={"title": "Second story"}), None, NOW
    )
    earlier = replace(first, timestamp=NOW - timedelta(minutes=30))

    digest = digest_message("digest-1", [earlier, second], NOW)

    assert digest.id == "digest-1" and digest.event == "digest"
    assert digest.title == "2 changes in 30 minutes"
    assert digest.data == {"items": [first.data, second.data]}
    assert "— [major] Minister resigns" in digest.text and "— [major] Second story" in digest.text


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (0, "1 minute"),
        (30, "30 minutes"),
        (60, "1 hour"),
        (90, "90 minutes"),
        (180, "3 hours"),
        (1440, "1 day"),
        (4320, "3 days"),
    ],
)
def test_digest_span_words(minutes, words):
    old = replace(message(), timestamp=NOW - timedelta(minutes=minutes))
    assert digest_message("d", [old], NOW).title == f"1 change in {words}"


def test_digest_of_mixed_events_counts_alerts():
    failing = operator_message("o", "watch.failing", {"url": "https://x.example/"}, NOW)
    assert digest_message("d", [message(), failing], NOW).title == "2 alerts in 1 minute"


def test_empty_digest_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        digest_message("d", [], NOW)


@pytest.mark.parametrize(
    ("event", "data", "title"),
    [
        (
            "watch.failing",
            {"url": "https://x.example/a", "failures": 5, "error": "HTTP 500"},
            "Watch failing: https://x.example/a (5 failures in a row)",
        ),
        ("watch.recovered", {"url": "https://x.example/a"}, "Watch recovered: https://x.example/a"),
        (
            "site.degraded",
            {"host": "x.example", "failures": 12, "error": "timeout"},
            "Site degraded: x.example (12 failures in a row)",
        ),
        ("site.recovered", {"host": "x.example"}, "Site recovered: x.example"),
    ],
)
def test_operator_messages(event, data, title):
    alert_message = operator_message("op-1", event, data, NOW)
    assert alert_message.title == title and alert_message.event == event
    assert alert_message.data == data
    if "error" in data:
        assert f"error: {data['error']}" in alert_message.text


# --- rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "event", "data", "wanted"),
    [
        ({}, "article.changed", {"significance": "minor"}, True),
        ({}, "article.changed", {"significance": "trivial"}, False),
        ({"min_significance": "major"}, "article.changed", {"significance": "substantive"}, False),
        ({"min_significance": "major"}, "article.changed", {"significance": "major"}, True),
        ({"min_significance": "trivial"}, "article.changed", {"significance": "trivial"}, True),
        ({"min_significance": "major"}, "article.removed", {"significance": None}, True),
        ({"min_significance": "major"}, "article.restored", {}, True),
        ({}, "article.new", {}, False),
        ({"events": ["new"]}, "article.new", {}, True),
        ({"events": ["changed"]}, "article.removed", {}, False),
        ({}, "watch.failing", {"url": "u"}, True),
        ({}, "site.recovered", {"host": "h"}, True),
        ({"events": ["changed"]}, "site.degraded", {"host": "h"}, False),
        ({}, "something.else", {}, False),
        ({"fields": ["title"]}, "article.changed", {"fields": ["title", "body"]}, True),
        ({"fields": ["title"]}, "article.changed", {"fields": ["body"]}, False),
        ({"fields": ["title"]}, "article.removed", {"fields": []}, True),
        ({"labels": ["politics"]}, "article.changed", {"label": "politics"}, True),
        ({"labels": ["politics"]}, "article.changed", {"label": "sport"}, False),
        ({"labels": ["politics"]}, "article.changed", {"label": None}, False),
        ({"sources": ["feed-a"]}, "article.changed", {"source": "feed-a"}, True),
        ({"sources": ["feed-a"]}, "article.changed", {}, False),
        ({"keywords": ["Minister"]}, "article.changed", {"diff": {"text": "the MINISTER"}}, True),
        ({"keywords": ["minister"]}, "article.changed", {"diff": {"text": "The mayor"}}, False),
        (
            {"keywords": ["resign"]},
            "article.changed",
            {"summary": "x", "article": {"title": "Resigns"}},
            True,
        ),
        ({"keywords": ["mayor", "quit"]}, "article.changed", {"summary": "He quit"}, True),
        ({"keywords": ["mayor"]}, "article.changed", {"summary": "x", "article": None}, False),
        ({"keywords": ["x"]}, "watch.failing", {}, True),
    ],
    ids=[
        "default-minor",
        "default-drops-trivial",
        "below-threshold",
        "at-threshold",
        "trivial-allowed",
        "removed-is-major",
        "restored-is-major",
        "new-off-by-default",
        "new-opted-in",
        "removed-not-in-events",
        "operator",
        "operator-site",
        "operator-not-in-events",
        "unknown-event",
        "field-touched",
        "field-untouched",
        "fields-ignore-removal",
        "label-match",
        "label-miss",
        "label-none",
        "source-match",
        "source-missing",
        "keyword-case",
        "keyword-miss",
        "keyword-in-title",
        "keyword-any",
        "keyword-none-text",
        "operator-ignores-keywords",
    ],
)
def test_wants(settings, event, data, wanted):
    config = alert(type="log", **settings)
    base = {"significance": "minor", "fields": ["body"], "label": None} | data
    assert wants(config, event, base) is wanted
