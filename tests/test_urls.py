"""URL normalisation, link resolution and the SSRF address checks."""

import socket

import pytest

from worker.errors import BadURLError, NewswatchError
from worker.urls import (
    DiscoverError,
    check_public,
    is_http_url,
    is_public_address,
    normalise_url,
    resolve,
)

NORMALISED = [
    ("lower-scheme-and-host", "HTTPS://News.E.COM/World/Story", "https://news.e.com/World/Story"),
    ("path-case-kept", "https://e.com/Politik/ArtikelX", "https://e.com/Politik/ArtikelX"),
    ("empty-path-becomes-slash", "https://e.com", "https://e.com/"),
    ("trailing-slash-kept", "https://e.com/a/", "https://e.com/a/"),
    ("surrounding-space-stripped", "  https://e.com/a \n", "https://e.com/a"),
    ("http-default-port", "http://e.com:80/a", "http://e.com/a"),
    ("https-default-port", "https://e.com:443/a", "https://e.com/a"),
    ("other-port-kept", "https://e.com:8443/a", "https://e.com:8443/a"),
    ("port-80-on-https-kept", "https://e.com:80/a", "https://e.com:80/a"),
    ("fragment-dropped", "https://e.com/a#comments", "https://e.com/a"),
    ("utm-dropped", "https://e.com/a?utm_source=rss&id=5&utm_medium=feed", "https://e.com/a?id=5"),
    ("click-ids-dropped", "https://e.com/a?fbclid=1&gclid=2&igshid=3&x=1", "https://e.com/a?x=1"),
    ("mailchimp-dropped", "https://e.com/a?mc_cid=1&mc_eid=2", "https://e.com/a"),
    ("bbc-feed-markers", "https://e.com/a?at_medium=RSS&at_campaign=KARANGA", "https://e.com/a"),
    ("guardian-cmp-dropped", "https://e.com/a?CMP=share_btn_tw", "https://e.com/a"),
    ("nyt-smid-dropped", "https://e.com/a?smid=tw-share&smtyp=cur", "https://e.com/a"),
    ("tracking-names-any-case", "https://e.com/a?UTM_Source=x&FBCLID=y&p=1", "https://e.com/a?p=1"),
    ("escaped-tracking-name-dropped", "https://e.com/a?utm%5Fsource=x&p=1", "https://e.com/a?p=1"),
    ("params-keep-order", "https://e.com/a?b=2&a=1&utm_x=3&c=3", "https://e.com/a?b=2&a=1&c=3"),
    ("ref-src-kept-on-purpose", "https://e.com/a?ref=rss&src=x", "https://e.com/a?ref=rss&src=x"),
    ("empty-pairs-dropped", "https://e.com/a?a=1&&b=2&", "https://e.com/a?a=1&b=2"),
    ("bare-question-mark-dropped", "https://e.com/a?", "https://e.com/a"),
    ("dot-segments", "https://e.com/a/b/../c/./d", "https://e.com/a/c/d"),
    ("dot-dot-at-end-is-directory", "https://e.com/a/b/..", "https://e.com/a/"),
    ("dot-dot-above-root", "https://e.com/../a", "https://e.com/a"),
    ("dots-inside-names-kept", "https://e.com/v1.2/a..b/.c", "https://e.com/v1.2/a..b/.c"),
    ("idn-host-punycode", "https://Bücher.de/Straße", "https://xn--bcher-kva.de/Stra%C3%9Fe"),
    ("idn-eszett-as-idna-2008", "https://straße.de/", "https://xn--strae-oqa.de/"),
    ("punycode-host-unchanged", "https://xn--bcher-kva.example/", "https://xn--bcher-kva.example/"),
    ("escapes-upper-cased", "https://e.com/a%2fb%c3%a9", "https://e.com/a%2Fb%C3%A9"),
    ("unreserved-escapes-decoded", "https://e.com/%7Euser/%41", "https://e.com/~user/A"),
    ("non-ascii-path-encoded", "https://e.com/café", "https://e.com/caf%C3%A9"),
    ("space-in-query-encoded", "https://e.com/s?q=a b", "https://e.com/s?q=a%20b"),
    ("ipv6-literal-keeps-brackets", "http://[::1]:8080/a", "http://[::1]:8080/a"),
    ("ipv6-default-port", "http://[2001:DB8::1]:80/", "http://[2001:db8::1]/"),
    ("trailing-dot-host", "https://e.com./a", "https://e.com/a"),
    ("userinfo-kept", "https://user:pw@Example.com/", "https://user:pw@example.com/"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("url", "expected"), [case[1:] for case in NORMALISED], ids=[case[0] for case in NORMALISED]
)
def test_normalise_url(url, expected):
    assert normalise_url(url) == expected


@pytest.mark.parametrize("url", [case[2] for case in NORMALISED], ids=[c[0] for c in NORMALISED])
def test_normalise_url_is_idempotent(url):
    assert normalise_url(url) == url


UNSAFE_HOSTS = [
    ("escape", "https://ev\x1bil.example/a"),
    ("csi-c1", "https://ev\x9b31mil.example/a"),
    ("nul", "https://a\x00b.example/"),
    ("del", "https://a\x7fb.example/"),
    ("bell-before-port", "https://a.example\x07:8080/"),
    ("newline", "https://ev\nil.example/"),
    ("tab", "https://ev\til.example/"),
    ("space", "https://ev il.example/"),
    ("no-break-space", "https://ev\u00a0il.example/"),
    ("ideographic-space", "https://ev\u3000il.example/"),
    ("line-separator", "https://ev\u2028il.example/"),
    ("in-user-name", "https://us\x1ber@news.example/"),
    ("bidi-override", "https://ev\u202eil.example/"),
]


@pytest.mark.parametrize(
    "url", [case[1] for case in UNSAFE_HOSTS], ids=[c[0] for c in UNSAFE_HOSTS]
)
def test_control_characters_or_whitespace_in_the_host_are_refused(url):
    with pytest.raises(BadURLError, match="not a valid URL"):
        normalise_url(url)
    if not {"\t", "\n"} & set(url):  # those `resolve` drops first, as browsers do (below)
        assert resolve("https://feed.example/", url) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://e.com/a\x1b[31mb", "https://e.com/a%1B%5B31mb"),
        ("https://e.com/a\x9bb\x7f", "https://e.com/a%C2%9Bb%7F"),
        ("https://e.com/s?q=\x00x\x85y", "https://e.com/s?q=%00x%C2%85y"),
        ("https://e.com/a\u2028b", "https://e.com/a%E2%80%A8b"),
    ],
    ids=["escape-in-path", "c1-and-del-in-path", "nul-and-nel-in-query", "separator-in-path"],
)
def test_control_characters_elsewhere_are_percent_escaped(url, expected):
    assert normalise_url(url) == expected
    assert normalise_url(expected) == expected


def test_a_feed_link_with_a_newline_in_its_host_resolves_as_a_browser_would():
    """Browsers drop tabs and newlines in an href before parsing it; so does `resolve`."""
    assert resolve("https://feed.example/", "https://news.\nexample/a") == "https://news.example/a"


RESOLVED = [
    ("relative", "https://e.com/world/", "2024/story", "https://e.com/world/2024/story"),
    ("root-relative", "https://e.com/world/", "/politics/a", "https://e.com/politics/a"),
    ("parent", "https://e.com/world/europe/", "../asia/a", "https://e.com/world/asia/a"),
    ("protocol-relative", "https://e.com/", "//cdn.e.com/a", "https://cdn.e.com/a"),
    ("absolute-other-host", "https://e.com/", "http://Other.ORG/a", "http://other.org/a"),
    ("query-only", "https://e.com/world/?page=1", "?page=2", "https://e.com/world/?page=2"),
    ("fragment-dropped", "https://e.com/", "/a#comments", "https://e.com/a"),
    ("tracking-dropped", "https://e.com/", "/a?utm_source=x", "https://e.com/a"),
    ("newline-inside-href", "https://e.com/", " /a/\n\tb ", "https://e.com/a/b"),
    ("mailto", "https://e.com/", "mailto:desk@e.com", None),
    ("javascript", "https://e.com/", "JavaScript:void(0)", None),
    ("data", "https://e.com/", "data:text/html,<b>x</b>", None),
    ("tel", "https://e.com/", "tel:+441234", None),
    ("fragment-only", "https://e.com/a", "#top", None),
    ("empty", "https://e.com/a", "  ", None),
    ("ftp", "https://e.com/", "ftp://e.com/file", None),
    ("invalid-port", "https://e.com/", "http://e.com:99999/a", None),
]


@pytest.mark.parametrize(
    ("base", "href", "expected"), [case[1:] for case in RESOLVED], ids=[c[0] for c in RESOLVED]
)
def test_resolve(base, href, expected):
    assert resolve(base, href) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a", True),
        ("HTTP://example.com", True),
        ("ftp://example.com/a", False),
        ("/relative/path", False),
        ("https:///no-host", False),
    ],
)
def test_is_http_url(url, expected):
    assert is_http_url(url) is expected


ADDRESSES = [
    ("127.0.0.1", False, "loopback"),
    ("127.8.9.10", False, "loopback-range"),
    ("10.0.0.1", False, "rfc1918-10"),
    ("172.16.5.4", False, "rfc1918-172"),
    ("172.31.255.255", False, "rfc1918-172-top"),
    ("192.168.1.1", False, "rfc1918-192"),
    ("169.254.169.254", False, "cloud-metadata"),
    ("100.64.0.1", False, "cgnat"),
    ("100.127.255.254", False, "cgnat-top"),
    ("0.0.0.0", False, "unspecified"),
    ("224.0.0.1", False, "multicast"),
    ("240.0.0.1", False, "reserved"),
    ("255.255.255.255", False, "broadcast"),
    ("192.0.2.10", False, "documentation"),
    ("::1", False, "ipv6-loopback"),
    ("::", False, "ipv6-unspecified"),
    ("fd00::1", False, "ipv6-ula"),
    ("fe80::1", False, "ipv6-link-local"),
    ("fe80::1%eth0", False, "ipv6-link-local-with-zone"),
    ("ff02::1", False, "ipv6-multicast"),
    ("::ffff:127.0.0.1", False, "mapped-loopback"),
    ("::ffff:169.254.169.254", False, "mapped-metadata"),
    ("2002:a00:1::1", False, "6to4-of-private"),
    ("64:ff9b::7f00:1", False, "nat64-of-loopback"),
    ("[::1]", False, "bracketed-loopback"),
    ("localhost", False, "not-an-address"),
    ("", False, "empty"),
    ("fec0::1", False, "ipv6-site-local"),
    ("feff:ffff::1", False, "ipv6-site-local-top"),
    ("100.64.0.0", False, "shared-bottom"),
    ("192.0.0.1", False, "ietf-protocol-assignments"),
    ("192.0.0.9", False, "ietf-protocol-anycast"),
    ("192.88.99.1", False, "6to4-relay-anycast"),
    ("198.18.0.1", False, "benchmarking"),
    ("198.19.255.255", False, "benchmarking-top"),
    ("198.51.100.7", False, "documentation-2"),
    ("203.0.113.7", False, "documentation-3"),
    ("240.0.0.1", False, "class-e-bottom"),
    ("255.255.255.254", False, "class-e-top"),
    ("0.1.2.3", False, "this-network"),
    ("::ffff:10.1.2.3", False, "mapped-private"),
    ("::ffff:100.64.0.1", False, "mapped-shared"),
    ("::ffff:198.18.0.1", False, "mapped-benchmarking"),
    ("64:ff9b::a00:1", False, "nat64-of-private"),
    ("64:ff9b::c0a8:101", False, "nat64-of-rfc1918-192"),
    ("64:ff9b::a9fe:a9fe", False, "nat64-of-metadata"),
    ("64:ff9b:1::808:808", False, "local-nat64"),
    ("2002:c0a8:101::1", False, "6to4-of-rfc1918-192"),
    ("2002:a9fe:a9fe::1", False, "6to4-of-metadata"),
    ("2002:6440:1::1", False, "6to4-of-shared"),
    ("2001::1", False, "teredo"),
    ("2001:db8::1", False, "ipv6-documentation"),
    ("3fff::1", False, "ipv6-documentation-2"),
    ("100::1", False, "discard-only"),
    ("5f00::1", False, "srv6-sids"),
    ("::7f00:1", False, "ipv4-compatible-loopback"),
    ("8.8.8.8", True, "public-google-dns"),
    ("1.1.1.1", True, "public-cloudflare"),
    ("172.32.0.1", True, "just-above-rfc1918"),
    ("100.128.0.1", True, "just-above-cgnat"),
    ("2001:4860:4860::8888", True, "public-ipv6"),
    ("::ffff:8.8.8.8", True, "mapped-public"),
    ("64:ff9b::808:808", True, "nat64-of-public"),
    ("2002:808:808::1", True, "6to4-of-public"),
    ("198.20.0.1", True, "just-above-benchmarking"),
    ("192.0.1.1", True, "just-above-ietf-assignments"),
    ("2a00:1450:4001::1", True, "public-ipv6-ripe"),
]


@pytest.mark.parametrize(
    ("address", "public"),
    [case[:2] for case in ADDRESSES],
    ids=[case[2] for case in ADDRESSES],
)
def test_is_public_address(address, public):
    assert is_public_address(address) is public


def _resolver(table):
    return lambda host: table[host]


def test_check_public_accepts_public_hosts():
    resolver = _resolver({"news.example.com": ["93.184.216.34", "2606::1"]})
    assert check_public("news.example.com", resolver) == ["93.184.216.34", "2606::1"]


def test_check_public_names_host_and_address_on_any_private_answer():
    resolver = _resolver({"rebind.example": ["93.184.216.34", "169.254.169.254"]})
    with pytest.raises(DiscoverError, match=r"rebind\.example.*169\.254\.169\.254"):
        check_public("rebind.example", resolver)


def test_check_public_refuses_a_host_without_addresses():
    with pytest.raises(DiscoverError, match="no address"):
        check_public("empty.example", _resolver({"empty.example": []}))


def test_check_public_turns_resolver_failure_into_discover_error():
    def failing(host):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(DiscoverError, match=r"cannot resolve host 'gone\.example'"):
        check_public("gone.example", failing)


def test_check_public_default_resolver_reads_numeric_hosts():
    assert check_public("8.8.8.8") == ["8.8.8.8"]  # numeric: no network needed
    with pytest.raises(DiscoverError, match=r"127\.0\.0\.1"):
        check_public("127.0.0.1")


def test_discover_error_is_catchable_at_the_root():
    assert issubclass(DiscoverError, NewswatchError)
