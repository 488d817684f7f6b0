"""Reading a page in the reader process: a hostile page overruns its budget and becomes an
error, while the parent's threads (the scheduler's tick among them) run on."""

from __future__ import annotations

import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
import respx

from worker import pipeline as pipeline_module
from worker.errors import BudgetError
from worker.fetch import Fetcher
from worker.isolate import Isolated
from worker.models import utcnow
from worker.pipeline import Pipeline
from worker.settings import HttpSettings, ScheduleSettings, Settings

URL = "https://news.example/2020/11/11/story"
LIVENESS = 30  # seconds; each call below is cut at a budget of one or two


def _stall(*_args: object) -> None:
    """A regex that backtracks exponentially: one C call that would hold the interpreter
    lock for minutes (module-level, so that the reader process can run it by name)."""
    re.match(r"(a+)+$", "a" * 40 + "b")


def _crash(*_args: object) -> None:
    import os

    os._exit(3)


@pytest.fixture
def isolated():
    runner = Isolated(1.0)
    yield runner
    runner.close()


def test_a_call_past_its_budget_is_cut_and_the_next_call_gets_a_fresh_process(isolated):
    with pytest.raises(BudgetError, match="longer than 1 s"):
        isolated.call(time.sleep, 60)
    assert isolated.call(len, "abc") == 3


def test_what_the_function_raises_comes_back_as_a_budget_error(isolated):
    with pytest.raises(BudgetError, match="ZeroDivisionError"):
        isolated.call(divmod, 1, 0)
    assert isolated.call(divmod, 7, 2) == (3, 1)


def test_a_reader_process_that_dies_is_an_error_then_replaced(isolated):
    with pytest.raises(BudgetError, match="died"):
        isolated.call(_crash)
    assert isolated.call(len, "ab") == 2


@respx.mock
def test_a_hostile_page_is_an_error_within_its_budget_while_other_threads_tick(
    store, monkeypatch, seed_v1
):
    respx.get(URL).mock(
        return_value=httpx.Response(200, content=seed_v1, headers={"Content-Type": "text/html"})
    )
    store.add_watch(URL)
    settings = Settings(
        http=HttpSettings(per_host_delay=timedelta(0), retries=0),
        schedule=ScheduleSettings(budget=timedelta(seconds=2)),
    )
    monkeypatch.setattr(pipeline_module.extract, "article", _stall)
    with Fetcher(settings.http) as fetcher:
        pipe = Pipeline(settings, store, fetcher, rng=random.Random(1), isolate=True)
        [watch] = store.claim_all("test", utcnow(), timedelta(minutes=5))
        ticks, done = 0, threading.Event()
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(pipe.check, watch)
            future.add_done_callback(lambda _: done.set())
            while not done.wait(0.05):  # the "tick": runs only if the check holds no lock
                ticks += 1
            record = future.result(timeout=LIVENESS)
        pipe.close()
    assert record.outcome == "error"
    assert "longer than 2 s" in record.error
    assert ticks >= 10  # about 40 in 2 s; in-process, the regex would have allowed none
    assert [c.outcome for c in store.checks_of(store.watch_id(URL))] == ["error"]
