"""The alert outbox: rows written with the change, dispatch, retries, 410, digests, rules."""

import random
from datetime import timedelta

import httpx
import pytest
import respx

from worker import outbox as outbox_module
from worker.fetch import Fetcher
from worker.models import utcnow
from worker.outbox import Dispatcher
from worker.pipeline import Pipeline
from worker.settings import DEFAULT_RETRY, AlertSettings, GuardSettings, HttpSettings, Settings
from worker.store import Outbox
from worker.types import SendResult

URL = "https://news.example/story"


class FakeChannel:
    """Records what it was asked to send and answers from a script of results."""

    def __init__(self, name: str, *results: SendResult) -> None:
        self.name = name
        self.results = list(results)
        self.sent = []

    def send(self, message):
        self.sent.append(message)
        return self.results.pop(0) if self.results else SendResult(ok=True, status=200)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now


def _settings(*alerts: AlertSettings) -> Settings:
    return Settings(
        http=HttpSettings(per_host_delay=timedelta(0), retries=0),
        guard=GuardSettings(min_words=5, failing_after=2),
        alerts=list(alerts),
    )


def _page(title: str, *paragraphs: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}"
        f"</article></body></html>".encode()
    )


PARAGRAPHS = tuple(
    f"Paragraph {n} of the story, long enough to be real article text for the extractor."
    for n in range(5)
)
V1 = _page("Minister resigns", *PARAGRAPHS)
V2 = _page("Minister resigns after vote", *PARAGRAPHS)
V3 = _page("Minister resigns after vote", *PARAGRAPHS[:4], "A new paragraph with 12 votes.")


@pytest.fixture
def run_checks(store):
    """Serve each page in turn and check the watch once per page."""

    def run(settings: Settings, *pages: bytes, status: int = 200):
        store.add_watch(URL, label="politics")
        fetcher = Fetcher(settings.http)
        pipe = Pipeline(settings, store, fetcher, rng=random.Random(3))
        records = []
        with respx.mock:
            route = respx.get(URL)
            for page in pages:
                route.mock(
                    return_value=httpx.Response(
                        status, content=page, headers={"Content-Type": "text/html"}
                    )
                )
                [watch] = store.claim_all("t", utcnow(), timedelta(minutes=5))
                records.append(pipe.check(watch))
        fetcher.close()
        return records

    return run


def _dispatcher(store, settings, *channels, clock=None):
    return Dispatcher(
        settings,
        store,
        {c.name: c for c in channels},
        "test:1",
        clock=clock or Clock(),
        rng=random.Random(5),
    )


def test_a_change_writes_one_delivery_per_channel(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="a"), AlertSettings(type="log", name="b"))
    run_checks(settings, V1, V2)
    rows = Outbox(store).deliveries()
    assert sorted((row.channel, row.event, row.status) for row in rows) == [
        ("a", "article.changed", "pending"),
        ("b", "article.changed", "pending"),
    ]
    assert rows[0].change_id == store.recent_changes(limit=None)[0][0].id
    assert rows[0].key != rows[1].key


def test_new_articles_alert_only_when_asked(store, run_checks):
    settings = _settings(
        AlertSettings(type="log", name="default"),
        AlertSettings(type="log", name="everything", events=["new", "changed"]),
    )
    run_checks(settings, V1)
    assert [(r.channel, r.event) for r in Outbox(store).deliveries()] == [
        ("everything", "article.new")
    ]


@pytest.mark.parametrize(
    ("rule", "wanted"),
    [
        ({}, True),
        ({"min_significance": "major"}, True),
        ({"fields": ["authors"]}, False),
        ({"fields": ["title"]}, True),
        ({"labels": ["sport"]}, False),
        ({"labels": ["politics"]}, True),
        ({"keywords": ["vote"]}, True),
        ({"keywords": ["football"]}, False),
    ],
    ids=[
        "default",
        "major",
        "other-field",
        "title-field",
        "other-label",
        "label",
        "keyword",
        "missing-keyword",
    ],
)
def test_rules_pick_what_a_channel_gets(store, run_checks, rule, wanted):
    run_checks(_settings(AlertSettings(type="log", name="x", **rule)), V1, V2)
    assert bool(Outbox(store).deliveries()) is wanted


def test_dispatch_sends_and_marks_sent(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="hook"))
    run_checks(settings, V1, V2)
    channel = FakeChannel("hook")
    assert _dispatcher(store, settings, channel).dispatch_pending() == {"sent": 1}
    [message] = channel.sent
    assert message.event == "article.changed"
    assert message.data["url"] == URL
    assert "title" in message.data["fields"]
    assert message.data["article"]["title"] == "Minister resigns after vote"
    [row] = Outbox(store).deliveries()
    assert (row.status, row.attempts, message.id) == ("sent", 1, row.key)
    assert _dispatcher(store, settings, channel).dispatch_pending() == {}


def test_an_alert_shows_the_watched_url_not_the_canonical_url_the_page_declares(store, run_checks):
    declared = "https://elsewhere.example/the-real-story"
    pages = [
        page.replace(b"</head>", f'<link rel="canonical" href="{declared}"></head>'.encode())
        for page in (V1, V2)
    ]
    settings = _settings(AlertSettings(type="log", name="hook", events=["new", "changed"]))
    run_checks(settings, *pages)
    channel = FakeChannel("hook")
    _dispatcher(store, settings, channel).dispatch_pending()
    assert channel.sent
    for message in channel.sent:
        for data in message.data.get("items", [message.data]):
            assert (data["url"], data["article"]["url"]) == (URL, URL)
            assert data["article"]["canonical_url"] == declared
        assert URL in message.text and declared not in message.text


def test_failures_follow_the_retry_schedule_under_one_id(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="hook"))
    run_checks(settings, V1, V2)
    clock = Clock()
    failing = FakeChannel("hook", *[SendResult(ok=False, status=500, error="HTTP 500")] * 20)
    dispatcher = _dispatcher(store, settings, failing, clock=clock)
    for attempt in range(1, len(DEFAULT_RETRY) + 2):  # the first attempt, then each retry
        assert dispatcher.dispatch_pending() in ({"retry": 1}, {"failed": 1})
        [row] = Outbox(store).deliveries()
        assert row.attempts == attempt
        assert dispatcher.dispatch_pending() == {}  # not due yet
        clock.now = row.next_attempt_at + timedelta(seconds=1)
    assert row.status == "failed"
    assert len({message.id for message in failing.sent}) == 1
    assert len(failing.sent) == len(DEFAULT_RETRY) + 1 == 10  # Standard Webhooks: ten in all


def test_retry_waits_follow_the_schedule(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="hook"))
    run_checks(settings, V1, V2)
    clock = Clock()
    dispatcher = _dispatcher(
        store, settings, FakeChannel("hook", SendResult(ok=False)), clock=clock
    )
    dispatcher.dispatch_pending()
    [row] = Outbox(store).deliveries()
    wait = row.next_attempt_at - clock.now
    assert timedelta(seconds=4.5) <= wait <= timedelta(seconds=5.5)


@pytest.mark.parametrize(
    ("retry", "outcomes"),
    [
        (["1m", "0.5s"], ["retry", "retry", "failed"]),
        ([], ["failed"]),
    ],
    ids=["two-retries", "no-retry"],
)
def test_a_channel_retries_on_its_own_schedule(store, run_checks, retry, outcomes):
    settings = _settings(AlertSettings(type="log", name="hook", retry=retry))
    run_checks(settings, V1, V2)
    clock = Clock()
    failing = FakeChannel("hook", *[SendResult(ok=False, status=500, error="HTTP 500")] * 5)
    dispatcher = _dispatcher(store, settings, failing, clock=clock)
    waits = []
    for outcome in outcomes:
        assert dispatcher.dispatch_pending() == {outcome: 1}
        [row] = Outbox(store).deliveries()
        waits.append(row.next_attempt_at - clock.now)
        clock.now = row.next_attempt_at
    assert row.status == "failed" and row.attempts == len(outcomes)
    for wait, given in zip(waits, settings.alerts[0].retry, strict=False):
        assert given * 0.9 <= wait <= given * 1.1  # the jitter: ±10%


def test_a_retry_after_is_capped_at_the_channels_longest_wait(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="hook", retry=["2s", "1m", "10s"]))
    run_checks(settings, V1, V2)
    clock = Clock()
    busy = FakeChannel("hook", SendResult(ok=False, status=503, retry_after=3600))
    _dispatcher(store, settings, busy, clock=clock).dispatch_pending()
    [row] = Outbox(store).deliveries()
    assert row.next_attempt_at - clock.now == timedelta(minutes=1)


def test_retry_after_is_honoured(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="hook"))
    run_checks(settings, V1, V2)
    clock = Clock()
    busy = FakeChannel("hook", SendResult(ok=False, status=429, retry_after=120))
    _dispatcher(store, settings, busy, clock=clock).dispatch_pending()
    [row] = Outbox(store).deliveries()
    assert row.next_attempt_at - clock.now >= timedelta(seconds=120)
    assert row.status == "pending"


def test_gone_endpoint_disables_the_channel_until_retry(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="hook"))
    run_checks(settings, V1, V2, V3)
    gone = FakeChannel("hook", SendResult(ok=False, status=410, gone=True))
    dispatcher = _dispatcher(store, settings, gone)
    assert dispatcher.dispatch_pending() == {"gone": 1}
    outbox = Outbox(store)
    assert {row.status for row in outbox.deliveries()} == {"failed"}
    assert "hook" in outbox.disabled_channels()
    assert len(gone.sent) == 1  # the other delivery was not attempted
    assert len(outbox.retry()) == 2
    assert outbox.disabled_channels() == {}
    assert _dispatcher(store, settings, gone).dispatch_pending() == {"sent": 2}


def test_a_digest_bundles_changes_once_the_window_passes(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="daily", digest="30m"))
    run_checks(settings, V1, V2, V3)
    clock = Clock()
    channel = FakeChannel("daily")
    dispatcher = _dispatcher(store, settings, channel, clock=clock)
    assert dispatcher.dispatch_pending() == {}
    clock.now += timedelta(minutes=31)
    assert dispatcher.dispatch_pending() == {"sent": 1}
    [message] = channel.sent
    assert message.event == "digest"
    assert len(message.data["items"]) == 2
    assert {row.status for row in Outbox(store).deliveries()} == {"sent"}


def test_a_failing_watch_alerts_the_operator_once_and_on_recovery(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="ops", events=["operator"]))
    run_checks(settings, b"", b"", b"", status=503)
    rows = Outbox(store).deliveries()
    assert [(r.event, r.data["failures"]) for r in rows] == [("watch.failing", 2)]
    run_checks(settings, V1)
    assert [r.event for r in Outbox(store).deliveries()] == ["watch.recovered", "watch.failing"]


def test_a_degraded_site_alerts_once_and_recovers_once(store):
    settings = _settings(AlertSettings(type="log", name="ops", events=["operator"]))
    settings = settings.model_copy(
        update={"guard": GuardSettings(min_words=5, degraded_articles=3, confirm_checks=5)}
    )
    urls = [f"https://news.example/story-{n}" for n in range(3)]
    for url in urls:
        store.add_watch(url)
    gutted = _page("Minister resigns", "Subscribe now.")
    fetcher = Fetcher(settings.http)
    pipe = Pipeline(settings, store, fetcher, rng=random.Random(3))

    def round_(page: bytes) -> None:
        with respx.mock:
            for url in urls:
                respx.get(url).mock(
                    return_value=httpx.Response(
                        200, content=page, headers={"Content-Type": "text/html"}
                    )
                )
            for watch in store.claim_all("t", utcnow(), timedelta(minutes=5)):
                pipe.check(watch)

    round_(V1)
    round_(gutted)
    round_(gutted)
    round_(V2)
    fetcher.close()
    events = [(row.event, row.data["host"]) for row in Outbox(store).deliveries()]
    assert events == [("site.recovered", "news.example"), ("site.degraded", "news.example")]


def _unbuildable_first_change(monkeypatch, store):
    """Building the payload of the first change fails, as a bug or a vanished row would."""
    first = min(change.id for change, _ in store.recent_changes(limit=None))
    real = outbox_module.change_payload

    def payload(outbox, change_id):
        if change_id == first:
            raise RuntimeError("a bug in the payload")
        return real(outbox, change_id)

    monkeypatch.setattr(outbox_module, "change_payload", payload)
    return first


def test_a_message_that_cannot_be_built_backs_off_alone(store, run_checks, monkeypatch):
    settings = _settings(AlertSettings(type="log", name="hook"))
    run_checks(settings, V1, V2, V3)
    broken = _unbuildable_first_change(monkeypatch, store)
    channel = FakeChannel("hook")
    assert _dispatcher(store, settings, channel).dispatch_pending() == {"retry": 1, "sent": 1}
    rows = {row.change_id: row for row in Outbox(store).deliveries()}
    assert rows[broken].status == "pending"
    assert "cannot build the message" in rows[broken].last_error
    [message] = channel.sent
    assert message.data["id"] != broken


def test_a_digest_leaves_out_an_unbuildable_item(store, run_checks, monkeypatch):
    settings = _settings(AlertSettings(type="log", name="daily", digest="30m"))
    run_checks(settings, V1, V2, V3)
    broken = _unbuildable_first_change(monkeypatch, store)
    clock = Clock()
    clock.now += timedelta(minutes=31)
    channel = FakeChannel("daily")
    assert _dispatcher(store, settings, channel, clock=clock).dispatch_pending() == {
        "retry": 1,
        "sent": 1,
    }
    [message] = channel.sent
    assert len(message.data["items"]) == 1
    rows = {row.change_id: row.status for row in Outbox(store).deliveries()}
    assert rows[broken] == "pending"


def test_a_huge_retry_after_is_capped_at_the_longest_wait(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="hook"))
    run_checks(settings, V1, V2)
    clock = Clock()
    busy = FakeChannel("hook", SendResult(ok=False, status=503, retry_after=10**9))
    _dispatcher(store, settings, busy, clock=clock).dispatch_pending()
    [row] = Outbox(store).deliveries()
    assert row.next_attempt_at - clock.now <= max(DEFAULT_RETRY)


def test_retry_by_id_touches_only_failed_deliveries(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="hook"))
    run_checks(settings, V1, V2)
    _dispatcher(store, settings, FakeChannel("hook")).dispatch_pending()
    outbox = Outbox(store)
    [row] = outbox.deliveries()
    assert outbox.retry([row.id]) == []
    [row] = outbox.deliveries()
    assert (row.status, row.attempts) == ("sent", 1)  # not sent a second time


def test_a_worker_whose_lease_ran_out_does_not_reschedule(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="hook"))
    run_checks(settings, V1, V2)
    outbox, now = Outbox(store), utcnow()
    [row] = outbox.claim("slow", now, timedelta(seconds=1), 5, ["hook"])
    [again] = outbox.claim("fast", now + timedelta(seconds=2), timedelta(minutes=5), 5, ["hook"])
    outbox.settle([again.id], "sent", None, 200, None, owner="fast")
    outbox.settle([row.id], "pending", now + timedelta(hours=1), 500, "HTTP 500", owner="slow")
    [row] = outbox.deliveries()
    assert (row.status, row.attempts) == ("sent", 1)


class StoppingChannel(FakeChannel):
    """Sends, and meanwhile the worker is told to stop (SIGTERM during a delivery)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.dispatcher = None

    def send(self, message):
        self.dispatcher.stop()
        return super().send(message)


def test_a_stopping_dispatcher_finishes_the_alert_in_hand_and_sends_no_more(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="hook"))
    run_checks(settings, V1, V2, V3)
    channel = StoppingChannel("hook")
    dispatcher = _dispatcher(store, settings, channel)
    channel.dispatcher = dispatcher
    assert dispatcher.dispatch_pending() == {"sent": 1}
    outbox = Outbox(store)
    assert sorted(row.status for row in outbox.deliveries()) == ["pending", "sent"]
    store.release_leases("test:1")
    assert [row.lease_owner for row in outbox.deliveries()] == [None, None]


def _key_paths(value, prefix=()):
    """Every key of a payload, nested ones as paths: ('article', 'title'), ..."""
    if not isinstance(value, dict):
        return set()
    paths = set()
    for key, item in value.items():
        paths |= {(*prefix, key), *_key_paths(item, (*prefix, key))}
    return paths


def test_the_sample_alert_has_the_shape_of_a_real_change_alert(store, run_checks):
    settings = _settings(AlertSettings(type="log", name="hook"))
    run_checks(settings, V1, V2)
    channel = FakeChannel("hook")
    _dispatcher(store, settings, channel).dispatch_pending()
    [real] = channel.sent
    sample = outbox_module.sample_message(settings.alerts[0], "https://watch.example/")
    assert _key_paths(sample.data) == _key_paths(real.data)
    assert ("diff", "html") in _key_paths(sample.data)
    assert sample.event == real.event == "article.changed"
    assert sample.data["article"]["title"].startswith("Sample alert from newswatch")
    assert sample.data["article"]["authors"] and sample.data["article"]["published"]
    assert "<ins>three</ins>" in sample.data["diff"]["html"]
    assert sample.title.startswith("[substantive] Sample alert from newswatch")
    assert sample.link == "https://watch.example/changes/0"
