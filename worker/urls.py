"""URL normalisation (one article, one stored URL) and the address checks behind it.

Tracking parameters: only parameters known to say nothing but where a click came from are
dropped. Generic names such as `ref`, `src`, `source`, `from` or `share` are kept on purpose:
some sites use them to pick the page shown, and dropping a meaningful parameter would merge two
pages into one watch silently, while keeping a tracking one only costs a visible duplicate.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from urllib.parse import quote, unquote_plus, urljoin, urlsplit, urlunsplit

import idna

from worker.errors import BadURLError, DiscoverError

# Parameters that only say where a click came from; they never change the article.
TRACKING_PARAMS = frozenset(
    {
        # ad-click identifiers
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
        "li_fat_id", "igshid", "igsh", "s_kwcid",
        # analytics and e-mail campaign tools
        "_ga", "_gl", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "vero_id", "wt.mc_id",
        "oly_anon_id", "oly_enc_id",
        # share and feed markers news sites append (MSN, Yahoo, NYT, Guardian, BBC)
        "ocid", "ncid", "smid", "smtyp", "cmp", "at_medium", "at_campaign",
        "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_",)

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left as they are in a path or query; everything else is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_NOT_LINKS = ("mailto:", "javascript:", "data:", "tel:", "#")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Never public, whatever this Python's `is_global` says (its tables differ between releases).
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
        "::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20",
        "5f00::/16", "fc00::/7", "fec0::/10",
    )
)  # fmt: skip
_AUTHORITY = re.compile(r"^[^:/?#]*://([^/?#]*)")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\s]")  # C0, DEL, C1 and any Unicode whitespace

Resolver = Callable[[str], list[str]]


def normalise_url(url: str) -> str:
    """Canonical form of an http(s) URL: one article, one stored URL.

    Lower-cases scheme and host, encodes an IDN host as punycode, drops default ports, the
    fragment and tracking parameters, resolves `.` and `..` segments and normalises percent
    escapes; control characters in the path and query are percent-escaped. Path case and the
    order of the kept parameters are preserved. An invalid port or IPv6 literal, and a host
    (or user name) with control characters or whitespace, or one that IDNA cannot encode,
    raise BadURLError (a ValueError): such hosts would reach terminals and logs as they are.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadURLError(f"not a valid URL: {text[:200]!r} ({exc})") from None
    scheme = parts.scheme.lower()
    host = _ascii_host((parts.hostname or "").lower().rstrip("."))
    _refuse_unsafe_host(text, host)
    netloc = _netloc(scheme, host, port)
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    path = _escapes(quote(_remove_dot_segments(parts.path), safe=_PATH_SAFE)) or "/"
    query = "&".join(
        _escapes(quote(pair, safe=_QUERY_SAFE))
        for pair in parts.query.split("&")
        if pair and _kept(pair)
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    """The lower-cased host name of a URL."""
    return (urlsplit(url).hostname or "").lower()


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host (False for one that cannot be parsed)."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)
    except ValueError:
        return False


def resolve(base: str, href: str) -> str | None:
    """The normalised absolute http(s) URL a link points to, or None if it is not one.

    None for empty links, fragment-only links (the same page) and other schemes
    (mailto:, javascript:, data:, tel:, ...).
    """
    # Browsers drop tabs and newlines anywhere in a URL, and spaces around it.
    href = re.sub(r"[\t\r\n]", "", href).strip()
    if not href or href.lower().startswith(_NOT_LINKS):
        return None
    try:
        absolute = urljoin(base, href)
        return normalise_url(absolute) if is_http_url(absolute) else None
    except ValueError:  # an invalid port or IPv6 literal
        return None


def is_public_address(ip: str) -> bool:
    """True when an IP address is on the public internet, so fetching it is no SSRF risk.

    Refuses loopback, private (RFC 1918, IPv6 ULA), link-local (including the 169.254.169.254
    cloud metadata address), shared CGNAT, multicast, reserved and unspecified addresses, the
    special ranges of `_NOT_PUBLIC`, and IPv6 forms that carry one of those (IPv4-mapped, 6to4,
    NAT64). Unreadable text is refused.
    """
    try:
        address = ipaddress.ip_address(ip.strip().strip("[]"))
    except ValueError:
        return False
    address = _embedded_ipv4(address) or address
    if any(address in network for network in _NOT_PUBLIC):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
    )


def check_public(host: str, resolver: Resolver | None = None) -> list[str]:
    """Raise DiscoverError unless every address `host` resolves to is public; return them.

    `resolver` maps a host name to its addresses (default: the system resolver).
    """
    addresses = _addresses(host, resolver or _system_resolver)
    if not addresses:
        raise DiscoverError(f"host {host!r} resolved to no address")
    for address in addresses:
        if not is_public_address(address):
            raise DiscoverError(f"host {host!r} resolves to non-public address {address}")
    return addresses


def _addresses(host: str, resolver: Resolver) -> list[str]:
    try:
        return list(resolver(host))
    except (OSError, UnicodeError) as exc:
        raise DiscoverError(f"cannot resolve host {host!r}: {exc}") from exc


def _system_resolver(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _embedded_ipv4(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.ipv4_mapped or address.sixtofour


def _refuse_unsafe_host(url: str, host: str) -> None:
    """Raise BadURLError for control characters or whitespace in the authority of `url` as
    written (urlsplit would drop tabs and newlines silently) or in its encoded `host`, and for
    a host left non-ASCII because IDNA cannot encode it."""
    authority = _AUTHORITY.match(url)
    if _has_unsafe(authority.group(1) if authority else "") or _has_unsafe(host):
        raise BadURLError(
            f"not a valid URL: {url[:200]!r} (control character or space in the host)"
        )
    if not host.isascii():
        raise BadURLError(f"not a valid URL: {url[:200]!r} (a host IDNA cannot encode)")


def _has_unsafe(text: str) -> bool:
    """True if `text` holds a C0 or C1 control character, DEL or any whitespace."""
    return _UNSAFE.search(text) is not None


def _netloc(scheme: str, host: str, port: int | None) -> str:
    if ":" in host:
        host = f"[{host}]"  # urlsplit drops the brackets of an IPv6 literal
    return host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"


def _ascii_host(host: str) -> str:
    """Punycode for an internationalised host name (IDNA 2008 as httpx sends it)."""
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        try:
            return host.encode("idna").decode("ascii")  # IDNA 2003 accepts some names 2008 refuses
        except UnicodeError:
            return host


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: resolve `.` and `..` segments of a path."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for segment in segments[1:] if path.startswith("/") else segments:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if segments[-1] in {".", ".."}:
        output.append("")  # `/a/b/..` is the directory `/a/`
    return "/" + "/".join(output)


def _escapes(text: str) -> str:
    """Upper-case percent escapes and decode those of unreserved characters."""
    return _ESCAPE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else f"%{match.group(1).upper()}"


def _kept(pair: str) -> bool:
    lowered = unquote_plus(pair.split("=", 1)[0]).lower()
    return lowered not in TRACKING_PARAMS and not lowered.startswith(TRACKING_PREFIXES)
