import random
from datetime import timedelta

import httpx
import pytest
import respx
from sqlmodel import Session, select

from worker import pipeline as pipeline_module
from worker.errors import LeaseLostError
from worker.fetch import Fetcher
from worker.models import Snapshot, utcnow
from worker.pipeline import Pipeline
from worker.settings import HttpSettings, ScheduleSettings, Settings

URL = "https://news.example/2020/11/11/story"


@pytest.fixture
def settings() -> Settings:
    return Settings(
        http=HttpSettings(per_host_delay=timedelta(0), retries=0),
        schedule=ScheduleSettings(every=timedelta(minutes=15), jitter=0.1),
    )


@pytest.fixture
def pipe(settings, store):
    fetcher = Fetcher(settings.http)
    yield Pipeline(settings, store, fetcher, rng=random.Random(7))
    fetcher.close()


def _check(pipe, store):
    [watch] = store.claim_all("test", utcnow(), timedelta(minutes=5))
    return pipe.check(watch)


@pytest.fixture
def watched(store):
    return store.add_watch(URL)


@respx.mock
def test_story_new_unchanged_changed(pipe, store, watched, seed_v1, seed_v2):
    route = respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    assert _check(pipe, store).outcome == "new"
    assert _check(pipe, store).outcome == "unchanged"
    route.mock(return_value=httpx.Response(200, content=seed_v2, headers=_html()))
    record = _check(pipe, store)
    assert record.outcome == "changed"
    assert {"title", "body"} <= set(record.change.fields)
    assert [s.version for s in store.versions_of(store.watch_id(URL))] == [1, 2]


@respx.mock
def test_same_bytes_skip_extraction(pipe, store, watched, seed_v1, monkeypatch):
    respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    _check(pipe, store)
    calls = []
    monkeypatch.setattr(pipeline_module.extract, "article", lambda *a: calls.append(a))
    assert _check(pipe, store).outcome == "unchanged"
    assert calls == []


@respx.mock
def test_not_modified_sends_validators_and_stops(pipe, store, watched, seed_v1, monkeypatch):
    headers = {**_html(), "ETag": '"v1"', "Last-Modified": "Wed, 11 Nov 2020 10:00:00 GMT"}
    route = respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=headers))
    _check(pipe, store)
    route.mock(return_value=httpx.Response(304, headers={"ETag": '"v1"'}))
    monkeypatch.setattr(pipeline_module.extract, "article", _explode)
    record = _check(pipe, store)
    assert record.outcome == "not_modified"
    sent = route.calls.last.request.headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Wed, 11 Nov 2020 10:00:00 GMT"
    assert len(store.versions_of(store.watch_id(URL))) == 1


@respx.mock
def test_http_error_is_a_check_and_backs_off(pipe, store, watched, seed_v1):
    respx.get(URL).mock(return_value=httpx.Response(503, text="busy"))
    before = utcnow()
    record = _check(pipe, store)
    assert record.outcome == "error"
    assert "503" in record.error
    assert record.http_status == 503
    # one failure doubles the 15-minute interval (jitter is at most 10%)
    assert record.next_check_at - before > timedelta(minutes=26)
    [(watch, versions)] = store.list_watches()
    assert (watch.consecutive_failures, versions) == (1, 0)


@respx.mock
def test_network_error_is_a_check(pipe, store, watched):
    respx.get(URL).mock(side_effect=httpx.ConnectError("refused"))
    record = _check(pipe, store)
    assert record.outcome == "error"
    assert URL in record.error or "refused" in record.error


@respx.mock
def test_page_without_article_is_held(pipe, store, watched):
    page = b"<html><body><nav><a href='/'>Home</a></nav></body></html>"
    respx.get(URL).mock(return_value=httpx.Response(200, content=page, headers=_html()))
    record = _check(pipe, store)
    assert record.outcome == "held"
    assert record.next_check_at - record.started_at <= pipe.settings.guard.held_retry
    assert store.versions_of(store.watch_id(URL)) == []


@respx.mock
def test_error_between_versions_changes_nothing(pipe, store, watched, seed_v1):
    route = respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    _check(pipe, store)
    route.mock(return_value=httpx.Response(500))
    _check(pipe, store)
    route.mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    assert _check(pipe, store).outcome == "unchanged"
    assert store.recent_changes(limit=None) == []
    [(watch, _)] = store.list_watches()
    assert watch.consecutive_failures == 0


@pytest.mark.parametrize(("failures", "low", "high"), [(0, 13.5, 16.5), (1, 27, 33), (3, 108, 132)])
def test_next_check_backs_off_with_jitter(pipe, watched, failures, low, high):
    now = utcnow()
    minutes = (pipe.next_check(watched, now, failures) - now) / timedelta(minutes=1)
    assert low <= minutes <= high


def test_backoff_is_capped(pipe, watched):
    now = utcnow()
    assert pipe.next_check(watched, now, 40) - now <= timedelta(days=1, hours=2, minutes=25)


def test_a_failure_never_checks_an_old_article_sooner(pipe, watched):
    """A monthly article that fails waits at least its month, not max_backoff's day."""
    now = utcnow()
    aged = _aged(watched, days=100)
    assert pipe.next_check(aged, now, 1) - now >= timedelta(days=30) * 0.9


def _html() -> dict[str, str]:
    return {"Content-Type": "text/html; charset=utf-8"}


def _explode(*args):
    raise AssertionError("extraction must not run")


def _aged(watched, **since):
    watched.every_seconds = None
    watched.last_change_at = utcnow() - timedelta(**since)
    return watched


@pytest.mark.parametrize(
    ("age", "every"),
    [
        ({"minutes": 30}, timedelta(minutes=15)),
        ({"hours": 5}, timedelta(hours=1)),
        ({"days": 2}, timedelta(hours=3)),
        ({"days": 10}, timedelta(days=3)),
        ({"days": 100}, timedelta(days=30)),
    ],
    ids=["young", "hours", "days", "weeks", "months"],
)
def test_checks_decay_with_age_since_the_last_change(pipe, watched, age, every):
    assert pipe.interval(_aged(watched, **age), utcnow()) == every


def test_own_interval_beats_the_stages(pipe, watched):
    watched.every_seconds = 600
    watched.last_change_at = utcnow() - timedelta(days=100)
    assert pipe.interval(watched, utcnow()) == timedelta(minutes=10)
    assert not pipe.retired(watched, utcnow())


@pytest.mark.parametrize(
    ("minutes", "every"),
    [
        (5, timedelta(seconds=5)),
        (4 * 60, timedelta(seconds=20)),
        (3 * 24 * 60, timedelta(minutes=1)),
    ],
)
def test_schedule_every_is_a_young_articles_interval_and_the_stages_scale_with_it(
    store, watched, minutes, every
):
    settings = Settings(schedule=ScheduleSettings(every="5s"))
    pipe = Pipeline(settings, store, Fetcher(settings.http))
    assert pipe.interval(_aged(watched, minutes=minutes), utcnow()) == every


def test_schedule_every_replaces_the_first_of_stages_given(store, watched):
    schedule = ScheduleSettings(every="30s", stages=[["1h", "10m"], ["1d", "2h"]])
    pipe = Pipeline(Settings(schedule=schedule), store, Fetcher(HttpSettings()))
    assert pipe.interval(_aged(watched, minutes=5), utcnow()) == timedelta(seconds=30)
    assert pipe.interval(_aged(watched, minutes=90), utcnow()) == timedelta(hours=2)


def test_stages_given_alone_are_used_as_given(store, watched):
    pipe = Pipeline(
        Settings(schedule=ScheduleSettings(stages=[["1h", "1m"]])), store, Fetcher(HttpSettings())
    )
    assert pipe.interval(_aged(watched, minutes=5), utcnow()) == timedelta(minutes=1)


@respx.mock
def test_an_article_older_than_the_last_stage_is_retired(pipe, store, watched, seed_v1):
    respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    [watch] = store.claim_all("test", utcnow(), timedelta(minutes=5))
    watch.every_seconds = None
    watch.created_at = utcnow() - timedelta(days=400)
    assert pipe.check(watch).retire
    [(stored, _)] = store.list_watches()
    assert (stored.active, stored.retired_at is not None) == (False, True)


@respx.mock
def test_retry_after_is_honoured_for_the_next_check(pipe, store, watched):
    respx.get(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "7200"}))
    record = _check(pipe, store)
    assert record.outcome == "error"
    assert record.next_check_at - record.started_at >= timedelta(hours=2)


@respx.mock
def test_a_change_restarts_the_schedule_and_keeps_the_article(
    pipe, store, watched, seed_v1, seed_v2
):
    """An old article that changes is young again: checked within the first stage (15 min),
    not at its old monthly pace, and not retired on the check that saw the change."""
    route = respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    _check(pipe, store)
    route.mock(return_value=httpx.Response(200, content=seed_v2, headers=_html()))
    [watch] = store.claim_all("test", utcnow(), timedelta(minutes=5))
    watch.every_seconds = None
    watch.created_at = watch.last_change_at = utcnow() - timedelta(days=400)
    record = pipe.check(watch)
    assert record.outcome == "changed"
    assert not record.retire
    assert record.next_check_at - record.started_at <= timedelta(minutes=15) * 1.1
    [(stored, _)] = store.list_watches()
    assert stored.active


@respx.mock
def test_a_check_whose_lease_was_taken_over_writes_nothing(pipe, store, watched, seed_v1):
    respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    [watch] = store.claim_all("slow", utcnow(), timedelta(minutes=5))
    # The lease runs out while "slow" is still fetching; another worker takes the watch.
    later = utcnow() + timedelta(minutes=6)
    [taken] = store.claim_due("fast", 1, later, timedelta(minutes=5))
    with pytest.raises(LeaseLostError, match="fast holds it now"):
        pipe.check(watch)
    assert store.checks_of(store.watch_id(URL)) == []
    assert store.versions_of(store.watch_id(URL)) == []
    [(stored, _)] = store.list_watches()
    assert stored.lease_owner == "fast"
    pipe.check(taken)  # the new owner's check is written
    assert [c.outcome for c in store.checks_of(store.watch_id(URL))] == ["new"]


@respx.mock
def test_a_check_whose_lease_ran_out_loses_to_the_same_workers_new_claim(
    pipe, store, watched, seed_v1
):
    """Threads of one worker share its owner id: the expiry tells their claims apart."""
    respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    [slow] = store.claim_all("host:1", utcnow(), timedelta(minutes=5))
    later = utcnow() + timedelta(minutes=6)
    [again] = store.claim_due("host:1", 1, later, timedelta(minutes=5))
    with pytest.raises(LeaseLostError):
        pipe.check(slow)
    assert store.checks_of(store.watch_id(URL)) == []
    pipe.check(again)
    assert [c.outcome for c in store.checks_of(store.watch_id(URL))] == ["new"]
    [(stored, _)] = store.list_watches()
    assert stored.lease_owner is None


@respx.mock
@pytest.mark.parametrize("seconds", ["99999999999999999999", "1e400"])
def test_an_absurd_retry_after_is_capped_not_a_crash(pipe, store, watched, seconds):
    respx.get(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": seconds}))
    record = _check(pipe, store)
    assert record.outcome == "error"
    assert record.next_check_at - record.started_at <= timedelta(days=1) * 1.1


@respx.mock
def test_a_huge_retry_after_waits_max_backoff_at_most(pipe, store, watched):
    respx.get(URL).mock(return_value=httpx.Response(503, headers={"Retry-After": "999999999"}))
    record = _check(pipe, store)
    assert record.next_check_at - record.started_at <= timedelta(days=1) * 1.1


@respx.mock
def test_a_huge_stored_interval_is_capped_not_a_crash(pipe, store, watched, seed_v1):
    respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    [watch] = store.claim_all("test", utcnow(), timedelta(minutes=5))
    watch.every_seconds = 10**12  # stored before durations were capped
    record = pipe.check(watch)
    assert record.outcome == "new"
    assert record.next_check_at - record.started_at <= timedelta(days=3650) * 1.2


@respx.mock
def test_a_new_extractor_never_reports_a_change_by_itself(pipe, store, watched, seed_v1, seed_v2):
    """A version an older extractor stored is read again from its HTML: only what changed on
    the page is a change, not what the new extractor reads differently."""
    route = respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    assert _check(pipe, store).outcome == "new"
    with Session(store.engine) as session:  # as an older extractor would have read it
        [snapshot] = session.exec(select(Snapshot)).all()
        snapshot.extractor_version = "1"
        snapshot.body = "Menu\n\nHome\n\n" + snapshot.body
        session.add(snapshot)
        session.commit()
    noise = seed_v1.replace(b"</body>", b"<script>var nonce = 'n2';</script></body>")
    route.mock(return_value=httpx.Response(200, content=noise, headers=_html()))
    assert _check(pipe, store).outcome == "unchanged"
    route.mock(return_value=httpx.Response(200, content=seed_v2, headers=_html()))
    record = _check(pipe, store)
    assert record.outcome == "changed"
    assert not any(op.old in {"Menu", "Home"} for op in record.change.operations)


@respx.mock
def test_a_page_that_changed_only_in_its_scripts_is_not_parsed_again(
    pipe, store, watched, seed_v1, monkeypatch
):
    route = respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    _check(pipe, store)
    nonce = seed_v1.replace(b"</head>", b"<script>window.nonce = 'a81f';</script></head>")
    route.mock(return_value=httpx.Response(200, content=nonce, headers=_html()))
    calls = []
    monkeypatch.setattr(pipeline_module.extract, "article", lambda *a: calls.append(a))
    assert _check(pipe, store).outcome == "unchanged"
    assert calls == []
    monkeypatch.undo()
    parsed = []
    extract_article = pipeline_module.extract.article
    monkeypatch.setattr(
        pipeline_module.extract, "article", lambda *a: parsed.append(a) or extract_article(*a)
    )
    edited = nonce.replace(b"<body", b"<body data-x='1'", 1)  # markup outside any script
    route.mock(return_value=httpx.Response(200, content=edited, headers=_html()))
    assert _check(pipe, store).outcome == "unchanged"
    assert len(parsed) == 1  # markup changed outside the scripts: parsed again


@pytest.fixture
def batching(settings, store):
    fetcher = Fetcher(settings.http)
    yield Pipeline(settings, store, fetcher, rng=random.Random(7), batch_quiet=True)
    fetcher.close()


def _leased_watch(store):
    [(watch, _)] = store.list_watches()
    return watch


@respx.mock
def test_quiet_checks_are_written_together_when_the_batch_is_flushed(
    batching, store, watched, seed_v1
):
    respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    assert _check(batching, store).outcome == "new"  # a version: written at once
    assert [c.outcome for c in store.checks_of(store.watch_id(URL))] == ["new"]
    record = _check(batching, store)
    assert record.outcome == "unchanged"
    assert [c.outcome for c in store.checks_of(store.watch_id(URL))] == [
        "new"
    ]  # waiting in the batch
    assert _leased_watch(store).lease_owner == "test"  # so no other claim takes it meanwhile
    assert batching.flush() == 1
    assert [c.outcome for c in store.checks_of(store.watch_id(URL))] == ["unchanged", "new"]
    watch = _leased_watch(store)
    assert (watch.lease_owner, watch.next_check_at) == (None, record.next_check_at)
    assert watch.last_checked_at is not None and watch.consecutive_failures == 0


@respx.mock
def test_a_full_batch_of_quiet_checks_is_written_without_a_flush(
    settings, store, seed_v1, monkeypatch
):
    monkeypatch.setattr(pipeline_module, "QUIET_BATCH", 3)
    urls = [f"{URL}/{n}" for n in range(3)]
    for url in urls:
        store.add_watch(url)
        respx.get(url).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    with Fetcher(settings.http) as fetcher:
        pipe = Pipeline(settings, store, fetcher, batch_quiet=True)
        for _ in range(2):  # a first capture, then a quiet pass
            for watch in store.claim_all("test", utcnow(), timedelta(minutes=5)):
                pipe.check(watch)
    assert [[c.outcome for c in store.checks_of(store.watch_id(url))] for url in urls] == [
        ["unchanged", "new"]
    ] * 3


@respx.mock
def test_a_quiet_check_whose_lease_was_lost_is_dropped_at_the_flush(
    batching, store, watched, seed_v1
):
    respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    _check(batching, store)
    [slow] = store.claim_all("slow", utcnow(), timedelta(minutes=5))
    assert batching.check(slow).outcome == "unchanged"
    later = utcnow() + timedelta(minutes=6)
    [_] = store.claim_all("fast", later, timedelta(minutes=5))  # the lease ran out meanwhile
    assert batching.flush() == 0
    assert [c.outcome for c in store.checks_of(store.watch_id(URL))] == ["new"]
    assert _leased_watch(store).lease_owner == "fast"


@respx.mock
def test_a_check_that_is_not_quiet_is_written_at_once_while_batching(
    batching, store, watched, seed_v1, seed_v2
):
    route = respx.get(URL).mock(return_value=httpx.Response(200, content=seed_v1, headers=_html()))
    _check(batching, store)
    route.mock(return_value=httpx.Response(200, content=seed_v2, headers=_html()))
    assert _check(batching, store).outcome == "changed"
    route.mock(return_value=httpx.Response(500))
    assert _check(batching, store).outcome == "error"
    assert [c.outcome for c in store.checks_of(store.watch_id(URL))] == ["error", "changed", "new"]
    assert batching.flush() == 0
