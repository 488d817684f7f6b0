"""The webhook channel: POST the alert as JSON, signed per Standard Webhooks.

Headers: `webhook-id` (the message id, stable across retries), `webhook-timestamp` (unix
seconds of this attempt) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 over
`id.timestamp.body`). The body is capped at MAX_BODY bytes: diffs are cut, then emptied, and a
body still too large is not sent (an error result).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from worker.errors import ConfigError
from worker.headers import retry_after
from worker.notify._config import alert_label, resolve_secret, resolve_url
from worker.redact import safe_url, scrub, url_secrets
from worker.settings import USER_AGENT, AlertSettings, HttpSettings
from worker.transport import deadline, keep_deadlines
from worker.types import Message, SendResult

MAX_BODY = 256 * 1024
MAX_RESPONSE = 4096
DIFF_BUDGETS = (32_768, 8_192, 2_048, 0)  # characters of diff text kept per item, step by step
SECRET_PREFIX = "whsec_"


class BodyTooLargeError(ValueError):
    """The JSON body passes MAX_BODY even with every diff emptied."""


class WebhookChannel:
    """POST each alert as a Standard Webhooks JSON message; unsigned without a secret."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        secret: str | None = None,
        timeout: float = 10.0,
        user_agent: str = USER_AGENT,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self._url = url
        self._target = safe_url(url)
        self._key = signing_key(secret) if secret else None
        self._secrets = url_secrets(url) + (
            [secret, secret.removeprefix(SECRET_PREFIX)] if secret else []
        )
        self._clock = clock
        headers = {"User-Agent": user_agent, "Accept-Encoding": "identity"}
        self._timeout = timeout
        self._client = keep_deadlines(
            httpx.Client(
                timeout=timeout, follow_redirects=False, headers=headers, transport=transport
            )
        )

    @classmethod
    def from_config(
        cls, config: AlertSettings, http: HttpSettings, environ: Mapping[str, str]
    ) -> WebhookChannel:
        """A channel for one `[[alerts]]` entry; ConfigError names the entry when it cannot work."""
        url = resolve_url(config, environ)
        if _scheme(url) not in ("http", "https"):
            raise ConfigError(f"{alert_label(config)}: url must be http:// or https://")
        secret = resolve_secret(config, environ)
        if secret:
            try:
                signing_key(secret)
            except ValueError as exc:
                raise ConfigError(f"{alert_label(config)}: {exc}") from None
        return cls(
            config.channel_name,
            url,
            secret=secret,
            timeout=config.timeout.total_seconds(),
            user_agent=http.user_agent,
        )

    def send(self, message: Message) -> SendResult:
        """One delivery attempt, signed afresh; failures come back as results, never raised."""
        try:
            body = encode_body(message)
        except BodyTooLargeError as exc:
            return self._failure(str(exc))
        try:
            with (
                deadline(self._timeout),  # the whole delivery, not each read
                self._client.stream(
                    "POST", self._url, content=body, headers=self._headers(message.id, body)
                ) as response,
            ):
                head = _read_head(response)
        except httpx.TimeoutException as exc:
            return self._failure(f"timeout after {self._timeout}s ({_kind(exc)})")
        except httpx.HTTPError as exc:
            return self._failure(f"{_kind(exc)}: {exc}")
        return self._result(response, head)

    def close(self) -> None:
        """Close the HTTP client and its connections."""
        self._client.close()

    def _headers(self, message_id: str, body: bytes) -> dict[str, str]:
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": timestamp,
        }
        if self._key is not None:
            headers["webhook-signature"] = sign(self._key, message_id, timestamp, body)
        return headers

    def _result(self, response: httpx.Response, head: bytes) -> SendResult:
        status = response.status_code
        if 200 <= status < 300:
            return SendResult(ok=True, status=status)
        error = f"HTTP {status} {response.reason_phrase}".rstrip()
        if 300 <= status < 400:
            return self._failure(f"{error}: redirects are not followed", status)
        if head_text := _snippet(head):
            error = f"{error}: {head_text}"
        if status == 410:
            return self._failure(f"{error} (the endpoint asks to stop)", status, gone=True)
        if status in (429, 503):
            wait = retry_after(response.headers.get("Retry-After"), self._clock())
            return self._failure(error, status, retry_after=wait)
        return self._failure(error, status)

    def _failure(self, error: str, status: int | None = None, **extra: Any) -> SendResult:
        text = scrub(f"{self._target}: {error}", self._secrets)
        return SendResult(ok=False, status=status, error=text, **extra)


def signing_key(secret: str) -> bytes:
    """The HMAC key of a secret, decoded as the standardwebhooks library does.

    The part after `whsec_` (or the whole string without it) is base64, padding optional.
    """
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "==")
    except (binascii.Error, ValueError):
        raise ValueError("secret is not valid base64 (expected whsec_<base64>)") from None
    if not key:
        raise ValueError("secret is empty")
    return key


def sign(key: bytes, message_id: str, timestamp: str, body: bytes) -> str:
    """The `webhook-signature` header value: `v1,<base64 HMAC-SHA256 of id.timestamp.body>`."""
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def encode_body(message: Message, limit: int = MAX_BODY) -> bytes:
    """The JSON body; diffs are cut step by step until it fits in `limit` bytes."""
    envelope = {"type": message.event, "timestamp": iso_utc(message.timestamp)}
    body = _dump({**envelope, "data": message.data})
    for budget in DIFF_BUDGETS:
        if len(body) <= limit:
            return body
        body = _dump({**envelope, "data": _cut_diffs(message.data, budget)})
    if len(body) > limit:
        raise BodyTooLargeError(f"body is {len(body)} bytes without diffs; the cap is {limit}")
    return body


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def _dump(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _cut_diffs(data: Mapping[str, Any], budget: int) -> dict[str, Any]:
    """A copy of `data` whose diffs (also inside digest items) keep `budget` characters of text."""
    cut = dict(data)
    if isinstance(cut.get("diff"), Mapping):
        text = str(cut["diff"].get("text") or "")
        cut["diff"] = {"text": _cut_text(text, budget), "truncated": True}
    if isinstance(cut.get("items"), list):
        items = cut["items"]
        cut["items"] = [_cut_diffs(i, budget) if isinstance(i, Mapping) else i for i in items]
    return cut


def _cut_text(text: str, budget: int) -> str:
    if len(text) <= budget:
        return text
    head = text[:budget]
    return head[: head.rfind("\n") + 1] if "\n" in head else head


def _read_head(response: httpx.Response) -> bytes:
    """At most MAX_RESPONSE bytes of the answer: receivers only need to be heard, not read."""
    head = b""
    for chunk in response.iter_raw(1024):
        head += chunk
        if len(head) >= MAX_RESPONSE:
            break
    return head[:MAX_RESPONSE]


def _snippet(head: bytes, limit: int = 200) -> str:
    text = " ".join(head.decode("utf-8", errors="replace").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(exc: Exception) -> str:
    """`ConnectError`, `ReadTimeout`, ...: the httpx class names are readable enough."""
    return type(exc).__name__
