"""Keeping secrets out of what newswatch shows: URLs reduced to scheme://host, secrets masked.

One definition for the two places that show text built from secrets: a channel's error texts
(`notify`) mask every piece of its URL that may be secret, and the log (`logs`) masks the
configured secrets and the token-like pieces of alert URLs, so that ordinary words survive.
"""

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


def url_secrets(url: str, tokens_only: bool = False) -> list[str]:
    """The parts of a URL that may be secret, longest first: the URL itself, its user info, a
    host that is no host name (a token), path segments and query values, decoded and not.

    Port numbers, numbers in the path or query and pieces under 3 characters are left
    visible; with `tokens_only`,
    only pieces that look random (long, or digits among letters) are, so that words such as
    `hooks` or `services` stay readable in log lines.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    userinfo, _, hostport = parts.netloc.rpartition("@")
    pieces = [p for p in hostport.split(":") if not _looks_like_host(p)]
    pieces += [*parts.path.split("/"), *_query_values(parts.query)]
    pieces = [p for p in pieces if not p.isdigit()]  # ports and ids are no secret
    pieces += userinfo.split(":")
    pieces += [unquote(p) for p in pieces]
    kept = _random_looking if tokens_only else _maybe_secret
    return sorted({url, *(p for p in pieces if kept(p))}, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every occurrence of each secret replaced by ***; longest first."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _maybe_secret(piece: str) -> bool:
    return len(piece) >= 3


def _random_looking(piece: str) -> bool:
    """Long, or with digits among letters: a token, not a word such as `hooks` or `services`."""
    has_digit = any(c.isdigit() for c in piece)
    return len(piece) >= 16 or (len(piece) >= 8 and has_digit and not piece.isdigit())


def _query_values(query: str) -> list[str]:
    return [value for _, value in parse_qsl(query)]


def _looks_like_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOSTNAME.match(host))
    return True
