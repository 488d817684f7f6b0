from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from worker import extract
from worker.errors import NotFoundError, UsageError
from worker.models import (
    Check,
    Delivery,
    RawPage,
    Snapshot,
    Watch,
    WorkerState,
    fit_article,
    utcnow,
)
from worker.settings import SourceSettings, WatchSettings
from worker.store import Outbox, Store, _insert_new
from worker.types import (
    AlertRequest,
    Article,
    Change,
    CheckRecord,
    Discovered,
    FieldChange,
    Link,
    PollRecord,
)

LEASE = timedelta(minutes=5)


def _article(title: str = "Headline", body: tuple[str, ...] = ("One.", "Two.")) -> Article:
    return Article(
        url="https://example.com/a",
        title=title,
        authors=("AFP",),
        body=body,
        related=(Link("Related", "https://example.com/r"),),
    )


def _record(store: Store, watch_id: int, **fields) -> CheckRecord:
    now = utcnow()
    defaults = {"outcome": "unchanged", "next_check_at": now + timedelta(minutes=15)}
    return CheckRecord(watch_id=watch_id, started_at=now, **(defaults | fields))


def _count(store: Store, model) -> int:
    with Session(store.engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_add_watch_normalises_and_is_idempotent(store):
    first = store.add_watch("HTTPS://Example.COM/a?utm_source=x#top", label="x")
    again = store.add_watch("https://example.com/a")
    assert first.url == again.url == "https://example.com/a"
    assert first.id == again.id
    assert len(store.list_watches()) == 1


def test_add_watch_refuses_non_http(store):
    with pytest.raises(UsageError, match="not an http"):
        store.add_watch("ftp://example.com/file")


def test_sync_config_watches_deactivates_removed_ones(store):
    store.sync_config_watches([WatchSettings(url="https://a.example/1")])
    store.add_watch("https://b.example/2")
    store.sync_config_watches([WatchSettings(url="https://c.example/3")])
    states = {watch.url: watch.active for watch, _ in store.list_watches()}
    assert states == {
        "https://a.example/1": False,
        "https://b.example/2": True,
        "https://c.example/3": True,
    }


def test_claim_due_leases_each_watch_once(store):
    store.add_watch("https://example.com/due")
    later = utcnow() + timedelta(seconds=1)
    first = store.claim_due("w1", 10, later, LEASE)
    second = store.claim_due("w2", 10, later, LEASE)
    assert [w.url for w in first] == ["https://example.com/due"]
    assert second == []
    after_expiry = store.claim_due("w2", 10, later + LEASE + timedelta(seconds=1), LEASE)
    assert [w.lease_owner for w in after_expiry] == ["w2"]


def test_claim_due_skips_future_and_inactive(store):
    store.add_watch("https://example.com/gone")
    store.remove_watch("https://example.com/gone")
    watch = store.add_watch("https://example.com/later")
    store.release(watch.id, utcnow() + timedelta(hours=1))
    assert store.claim_due("w", 10, utcnow(), LEASE) == []


def test_claim_urls_names_unknown_urls(store):
    with pytest.raises(NotFoundError, match=r"https://nowhere\.example/x"):
        store.claim_urls("w", ["https://nowhere.example/x"], utcnow(), LEASE)


def test_save_check_stores_versions_and_changes(store):
    watch = store.add_watch("https://example.com/a")
    raw = b"<html>v1</html>"
    store.save_check(
        _record(
            store,
            watch.id,
            outcome="new",
            article=_article(),
            content_hash="h1",
            raw=raw,
            raw_hash="r1",
            http_status=200,
        )
    )
    change = Change(
        fields=("title",),
        field_changes=(FieldChange("title", "Headline", "New"),),
        significance="major",
        summary="title changed",
    )
    store.save_check(
        _record(
            store,
            watch.id,
            outcome="changed",
            article=_article("New"),
            content_hash="h2",
            raw=raw,
            raw_hash="r1",
            change=change,
        )
    )
    versions = store.versions_of(store.watch_id("https://example.com/a"))
    assert [(s.version, s.title) for s in versions] == [(1, "Headline"), (2, "New")]
    assert store.latest_version(watch.id).article.related == (
        Link("Related", "https://example.com/r"),
    )
    assert _count(store, RawPage) == 1  # the same HTML is stored once
    [(stored, owner)] = store.recent_changes(limit=None)
    assert (stored.from_version, stored.to_version, stored.fields) == (1, 2, ["title"])
    assert owner.url == "https://example.com/a"
    assert store.raw_html("r1") == raw


def test_save_check_without_article_writes_only_a_check(store):
    watch = store.add_watch("https://example.com/a")
    store.save_check(_record(store, watch.id, outcome="error", error="HTTP 503", failed=True))
    assert _count(store, Check) == 1
    assert _count(store, Snapshot) == 0
    [(stored, _)] = store.list_watches()
    assert stored.consecutive_failures == 1
    assert stored.lease_owner is None


def test_snapshot_round_trip_keeps_paragraphs(store):
    watch = store.add_watch("https://example.com/a")
    article = _article(body=("First paragraph.", "Second, with a\nline break."))
    store.save_check(_record(store, watch.id, outcome="new", article=article, content_hash="h"))
    assert store.latest_version(watch.id).article.body == article.body


def test_changes_since_is_inclusive_and_newest_first(store):
    watch = store.add_watch("https://example.com/a")
    store.save_check(
        _record(store, watch.id, outcome="new", article=_article("1"), content_hash="1")
    )
    for title in ("2", "3"):
        change = Change(fields=("title",), significance="major", summary=title)
        store.save_check(
            _record(
                store,
                watch.id,
                outcome="changed",
                article=_article(title),
                content_hash=title,
                change=change,
            )
        )
    everything = store.recent_changes(limit=None)
    assert [c.to_version for c, _ in everything] == [3, 2]
    oldest = everything[-1][0].detected_at
    assert [c.to_version for c, _ in store.recent_changes(since=oldest, limit=None)] == [3, 2]
    assert len(store.recent_changes(limit=1)) == 1


def test_missing_watch_is_not_found(store):
    with pytest.raises(NotFoundError, match="not watched"):
        store.versions_of(store.watch_id("https://example.com/none"))


def test_a_site_another_worker_just_marked_degraded_alerts_only_once(store):
    """Two workers may both find a host degraded; the one that records it second still saves
    its check, but does not alert a second time."""
    first = store.add_watch("https://example.com/a")
    second = store.add_watch("https://example.com/b")
    alert = AlertRequest("hook", "site.degraded", {"host": "example.com"})
    for watch in (first, second):
        store.save_check(
            _record(store, watch.id, outcome="held", site_event="degraded", alerts=(alert,))
        )
    assert _count(store, Check) == 2
    assert [(d.event, d.watch_id) for d in Outbox(store).deliveries()] == [
        ("site.degraded", first.id)
    ]
    assert store.site_degraded("example.com")


def test_inserting_a_row_that_exists_is_a_no_op(store):
    now = utcnow()
    with store.session() as session:
        assert _insert_new(session, Watch(url="https://example.com/x", created_at=now))
    with store.session() as session:
        assert not _insert_new(session, Watch(url="https://example.com/x", created_at=now))
    assert [w.url for w, _ in store.list_watches()] == ["https://example.com/x"]


LONG = "https://example.com/" + "a" * 3000


def test_an_overlong_url_is_refused_by_name(store):
    with pytest.raises(UsageError, match="longer than 2048 characters"):
        store.add_watch(LONG)


def test_a_feed_listing_an_overlong_url_enrols_the_others(store):
    source = store.add_source(SourceSettings(url="https://example.com/feed.xml"))
    now = utcnow()
    items = (Discovered(LONG), Discovered("https://example.com/fine"))
    assert store.save_poll(PollRecord(source.id, now, now + timedelta(hours=1), items=items)) == 1
    assert [w.url for w, _ in store.list_watches()] == ["https://example.com/fine"]


def test_every_way_a_watch_is_made_records_its_host(store):
    """The host column that host filters use is set by the CLI's add, a source's enrolment
    and a bulk insert without the ORM alike, from the normalised URL."""
    added = store.add_watch("https://News.Example:8443/a")
    ipv6 = store.add_watch("http://[2001:db8::1]/b")
    source = store.add_source(SourceSettings(url="https://feeds.example/feed.xml"))
    now = utcnow()
    poll = PollRecord(source.id, now, now, items=(Discovered("https://Other.example/c"),))
    assert store.save_poll(poll) == 1
    with store.engine.begin() as connection:
        connection.execute(sa.insert(Watch), [{"url": "https://bulk.example/d", "created_at": now}])
    with store.session() as session:
        hosts = {w.url: w.host for w in session.exec(select(Watch))}
    assert hosts == {
        added.url: "news.example",
        ipv6.url: "2001:db8::1",
        "https://other.example/c": "other.example",
        "https://bulk.example/d": "bulk.example",
    }


def test_a_page_with_overlong_metadata_is_stored(store):
    """Scraped metadata never overflows a column (PostgreSQL refuses what SQLite keeps)."""
    watch = store.add_watch("https://example.com/a")
    html = (
        f'<html lang="{"x" * 80}"><head><link rel="canonical" href="{LONG}">'
        f'<meta property="og:image" content="{LONG}.jpg">'
        f'<meta property="og:site_name" content="{"Site " * 200}"></head>'
        "<body><article><h1>Headline</h1>"
        + "<p>A paragraph of article text that is long enough to count as the body.</p>" * 5
        + "</article></body></html>"
    )
    article = extract.article(html, watch.url)
    assert (article.canonical_url, article.image, article.language) == (None, None, None)
    assert len(article.site_name) <= 300
    store.save_check(
        _record(store, watch.id, outcome="new", article=article, content_hash="h", raw=None)
    )
    assert store.version_of(store.watch_id(watch.url)).site_name == article.site_name


def test_prune_deletes_old_checks_and_sent_alerts_only(store):
    watch = store.add_watch("https://example.com/a")
    now = utcnow()
    for days in (200, 100, 10, 0):
        record = _record(store, watch.id)
        store.save_check(replace(record, started_at=now - timedelta(days=days)))
    store.save_check(
        _record(store, watch.id, outcome="new", article=_article(), content_hash="h", raw=None)
    )
    with store.session() as session:
        for n, (status, days) in enumerate([("sent", 40), ("sent", 5), ("failed", 400)]):
            sent = now - timedelta(days=days)
            session.add(
                Delivery(
                    key=f"d{n}",
                    channel="hook",
                    event="article.changed",
                    status=status,
                    created_at=sent,
                    next_attempt_at=sent,
                    sent_at=sent,
                )
            )
        session.add(WorkerState(id="gone:1", started_at=now, heartbeat_at=now - timedelta(days=3)))
        session.add(WorkerState(id="live:2", started_at=now, heartbeat_at=now))
    pruned = store.prune(now, timedelta(days=90), timedelta(days=30))
    assert pruned == {"checks": 2, "alerts": 1, "workers": 1}
    assert len(store.checks_of(store.watch_id(watch.url))) == 3
    assert sorted((d.status, d.key) for d in Outbox(store).deliveries()) == [
        ("failed", "d2"),
        ("sent", "d1"),
    ]
    assert [s.version for s in store.versions_of(store.watch_id(watch.url))] == [
        1
    ]  # versions are kept
    assert store.prune(now, timedelta(0), timedelta(0))["checks"] == 0  # zero keeps everything


def _held_check(store: Store, url: str) -> int:
    watch = store.add_watch(url)
    store.save_check(_record(store, watch.id, outcome="held"))
    return watch.id


def test_held_share_counts_only_the_watches_on_that_very_host(store):
    """`_` and `%` in a host stand for themselves, a port does not move a URL off its host,
    and a URL that only names the host in its query is not on it."""
    mine = _held_check(store, "https://a_b.example/one")
    _held_check(store, "https://a_b.example:8443/two")
    _held_check(store, "https://axb.example/three")
    _held_check(store, "https://a%b.example/four")
    _held_check(store, "https://other.example/go?to=https://a_b.example/five")
    since = utcnow() - timedelta(hours=1)
    assert store.held_share("a_b.example", since, exclude=mine) == (1, 1)
    assert store.held_share("axb.example", since, exclude=0) == (1, 1)
    assert store.held_share("a%b.example", since, exclude=0) == (1, 1)


def test_held_share_on_an_ipv6_host(store):
    _held_check(store, "http://[::1]:8080/a")
    _held_check(store, "http://[::12]:8080/a")
    assert store.held_share("::1", utcnow() - timedelta(hours=1), exclude=0) == (1, 1)


def _enrol(store: Store, *urls: str, source: str = "https://example.com/feed.xml") -> int:
    row = store.add_source(SourceSettings(url=source))
    now = utcnow()
    items = tuple(Discovered(url) for url in urls)
    return store.save_poll(PollRecord(row.id, now, now + timedelta(hours=1), items=items))


def _watches(store: Store) -> dict[str, Watch]:
    return {watch.url: watch for watch, _ in store.list_watches()}


def _active(store: Store) -> dict[str, bool]:
    return {watch.url: watch.active for watch, _ in store.list_watches()}


def test_a_feed_url_whose_canonical_is_watched_is_merged_into_that_watch(store):
    story, tracked = "https://example.com/story", "https://example.com/story?ref=feed"
    store.add_watch(story)
    _enrol(store, tracked)
    [feed_watch] = [w for w, _ in store.list_watches() if w.url == tracked]
    store.save_check(_record(store, feed_watch.id, canonical_url=story))
    assert _active(store) == {story: True, tracked: False}


def test_two_feed_urls_of_one_article_become_one_watch(store):
    canonical = "https://example.com/story"
    first, second = "https://example.com/story?ref=a", "https://example.com/story?ref=b"
    _enrol(store, first, second)
    watches = {w.url: w for w, _ in store.list_watches()}
    store.save_check(_record(store, watches[first].id, canonical_url=canonical))
    store.save_check(_record(store, watches[second].id, canonical_url=canonical))
    assert _active(store) == {first: True, second: False}


def test_a_watch_added_by_hand_is_never_merged_away(store):
    """A URL a feed enrolled and the operator then added by hand is theirs: it stays active
    even when another watch shares its canonical URL, and it keeps its source."""
    canonical = "https://example.com/story"
    first, second = "https://example.com/story?ref=a", "https://example.com/story?ref=b"
    _enrol(store, first, second)
    store.add_watch(second)
    watches = {w.url: w for w, _ in store.list_watches()}
    store.save_check(_record(store, watches[first].id, canonical_url=canonical))
    store.save_check(_record(store, watches[second].id, canonical_url=canonical))
    assert _active(store) == {first: True, second: True}
    store.save_check(_record(store, watches[first].id, canonical_url=canonical))
    assert _active(store) == {first: False, second: True}  # the feed's copy gives way
    assert {w.source for w, _ in store.list_watches()} == {"https://example.com/feed.xml"}


HOSTILE_FEED = "https://hostile.example/feed.xml"


def test_a_page_naming_another_sites_article_as_canonical_cannot_stop_its_enrolment(store):
    article = "https://news.example/2024/05/story"
    _enrol(store, "https://hostile.example/copy", source=HOSTILE_FEED)
    copy = _watches(store)["https://hostile.example/copy"]
    store.save_check(_record(store, copy.id, canonical_url=article))
    assert _enrol(store, article, source="https://news.example/rss") == 1
    assert _active(store) == {"https://hostile.example/copy": True, article: True}


def test_a_page_naming_another_sites_article_as_canonical_cannot_retire_its_watch(store):
    """The news site's own watch shares its canonical URL with a hostile copy checked first:
    it stays, and so does the copy (on another site, it stands for nothing here)."""
    canonical = "https://news.example/story"
    legit = "https://news.example/story?page=1"
    _enrol(store, "https://hostile.example/copy", source=HOSTILE_FEED)
    _enrol(store, legit, source="https://news.example/rss")
    watches = _watches(store)
    store.save_check(
        _record(store, watches["https://hostile.example/copy"].id, canonical_url=canonical)
    )
    store.save_check(_record(store, watches[legit].id, canonical_url=canonical))
    assert _active(store) == {"https://hostile.example/copy": True, legit: True}


def test_a_canonical_url_on_another_site_merges_nothing(store):
    """Even into a watch added by hand: the page's claim holds on its own site only."""
    store.add_watch("https://news.example/story")
    _enrol(store, "https://hostile.example/copy", source=HOSTILE_FEED)
    copy = _watches(store)["https://hostile.example/copy"]
    store.save_check(_record(store, copy.id, canonical_url="https://news.example/story"))
    assert _active(store) == {
        "https://news.example/story": True,
        "https://hostile.example/copy": True,
    }


def test_another_sources_watch_is_never_merged_away(store):
    canonical = "https://example.com/story"
    ours, theirs = "https://example.com/story?ref=a", "https://example.com/story?ref=b"
    _enrol(store, ours)
    _enrol(store, theirs, source="https://example.com/other-feed.xml")
    watches = _watches(store)
    store.save_check(_record(store, watches[theirs].id, canonical_url=canonical))
    store.save_check(_record(store, watches[ours].id, canonical_url=canonical))
    assert _active(store) == {ours: True, theirs: True}


SITES = [
    ("subdomain-under-a-public-suffix", "https://www.news.example.co.uk/a?ref=rss",
     "https://news.example.co.uk/a", True),
    ("sibling-subdomains", "https://amp.paper.example/a", "https://www.paper.example/a", True),
    ("private-suffix", "https://alice.blogspot.com/a?ref=rss", "https://bob.blogspot.com/a", False),
    ("icann-suffix", "https://news.example.co.uk/a?ref=rss", "https://other.co.uk/a", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("watched", "canonical", "merged"), [case[1:] for case in SITES], ids=[c[0] for c in SITES]
)
def test_a_canonical_url_merges_only_within_one_registrable_domain(
    store, watched, canonical, merged
):
    """The Public Suffix List draws the line: blogspot.com and co.uk hold many sites."""
    store.add_watch(canonical)
    _enrol(store, watched)
    store.save_check(_record(store, _watches(store)[watched].id, canonical_url=canonical))
    assert _active(store) == {canonical: True, watched: not merged}


def test_the_same_source_does_not_enrol_an_article_it_already_watches_by_canonical(store):
    canonical, listed = "https://example.com/story", "https://example.com/story?ref=feed"
    _enrol(store, listed)
    store.save_check(_record(store, _watches(store)[listed].id, canonical_url=canonical))
    assert _enrol(store, canonical) == 0


def test_an_unusable_canonical_url_is_ignored(store):
    _enrol(store, "https://example.com/a")
    watch = _watches(store)["https://example.com/a"]
    store.save_check(_record(store, watch.id, canonical_url="https://ev\x9bil.example.com/a"))
    assert _active(store) == {"https://example.com/a": True}


def test_values_no_column_takes_are_fitted_not_fatal(store):
    """NUL and lone surrogates are removed, a naive datetime and an over-wide URL dropped:
    saving a scraped page can never fail on one field."""
    article = Article(
        url="https://news.example/a",
        title="Bad\x00title",
        authors=("Ann\ud800 Lee",),
        published=datetime(2020, 11, 11, 13, 47),  # naive
        modified=datetime(2020, 11, 11, 14, 0, tzinfo=UTC),
        canonical_url="https://news.example/" + "x" * 3000,
        body=("First\x00 paragraph.", "Second."),
        related=(Link(text="Rel\x00ated", url="https://news.example/r"),),
    )
    fitted, dropped = fit_article(article)
    assert dropped == ["authors", "body", "canonical_url", "published", "related", "title"]
    assert (fitted.title, fitted.authors, fitted.body) == (
        "Badtitle",
        ("Ann Lee",),
        ("First paragraph.", "Second."),
    )
    assert (fitted.published, fitted.canonical_url) == (None, None)
    assert fitted.modified == article.modified
    assert fit_article(fitted) == (fitted, [])
    watch = store.add_watch(article.url)
    store.save_check(_record(store, watch.id, outcome="new", article=fitted, content_hash="h"))
    [stored] = store.versions_of(store.watch_id(article.url))
    assert (stored.title, stored.authors) == ("Badtitle", ["Ann Lee"])


def test_a_shorter_every_on_an_existing_watch_moves_its_next_check(store):
    url = "https://news.example/a"
    store.add_watch(url)
    store.release(store.add_watch(url).id, utcnow() + timedelta(minutes=15))
    store.add_watch(url, every=timedelta(seconds=15))
    [(watch, _)] = store.list_watches()
    assert watch.every_seconds == 15
    assert watch.next_check_at <= utcnow() + timedelta(seconds=15)
    store.add_watch(url, every=timedelta(hours=2))  # a longer one waits for the planned check
    [(watch, _)] = store.list_watches()
    assert watch.next_check_at <= utcnow() + timedelta(seconds=15)


def test_changing_a_sources_rules_applies_to_the_articles_it_already_enrolled(store):
    feed = "https://example.com/feed.xml"
    source = store.add_source(SourceSettings(url=feed))
    now = utcnow()
    items = (Discovered("https://example.com/a"), Discovered("https://example.com/b"))
    store.save_poll(PollRecord(source.id, now, now + timedelta(hours=1), items=items))
    store.add_watch("https://example.com/b")  # the operator's own from now on
    rules = {w.url: (w.public_only, w.respect_robots) for w, _ in store.list_watches()}
    assert rules == {"https://example.com/a": (True, True), "https://example.com/b": (False, False)}
    store.add_source(
        SourceSettings(url=feed, allow_private=True, ignore_robots=True),
        only=["allow_private", "ignore_robots"],
    )
    rules = {w.url: (w.public_only, w.respect_robots) for w, _ in store.list_watches()}
    assert rules == {
        "https://example.com/a": (False, False),
        "https://example.com/b": (False, False),
    }
    store.add_source(SourceSettings(url=feed), only=["allow_private"])
    [a] = [w for w, _ in store.list_watches() if w.url.endswith("/a")]
    assert (a.public_only, a.respect_robots) == (True, False)
