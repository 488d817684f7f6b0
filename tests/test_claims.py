"""Leases under contention: four processes claiming the same watches, sources and deliveries
from one database never take the same row twice, on SQLite (no row locks) and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from datetime import timedelta
from threading import Barrier

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from worker.db import create_engine, migrate
from worker.models import Delivery, Source, Watch, utcnow
from worker.settings import SourceSettings
from worker.store import Outbox, Store, _claim_rows, _lease_free
from worker.types import Discovered, PollRecord

PROCESSES = 4
ROWS = 240
STARTUP = 60  # seconds a spawned process may take to import and connect


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest, database_url: str) -> Iterator[str]:
    """A migrated database that several processes open at once."""
    url = database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    migrate(engine)
    engine.dispose()
    yield url


def _start_together(processes: list, start: Barrier) -> None:
    """Start the processes and return when every one is ready at `start` (so is the test):
    they all go at once. A child that never gets there breaks the barrier for all."""
    for process in processes:
        process.start()
    start.wait(STARTUP)


def _claim_until_empty(
    url: str, kind: str, owner: str, start: Barrier, queue: multiprocessing.Queue
) -> None:
    store = Store(create_engine(url))
    store.list_sources()  # connect before the start
    start.wait(STARTUP)
    claimed: list[int] = []
    lease = timedelta(minutes=10)
    while _free_rows(store, kind):
        claimed += [row.id for row in _claim(store, kind, owner, lease)]
        time.sleep(0.001)  # pacing, not a signal: the others get a turn at the lock
    queue.put(claimed)


def _free_rows(store: Store, kind: str) -> int:
    model = {"watches": Watch, "sources": Source, "deliveries": Delivery}[kind]
    with store.session() as session:
        return session.exec(
            select(sa.func.count()).select_from(model).where(col(model.lease_owner).is_(None))
        ).one()


def _claim(store: Store, kind: str, owner: str, lease: timedelta) -> list:
    if kind == "watches":
        return store.claim_due(owner, 5, utcnow(), lease)
    if kind == "sources":
        return store.claim_sources(owner, 5, utcnow(), lease)
    return Outbox(store).claim(owner, utcnow(), lease, 5, ["hook"])


def _fill(store: Store, kind: str) -> None:
    if kind == "watches":
        for n in range(ROWS):
            store.add_watch(f"https://news.example/{n}")
    elif kind == "sources":
        for n in range(ROWS):
            store.add_source(SourceSettings(url=f"https://news.example/feed{n}.xml"))
    else:
        _fill_deliveries(store, ROWS)


def _fill_deliveries(store: Store, count: int) -> None:
    now = utcnow()
    with store.session() as session:
        for n in range(count):
            session.add(
                Delivery(
                    key=f"d{n}",
                    channel="hook",
                    event="article.changed",
                    created_at=now,
                    next_attempt_at=now,
                )
            )


@pytest.mark.parametrize("kind", ["watches", "sources", "deliveries"])
def test_four_processes_never_claim_the_same_row(shared_url, kind):
    _fill(Store(create_engine(shared_url)), kind)
    context = multiprocessing.get_context("spawn")
    queue, start = context.Queue(), context.Barrier(PROCESSES + 1)
    workers = [
        context.Process(target=_claim_until_empty, args=(shared_url, kind, f"w{n}", start, queue))
        for n in range(PROCESSES)
    ]
    _start_together(workers, start)
    results = [queue.get(timeout=120) for _ in workers]
    for process in workers:
        process.join(10)
    claimed = [row_id for result in results for row_id in result]
    assert len(set(claimed)) == ROWS
    assert len(claimed) == ROWS, "a row was leased by two processes"
    assert sum(1 for result in results if result) >= 2  # the work really was shared


class StaleFirstRead:
    """A session whose first query returns rows read earlier: the claim's candidate read
    happened, then other workers changed the rows before its UPDATE (the race in question)."""

    def __init__(self, session, stale: list) -> None:
        self._session, self._stale = session, stale

    def exec(self, statement):
        if self._stale is not None:
            rows, self._stale = self._stale, None
            return rows
        return self._session.exec(statement)

    def execute(self, statement):
        return self._session.execute(statement)


def test_a_row_leased_between_read_and_write_stays_with_its_owner(store):
    """The claim re-checks the lease when it writes: a candidate that another worker leased
    after it was read is not taken over."""
    store.add_watch("https://news.example/a")
    store.add_watch("https://news.example/b")
    now, lease = utcnow(), timedelta(minutes=5)
    query = select(Watch).where(_lease_free(now)).order_by(col(Watch.id))
    with store.session() as session:
        stale = list(session.exec(query))
    assert len(store.claim_urls("w1", ["https://news.example/a"], now, lease)) == 1
    with store.session() as session:
        won = _claim_rows(StaleFirstRead(session, stale), Watch, query, "w2", now + lease)
    assert [w.url for w in won] == ["https://news.example/b"]
    owners = {w.url: w.lease_owner for w, _ in store.list_watches()}
    assert owners == {"https://news.example/a": "w1", "https://news.example/b": "w2"}


def test_a_delivery_sent_between_read_and_write_is_not_claimed_again(store):
    """The UPDATE re-checks the whole claim condition, not only the lease: an alert that
    another worker sent (and unleased) after the candidate read is not sent a second time."""
    _fill_deliveries(store, 2)
    outbox = Outbox(store)
    now, lease = utcnow(), timedelta(minutes=5)
    with store.session() as session:
        stale = list(session.exec(select(Delivery).order_by(col(Delivery.id))))
    [first] = outbox.claim("w1", now, lease, 1, ["hook"])
    outbox.settle([first.id], "sent", None, 200, None, "w1")
    query = (
        select(Delivery)
        .where(Delivery.status == "pending", _lease_free_delivery(now))
        .order_by(col(Delivery.id))
    )
    with store.session() as session:
        won = _claim_rows(StaleFirstRead(session, stale), Delivery, query, "w2", now + lease)
    assert [d.key for d in won] == ["d1"]
    assert {d.key: d.status for d in outbox.deliveries()} == {"d0": "sent", "d1": "pending"}


def _lease_free_delivery(now):
    return sa.or_(col(Delivery.lease_until).is_(None), col(Delivery.lease_until) < now)


def test_leases_expire(store):
    store.add_watch("https://news.example/a")
    now, lease = utcnow(), timedelta(minutes=5)
    assert len(store.claim_due("w1", 10, now, lease)) == 1
    assert store.claim_due("w2", 10, now + lease / 2, lease) == []
    later = store.claim_due("w2", 10, now + lease + timedelta(seconds=1), lease)
    assert [w.lease_owner for w in later] == ["w2"]


def _poll_into(url: str, feed: str, items: list, start: Barrier, queue) -> None:
    store = Store(create_engine(url))
    [source] = [s for s in store.list_sources() if s.url == feed]
    start.wait(STARTUP)
    try:
        now = utcnow()
        store.save_poll(PollRecord(source.id, now, now + timedelta(hours=1), items=tuple(items)))
        queue.put("ok")
    except Exception as exc:  # reported to the test, which names it
        queue.put(f"{type(exc).__name__}: {exc}")


def test_two_feeds_listing_the_same_articles_in_opposite_orders_enrol_each_once(shared_url):
    """Two polls that enrol the same new URLs at once, in opposite orders, must not deadlock
    (PostgreSQL aborts one of two transactions that wait on each other's unique keys)."""
    store = Store(create_engine(shared_url))
    feeds = ["https://a.example/feed.xml", "https://b.example/feed.xml"]
    for feed in feeds:
        store.add_source(SourceSettings(url=feed))
    items = [Discovered(f"https://news.example/story-{n:04d}") for n in range(400)]
    context = multiprocessing.get_context("spawn")
    orders = [items, items[::-1]]
    queue, start = context.Queue(), context.Barrier(len(orders) + 1)
    workers = [
        context.Process(target=_poll_into, args=(shared_url, feed, order, start, queue))
        for feed, order in zip(feeds, orders, strict=True)
    ]
    _start_together(workers, start)
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(30)
    assert results == ["ok", "ok"]
    assert len(store.list_watches()) == len(items)
