"""Issue 15: a hostile page cannot stall, fool or read `newswatch serve`.

DNS rebinding, links and feeds built from the Host header, tokens in logs, bare 500s, query
values the database cannot hold, characters XML cannot carry, and non-http links.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import httpx
import pytest
import uvicorn
from bs4 import BeautifulSoup
from lxml import etree
from test_web import LOCAL, article, fill_site, local_client, save_series

from worker.errors import ConfigError
from worker.settings import Settings, WebSettings, load_settings
from worker.store import Store
from worker.types import Link
from worker.web import create_app, uvicorn_options
from worker.web.access import SECURITY_HEADERS
from worker.web.params import LARGEST, LARGEST_ID

TOKEN = "s3cret-token-4711"
HUGE = "99999999999999999999"  # more than 2**63
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
        kind = "application/problem+json" if path.startswith("/api") else "text/plain"
        assert response.headers["content-type"].startswith(kind), path
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


# -- 3. tokens: out of the address after a login, and out of every log line -----------------------


def test_a_token_login_redirects_to_the_same_address_without_it(filled):
    client = local_client(create_app(Settings(web=WebSettings(token=TOKEN)), filled))
    response = client.get(f"/api/changes?limit=2&token={TOKEN}&offset=0", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/api/changes?limit=2&offset=0"
    assert "newswatch_token=" in response.headers["set-cookie"]
    assert TOKEN not in response.headers["location"]
    assert client.get(response.headers["location"]).json()["limit"] == 2  # by the cookie


@pytest.mark.parametrize(
    ("path", "location"),
    [("/", "/"), ("/search", "/search"), ("/articles/1?x=%20y", "/articles/1?x=+y"),
     ("//evil.example/", "/evil.example/")],
)  # fmt: skip
def test_the_redirect_stays_on_this_server(filled, path, location):
    client = local_client(create_app(Settings(web=WebSettings(token=TOKEN)), filled))
    joiner = "&" if "?" in path else "?"
    response = client.get(f"{LOCAL}{path}{joiner}token={TOKEN}", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, location)


def test_a_wrong_token_in_the_address_is_still_refused(filled):
    client = local_client(create_app(Settings(web=WebSettings(token=TOKEN)), filled))
    response = client.get("/?token=wrong", follow_redirects=False)
    assert response.status_code == 401 and "set-cookie" not in response.headers


class Records(logging.Handler):
    """Keeps every record it sees."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", "worker")


@contextmanager
def captured() -> Iterator[Records]:
    """Every record, at DEBUG, of the root logger and of uvicorn's (which do not propagate).

    Entered after uvicorn's Config, whose logging set-up drops the handlers it finds.
    """
    handler = Records()
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    for name, level in levels.items():
        logging.getLogger(name).removeHandler(handler)
        logging.getLogger(name).setLevel(level)


def serve_like(settings: Settings, store: Store) -> uvicorn.Server:
    """uvicorn as `newswatch serve` configures it, but at DEBUG."""
    options = {**uvicorn_options(settings, "127.0.0.1", 0), "log_level": "debug"}
    return uvicorn.Server(uvicorn.Config(create_app(settings, store, "127.0.0.1"), **options))


def test_no_log_line_holds_the_token(filled):
    server = serve_like(Settings(web=WebSettings(token=TOKEN)), filled)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()  # connections wait in the backlog until uvicorn accepts them
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    base = f"http://127.0.0.1:{listening.getsockname()[1]}"
    with captured() as records:
        thread.start()
        try:
            with httpx.Client(base_url=base, timeout=10) as client:
                login = client.get(f"/api/changes?token={TOKEN}&limit=1", follow_redirects=True)
                again = client.get(f"/?tok%65n={TOKEN}x")
        finally:
            server.should_exit = True
            thread.join(10)
            listening.close()
    assert login.status_code == 200 and login.url.query == b"limit=1"
    assert again.status_code == 303  # a wrong token, but the cookie is good
    # The test's own client (httpx, httpcore) logs the cookie it receives: it is not serve.
    served = [r for r in records.records if not r.name.startswith(("httpx", "httpcore"))]
    access = [r for r in served if r.name == "uvicorn.access"]
    assert len(access) == 3, [r.getMessage() for r in served]
    assert "token=[hidden]" in access[0].getMessage()
    assert {r.name for r in served} >= {"uvicorn.access", "uvicorn.error"}
    for record in served:
        formatted = logging.Formatter("%(message)s %(args)s %(msg)s").format(record)
        assert TOKEN not in formatted, formatted


# -- 4. a 500 carries the security headers too ----------------------------------------------------


class BrokenStore(Store):
    """A store whose lists of changes fail, as a lost database would."""

    def recent_changes(self, *args, **kwargs):
        raise RuntimeError("the database is gone")


def test_a_server_error_carries_the_security_headers(filled):
    app = create_app(Settings(), BrokenStore(filled.engine))
    client = local_client(app, raise_server_exceptions=False)
    page = client.get("/")
    assert page.status_code == 500
    assert_secured(page)
    assert BeautifulSoup(page.text, "lxml").select_one("h1").get_text() == "Error 500"
    api = client.get("/api/changes")
    assert api.status_code == 500 and "internal error" in api.json()["detail"]
    assert_secured(api)
    assert "the database is gone" not in page.text + api.text


# -- 5. query values the database cannot hold are a 400 naming the parameter ----------------------


def bad_requests(story: int) -> list[tuple[str, str]]:
    """(path, parameter) for every route that takes an int, a date or text."""
    article = f"/articles/{story}"
    api = f"/api/watches/{story}"
    return [
        (f"/api/watches?limit={HUGE}", "limit"),
        (f"/api/watches?offset={HUGE}", "offset"),
        (f"/api/watches/{HUGE}", "watch_id"),
        (f"/api/watches/{LARGEST_ID + 1}", "watch_id"),  # PostgreSQL's INTEGER ends here
        (f"/api/changes?watch_id={LARGEST_ID + 1}", "watch_id"),
        (f"{api}/diff?from=1&to={LARGEST_ID + 1}", "to"),
        (f"{api}/snapshots?offset={HUGE}", "offset"),
        (f"/api/watches/{HUGE}/snapshots", "watch_id"),
        (f"{api}/snapshots/{HUGE}", "version"),
        (f"{api}/snapshots/-{HUGE}", "version"),
        (f"{api}/diff?from={HUGE}", "from"),
        (f"{api}/diff?to={HUGE}", "to"),
        (f"{api}/checks?limit={HUGE}", "limit"),
        (f"/api/watches/{HUGE}/checks", "watch_id"),
        ("/api/changes?since=99999-01-01", "since"),
        ("/api/changes?since=9999-12-31T23:59:59-01:00", "since"),
        ("/api/changes?since=0001-01-01T00:00:00%2B01:00", "since"),
        (f"/api/changes?watch_id={HUGE}", "watch_id"),
        ("/api/changes?source=https://x.example/%00", "source"),
        (f"/api/changes?offset={HUGE}", "offset"),
        (f"/api/changes/{HUGE}", "change_id"),
        ("/api/search?q=%00", "q"),
        ("/api/search?q=minister%00plan", "q"),
        (f"/api/search?q=plan&limit={HUGE}", "limit"),
        (f"/?offset={HUGE}", "offset"),
        ("/?source=%00", "source"),
        ("/?field=%00", "field"),
        ("/?significance=major%00", "significance"),
        ("/?order=%00", "order"),
        (f"/articles/{HUGE}", "watch_id"),
        (f"{article}/versions/{HUGE}", "version"),
        (f"{article}/versions/{HUGE}/raw", "version"),
        (f"/articles/{HUGE}/versions/1/raw", "watch_id"),
        (f"{article}/diff?from={HUGE}", "from"),
        (f"{article}/diff?to={HUGE}", "to"),
        (f"{article}/diff?mode=inline%00", "mode"),
        (f"/changes/{HUGE}", "change_id"),
        ("/search?q=%00", "q"),
        ("/search?q=plan%00", "q"),
        (f"/search?q=plan&offset={HUGE}", "offset"),
        (f"/feeds/articles/{HUGE}.atom", "watch_id"),
        (f"/feeds/sources/{HUGE}.atom", "source_id"),
    ]


def test_values_out_of_range_are_a_400_naming_the_parameter(filled):
    client = local_client(create_app(Settings(), filled), raise_server_exceptions=False)
    for path, parameter in bad_requests(watch_id(filled, "https://news.example/story")):
        response = client.get(path)
        assert response.status_code == 400, (path, response.status_code)
        if path.startswith("/api/"):
            problem = response.json()
            assert f"parameter {parameter}:" in problem["detail"], path
            assert problem["errors"][0]["loc"][-1] == parameter, path
        else:
            page = BeautifulSoup(response.text, "lxml")
            assert page.select_one("h1").get_text() == "Bad request", path
            assert f"parameter {parameter}:" in page.select_one("main p").get_text(), path
        assert_secured(response)


def test_values_at_the_edge_of_the_range_are_answered(filled):
    client = local_client(create_app(Settings(), filled), raise_server_exceptions=False)
    for path in (f"/api/watches/{LARGEST_ID}", f"/articles/{LARGEST_ID}",
                 f"/changes/{LARGEST_ID}", f"/feeds/articles/{LARGEST_ID}.atom",
                 f"/api/watches/1/snapshots/{LARGEST_ID}"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    for path in (f"/api/watches?offset={LARGEST}", "/api/changes?since=9999-12-31T23:59:59Z",
                 "/api/changes?since=0001-01-01T00:00:00Z", "/search?q=plan%01"):  # fmt: skip
        assert client.get(path).status_code == 200, path


def test_a_time_without_an_offset_is_utc_as_in_the_cli(filled):
    client = local_client(create_app(Settings(), filled))
    everything = client.get("/api/changes?since=2000-01-01T00:00:00Z").json()["items"]
    assert client.get("/api/changes?since=2000-01-01").json()["items"] == everything
    assert client.get("/api/changes?since=2999-01-01T00:00:00").json()["items"] == []


def test_openapi_documents_a_400_not_a_422(filled):
    spec = local_client(create_app(Settings(), filled)).get("/api/openapi.json").json()
    responses = spec["paths"]["/api/changes"]["get"]["responses"]
    assert "422" not in responses and "Problem" in str(responses["4XX"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]


# -- 6. feeds stay well-formed XML whatever the page held -----------------------------------------


FORBIDDEN = "\x01\x08\x0b\x0c\x0e\x1f\ufffe\uffff"


def test_characters_xml_forbids_are_left_out_of_feeds(filled):
    url = "https://news.example/controls"
    watch = filled.add_watch(url).id
    first = article(f"Controls{FORBIDDEN} ahead", f"Body with{FORBIDDEN} controls.", "Second one.")
    save_series(filled, watch, first, replace(first, body=(f"Body{FORBIDDEN} changed.",)))
    client = local_client(create_app(Settings(), filled))
    for path in ("/feeds/changes.atom", f"/feeds/articles/{watch}.atom"):
        body = client.get(path).content
        feed = etree.fromstring(body, etree.XMLParser(recover=False))  # raises if ill-formed
        titles = [title.text for title in feed.iterfind("a:entry/a:title", ATOM)]
        assert any(title.endswith("Controls ahead") for title in titles), (path, titles)
        assert not any(char.encode() in body for char in FORBIDDEN), path


# -- 7. only http(s) links leave the API and the pages --------------------------------------------


BODY_OF_LINKS = (
    "The council met on Tuesday to discuss the new links between the two towns.",
    "Several members asked for more time before the vote on the final plan.",
)


def test_only_http_links_leave_the_api(filled):
    url = "https://news.example/links"
    watch = filled.add_watch(url).id
    related = (
        Link("Evil", "javascript:alert(1)"),
        Link("Data", "data:text/html,<script>alert(1)</script>"),
        Link("Tabbed", "java\tscript:alert(1)"),
        Link("Hostless", "http:/api/watches"),
        Link("Good", "https://news.example/good"),
    )
    hostile = article(
        "Links", *BODY_OF_LINKS, related=related,
        canonical_url="data:text/html,x", image="javascript:alert(1)",
    )  # fmt: skip
    save_series(filled, watch, hostile)
    client = local_client(create_app(Settings(), filled))
    shown = client.get(f"/api/watches/{watch}/snapshots/1").json()
    assert shown["canonical_url"] is None and shown["image"] is None
    assert shown["related"] == [{"text": "Good", "url": "https://news.example/good"}]
    listed = client.get(f"/api/watches/{watch}/snapshots").json()["items"][0]
    assert listed["canonical_url"] is None and listed["image"] is None
    page = BeautifulSoup(client.get(f"/articles/{watch}/versions/1").text, "lxml")
    hrefs = [a["href"] for a in page.find_all("a", href=True)]
    assert "https://news.example/good" in hrefs
    assert all(href.startswith(("/", "https://", "http://news.")) for href in hrefs), hrefs
    assert "Evil" in page.get_text()  # shown as text


def test_the_hostile_page_of_test_web_has_no_links_in_the_api(filled):
    client = local_client(create_app(Settings(), filled))
    shown = client.get(f"/api/watches/{watch_id(filled, 'https://evil.example/x')}/snapshots/1")
    assert shown.json()["canonical_url"] is None and shown.json()["image"] is None
