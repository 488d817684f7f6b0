"""Issue 19: the views for daily use: every article, every source, a site at a glance, an
article's text with its changes in place, search one hit per article, the API's index and
reference, problem documents, and feeds that honour their page's filters."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from test_web import (
    BODY,
    SOURCE,
    XSS,
    article,
    fill_site,
    local_client,
    save_series,
    save_version,
    soup,
)

from worker import diff
from worker.models import Watch, utcnow, watch_state
from worker.settings import Settings
from worker.store import Store, search
from worker.types import Article, CheckRecord
from worker.web import create_app
from worker.web.access import CSP
from worker.web.inplace import in_place
from worker.web.search import snippet


@pytest.fixture
def web(store: Store):
    """The site of test_web on both databases, and a client that asks for it locally."""
    ids = fill_site(store)
    return store, ids, local_client(create_app(Settings(), store))


def set_state(store: Store, watch_id: int, **values: object) -> None:
    with store.engine.begin() as connection:
        connection.execute(sa.update(Watch).where(Watch.id == watch_id).values(**values))


def fail_check(store: Store, watch_id: int, outcome: str = "error", error: str = "timeout") -> None:
    now = utcnow()
    store.save_check(
        CheckRecord(watch_id, now, outcome, now + timedelta(minutes=5), error=error, failed=True)
    )


# -- /articles -------------------------------------------------------------------------------


def test_articles_lists_every_watch_with_its_facts(web):
    store, ids, client = web
    empty = store.add_watch("https://quiet.example/none").id  # no version yet
    page = soup(client.get("/articles"))
    rows = page.select("table.articles tbody tr")
    assert len(rows) == 4
    by_link = {r.select_one("a.headline")["href"]: r for r in rows}
    story = by_link[f"/articles/{ids['story']}"]
    assert story.select_one("a.headline").get_text() == "Minister defends costly plan"
    assert story.select_one("a.host").get_text() == "news.example"
    assert story.select_one(".label").get_text() == "politics"
    assert story.select_one(".state").get_text() == "ok"
    assert story.select_one("td.number").get_text() == "3"
    assert story.select_one(".sig") is not None  # the last change's significance
    quiet = by_link[f"/articles/{empty}"]
    assert quiet.select_one("a.headline").get_text() == "https://quiet.example/none"
    assert quiet.select_one("td.number").get_text() == "0"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("host=news.example", ["story"]),
        ("host=NEWS.example", ["story"]),
        ("host=news.example.", ["story"]),  # as the store keeps it: no trailing dot,
        ("host=news.example:8443", ["story"]),  # no port
        ("host=example", []),  # anchored: a host, not a part of one
        (f"source={SOURCE}", ["other"]),
        ("label=politics", ["story"]),
        ("state=ok&host=evil.example", ["hostile"]),
        ("state=failing", []),
        ("state=&label=", ["story", "other", "hostile"]),  # an empty form field: no filter
    ],
)
def test_articles_filters(web, query, expected):
    _, ids, client = web
    page = soup(client.get(f"/articles?{query}&order=added"))
    shown = [a["href"] for a in page.select("table.articles a.headline")]
    assert sorted(shown) == sorted(f"/articles/{ids[name]}" for name in expected)


def test_a_host_is_found_as_typed_in_its_own_script(web):
    """The host filter compares as the store keeps hosts: IDNA-encoded."""
    store, _, client = web
    books = store.add_watch("https://bücher.example/neu").id
    for typed in ("bücher.example", "BÜCHER.example", "xn--bcher-kva.example"):
        page = soup(client.get("/articles", params={"host": typed}))
        shown = [a["href"] for a in page.select("table.articles a.headline")]
        assert shown == [f"/articles/{books}"], typed


def test_articles_sort_and_page(web):
    store, ids, client = web
    by_address = soup(client.get("/articles?order=address")).select("table.articles a.headline")
    assert [a["href"] for a in by_address] == [
        f"/articles/{ids[name]}" for name in ("hostile", "story", "other")
    ]  # evil.example, news.example, wire.example
    for n in range(60):
        store.add_watch(f"https://many.example/{n:02}")
    first = soup(client.get("/articles?order=address"))
    assert len(first.select("table.articles tbody tr")) == 50
    following = first.select_one(".pager a")
    assert following.get_text() == "Next →"
    second = soup(client.get(following["href"]))
    assert len(second.select("table.articles tbody tr")) == 13
    assert second.select_one(".pager a").get_text() == "← Previous"


def test_the_state_filter_agrees_with_watch_state(store):
    """Every combination of the columns `watch_state` reads, filtered in SQL and decided in
    Python, gives the same states (and the same counts)."""
    combinations = list(itertools.product([True, False], [None, utcnow()], [0, 2], [0, 1]))
    for n, (active, retired_at, failures, holds) in enumerate(combinations):
        watch_id = store.add_watch(f"https://states.example/{n}").id
        set_state(
            store,
            watch_id,
            active=active,
            retired_at=retired_at,
            consecutive_failures=failures,
            hold_count=holds,
        )
    watches = [row.watch for row in store.articles_page(limit=100)]
    assert len(watches) == len(combinations)
    for state in ("ok", "held", "failing", "retired"):
        in_sql = {row.watch.id for row in store.articles_page(state=state, limit=100)}
        in_python = {w.id for w in watches if watch_state(w) == state}
        assert in_sql == in_python, state
        assert store.state_counts()[state] == len(in_python), state
    assert {row.watch.id for row in store.articles_page(state="ok", limit=100)}  # some of each


# -- /sources --------------------------------------------------------------------------------


def test_sources_list_and_one_source(web):
    store, ids, client = web
    fail_check(store, ids["other"])
    page = soup(client.get("/sources"))
    [row] = page.select("table.sources tbody tr")
    assert row.select_one("a.headline").get_text() == "wire"
    assert row.select_one("a.headline")["href"] == "/sources/1"
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[1] == "auto" and cells[3].startswith("ok") and cells[4] == "1"
    assert "failing 1" in cells[5]
    one = soup(client.get("/sources/1"))
    assert one.select_one("h1").get_text() == "wire"
    assert [a["href"] for a in one.select("table.articles a.headline")] == [
        f"/articles/{ids['other']}"
    ]
    assert one.select_one('link[type="application/atom+xml"]')["href"] == "/feeds/sources/1.atom"
    assert client.get("/sources/99").status_code == 404


# -- an article in full ----------------------------------------------------------------------


def test_article_text_shows_the_changes_in_place(web):
    _, ids, client = web
    page = soup(client.get(f"/articles/{ids['story']}"))  # since v1: every change
    text = page.select_one("article.in-place")
    paragraphs = [p.get_text() for p in text.select("p")]
    assert paragraphs[0] == BODY[0] and paragraphs[2] == BODY[2]  # the text around it
    assert [d.get_text().strip() for d in text.select("del")] == ["two"]
    assert [i.get_text().strip() for i in text.select("ins")] == ["three"]
    fields = {dt.get_text(): dd.get_text() for dt, dd in _pairs(page.select_one(".changed-fields"))}
    assert fields["title"] == "Minister unveils plan → Minister defends costly plan"
    assert "authors" in fields
    assert page.select_one("form.since option[selected]")["value"] == "1"
    later = soup(client.get(f"/articles/{ids['story']}?since=2")).select_one("article.in-place")
    assert later.select("del, ins") == []  # v2 -> v3 changed only the headline and authors
    other = soup(client.get(f"/articles/{ids['other']}")).select_one("article.in-place")
    assert [d.get_text() for d in other.select("p.para-removed del")] == [BODY[2]]


def _pairs(dl):
    return zip(dl.select("dt"), dl.select("dd"), strict=True)


def test_article_metadata_under_the_headline(web):
    _, ids, client = web
    page = soup(client.get(f"/articles/{ids['story']}"))
    facts = {
        dt.get_text(): dd.get_text(" ", strip=True)
        for dt, dd in _pairs(page.select_one("dl.facts-list"))
    }
    assert facts["Authors"] == "Ann Writer, Bo"
    assert facts["State"].startswith("ok")
    assert facts["Site"].startswith("news.example")
    assert facts["Versions"].startswith("3")


def test_in_place_lays_the_operations_over_the_new_text():
    old = Article(url="u", body=("Kept first.", "Gone away now.", "Edited two words.", "Last."))
    new = Article(url="u", body=("Kept first.", "Edited three words.", "Last.", "Brand new end."))
    shown = in_place(old, new, diff.compare(old, new))
    assert [p.kind for p in shown] == ["same", "removed", "edited", "same", "added"]
    assert shown[1].runs == (("Gone away now.", "del"),)
    assert ("two ", "del") in shown[2].runs and ("three ", "ins") in shown[2].runs
    assert "".join(t for t, mark in shown[2].runs if mark != "del") == "Edited three words."
    assert shown[4].runs == (("Brand new end.", "ins"),)
    assert [p.runs for p in in_place(old, old, None)] == [((t, ""),) for t in old.body]


def test_in_place_is_bounded():
    """A paragraph too long to diff word by word is shown deleted, then inserted."""
    words = " ".join(f"w{n}" for n in range(600))
    old = Article(url="u", body=("Intro.", words + " old."))
    new = Article(url="u", body=("Intro.", words + " new."))
    shown = in_place(old, new, diff.compare(old, new))
    edited = shown[1]
    assert edited.kind == "edited" and [mark for _, mark in edited.runs] == ["del", "", "ins"]


def test_the_timeline_is_inline_svg_one_mark_a_version(web):
    store, ids, client = web
    fail_check(store, ids["story"])
    fail_check(store, ids["story"], outcome="held", error="looks like a consent wall")
    page = soup(client.get(f"/articles/{ids['story']}"))
    svg = page.select_one("figure.timeline-chart svg")
    marks = svg.select("circle.version")
    assert len(marks) == 3
    assert [a["href"] for a in svg.select("a")] == [
        f"/articles/{ids['story']}/versions/{n}" for n in (1, 2, 3)
    ]
    assert "sig-first" in marks[0]["class"]
    assert {"silent"} <= set(marks[1]["class"]) | set(marks[2]["class"])  # no notice was given
    faint = svg.select("circle.check")
    assert {tuple(c["class"]) for c in faint} == {("check", "check-error"), ("check", "check-held")}
    assert "consent wall" in svg.get_text()
    assert not page.select("[style]")


# -- a site at a glance ----------------------------------------------------------------------


def test_a_site_at_a_glance(web):
    store, ids, client = web
    fail_check(store, ids["story"])
    page = soup(client.get("/sites/news.example"))
    assert page.select_one("h1").get_text() == "news.example"
    bars = page.select("svg.chart-bars rect.bar")
    assert bars and all("sig-" in " ".join(b["class"]) for b in bars)
    today = datetime.now(UTC).date().isoformat()
    assert any(today in b.select_one("title").get_text() for b in bars)
    shares = page.select_one(".shares").get_text(" ", strip=True)
    assert shares.startswith("2 edits") and "100% substantive or major" in shares
    ranked = page.select("svg.chart-ranked text.label")
    assert [t.get_text() for t in ranked] == ["Minister defends costly plan"]
    assert [a.get_text() for a in page.select("ul.plain a")] == ["https://news.example/story"]
    everything = soup(client.get("/sites"))
    hosts = [t.get_text() for t in everything.select("svg.chart-ranked text.label")]
    assert hosts[0] == "news.example" and {"evil.example", "wire.example"} <= set(hosts)
    unknown = client.get("/sites/nowhere.example")  # no watched article there: no such page
    assert unknown.status_code == 404 and "no article on nowhere.example" in unknown.text
    assert client.get("/sites/bad%20host").status_code == 400


def test_charts_escape_hostile_titles(web):
    _, ids, client = web
    for path in ("/sites", "/sites/evil.example", f"/articles/{ids['hostile']}"):
        response = client.get(path)
        page = soup(response)
        assert "<script>window" not in response.text, path
        for svg in page.select("svg"):
            assert svg.select("script, style, img, foreignObject") == [], path
            for tag in svg.find_all(True):
                assert not [a for a in tag.attrs if a.lower().startswith("on")], path
                assert not str(tag.get("href", "")).lower().startswith("javascript:"), path
        assert "window.__pwned=1" in " ".join(s.get_text() for s in page.select("svg")), path


# -- search ----------------------------------------------------------------------------------


def _ranking_fixture(store: Store) -> tuple[int, int]:
    """An older article that is all about otters, and a newer one that mentions them once."""
    older = store.add_watch("https://zoo.example/otters").id
    about = article("Otters return to the river", "Otters were seen again.", "The otters thrive.")
    save_series(store, older, about, replace(about, body=(*about.body, "Otters everywhere.")))
    newer = store.add_watch("https://town.example/council").id
    filler = [f"The council discussed item {n} of the budget at length." for n in range(30)]
    save_series(store, newer, article("Council meets", *filler, "A resident mentioned otters."))
    return older, newer


def test_search_ranks_the_best_match_first_one_hit_an_article(store):
    older, newer = _ranking_fixture(store)
    found = store.search_articles("otters")
    assert [h.watch.id for h in found.hits] == [older, newer]
    assert not found.capped
    best = found.hits[0]
    assert (best.matches, best.versions, best.snapshot.version) == (2, 2, 2)
    assert store.search_articles("otters", host="town.example").hits[0].watch.id == newer
    assert store.search_articles("otters", source=SOURCE).hits == []
    future = datetime(2999, 1, 1, tzinfo=UTC)
    assert store.search_articles("otters", since=future).hits == []
    assert len(store.search_articles("otters", until=future).hits) == 2


def test_search_ranks_only_the_newest_matches_and_counts_older_ones(store, monkeypatch):
    """Past RANKED matching versions the ranking is bounded: the newest are ranked, the
    result says so, and an article's count of matching versions still includes its older
    ones."""
    older, newer = _ranking_fixture(store)  # versions by id: older v1, v2, newer v1
    monkeypatch.setattr(search, "RANKED", 2)
    found = store.search_articles("otters")
    assert found.capped
    assert [h.watch.id for h in found.hits] == [older, newer]  # older's v2 is in the window
    assert [(h.matches, h.versions) for h in found.hits] == [(2, 2), (1, 1)]
    monkeypatch.setattr(search, "RANKED", 1)
    only = store.search_articles("otters")
    assert only.capped and [h.watch.id for h in only.hits] == [newer]
    zoo = store.search_articles("otters", host="zoo.example")  # the filter before the window
    assert zoo.capped and [(h.watch.id, h.matches) for h in zoo.hits] == [(older, 2)]


def test_an_article_rewritten_every_check_cannot_crowd_the_others_out(store, monkeypatch):
    _, newer = _ranking_fixture(store)
    crowd = store.add_watch("https://live.example/blog").id
    posts = [
        article("Live: otters", *(f"Otters update {k}." for k in range(n))) for n in (1, 2, 3, 4, 5)
    ]
    save_series(store, crowd, *posts)  # the five newest versions that match
    monkeypatch.setattr(search, "RANKED", 3)
    monkeypatch.setattr(search, "PER_ARTICLE", 5)  # no cap per article: the blog fills it
    assert {h.watch.id for h in store.search_articles("otters").hits} == {crowd}
    monkeypatch.setattr(search, "PER_ARTICLE", 2)
    found = store.search_articles("otters")
    assert found.capped and {h.watch.id for h in found.hits} == {crowd, newer}
    blog = next(h for h in found.hits if h.watch.id == crowd)
    assert (blog.matches, blog.versions, blog.snapshot.version) == (5, 5, 5)  # all counted


def test_matches_are_counted_over_the_newest_versions_only_past_counted(store, monkeypatch):
    older, newer = _ranking_fixture(store)
    monkeypatch.setattr(search, "COUNTED", 1)  # the newest version of the page's articles
    hits = {h.watch.id: h for h in store.search_articles("otters").hits}
    assert (hits[newer].matches, hits[newer].partial) == (1, False)
    assert (hits[older].matches, hits[older].versions, hits[older].partial) == (1, 2, True)


def test_a_capped_search_says_so_on_the_page_and_in_the_api(web, monkeypatch):
    store, _, client = web
    _ranking_fixture(store)
    assert "than were ranked" not in soup(client.get("/search?q=otters")).get_text()
    assert client.get("/api/search?q=otters").json()["capped"] is False
    monkeypatch.setattr(search, "RANKED", 1)
    note = soup(client.get("/search?q=otters")).select_one("p.note").get_text(" ", strip=True)
    assert "More versions match than were ranked: these are the best of the newest 1." in note
    assert client.get("/api/search?q=otters").json()["capped"] is True


def test_search_page_one_hit_per_article(web):
    store, _, client = web
    older, newer = _ranking_fixture(store)
    page = soup(client.get("/search?q=otters"))
    hits = page.select("ol.hits > li")
    assert [h.select_one("a.headline")["href"] for h in hits] == [
        f"/articles/{older}",
        f"/articles/{newer}",
    ]
    assert "matches in 2 of 2 versions" in hits[0].select_one(".meta").get_text()
    story = soup(client.get("/search?q=plan")).select("ol.hits > li")
    assert len([h for h in story if "costly plan" in h.get_text()]) == 1  # not once a version
    assert "matches in 3 of 3 versions" in story[0].get_text(" ", strip=True)
    filtered = soup(client.get("/search?q=otters&host=town.example&since=&until=2999-01-01"))
    assert len(filtered.select("ol.hits > li")) == 1
    assert client.get("/search?q=otters&since=2026-13-01").status_code == 400
    api = client.get("/api/search?q=otters").json()["items"]
    assert [(h["watch_id"], h["matches"], h["versions"]) for h in api] == [
        (older, 2, 2),
        (newer, 1, 1),
    ]


def test_snippets_cut_on_word_boundaries():
    body = (
        " ".join(f"word{n}" for n in range(60))
        + " the otters "
        + " ".join(f"tail{n}" for n in range(60))
    )
    runs = snippet(body, ["otters"])
    text = "".join(t for t, _ in runs)
    assert text.startswith("… word") and text.endswith(" …")
    words = text.strip("… ").split()
    assert all(w.startswith(("word", "tail")) or w in {"the", "otters"} for w in words)
    assert all(w in body.split() for w in words)  # no word cut in two
    assert [t for t, match in runs if match] == ["otters"]
    assert [t for t, m in snippet("planet plan", ["plan"]) if m] == ["plan"]  # whole words


# -- API index, reference and problems -------------------------------------------------------


def test_api_index_lists_every_endpoint(web):
    _, _, client = web
    response = client.get("/api")
    assert response.status_code == 200
    index = response.json()
    assert index["docs"] == "/api/docs" and index["openapi"] == "/api/openapi.json"
    spec = client.get("/api/openapi.json").json()
    listed = {(e["method"], e["path"]) for e in index["endpoints"]}
    assert listed == {(m.upper(), p) for p, methods in spec["paths"].items() for m in methods}
    assert all(e["summary"] for e in index["endpoints"])


def test_api_docs_are_served_from_the_package(web):
    _, _, client = web
    response = client.get("/api/docs")
    assert response.headers["content-security-policy"] == CSP
    page = soup(response)
    assert page.find("script") is None and not page.select("[style]")
    assert not [link for link in page.select("link[href]") if "//" in link["href"]]
    spec = client.get("/api/openapi.json").json()
    headings = {h.get_text() for h in page.select("section.endpoint h2")}
    assert headings == {f"GET {path}" for path in spec["paths"]}
    search = next(s for s in page.select("section.endpoint") if "/api/search" in s.h2.get_text())
    assert "q" in {td.code.get_text() for td in search.select("tbody td:first-child")}
    assert page.select_one("#schema-ChangeOut") is not None


def test_bad_parameters_are_problem_documents_on_the_api_and_pages_elsewhere(web):
    _, _, client = web
    problem = client.get("/api/watches?limit=0")
    assert problem.status_code == 400
    assert problem.headers["content-type"] == "application/problem+json"
    body = problem.json()
    assert body["type"] == "about:blank" and body["title"] == "Bad Request"
    assert body["status"] == 400 and body["instance"] == "/api/watches"
    assert "parameter limit:" in body["detail"] and body["errors"][0]["loc"][-1] == "limit"
    missing = client.get("/api/nowhere")
    assert missing.status_code == 404 and missing.json()["title"] == "Not Found"
    for path in ("/articles?offset=-1", "/search?since=yesterday", "/sources/0", "/sites/%00"):
        page = client.get(path)
        assert page.status_code == 400, path
        assert page.headers["content-type"].startswith("text/html"), path
        shown = BeautifulSoup(page.text, "lxml")
        assert shown.select_one("h1").get_text() == "Bad request", path


def test_changes_since_a_version_the_article_lacks_is_a_400_naming_it(web):
    _, ids, client = web
    page = client.get(f"/articles/{ids['story']}?since=99")
    assert page.status_code == 400
    assert "since: no version 99 (versions 1 to 3)" in BeautifulSoup(page.text, "lxml").get_text()


# -- feeds -----------------------------------------------------------------------------------


def _titles(client, path: str) -> list[str]:
    feed = feedparser.parse(client.get(path).content)
    assert not feed.bozo, feed.bozo_exception
    return [entry.title.split("] ", 1)[1] for entry in feed.entries]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("field=title", {"Minister defends costly plan"}),
        ("host=wire.example", {"Storm hits coast"}),
        (f"source={SOURCE}", {"Storm hits coast"}),
        ("significance=major&host=news.example", {"Minister defends costly plan"}),
        ("disclosure=notice", set()),
    ],
)
def test_the_changes_feed_honours_the_dashboard_filters(web, query, expected):
    _, _, client = web
    in_feed = set(_titles(client, f"/feeds/changes.atom?{query}"))
    page = soup(client.get(f"/?{query}"))
    on_page = {a.get_text() for a in page.select("ol.changes a.headline")}
    assert in_feed == on_page == expected
    link = urlsplit(page.select_one('link[type="application/atom+xml"]')["href"])
    assert link.path == "/feeds/changes.atom"
    assert parse_qs(link.query) == parse_qs(query)  # the page offers the feed it shows


def test_article_and_source_feeds_are_titled_and_filtered(web):
    _, ids, client = web
    feed = feedparser.parse(client.get(f"/feeds/articles/{ids['story']}.atom").content)
    assert feed.feed.title == "newswatch: Minister defends costly plan"
    assert len(feed.entries) == 2
    titled = feedparser.parse(
        client.get(f"/feeds/articles/{ids['story']}.atom?field=title").content
    )
    assert len(titled.entries) == 1 and titled.feed.title.endswith("(title changed)")
    assert _titles(client, "/feeds/sources/1.atom?significance=major") == ["Storm hits coast"]
    assert _titles(client, "/feeds/sources/1.atom?field=title") == []


def test_each_filtered_feed_has_an_id_and_links_of_its_own(web):
    """RFC 4287: one feed, one id; the self link is the feed as filtered, the alternate link
    the page it follows."""
    _, ids, client = web

    def local(url: str) -> str:
        return urlsplit(url)._replace(scheme="", netloc="").geturl()

    plain = feedparser.parse(client.get("/feeds/changes.atom").content).feed
    filtered = "/feeds/changes.atom?disclosure=silent&host=news.example&order=time"
    narrow = feedparser.parse(client.get(filtered).content).feed
    assert local(plain.id) == "/feeds/changes.atom"
    assert local(narrow.id) == "/feeds/changes.atom?disclosure=silent&host=news.example"
    links = {link.rel: local(link.href) for link in narrow.links}
    assert links == {"self": local(narrow.id), "alternate": "/?disclosure=silent&host=news.example"}
    story = feedparser.parse(client.get(f"/feeds/articles/{ids['story']}.atom").content).feed
    alternate = next(link.href for link in story.links if link.rel == "alternate")
    assert local(alternate) == f"/articles/{ids['story']}"


@pytest.mark.parametrize(
    "path",
    ["/?significance=huge", "/?disclosure=bogus", "/?field=colour", "/?order=random",
     "/feeds/changes.atom?disclosure=bogus", "/feeds/sources/1.atom?significance=huge",
     "/articles?state=bogus", "/articles?order=random", "/articles/1/diff?mode=bogus"],
)  # fmt: skip
def test_a_filter_value_no_filter_takes_is_a_400_naming_it(web, path):
    """Never silently dropped: a feed with a typo in its address must not deliver it all."""
    _, _, client = web
    response = client.get(path)
    assert response.status_code == 400, path
    name = path.split("?")[1].split("=")[0]
    assert f"parameter {name}: Input should be one of" in response.text


# -- safety of the new pages -----------------------------------------------------------------


def test_new_pages_escape_scraped_content(web):
    store, ids, client = web
    set_state(store, ids["hostile"], label=XSS[:200])
    hostile = f"/articles/{ids['hostile']}"
    paths = ["/articles", "/articles?host=evil.example", "/sources", "/sites",
             "/sites/evil.example", hostile, f"{hostile}?since=2",
             "/search?q=headline"]  # fmt: skip
    for path in paths:
        response = client.get(path)
        assert response.headers["content-security-policy"] == CSP, path
        page = soup(response)
        assert page.find("script") is None and page.find("img") is None, path
        assert page.find("style") is None and not page.select("[style]"), path
        for tag in page.find_all(True):
            assert not [name for name in tag.attrs if name.lower().startswith("on")], path
            assert not str(tag.get("href", "")).lower().startswith("javascript:"), path
        if path != "/sources":  # which lists no scraped text
            assert "window.__pwned=1" in page.get_text(), path


def test_the_api_watches_shape_is_unchanged(web):
    """The state the page filters by is the one the API says (shapes.watch_json)."""
    store, ids, client = web
    fail_check(store, ids["story"])
    items = client.get("/api/watches").json()["items"]
    states = {item["id"]: item["state"] for item in items}
    failing = soup(client.get("/articles?state=failing")).select("table.articles a.headline")
    assert [a["href"] for a in failing] == [f"/articles/{ids['story']}"]
    assert states[ids["story"]] == "failing"


def test_the_body_of_a_version_is_marked_with_its_first_capture(web):
    """An article with one version shows its text, with nothing marked."""
    store, _, client = web
    watch_id = store.add_watch("https://one.example/only").id
    save_version(store, watch_id, article("Only once", *BODY))
    page = soup(client.get(f"/articles/{watch_id}"))
    assert [p.get_text() for p in page.select("article.in-place p")] == list(BODY)
    assert page.select("article.in-place del, article.in-place ins") == []
    assert page.select("figure.timeline-chart circle.version")


def test_a_site_is_counted_once_a_minute(web, monkeypatch):
    store, _, client = web
    calls = []
    counted = store.edits_per_day
    monkeypatch.setattr(store, "edits_per_day", lambda *a, **k: calls.append(a) or counted(*a, **k))
    for _ in range(3):
        assert client.get("/sites/news.example").status_code == 200
    assert client.get("/sites").status_code == 200
    assert len(calls) == 2  # news.example once, all sites once


def test_a_search_is_bounded_alike_on_its_page_and_in_the_api(web):
    _, _, client = web
    long = "word " * 120  # 600 characters
    for path in (f"/search?q={long}", f"/api/search?q={long}"):
        response = client.get(path)
        assert response.status_code == 400, path
        said = BeautifulSoup(response.text, "html.parser").get_text(" ")
        assert "parameter q: String should have at most 500 characters" in said, path


def test_a_quoted_phrase_is_found_only_with_its_words_in_a_row(store):
    apart = store.add_watch("https://zoo.example/apart").id
    save_series(store, apart, article("Council news", "The budget was set. The council met."))
    together = store.add_watch("https://zoo.example/together").id
    save_series(store, together, article("Council news", "The budget council met, again."))
    assert {h.watch.id for h in store.search_articles("budget council").hits} == {apart, together}
    assert [h.watch.id for h in store.search_articles('"budget council"').hits] == [together]
    both = store.search_articles('"council met" budget').hits  # a phrase and a word
    assert {h.watch.id for h in both} == {apart, together}
    assert store.search_articles('"council budget"').hits == []
    assert [h.watch.id for h in store.search_articles('"budget council').hits] == [together]
    assert search.search_words('"budget council" met') == ["budget", "council", "met"]


def test_words_of_scripts_without_spaces_are_found_inside_their_runs(store, monkeypatch):
    """The word index holds a run of Chinese, Japanese or Thai as one token: such a term is
    looked for as a substring, within the newest versions."""
    chinese = store.add_watch("https://zh.example/a").id
    save_series(
        store, chinese, article("港特首梁振英就住宅违建事件道歉", "梁振英表示歉意。", "Hong Kong")
    )
    japanese = store.add_watch("https://ja.example/b").id
    save_series(store, japanese, article("米朝首脳が電話で協議", "トランプ大統領は述べた。"))
    thai = store.add_watch("https://th.example/c").id
    save_series(store, thai, article("พบศพลอยแม่น้ำโขง", "ตำรวจกำลังสอบสวน"))
    cases = [("梁振英", chinese), ("违建", chinese), ("トランプ", japanese), ("米朝首脳", japanese),
             ("ศพลอย", thai), ("梁振英 Hong", chinese)]  # fmt: skip
    for query, expected in cases:
        found = store.search_articles(query)
        assert [h.watch.id for h in found.hits] == [expected], query
        assert not found.capped, query
    assert store.search_articles("梁振英 Tokyo").hits == []  # every term, as always
    monkeypatch.setattr(search, "SUBSTRING_SCANNED", 1)  # the newest version only: Thai
    bounded = store.search_articles("梁振英")
    assert bounded.hits == [] and bounded.capped
    assert [h.watch.id for h in store.search_articles("梁振英", host="zh.example").hits] == [
        chinese
    ]  # the filters first: the newest version on that host
