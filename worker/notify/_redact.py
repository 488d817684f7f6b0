"""Keeping secrets out of error texts: URLs shown as scheme://host, known secrets masked."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "***"
_HOSTNAME = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$|^localhost$", re.IGNORECASE)


def safe_url(url: str) -> str:
    """`scheme://host[:port]` of a URL; a host that does not look like one (a token) is masked.

    Some apprise schemes carry a token in the host slot (`tgram://bottoken/chat`).
    """
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return f"{url.split(':', 1)[0]}://{MASK}" if ":" in url else MASK
    if not parts.scheme:
        return MASK
    shown = host if _looks_like_host(host) else MASK
    return f"{parts.scheme}://{shown}" + (f":{port}" if port and shown != MASK else "")


def url_secrets(url: str) -> list[str]:
    """The parts of a URL that may be secret: user info, a token host, path segments, query values.

    Hosts that look like host names, port numbers and very short pieces are left visible.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    userinfo, _, hostport = parts.netloc.rpartition("@")
    pieces = [p for p in hostport.split(":") if not p.isdigit() and not _looks_like_host(p)]
    pieces += [p for p in parts.path.split("/") + _query_values(parts.query) if not p.isdigit()]
    found = {p for p in [url, *userinfo.split(":"), *pieces] if len(p) >= 3}
    return sorted(found | {unquote(p) for p in found}, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every occurrence of each secret replaced by ***; longest first."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _query_values(query: str) -> list[str]:
    return [value for _, value in parse_qsl(query)]


def _looks_like_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOSTNAME.match(host))
    return True
