"""Read-only access, the Host check, the token, and the headers every answer carries.

One ASGI layer in front of the app, so that nothing (not a 404, not the static files)
escapes it: a Host header newswatch does not expect is refused (a page that rebinds its
own name to 127.0.0.1 must not read us), methods other than GET and HEAD are refused, a
configured token is checked on every request, and the Content-Security-Policy allows no
script, inline style or third-party resource at all.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import URL, MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from worker.settings import WebSettings
from worker.web.problems import ProblemResponse, is_api, problem

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
WILDCARDS = frozenset({"", "0.0.0.0", "::"})  # bind addresses that mean every interface
_HOST_HEADER = re.compile(r"(?:\[(?P<ipv6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9._-]+))(?::[0-9]*)?", re.I)


def _refused(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """A refusal before the app: a problem document under /api, plain text elsewhere."""
    path = request.url.path
    if is_api(path):
        document = problem(status, message, path)
        return ProblemResponse(document, status_code=status, headers=headers)
    return PlainTextResponse(message, status, headers=headers)


def is_loopback(host: str) -> bool:
    """Whether `host` (a name, or an address with or without brackets) is this machine's
    loopback: binding it keeps the server here, and a request for it comes from here."""
    address = _address(host.strip("[]"))
    return host == "localhost" or (address is not None and address.is_loopback)


@dataclass(frozen=True)
class Hosts:
    """The names a request may carry in its Host header; the port does not matter."""

    names: frozenset[str]
    any_address: bool  # bound to every interface: then any IP address is one of ours

    def allow(self, name: str) -> bool:
        """Loopback, a listed name, or (bound everywhere) an IP address.

        An IP address in the Host header cannot be a rebound name, so it is safe to answer.
        """
        return (
            name in self.names
            or is_loopback(name)
            or (self.any_address and _address(name) is not None)
        )


def allowed_hosts(web: WebSettings, bound: str | None = None) -> Hosts:
    """Loopback, the address `serve` binds (default `[web] host`), the host of `[web] base_url`
    and `[web] hosts`."""
    bind = _bare(bound or web.host)
    names = {*web.hosts, bind, urlsplit(web.base_url or "").hostname or ""}
    return Hosts(frozenset(names - {""}), any_address=bind in WILDCARDS)


class Guard:
    """Wraps the app: expected hosts only, read-only, token-checked, with the security headers."""

    def __init__(self, app: ASGIApp, token: str | None, hosts: Hosts) -> None:
        self.app = app
        self.token = token.encode() if token else None
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send, scope["method"] == "HEAD")
        request = Request(scope)
        answer = self._refusal(request) or self._login(request)
        if answer is not None:
            await answer(scope, receive, send)
            return
        await self.app({**scope, "method": "GET"}, receive, send)

    def _refusal(self, request: Request) -> Response | None:
        host = host_name(request)
        if host is None:
            return _refused(request, 400, "a Host header is missing or malformed")
        if not self.hosts.allow(host):
            unknown = f"newswatch serve does not answer to the host {host}: add it to [web] hosts"
            return _refused(request, 400, unknown)
        if request.method not in READ_METHODS:
            allow = {"Allow": ", ".join(READ_METHODS)}
            return _refused(request, 405, "newswatch serve is read-only", allow)
        if self.token is not None and not self._authorised(request):
            return _refused(
                request,
                401,
                "an access token is required: Authorization: Bearer <token> or ?token=<token>",
                {"WWW-Authenticate": 'Bearer realm="newswatch"'},
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

    def _login(self, request: Request) -> Response | None:
        """A token given in the address goes into a cookie, and the address loses it: the
        token stays out of the history, bookmarks and access logs of what follows."""
        if self.token is None or "token" not in request.query_params:
            return None
        answer = RedirectResponse(_without_token(request.url), status_code=303)
        if hmac.compare_digest(request.query_params["token"].encode(), self.token):
            answer.headers.append("Set-Cookie", _cookie(self.token.decode()))
        return answer


def host_name(request: Request) -> str | None:
    """The name in the Host header, lower-cased, without port or brackets; None if malformed."""
    match = _HOST_HEADER.fullmatch(request.headers.get("host", ""))
    if match is None:
        return None
    return (match["ipv6"] or match["name"]).lower()


def add_security_headers(headers: MutableHeaders) -> None:
    """The headers every answer carries, unless it set its own."""
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)


def _bare(host: str | None) -> str:
    return (host or "").strip().lower().removeprefix("[").removesuffix("]")


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def _bearer(header: str) -> str:
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _without_token(url: URL) -> str:
    """The path and query of `url` without its token, as a redirect to this server."""
    kept = url.remove_query_params("token")
    path = "/" + kept.path.lstrip("/")  # never `//host`, which would lead elsewhere
    return f"{path}?{kept.query}" if kept.query else path


def _cookie(token: str) -> str:
    return f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"


def _with_headers(send: Send, head: bool) -> Send:
    """Add the security headers to the answer; for HEAD, drop the body."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            add_security_headers(MutableHeaders(scope=message))
        elif message["type"] == "http.response.body" and head:
            message = {**message, "body": b""}
        await send(message)

    return wrapped
