"""Sources: feeds, sitemaps and section pages polled into watches."""

import gzip
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from worker import poller
from worker.cli import main
from worker.fetch import Fetcher
from worker.models import utcnow
from worker.pipeline import Pipeline
from worker.poller import Poller
from worker.settings import HttpSettings, Settings, SourceSettings
from worker.types import CheckRecord

SITE = "https://paper.example"


def _rss(*items: tuple[str, datetime | None]) -> bytes:
    entries = "".join(
        f"<item><title>t</title><link>{link}</link>"
        + (f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>" if when else "")
        + "</item>"
        for link, when in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Paper</title>'
        f"{entries}</channel></rss>"
    ).encode()


def _sitemap(*entries: tuple[str, datetime]) -> bytes:
    urls = "".join(
        f"<url><loc>{loc}</loc><lastmod>{when.isoformat()}</lastmod></url>" for loc, when in entries
    )
    return (
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{urls}</urlset>"
    ).encode()


@pytest.fixture
def poll(store):
    settings = Settings(http=HttpSettings(per_host_delay=timedelta(0), retries=0))
    fetcher = Fetcher(settings.http, resolver=lambda host: ["93.184.216.34"])  # a public address
    poller = Poller(settings, store, fetcher)

    def run(url: str, **config):
        entry = SourceSettings(url=url, **config)
        poller.settings = settings.model_copy(update={"source": [entry]})  # as the config says
        store.add_source(entry)
        [source] = store.claim_sources("t", 10, utcnow(), timedelta(minutes=5), [url])
        return poller.poll(source)

    yield run
    fetcher.close()


def _robots_allow_all():
    respx.get(url__regex=r".*/robots\.txt$").mock(return_value=httpx.Response(404))


@respx.mock
def test_a_feed_enrols_its_articles_once(store, poll):
    _robots_allow_all()
    feed = respx.get(f"{SITE}/rss").mock(
        return_value=httpx.Response(
            200,
            content=_rss((f"{SITE}/a?utm_source=rss", None), ("/b", None)),
            headers={"Content-Type": "application/rss+xml", "ETag": '"f1"'},
        )
    )
    record, enrolled = poll(f"{SITE}/rss", label="paper")
    assert enrolled == 2
    watches = {w.url: w for w, _ in store.list_watches()}
    assert set(watches) == {f"{SITE}/a", f"{SITE}/b"}
    watch = watches[f"{SITE}/a"]
    assert (watch.source, watch.label, watch.public_only, watch.respect_robots) == (
        f"{SITE}/rss",
        "paper",
        True,
        True,
    )
    feed.mock(return_value=httpx.Response(304))
    record, enrolled = poll(f"{SITE}/rss")
    assert (record.not_modified, enrolled) == (True, 0)
    assert feed.calls.last.request.headers["If-None-Match"] == '"f1"'


@respx.mock
def test_a_feed_update_makes_a_known_article_due(store, poll):
    _robots_allow_all()
    store.add_watch(f"{SITE}/a")
    [watch] = store.claim_all("t", utcnow(), timedelta(minutes=5))
    later = utcnow() + timedelta(hours=6)
    store.release(watch.id, later)

    store.save_check(
        CheckRecord(
            watch_id=watch.id, started_at=utcnow(), outcome="unchanged", next_check_at=later
        )
    )
    respx.get(f"{SITE}/rss").mock(
        return_value=httpx.Response(
            200, content=_rss((f"{SITE}/a", utcnow() + timedelta(minutes=1)))
        )
    )
    poll(f"{SITE}/rss")
    [(stored, _)] = store.list_watches()
    assert stored.next_check_at <= utcnow()


@respx.mock
def test_a_sitemap_index_enrols_recent_articles_of_its_children(store, poll):
    _robots_allow_all()
    now = datetime.now(UTC)
    index = (
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
        f'sitemap/0.9"><sitemap><loc>{SITE}/news.xml.gz</loc></sitemap></sitemapindex>'
    )
    respx.get(f"{SITE}/sitemap.xml").mock(return_value=httpx.Response(200, text=index))
    child = gzip.compress(
        _sitemap(
            (f"{SITE}/fresh", now - timedelta(hours=2)),
            (f"{SITE}/archive", now - timedelta(days=90)),
        )
    )
    respx.get(f"{SITE}/news.xml.gz").mock(
        return_value=httpx.Response(
            200, content=child, headers={"Content-Type": "application/x-gzip"}
        )
    )
    record, enrolled = poll(f"{SITE}/sitemap.xml")
    assert [item.url for item in record.items] == [f"{SITE}/fresh"]
    assert enrolled == 1


def _index(*children: str) -> str:
    sitemaps = "".join(f"<sitemap><loc>{SITE}/{child}</loc></sitemap>" for child in children)
    return (
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
        f'sitemap/0.9">{sitemaps}</sitemapindex>'
    )


@respx.mock
def test_one_poll_reads_a_bounded_number_of_sitemap_entries(store, poll, monkeypatch):
    """The index's entries count too: 6 in all are its 3 child URLs, then 3 entries of the
    first child; the other children wait for a later poll."""
    monkeypatch.setattr(poller, "SITEMAP_ENTRIES_PER_POLL", 6)
    _robots_allow_all()
    now = datetime.now(UTC)
    respx.get(f"{SITE}/sitemap.xml").mock(
        return_value=httpx.Response(200, text=_index("one.xml", "two.xml", "three.xml"))
    )
    for name in ("one", "two", "three"):
        entries = [(f"{SITE}/{name}/{n}", now - timedelta(minutes=n)) for n in range(3)]
        respx.get(f"{SITE}/{name}.xml").mock(
            return_value=httpx.Response(200, content=_sitemap(*entries))
        )
    record, _ = poll(f"{SITE}/sitemap.xml")
    assert sorted(item.url for item in record.items) == [f"{SITE}/one/{n}" for n in range(3)]
    assert [route.called for route in respx.routes][-3:] == [True, False, False]


@respx.mock
def test_an_unreadable_child_sitemap_is_skipped(store, poll):
    _robots_allow_all()
    respx.get(f"{SITE}/sitemap.xml").mock(
        return_value=httpx.Response(200, text=_index("junk.xml", "news.xml"))
    )
    junk = gzip.compress(b"<urlset>" + b"<x/>" * 1000 + b"<rss>")
    respx.get(f"{SITE}/junk.xml").mock(return_value=httpx.Response(200, content=junk))
    news = _sitemap((f"{SITE}/fresh", datetime.now(UTC)))
    respx.get(f"{SITE}/news.xml").mock(return_value=httpx.Response(200, content=news))
    record, enrolled = poll(f"{SITE}/sitemap.xml")
    assert (record.error, enrolled) == (None, 1)


def _feed_of(*paths: str) -> httpx.Response:
    return httpx.Response(200, content=_rss(*((f"{SITE}{path}", None) for path in paths)))


@respx.mock
def test_a_source_at_max_articles_is_polled_but_enrols_nothing_new(store, poll, capsys, tmp_path):
    _robots_allow_all()
    feed = respx.get(f"{SITE}/rss").mock(return_value=_feed_of("/1", "/2", "/3", "/4", "/5"))
    _, enrolled = poll(f"{SITE}/rss", max_articles=3)
    assert enrolled == 3
    [source] = store.list_sources()
    assert source.last_error == (
        "enrolling nothing new: 3 active articles, the source's max_articles, "
        "2 listed URLs left out"
    )
    assert source.consecutive_failures == 0  # a cap is no failure: no back-off

    feed.mock(return_value=_feed_of("/6"))
    assert poll(f"{SITE}/rss", max_articles=3)[1] == 0
    store.remove_watch(f"{SITE}/1")  # a watch gone makes room
    assert poll(f"{SITE}/rss", max_articles=3)[1] == 1
    assert len([w for w, _ in store.list_watches() if w.active]) == 3

    config = tmp_path / "newswatch.toml"
    config.write_text("")
    database = store.engine.url.render_as_string(hide_password=False)
    assert main(["--config", str(config), "--database-url", database, "source", "list"]) == 0
    assert "last error: enrolling nothing new: 3 active articles" in capsys.readouterr().out


@respx.mock
def test_one_poll_enrols_on_at_most_max_new_hosts_new_hosts(store, poll, caplog):
    _robots_allow_all()
    hosts = [f"https://site{n:02}.example" for n in range(30)]
    listing = [(f"{host}/a", None) for host in hosts] + [(f"{SITE}/own", None)]
    respx.get(f"{SITE}/rss").mock(return_value=httpx.Response(200, content=_rss(*listing)))
    _, enrolled = poll(f"{SITE}/rss", max_new_hosts=5)
    assert enrolled == 5
    message = "26 listed URLs left out: more than 5 new hosts in one poll (max_new_hosts)"
    assert store.list_sources()[0].last_error == message
    assert message in caplog.text
    _, enrolled = poll(f"{SITE}/rss", max_new_hosts=5)  # five more hosts each poll
    assert enrolled == 5


@respx.mock
def test_hosts_a_source_enrolled_on_before_are_not_new(store, poll):
    _robots_allow_all()
    feed = respx.get(f"{SITE}/rss").mock(return_value=_feed_of("/1"))
    poll(f"{SITE}/rss", max_new_hosts=1)
    feed.mock(return_value=_feed_of("/2", "/3"))
    assert poll(f"{SITE}/rss", max_new_hosts=1)[1] == 2
    assert store.list_sources()[0].last_error is None


@respx.mock
def test_a_section_page_enrols_links_matching_its_pattern(store, poll):
    _robots_allow_all()
    page = (
        f"<html><body><a href='/2024/05/story-one'>1</a><a href='/about'>About</a>"
        f"<a href='{SITE}/2024/05/story-two#comments'>2</a></body></html>"
    )
    respx.get(f"{SITE}/politics").mock(return_value=httpx.Response(200, html=page))
    record, _ = poll(f"{SITE}/politics", kind="section", pattern=r"/\d{4}/\d{2}/")
    assert [item.url for item in record.items] == [
        f"{SITE}/2024/05/story-one",
        f"{SITE}/2024/05/story-two",
    ]


@respx.mock
def test_a_home_page_leads_to_its_feed(store, poll):
    _robots_allow_all()
    home = "<html><head><link rel='alternate' type='application/rss+xml' href='/feed'></head>"
    respx.get(f"{SITE}/").mock(return_value=httpx.Response(200, html=home + "</html>"))
    respx.get(f"{SITE}/feed").mock(return_value=httpx.Response(200, content=_rss(("/x", None))))
    _, enrolled = poll(f"{SITE}/")
    assert enrolled == 1


@respx.mock
def test_a_failing_source_records_the_error_and_backs_off(store, poll):
    _robots_allow_all()
    respx.get(f"{SITE}/rss").mock(return_value=httpx.Response(500))
    record, enrolled = poll(f"{SITE}/rss", every="10m")
    assert enrolled == 0 and "HTTP 500" in record.error
    [source] = store.list_sources()
    assert source.consecutive_failures == 1
    assert source.next_poll_at - record.started_at >= timedelta(minutes=20)


@respx.mock
def test_robots_txt_can_forbid_a_source(store, poll):
    respx.get(f"{SITE}/robots.txt").mock(
        return_value=httpx.Response(200, text="User-agent: *\nDisallow: /\n")
    )
    respx.get(f"{SITE}/rss").mock(return_value=httpx.Response(200, content=_rss(("/x", None))))
    record, _ = poll(f"{SITE}/rss")
    assert "robots.txt" in record.error
    _, enrolled = poll(f"{SITE}/rss", ignore_robots=True)  # an explicit override
    assert enrolled == 1


@respx.mock
def test_a_source_sets_the_stages_of_its_articles(store, poll):
    _robots_allow_all()
    respx.get(f"{SITE}/rss").mock(return_value=httpx.Response(200, content=_rss(("/x", None))))
    poll(f"{SITE}/rss", stages=[["1h", "2h"], ["2d", "1d"]])
    settings = Settings()
    pipe = Pipeline(settings, store, Fetcher(settings.http))
    [(watch, _)] = store.list_watches()
    now = utcnow()
    assert pipe.interval(watch, now) == timedelta(hours=2)
    assert pipe.interval(watch, now + timedelta(hours=5)) == timedelta(days=1)
    assert pipe.retired(watch, now + timedelta(days=3))
    store.add_watch("https://elsewhere.example/a")  # not from the source: the global stages
    other = next(w for w, _ in store.list_watches() if w.source is None)
    assert pipe.interval(other, now) == timedelta(minutes=15)
