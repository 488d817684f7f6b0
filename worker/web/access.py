"""Read-only access, the token, and the headers every answer carries.

One ASGI layer in front of the app, so that nothing (not a 404, not the static files)
escapes it: methods other than GET and HEAD are refused, a configured token is checked
on every request, and the Content-Security-Policy allows no script, inline style or
third-party resource at all.
"""

from __future__ import annotations

import hmac
import ipaddress

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}
TOKEN_COOKIE = "newswatch_token"
READ_METHODS = ("GET", "HEAD")


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the server on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Guard:
    """Wraps the app: read-only, token-checked, with the security headers."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token.encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send, scope["method"] == "HEAD")
        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        presented = _query_token(scope).encode()
        if self.token and presented and hmac.compare_digest(presented, self.token):
            send = _setting_cookie(send, self.token.decode())
        await self.app({**scope, "method": "GET"}, receive, send)

    def _refusal(self, scope: Scope) -> Response | None:
        if scope["method"] not in READ_METHODS:
            return PlainTextResponse(
                "newswatch serve is read-only", 405, headers={"Allow": ", ".join(READ_METHODS)}
            )
        if self.token is not None and not self._authorised(Request(scope)):
            return PlainTextResponse(
                "an access token is required: Authorization: Bearer <token> or ?token=<token>",
                401,
                headers={"WWW-Authenticate": 'Bearer realm="newswatch"'},
            )
        return None

    def _authorised(self, request: Request) -> bool:
        assert self.token is not None
        offered = [
            _bearer(request.headers.get("authorization", "")),
            request.query_params.get("token", ""),
            request.cookies.get(TOKEN_COOKIE, ""),
        ]
        # Every candidate is compared, in constant time, so timing tells nothing.
        matches = [hmac.compare_digest(value.encode(), self.token) for value in offered]
        return any(matches)


def _bearer(header: str) -> str:
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _query_token(scope: Scope) -> str:
    return Request(scope).query_params.get("token", "")


def _with_headers(send: Send, head: bool) -> Send:
    """Add the security headers to the answer; for HEAD, drop the body."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in SECURITY_HEADERS.items():
                headers.setdefault(name, value)
        elif message["type"] == "http.response.body" and head:
            message = {**message, "body": b""}
        await send(message)

    return wrapped


def _setting_cookie(send: Send, token: str) -> Send:
    """A token given in the address is kept in a cookie, so that links keep working."""
    cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message).append("Set-Cookie", cookie)
        await send(message)

    return wrapped
