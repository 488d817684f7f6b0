import threading
from datetime import timedelta

import httpx
import pytest
import respx
import sqlalchemy as sa
from conftest import SEED

from worker.commands.check import _claim_all
from worker.fetch import Fetcher
from worker.models import utcnow
from worker.pipeline import Pipeline
from worker.service import Service, summary_line
from worker.settings import HttpSettings, ScheduleSettings, Settings, load_settings
from worker.store import lease_held
from worker.types import CheckRecord

LEASE = timedelta(minutes=5)


class FakePipeline:
    """Records which watches were checked; a URL containing 'boom' raises like a bug would."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.lock = threading.Lock()

    def check(self, watch) -> CheckRecord:
        if "boom" in watch.url:
            raise RuntimeError("a bug in one check")
        with self.lock:
            self.checked.append(watch.url)
        now = utcnow()
        return CheckRecord(
            watch_id=watch.id,
            started_at=now,
            outcome="unchanged",
            next_check_at=now + timedelta(hours=1),
        )

    def next_check(self, watch, now, failures):
        return now + timedelta(minutes=30)

    def flush(self) -> int:
        return 0

    def close(self) -> None:
        pass


@pytest.fixture
def service(store):
    settings = Settings(schedule=ScheduleSettings(workers=2, tick=timedelta(seconds=0.05)))
    svc = Service(settings, store, FakePipeline(), worker_id="test:1")
    yield svc
    svc.close()


def test_tick_claims_only_as_many_as_idle_threads(service, store):
    for n in range(5):
        store.add_watch(f"https://example.com/{n}")
    assert service.tick() == 2


def test_check_pass_counts_outcomes_and_survives_a_crash(service, store):
    store.add_watch("https://example.com/ok")
    store.add_watch("https://example.com/boom")
    watches = store.claim_all("test:1", utcnow(), timedelta(minutes=5))
    counts = service.check_pass(watches)
    assert counts == {"unchanged": 1, "error": 1}
    assert service.pipeline.checked == ["https://example.com/ok"]
    crashed = {w.url: w for w, _ in store.list_watches()}["https://example.com/boom"]
    assert crashed.lease_owner is None  # released with a later next check, not left leased
    assert crashed.next_check_at > utcnow() + timedelta(minutes=20)


def test_run_until_stopped(service, store):
    store.add_watch("https://example.com/a")
    threading.Timer(0.5, service.stop).start()
    totals = service.run()
    assert totals["unchanged"] == 1
    assert service.pipeline.checked == ["https://example.com/a"]
    assert service.tick() == 0  # a stopped service claims nothing


def test_summary_line():
    assert summary_line({"new": 1, "error": 2}) == (
        "checked 3: 1 new, 0 changed, 0 unchanged, 0 not modified, 0 held, 2 errors"
    )


def test_a_running_worker_beats_and_shows_its_leases(service, store):
    store.add_watch("https://example.com/a")
    store.add_watch("https://example.com/b")
    store.claim_due("test:1", 1, utcnow(), timedelta(minutes=5))  # one lease held by hand
    service.tick()  # beats, then leases the other (the fake pipeline never releases it)
    [(row, leases)] = store.workers(utcnow() - timedelta(minutes=1))
    assert (row.id, leases) == ("test:1", 2)
    assert store.workers(utcnow() + timedelta(seconds=1)) == []  # no beat since
    store.worker_stopped("test:1")
    assert store.workers(utcnow() - timedelta(minutes=1)) == []


class SavingPipeline(FakePipeline):
    """Saves each check like the real pipeline, noting how many leases were live meanwhile."""

    def __init__(self, store) -> None:
        super().__init__()
        self.store = store
        self.live_leases: list[int] = []

    def check(self, watch) -> CheckRecord:
        record = super().check(watch)
        leased = sum(1 for w, _ in self.store.list_watches() if w.lease_owner)
        with self.lock:
            self.live_leases.append(leased)
        self.store.save_check(record, lease=lease_held(watch))
        return record


def test_a_long_pass_leases_a_few_watches_at_a_time(store):
    """`check --all` over many watches never holds more leases than two per thread, so no
    lease runs out while its watch waits in the queue; each watch is checked once."""
    for n in range(30):
        store.add_watch(f"https://example.com/{n}")
    settings = Settings(schedule=ScheduleSettings(workers=2))
    pipeline = SavingPipeline(store)
    svc = Service(settings, store, pipeline, worker_id="test:1")
    try:
        counts = svc.check_claiming(_claim_all(store, svc))
    finally:
        svc.close()
    assert counts == {"unchanged": 30}
    assert sorted(pipeline.checked) == sorted(f"https://example.com/{n}" for n in range(30))
    assert max(pipeline.live_leases) <= 4
    assert all(w.lease_owner is None for w, _ in store.list_watches())


def test_closing_hands_back_the_leases_of_work_never_started(service, store):
    for n in range(3):
        store.add_watch(f"https://example.com/{n}")
    store.add_watch("https://example.com/other")
    due = {w.url: w.next_check_at for w, _ in store.list_watches()}
    store.claim_urls("test:1", [f"https://example.com/{n}" for n in range(3)], utcnow(), LEASE)
    store.claim_urls("other:2", ["https://example.com/other"], utcnow(), LEASE)
    service.close()
    watches = {w.url: w for w, _ in store.list_watches()}
    assert {url: w.lease_owner for url, w in watches.items()} == {
        "https://example.com/0": None,
        "https://example.com/1": None,
        "https://example.com/2": None,
        "https://example.com/other": "other:2",  # another worker's lease is its own
    }
    assert {url: w.next_check_at for url, w in watches.items()} == due  # still due


@respx.mock
def test_a_crashed_check_is_recorded_as_a_failed_check(store, monkeypatch):
    """A bug mid-check leaves an error Check row (seen among failing watches) and backs off."""
    url = "https://example.com/crash"
    respx.get(url).mock(return_value=httpx.Response(200, html="<p>hello</p>"))
    store.add_watch(url)
    settings = Settings(http=HttpSettings(per_host_delay=timedelta(0), retries=0))
    fetcher = Fetcher(settings.http)
    svc = Service(settings, store, Pipeline(settings, store, fetcher), worker_id="test:1")

    def broken(watch_id, extractor_version):
        raise RuntimeError("a bug")

    monkeypatch.setattr(store, "check_context", broken)
    try:
        counts = svc.check_claiming(_claim_all(store, svc))
    finally:
        svc.close()
        fetcher.close()
    assert counts == {"error": 1}
    [check] = store.checks_of(store.watch_id(url))
    assert check.outcome == "error"
    # The Check row is a bug report: the exception, its message and the newswatch line it hit.
    assert check.error.startswith("internal error: RuntimeError: a bug at pipeline.py:")
    assert check.error.endswith(" in _check")
    [(watch, _)] = store.list_watches()
    assert (watch.consecutive_failures, watch.lease_owner) == (1, None)
    assert watch.next_check_at > utcnow() + timedelta(minutes=20)


@respx.mock
def test_a_check_failing_inside_the_store_leaves_the_next_one_free_to_store_it(store, seed_v1):
    """Nothing stored moves forward on an internal error (validators, last raw hash): the next
    check fetches, extracts and stores the same content."""
    url = "https://example.com/2020/11/11/story"
    headers = {"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"'}
    route = respx.get(url).mock(return_value=httpx.Response(200, content=seed_v1, headers=headers))
    store.add_watch(url)
    settings = Settings(http=HttpSettings(per_host_delay=timedelta(0), retries=0))
    fetcher = Fetcher(settings.http)
    svc = Service(settings, store, Pipeline(settings, store, fetcher), worker_id="test:1")
    real_save = store.save_check

    def failing_once(record, lease=None, capture=None):
        if record.article is not None:
            store.save_check = real_save
            raise sa.exc.StatementError("cannot store", "INSERT ...", {}, ValueError("bad value"))
        return real_save(record, lease=lease, capture=capture)

    store.save_check = failing_once
    try:
        assert svc.check_claiming(_claim_all(store, svc)) == {"error": 1}
        [(watch, _)] = store.list_watches()
        assert (watch.etag, watch.raw_hash) == (None, None)
        store.release(watch.id, utcnow())  # due again now, not after the backoff
        assert svc.check_claiming(_claim_all(store, svc)) == {"new": 1}
    finally:
        svc.close()
        fetcher.close()
    assert "If-None-Match" not in route.calls[1].request.headers
    assert [s.version for s in store.versions_of(store.watch_id(url))] == [1]
    assert [c.outcome for c in store.checks_of(store.watch_id(url))] == ["new", "error"]
    assert "StatementError" in store.checks_of(store.watch_id(url))[1].error


def test_a_service_with_every_a_few_seconds_sees_an_edit_within_two_intervals(store, server):
    """[schedule] every is what a young article is checked at: edited after its first
    capture, the page's change is stored by the running service within two intervals."""
    story = (SEED / "moscow-times-v1.html").read_bytes()
    url = server.serve("/2020/11/11/story", story)
    store.add_watch(url)
    every = timedelta(seconds=1)
    settings = Settings(
        http=HttpSettings(per_host_delay=timedelta(0), retries=0),
        schedule=ScheduleSettings(every=every, tick=timedelta(seconds=0.05), jitter=0),
    )
    fetcher = Fetcher(settings.http)
    svc = Service(settings, store, Pipeline(settings, store, fetcher), worker_id="test:1")
    runner = threading.Thread(target=svc.run)
    runner.start()
    try:
        _wait_for(lambda: len(store.versions_of(store.watch_id(url))) == 1, timedelta(seconds=10))
        server.serve("/2020/11/11/story", (SEED / "moscow-times-v2.html").read_bytes())
        edited = utcnow()
        _wait_for(
            lambda: len(store.versions_of(store.watch_id(url))) == 2,
            2 * every + timedelta(seconds=1),
        )
    finally:
        svc.stop()
        runner.join()
        svc.close()
        fetcher.close()
    [change] = [c for c, _ in store.recent_changes(limit=None)]
    assert change.detected_at - edited <= 2 * every + timedelta(seconds=1)


def _wait_for(condition, limit: timedelta) -> None:
    """Wait until `condition()` holds, checking as the service works; fail past `limit`."""
    deadline = utcnow() + limit
    ready = threading.Event()
    while not condition():
        if utcnow() > deadline:
            raise AssertionError(f"not within {limit}")
        ready.wait(0.02)


def test_the_service_prunes_with_the_configured_ages(store, write_config, tmp_path):
    config = write_config(
        tmp_path / "c.toml", '[database]\nkeep_checks = "7d"\nkeep_sent_alerts = "0s"\n'
    )
    settings = load_settings(config, environ={})
    watch = store.add_watch("https://example.com/a")
    now = utcnow()
    for days in (8, 6):
        store.save_check(
            CheckRecord(
                watch_id=watch.id,
                started_at=now - timedelta(days=days),
                outcome="unchanged",
                next_check_at=now,
            )
        )
    svc = Service(settings, store, FakePipeline(), worker_id="test:1")
    try:
        assert svc.prune() == {"checks": 1, "alerts": 0, "workers": 0}
    finally:
        svc.close()
    [check] = store.checks_of(store.watch_id(watch.url))
    assert check.started_at > now - timedelta(days=7)
