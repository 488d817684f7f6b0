"""URL normalisation: one article, one stored URL."""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit

# Parameters that only say where a click came from; they never change the article.
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ocid"}
)
TRACKING_PREFIXES = ("utm_",)


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, drop the fragment, default ports and tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or _default_port(scheme, port) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    query = "&".join(pair for pair in parts.query.split("&") if pair and _kept(pair))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


def _default_port(scheme: str, port: int) -> bool:
    return (scheme, port) in {("http", 80), ("https", 443)}


def _kept(pair: str) -> bool:
    lowered = unquote_plus(pair.split("=", 1)[0]).lower()
    return lowered not in TRACKING_PARAMS and not lowered.startswith(TRACKING_PREFIXES)
