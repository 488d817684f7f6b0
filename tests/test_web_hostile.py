"""Issue 15: a hostile page cannot stall, fool or read `newswatch serve`."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree
from test_web import fill_site, local_client

from worker.errors import ConfigError
from worker.settings import Settings, WebSettings, load_settings
from worker.store import Store
from worker.web import create_app
from worker.web.access import SECURITY_HEADERS

TOKEN = "s3cret-token-4711"
ATOM = {"a": "http://www.w3.org/2005/Atom"}


@pytest.fixture
def filled(store: Store) -> Store:
    """The site of test_web (a story, a source's article, a hostile page), on both databases."""
    fill_site(store)
    return store


def watch_id(store: Store, url: str) -> int:
    return next(w.id for w, _ in store.list_watches() if w.url == url)


def assert_secured(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name


# -- 1. DNS rebinding: only expected Host headers -------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["localhost", "localhost:8080", "127.0.0.1", "127.0.0.1:9", "127.3.2.1:8080", "[::1]",
     "[::1]:8080", "LocalHost:8080"],
)  # fmt: skip
def test_loopback_hosts_are_answered(filled, host):
    client = local_client(create_app(Settings(), filled))
    assert client.get("/", headers={"host": host}).status_code == 200


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8080", "127.0.0.1.evil.example", "localhost.evil.example",
     "0.0.0.0:8080", "192.168.1.5", "evil.example@127.0.0.1", "127.0.0.1:8080:1", "[::1",
     "[evil]:80", "127.0.0.1/x", ""],
)  # fmt: skip
def test_a_rebound_or_unexpected_host_is_refused(filled, host):
    client = local_client(create_app(Settings(), filled))
    for path in ("/", "/api/changes", "/feeds/changes.atom", "/static/style.css", "/metrics"):
        response = client.get(path, headers={"host": host})
        assert response.status_code == 400, (host, path)
        assert response.headers["content-type"].startswith("text/plain")
        assert "Host" in response.text or "host" in response.text
        assert len(response.text) < 200
        assert_secured(response)


def test_the_host_is_checked_before_the_token(filled):
    client = local_client(create_app(Settings(web=WebSettings(token=TOKEN)), filled))
    response = client.get("/", headers={"host": "evil.example", "authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400


def test_configured_names_base_url_and_the_bound_host_are_answered(filled):
    web = WebSettings(hosts=("news.example.org",), base_url="https://watch.example/nw")
    client = local_client(create_app(Settings(web=web), filled, host="192.168.1.5"))
    for host in ("news.example.org", "NEWS.example.org:443", "watch.example", "192.168.1.5:8080"):
        assert client.get("/", headers={"host": host}).status_code == 200, host
    for host in ("other.example.org", "example.org", "192.168.1.6"):
        assert client.get("/", headers={"host": host}).status_code == 400, host


def test_bound_to_every_interface_any_address_is_answered_but_no_other_name(filled):
    client = local_client(create_app(Settings(web=WebSettings(token=TOKEN)), filled, "0.0.0.0"))
    auth = {"authorization": f"Bearer {TOKEN}"}
    for host in ("192.168.1.6:8080", "10.0.0.2", "[2001:db8::1]:8080"):
        assert client.get("/", headers={**auth, "host": host}).status_code == 200, host
    assert client.get("/", headers={**auth, "host": "evil.example"}).status_code == 400


def test_hosts_are_bare_names_in_the_config(tmp_path):
    config = tmp_path / "newswatch.toml"
    config.write_text('[web]\nhosts = ["News.Example.org", "[2001:db8::1]", "10.0.0.2"]\n')
    hosts = load_settings(config, environ={}).web.hosts
    assert hosts == ("news.example.org", "2001:db8::1", "10.0.0.2")
    for wrong in ("https://news.example.org/", "news.example.org:8443", "a b"):
        config.write_text(f'[web]\nhosts = ["{wrong}"]\n')
        with pytest.raises(ConfigError, match="not a host name"):
            load_settings(config, environ={})


# -- 2. feeds: addresses from [web] base_url, never from a Host header ----------------------------


def test_without_base_url_feeds_answer_only_on_loopback(filled):
    web = WebSettings(hosts=("news.example.org",))
    client = local_client(create_app(Settings(web=web), filled))
    story = watch_id(filled, "https://news.example/story")
    for path in ("/feeds/changes.atom", "/feeds/sources/1.atom", f"/feeds/articles/{story}.atom"):
        elsewhere = client.get(path, headers={"host": "news.example.org"})
        assert elsewhere.status_code == 404, path
        assert "[web] base_url" in elsewhere.text
        local = client.get(path, headers={"host": "localhost:8080"})
        assert local.status_code == 200
        assert b"http://localhost:8080/" in local.content
        assert b"news.example.org" not in local.content
    assert client.get("/", headers={"host": "news.example.org"}).status_code == 200


def test_with_base_url_every_feed_address_comes_from_it(filled):
    web = WebSettings(hosts=("news.example.org",), base_url="https://watch.example/nw/")
    client = local_client(create_app(Settings(web=web), filled))
    for host in ("news.example.org", "127.0.0.1:8080"):
        feed = etree.fromstring(client.get("/feeds/changes.atom", headers={"host": host}).content)
        assert feed.findtext("a:id", namespaces=ATOM) == f"{web.base_url}feeds/changes.atom"
        ours = feed.xpath(".//a:link[@rel!='related']/@href", namespaces=ATOM)
        assert len(ours) > 2 and all(href.startswith(web.base_url) for href in ours)
