"""The web pages, JSON API and Atom feeds of `newswatch serve` (FastAPI TestClient)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from worker import cli, decide, diff, shapes
from worker.db import create_engine, migrate
from worker.errors import ConfigError
from worker.models import utcnow
from worker.notify.message import change_message
from worker.outbox import change_payload
from worker.settings import Settings, SourceSettings, WebSettings
from worker.shapes import change_json
from worker.store import Outbox, Store
from worker.types import Article, CheckRecord, Discovered, PollRecord, WatchState
from worker.web import create_app, pages, serve
from worker.web.access import CSP, is_loopback

SOURCE = "https://news.example/rss"
LOCAL = "http://127.0.0.1:8080"
BODY = (
    "The minister announced the plan on Monday morning in the capital.",
    "Officials said the budget would be about two billion dollars over five years.",
    "Critics called the proposal rushed and poorly explained to the public.",
)
XSS = (
    '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    '<a href="javascript:window.__pwned=1">click</a></style><style>body{display:none}</style>'
)


def article(title: str, *body: str, **fields) -> Article:
    return Article(url="https://news.example/story", title=title, body=body, **fields)


def save_version(
    store: Store,
    watch_id: int,
    new: Article,
    previous: Article | None = None,
    raw: bytes | None = None,
    rendered: str | None = None,
) -> None:
    """Store one version the way the pipeline does, with the diff rendered once and the
    change's disclosure decided."""
    change = diff.compare(previous, new)
    if change is not None and previous is not None:
        change = replace(change, disclosure=decide.disclosure(previous, new, change))
    raw_hash = hashlib.sha256(raw).hexdigest() if raw else None
    now = utcnow()
    store.save_check(
        CheckRecord(
            watch_id=watch_id,
            started_at=now,
            outcome="changed" if previous else "new",
            next_check_at=now + timedelta(minutes=15),
            article=new,
            content_hash=diff.content_hash(new),
            change=change,
            raw=raw,
            raw_hash=raw_hash,
            rendered_html=rendered or (diff.render_html(change) if change else None),
        )
    )


def save_series(store: Store, watch_id: int, *versions: Article) -> None:
    previous = None
    for version in versions:
        save_version(store, watch_id, version, previous)
        previous = version


def story_versions() -> tuple[Article, Article, Article]:
    first = article("Minister unveils plan", *BODY, authors=("Ann Writer",))
    second = article(
        "Minister unveils plan",
        BODY[0],
        "Officials said the budget would be about three billion dollars over five years.",
        BODY[2],
        authors=("Ann Writer",),
    )
    third = replace(second, title="Minister defends costly plan", authors=("Ann Writer", "Bo"))
    return first, second, third


@dataclass
class Site:
    store: Store
    client: TestClient
    story: int
    other: int
    hostile: int


def enrol_from_source(store: Store, url: str) -> int:
    """A watch enrolled by SOURCE, as the poller would."""
    source = store.add_source(SourceSettings(url=SOURCE, label="wire"))
    now = utcnow()
    store.save_poll(PollRecord(source.id, now, now + timedelta(hours=1), items=(Discovered(url),)))
    return next(w.id for w, _ in store.list_watches() if w.url == url)


def fill_site(store: Store) -> dict[str, int]:
    """Three articles: a story in three versions, a source's article, a hostile page."""
    story = store.add_watch("https://news.example/story", label="politics").id
    raw = b"<html><body><h1>Minister unveils plan</h1><script>alert(1)</script></body></html>"
    first, second, third = story_versions()
    save_version(store, story, first, raw=raw)
    save_version(store, story, second, first)
    save_version(store, story, third, second)
    other = enrol_from_source(store, "https://wire.example/other")
    save_series(
        store,
        other,
        article("Storm hits coast", *BODY),
        article("Storm hits coast", *BODY[:2]),
    )
    hostile = store.add_watch("https://evil.example/x").id
    evil = article(
        f"Headline {XSS}",
        f"Body {XSS}",
        subtitle=XSS,
        authors=(XSS,),
        canonical_url="javascript:window.__pwned=1",
        image="javascript:window.__pwned=1",
    )
    save_series(store, hostile, evil, replace(evil, body=(f"Edited body {XSS}", XSS)))
    return {"story": story, "other": other, "hostile": hostile}


@pytest.fixture
def site_store(database_url: str) -> Store:
    engine = create_engine(database_url)
    migrate(engine)
    store = Store(engine)
    fill_site(store)
    return store


@pytest.fixture
def site(site_store: Store) -> Site:
    ids = {w.url: w.id for w, _ in site_store.list_watches()}
    client = local_client(create_app(Settings(), site_store))
    return Site(
        site_store,
        client,
        ids["https://news.example/story"],
        ids["https://wire.example/other"],
        ids["https://evil.example/x"],
    )


def local_client(app: FastAPI, **options) -> TestClient:
    """A client that asks for the server by its loopback address, as a local browser does."""
    return TestClient(app, base_url=LOCAL, **options)


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "lxml")


# -- pages -----------------------------------------------------------------------------------


def test_dashboard_lists_changes_newest_first_with_links_to_diffs(site):
    page = soup(site.client.get("/"))
    headlines = [a.get_text() for a in page.select("ol.changes a.headline")]
    assert headlines[0].startswith("Headline")  # the hostile watch changed last
    assert "Minister defends costly plan" in headlines
    links = [a["href"] for a in page.select("a.diff-link")]
    assert f"/articles/{site.story}/diff?from=2&to=3" in links


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("field=title", {"Minister defends costly plan"}),
        ("significance=major", None),
        (f"source={SOURCE}", {"Storm hits coast"}),
    ],
)
def test_dashboard_filters(site, query, expected):
    page = soup(site.client.get(f"/?{query}"))
    headlines = {a.get_text() for a in page.select("ol.changes a.headline")}
    levels = {s.get_text() for s in page.select("ol.changes .sig")}
    if expected is None:
        assert levels <= {"major"}
    else:
        assert headlines == expected


def test_dashboard_orders_by_significance(site):
    page = soup(site.client.get("/?order=significance"))
    ranks = [diff.SIGNIFICANCE.index(s.get_text()) for s in page.select("ol.changes .sig")]
    assert ranks == sorted(ranks, reverse=True)


def test_dashboard_shows_failing_and_held_watches(site):
    store, now = site.store, utcnow()
    later = now + timedelta(minutes=5)
    failing = store.add_watch("https://down.example/a").id
    for _ in range(2):
        store.save_check(
            CheckRecord(failing, now, "error", later, failed=True, error="connection refused")
        )
    held = store.add_watch("https://wall.example/b").id
    state = WatchState(hold_hash="abc", hold_count=1)
    store.save_check(CheckRecord(held, now, "held", later, error="consent wall", state=state))
    health = soup(site.client.get("/")).select_one("section.health").get_text(" ")
    assert "https://down.example/a" in health and "connection refused" in health
    assert "2 failed checks in a row" in health
    assert "https://wall.example/b" in health and "consent wall" in health


def test_article_page_shows_the_timeline(site):
    page = soup(site.client.get(f"/articles/{site.story}"))
    versions = [a.get_text() for a in page.select("ol.timeline .meta a")]
    assert versions == ["v3", "v2", "v1"]
    assert "First capture." in page.select("ol.timeline > li")[-1].get_text()
    assert page.select_one('link[type="application/atom+xml"]')["href"] == (
        f"/feeds/articles/{site.story}.atom"
    )
    checks = site.store.checks_of(site.story)
    assert len(page.select("table.checks tbody tr")) == len(checks) == 3  # one row a check


def test_version_page_shows_what_was_stored(site):
    page = soup(site.client.get(f"/articles/{site.story}/versions/2"))
    assert page.select_one("article h1").get_text() == "Minister unveils plan"
    assert "three billion" in page.select_one("article.stored").get_text()
    original = page.select_one("a.out")
    assert original["href"] == "https://news.example/story"
    assert "noopener" in original["rel"]


def test_raw_html_is_shown_as_text(site):
    page = soup(site.client.get(f"/articles/{site.story}/versions/1/raw"))
    assert "<script>alert(1)</script>" in page.select_one("pre.raw").get_text()
    assert not page.select("pre.raw script")
    missing = soup(site.client.get(f"/articles/{site.story}/versions/2/raw"))
    assert "was not stored" in missing.get_text()
    whole = site.client.get(f"/articles/{site.story}/versions/1/raw.txt")
    assert whole.headers["content-type"] == "text/plain; charset=utf-8"
    assert whole.headers["content-disposition"].startswith("attachment;")
    assert "<script>alert(1)</script>" in whole.text
    assert site.client.get(f"/articles/{site.story}/versions/2/raw.txt").status_code == 404


def test_a_large_raw_page_shows_its_start_and_links_the_whole(site, site_store, monkeypatch):
    monkeypatch.setattr(pages, "RAW_SHOWN", 20)
    page = soup(site.client.get(f"/articles/{site.story}/versions/1/raw"))
    assert len(page.select_one("pre.raw").get_text()) == 20
    note = page.select_one("p.meta").get_text(" ", strip=True)
    assert "the first 20 of" in note and page.select_one("p.meta a")["href"].endswith("/raw.txt")


def test_diff_page_inline_uses_the_stored_rendering(site, site_store):
    marker = '<p class="nw-summary">stored once</p>'
    third = story_versions()[2]
    fourth = replace(third, body=(*third.body, "A fourth paragraph arrived later on."))
    save_version(site_store, site.story, fourth, third, rendered=marker)
    page = site.client.get(f"/articles/{site.story}/diff")
    assert marker in page.text


def test_diff_page_highlights_words_and_metadata(site):
    page = soup(site.client.get(f"/articles/{site.story}/diff?from=1&to=3"))
    assert [d.get_text() for d in page.select(".nw-body del")] == ["two"]
    assert [i.get_text() for i in page.select(".nw-body ins")] == ["three"]
    fields = page.select_one("dl.nw-fields")
    assert fields is not None and "title" in fields.get_text()
    assert page.select_one(".nw-diff").find_previous("dl") is None  # metadata on top


def test_diff_page_side_by_side(site):
    page = soup(site.client.get(f"/articles/{site.story}/diff?from=1&to=2&mode=side-by-side"))
    row = page.select_one("table.nw-body tr.nw-edited")
    old, new = row.select("td")
    assert old.select_one("del").get_text() == "two" and not old.select("ins")
    assert new.select_one("ins").get_text() == "three" and not new.select("del")


def test_diff_page_same_version_and_missing(site):
    same = soup(site.client.get(f"/articles/{site.story}/diff?from=2&to=2"))
    assert "same version" in same.get_text()
    assert site.client.get(f"/articles/{site.story}/diff?from=1&to=9").status_code == 404
    assert site.client.get("/articles/999").status_code == 404


def _change_of(store: Store, watch_id: int, to_version: int, kind: str = "edit"):
    changes = store.recent_changes(watch_id=watch_id)
    return next(c for c, _ in changes if c.to_version == to_version and c.kind == kind)


def remove_article(store: Store, watch_id: int) -> None:
    """Record the removal of an article, as the pipeline does once a 404 persisted."""
    now = utcnow()
    store.save_check(
        CheckRecord(
            watch_id,
            now,
            "error",
            now + timedelta(minutes=15),
            http_status=404,
            failed=True,
            event="removed",
            state=WatchState(removed=True),
        )
    )


def test_change_page_leads_to_the_diff_of_the_change(site):
    change = _change_of(site.store, site.story, to_version=3)
    response = site.client.get(f"/changes/{change.id}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/articles/{site.story}/diff?from=2&to=3"
    page = soup(site.client.get(f"/changes/{change.id}"))
    assert page.select_one("h1").get_text() == "Minister defends costly plan"
    meta = page.select_one("p.meta").get_text(" ", strip=True)
    assert meta.startswith("v2") and "→ v3" in meta
    assert "defends costly" in page.select_one("dl.nw-fields").get_text()


def test_change_page_of_a_removal_leads_to_the_article(site):
    remove_article(site.store, site.story)
    removal = _change_of(site.store, site.story, to_version=3, kind="removed")
    response = site.client.get(f"/changes/{removal.id}", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, f"/articles/{site.story}")
    page = soup(site.client.get(f"/changes/{removal.id}"))
    assert "article removed" in page.get_text()


def test_change_page_of_an_unknown_change_is_the_404_page(site):
    response = site.client.get("/changes/999")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert BeautifulSoup(response.text, "lxml").select_one("h1").get_text() == "Not found"


def test_alert_links_lead_to_a_page(site_store):
    base_url = "http://testserver/"
    client = TestClient(create_app(Settings(web=WebSettings(base_url=base_url)), site_store))
    story = next(w.id for w, _ in site_store.list_watches() if w.url.endswith("/story"))
    remove_article(site_store, story)
    changes = site_store.recent_changes(limit=None)
    assert {c.kind for c, _ in changes} == {"edit", "removed"}
    for change, _ in changes:
        event = "article.removed" if change.kind == "removed" else "article.changed"
        data = change_payload(Outbox(site_store), change.id)
        link = change_message("msg_1", event, data, base_url, utcnow()).link
        assert link == f"http://testserver/changes/{change.id}"
        assert client.get(link).status_code == 200, link


def test_search_marks_the_words(site):
    page = soup(site.client.get("/search?q=billion+dollars"))
    titles = [a.get_text() for a in page.select("ol.hits a.headline")]
    assert "Minister defends costly plan" in titles
    assert {m.get_text().lower() for m in page.select("mark")} <= {"billion", "dollars"}
    assert "Nothing found" in soup(site.client.get("/search?q=zebra")).get_text()


def test_search_falls_back_to_like_without_fts(site_store):
    with site_store.engine.begin() as connection:
        for statement in (
            "DROP TRIGGER snapshot_fts_insert",
            "DROP TRIGGER snapshot_fts_delete",
            "DROP TABLE snapshot_fts",
        ):
            connection.exec_driver_sql(statement)
    hits = site_store.search_articles("THREE billion").hits
    assert [(h.snapshot.version, h.matches) for h in hits] == [(3, 2)]
    assert site_store.search_articles("100%_").hits == []
    assert len(site_store.search_articles('"three billion"').hits) == 1  # a phrase, by LIKE
    assert site_store.search_articles('"billion three"').hits == []


# -- the JSON API ----------------------------------------------------------------------------


def test_api_watches_paginated_in_the_cli_shape(site):
    first = site.client.get("/api/watches?limit=1").json()
    assert first["next_offset"] == 1 and len(first["items"]) == 1
    watch, versions = site.store.watch_by_id(first["items"][0]["id"])
    headline = site.store.headlines([watch.id])[watch.id]
    assert first["items"][0] == shapes.watch_json(watch, versions, headline)
    assert first["items"][0]["state"] == "ok"
    rest = site.client.get("/api/watches?limit=50&offset=1").json()
    assert rest["next_offset"] is None and len(rest["items"]) == 2


def test_api_snapshots_in_the_cli_shape(site):
    listing = site.client.get(f"/api/watches/{site.story}/snapshots").json()["items"]
    stored = site.store.versions_of(site.story)
    assert listing == [shapes.snapshot_json(s, body=False) for s in stored]
    one = site.client.get(f"/api/watches/{site.story}/snapshots/2").json()
    assert one == json.loads(json.dumps(shapes.snapshot_json(stored[1], body=True)))


def test_api_changes_in_the_cli_shape_with_filters(site):
    data = site.client.get("/api/changes").json()
    rows = site.store.recent_changes(limit=None)
    assert data["items"] == [{**change_json(c, w), "watch_id": w.id} for c, w in rows]
    titles = site.client.get("/api/changes?field=title").json()["items"]
    assert {item["url"] for item in titles} == {"https://news.example/story"}
    by_source = site.client.get("/api/changes", params={"source": SOURCE}).json()["items"]
    assert [item["url"] for item in by_source] == ["https://wire.example/other"]
    on_host = site.client.get("/api/changes?host=WIRE.example").json()["items"]
    assert [item["url"] for item in on_host] == ["https://wire.example/other"]
    since = site.client.get("/api/changes", params={"since": "2999-01-01T00:00:00Z"}).json()
    assert since["items"] == []
    one = site.client.get(f"/api/changes/{rows[0][0].id}").json()
    assert one == data["items"][0]
    assert site.client.get("/api/changes?significance=huge").status_code == 400


def test_api_diff_matches_the_cli(site, capsys, database_url):
    api = site.client.get(f"/api/watches/{site.story}/diff?from=1&to=3").json()
    cli.main(["--database-url", database_url, "diff", "https://news.example/story",
              "--from", "1", "--to", "3", "--format", "json"])  # fmt: skip
    assert api == json.loads(capsys.readouterr().out)
    same = site.client.get(f"/api/watches/{site.story}/diff?from=2&to=2").json()
    assert same["fields"] == [] and same["operations"] == []


def test_api_checks_and_errors(site):
    checks = site.client.get(f"/api/watches/{site.story}/checks?limit=2").json()
    assert len(checks["items"]) == 2 and checks["next_offset"] == 2
    assert {item["outcome"] for item in checks["items"]} == {"changed"}
    missing = site.client.get("/api/watches/999/checks")
    assert missing.status_code == 404 and "no watch 999" in missing.json()["detail"]
    assert site.client.get("/api/watches?limit=0").status_code == 400


def test_api_search(site):
    hits = site.client.get("/api/search?q=costly").json()["items"]
    assert [(h["watch_id"], h["version"]) for h in hits] == [(site.story, 3)]


def test_openapi_documents_the_api_only(site):
    spec = site.client.get("/api/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/watches", "/api/changes", "/api/watches/{watch_id}/diff"} <= paths
    assert all(path.startswith("/api/") for path in paths)
    assert "ChangeOut" in spec["components"]["schemas"]


# -- Atom feeds ------------------------------------------------------------------------------


def test_feed_of_all_changes_carries_the_rendered_diffs(site):
    response = site.client.get("/feeds/changes.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "newswatch: all changes"
    titles = [entry.title for entry in feed.entries]
    assert "[major] Storm hits coast" in titles  # a paragraph of three removed
    story = next(e for e in feed.entries if "costly plan" in e.title)
    assert "<ins>" in story.content[0].value and story.link.endswith("/diff?from=2&to=3")


def _noticed_and_silent(store: Store) -> int:
    """An article edited twice: once with a correction notice, once silently."""
    store.add_watch("https://daily.example/budget")
    watch_id = store.watch_id("https://daily.example/budget")
    notice = "Correction: An earlier version of this article misstated the budget."
    first = article("Budget passes", *BODY)
    noticed = article("Budget passes", *BODY[:2], BODY[2].replace("rushed", "hasty"), notice)
    silent = replace(noticed, body=(BODY[0], BODY[1].replace("two", "four"), *noticed.body[2:]))
    save_series(store, watch_id, first, noticed, silent)
    return watch_id


def test_silent_edits_are_marked_and_filtered_on_every_surface(site_store, capsys, database_url):
    """The dashboard badge and filter, the API filter and field, the Atom category and
    filter, and `changes --disclosure` all tell a silent edit from a disclosed one."""
    _noticed_and_silent(site_store)
    client = local_client(create_app(Settings(), site_store))
    page = soup(client.get("/?disclosure=silent"))
    rows = page.select("ol.changes li.change")
    assert rows and all(r.select_one(".disclosure-silent") for r in rows)
    assert "Budget passes" in {r.select_one("a.headline").get_text() for r in rows}
    noticed = soup(client.get("/?disclosure=notice")).select("ol.changes li.change")
    assert [r.select_one(".disclosure").get_text() for r in noticed] == ["notice"]
    api = client.get("/api/changes", params={"disclosure": "silent"}).json()["items"]
    assert api and {c["disclosure"] for c in api} == {"silent"}
    assert client.get("/api/changes", params={"disclosure": "loud"}).status_code == 400
    feed = feedparser.parse(client.get("/feeds/changes.atom?disclosure=notice").content)
    [entry] = feed.entries
    schemes = {(t.term, t.scheme) for t in entry.tags}
    assert ("notice", "urn:newswatch:disclosure") in schemes
    silent_feed = feedparser.parse(client.get("/feeds/changes.atom?disclosure=silent").content)
    assert all(e.summary.startswith("Silent edit") for e in silent_feed.entries)
    assert (
        cli.main(["--database", database_url, "changes", "--disclosure", "notice", "--json"]) == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert [(c["url"], c["disclosure"]) for c in printed] == [
        ("https://daily.example/budget", "notice")
    ]


def test_feeds_per_source_and_per_article(site):
    by_source = feedparser.parse(site.client.get("/feeds/sources/1.atom").content)
    assert [e.title.split("] ")[1] for e in by_source.entries] == ["Storm hits coast"]
    by_article = feedparser.parse(site.client.get(f"/feeds/articles/{site.story}.atom").content)
    assert len(by_article.entries) == 2
    assert site.client.get("/feeds/sources/99.atom").status_code == 404


def test_feed_uses_the_configured_base_url(site_store):
    settings = Settings(web=WebSettings(base_url="https://watch.example/nw"))
    client = local_client(create_app(settings, site_store))
    feed = feedparser.parse(client.get("/feeds/changes.atom").content)
    assert feed.entries[0].link.startswith("https://watch.example/nw/articles/")


# -- safety ----------------------------------------------------------------------------------


def hostile_paths(site: Site) -> list[str]:
    base = f"/articles/{site.hostile}"
    return [
        "/",
        base,
        f"{base}/versions/1",
        f"{base}/versions/2",
        f"{base}/diff?from=1&to=2",
        f"{base}/diff?from=1&to=2&mode=side-by-side",
        "/search?q=pwned",
        "/search?q=" + "%3Cscript%3E",
    ]


def test_scraped_content_is_escaped_everywhere(site):
    for path in hostile_paths(site):
        page = soup(site.client.get(path))
        assert page.find("script") is None, path
        assert page.find("style") is None, path
        assert page.find("img") is None, path
        for tag in page.find_all(True):
            assert not [name for name in tag.attrs if name.lower().startswith("on")], path
            assert not str(tag.get("href", "")).lower().startswith("javascript:"), path
        assert "window.__pwned=1" in page.get_text(), path  # shown, as text


def test_feed_content_stays_escaped(site):
    feed = feedparser.parse(site.client.get(f"/feeds/articles/{site.hostile}.atom").content)
    html = feed.entries[0].content[0].value
    assert "&lt;script&gt;" in html and "<script" not in html


@pytest.mark.parametrize(
    "path", ["/", "/api/changes", "/static/style.css", "/nowhere", "/feeds/changes.atom"]
)
def test_every_answer_carries_the_security_headers(site, path):
    headers = site.client.get(path).headers
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_no_inline_styles_or_scripts_in_any_page(site):
    for path in hostile_paths(site):
        page = soup(site.client.get(path))
        assert not page.select("[style]"), path


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_read_only(site, method):
    response = site.client.request(method, "/api/watches")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "newswatch serve is read-only"
    assert site.client.request(method, "/").headers["content-type"].startswith("text/plain")


def test_head_answers_without_a_body(site):
    response = site.client.head("/")
    assert response.status_code == 200 and response.content == b""


def test_token_is_checked_on_every_request(site_store):
    client = local_client(create_app(Settings(web=WebSettings(token="s3cret")), site_store))
    for path in ("/", "/api/changes", "/static/style.css", "/feeds/changes.atom", "/nowhere"):
        assert client.get(path).status_code == 401, path
    assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/api/changes?token=s3cre").status_code == 401
    assert client.get("/?token=s3cret").status_code == 200
    assert client.get("/api/changes").status_code == 200  # the cookie it set
    client.cookies.clear()
    refused = client.get("/api/changes")
    assert refused.status_code == 401 and refused.json()["status"] == 401
    assert refused.headers["www-authenticate"] == 'Bearer realm="newswatch"'


def test_serve_refuses_a_public_address_without_a_token(site_store):
    with pytest.raises(ConfigError, match="access token"):
        serve(Settings(), site_store, "0.0.0.0", 8080)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("192.168.1.5", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback


# -- the web queries on both databases -------------------------------------------------------


def test_web_queries(store):
    story = store.add_watch("https://news.example/story").id
    save_series(store, story, *story_versions())
    hits = store.search_articles("costly plan").hits
    assert [(h.snapshot.version, h.watch.id, h.matches) for h in hits] == [(3, story, 1)]
    assert store.search_articles("   ").hits == []
    titles = store.version_titles([(story, 1), (story, 3)])
    assert titles == {
        (story, 1): "Minister unveils plan",
        (story, 3): "Minister defends costly plan",
    }
    assert [c.to_version for c, _ in store.recent_changes(field="title")] == [3]
    assert store.recent_changes(since=datetime(2999, 1, 1, tzinfo=UTC)) == []
    assert store.change_between(story, 1, 2) is not None
    assert store.change_between(story, 1, 3) is None
    _, count = store.watch_by_id(story)
    assert count == 3 and [s.version for s in store.versions_of(story, 2, 1)] == [2, 3]


# -- /metrics ---------------------------------------------------------------------------------


def _samples(text: str) -> dict[str, float]:
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


def test_metrics_in_the_prometheus_text_format(site):
    response = site.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = _samples(response.text)
    changes = len(site.store.recent_changes(limit=None))
    assert samples["newswatch_changes_total"] == changes
    assert samples['newswatch_checks_total{outcome="changed"}'] == changes
    assert samples['newswatch_deliveries{status="failed"}'] == 0
    assert samples["newswatch_active_watches"] == 3
    assert samples["newswatch_due_watches"] >= 0
    assert "# TYPE newswatch_checks_total counter" in response.text


def test_metrics_need_the_token_like_everything_else(site_store):
    client = local_client(create_app(Settings(web=WebSettings(token="s3cret")), site_store))
    assert client.get("/metrics").status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200
