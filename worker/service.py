"""The long-running service: an APScheduler ticker, a thread pool, signals, clean shutdown."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from datetime import UTC, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.background import BackgroundScheduler

from worker.durations import format_duration
from worker.errors import LeaseLostError
from worker.models import Source, Watch, utcnow
from worker.settings import Settings
from worker.store import Store, lease_held
from worker.types import OUTCOMES, CheckRecord

if TYPE_CHECKING:  # the service is handed these; `newswatch watch list` need not load them
    from worker.outbox import Dispatcher
    from worker.pipeline import Pipeline
    from worker.poller import Poller

log = logging.getLogger(__name__)

Progress = Callable[[int, int, CheckRecord], None]
PRUNE_EVERY = timedelta(hours=1)  # old checks and sent alerts are deleted this often
PRUNE_DELAY = timedelta(minutes=1)  # the first time, once start-up work is under way
SOURCES_PER_TICK = 2  # sources polled per tick at most; checks get the other threads


def default_worker_id() -> str:
    """host:pid, unique among the workers sharing one database."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Service:
    """Claims due watches from the database and checks them in a small thread pool."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        pipeline: Pipeline,
        worker_id: str | None = None,
        dispatcher: Dispatcher | None = None,
        poller: Poller | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.pipeline = pipeline
        self.worker_id = worker_id or default_worker_id()
        self.dispatcher = dispatcher
        self.poller = poller
        self.totals: Counter[str] = Counter()
        self.started_at = utcnow()
        self._more_due = False
        self._running = False  # refills only in `run`: a `check` pass checks what it claimed
        self._refilling = threading.Lock()
        self._pool = ThreadPoolExecutor(settings.schedule.workers, thread_name_prefix="check")
        self._in_flight: set[Future[Any]] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def tick(self) -> int:
        """Claim as many due watches as there are idle threads and start checking them."""
        if self._stopping.is_set():
            return 0
        self.pipeline.flush()  # quiet checks of the last tick: written before claiming more
        self._beat()
        with self._lock:
            free = self.settings.schedule.workers - len(self._in_flight)
        if free <= 0:
            return 0
        schedule = self.settings.schedule
        sources = self._claim_sources(min(free, SOURCES_PER_TICK))
        for source in sources:
            self._submit_poll(source)
        wanted = free - len(sources)
        watches = self.store.claim_due(self.worker_id, wanted, utcnow(), schedule.lease)
        # A full batch means more may be due: finishing checks then tick again at once.
        self._more_due = wanted > 0 and len(watches) == wanted
        for watch in watches:
            self._submit(watch)
        return len(watches)

    def _beat(self) -> None:
        try:
            with self._lock:
                totals = dict(self.totals)
            self.store.heartbeat(self.worker_id, totals, self.started_at)
        except Exception:
            log.exception("heartbeat failed; trying again next tick")

    def poll_sources(self, urls: list[str] | None = None) -> int:
        """Poll due sources (or these) now and wait; returns how many watches were enrolled."""
        if self.poller is None:
            return 0
        sources = self._claim_sources(1_000_000, urls or [])
        futures = [self._pool.submit(self._poll_one, source) for source in sources]
        return sum(future.result() for future in futures)

    def _claim_sources(self, limit: int, urls: list[str] | None = None) -> list[Source]:
        if self.poller is None or limit <= 0:
            return []
        lease = self.settings.schedule.lease
        return self.store.claim_sources(self.worker_id, limit, utcnow(), lease, urls or [])

    def _submit_poll(self, source: Source) -> None:
        future = self._pool.submit(self._poll_one, source)
        with self._lock:
            self._in_flight.add(future)
        future.add_done_callback(self._done_polling)

    def _poll_one(self, source: Source) -> int:
        assert self.poller is not None  # only claimed when there is a poller
        try:
            return self.poller.poll(source)[1]
        except Exception:
            log.exception("poll of source %s failed", source.url)
            return 0

    def _done_polling(self, future: Future[int]) -> None:
        with self._lock:
            self._in_flight.discard(future)

    def check_pass(self, watches: list[Watch], progress: Progress | None = None) -> Counter[str]:
        """Check these (already claimed) watches and wait for all of them; count outcomes."""
        futures = [self._submit(watch) for watch in watches]
        counts: Counter[str] = Counter()
        for done, future in enumerate(as_completed(futures), start=1):
            record = future.result()
            counts[record.outcome if record else "error"] += 1
            if progress and record:
                progress(done, len(futures), record)
        self.pipeline.flush()
        return counts

    def check_claiming(
        self,
        claim: Callable[[int], list[Watch]],
        total: int = 0,
        progress: Progress | None = None,
    ) -> Counter[str]:
        """Check the watches `claim(n)` leases, n at a time as threads free up, until it
        returns none; each lease thus starts just before its check, however long the pass."""
        counts: Counter[str] = Counter()
        pending: set[Future[CheckRecord | None]] = set()
        room = 2 * self.settings.schedule.workers  # one queued per busy thread
        more = True
        while more or pending:
            # Claimed a thread's worth at a time, not one by one: each claim is a write.
            if more and len(pending) <= room // 2:
                batch = claim(room - len(pending))
                more = bool(batch)
                pending |= {self._submit(watch) for watch in batch}
            if not pending:
                continue
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                record = future.result()
                counts[record.outcome if record else "error"] += 1
                if progress and record:
                    progress(sum(counts.values()), max(total, sum(counts.values())), record)
        self.pipeline.flush()
        return counts

    def run(self) -> Counter[str]:
        """Check due work every tick until SIGINT/SIGTERM, then finish in-flight checks."""
        scheduler = BackgroundScheduler(timezone=UTC)
        self._running = True
        tick = self.settings.schedule.tick.total_seconds()
        jobs = [self.tick] + ([self.dispatch] if self.dispatcher is not None else [])
        for job in jobs:  # every tick, from now on; a late run is never run twice
            scheduler.add_job(
                job,
                "interval",
                seconds=tick,
                next_run_time=utcnow(),
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        scheduler.add_job(
            self.prune,
            "interval",
            seconds=PRUNE_EVERY.total_seconds(),
            next_run_time=utcnow() + PRUNE_DELAY,
            max_instances=1,
            coalesce=True,
        )
        previous = self._install_signals()
        tick = format_duration(self.settings.schedule.tick)
        log.info("worker %s started; ticking every %s", self.worker_id, tick)
        scheduler.start()
        try:
            self._stopping.wait()
        finally:
            scheduler.shutdown(wait=True)
            self.close()
            _restore_signals(previous)
            self.store.worker_stopped(self.worker_id)
        log.info("worker %s stopped: %s", self.worker_id, summary_line(self.totals))
        return self.totals

    def dispatch(self) -> None:
        """Send due alerts; runs beside the checks so a slow receiver never delays them."""
        if self.dispatcher is None or self._stopping.is_set():
            return
        try:
            counts = self.dispatcher.dispatch_pending()
        except Exception:
            log.exception("alert dispatch failed; retrying next tick")
            return
        if counts:
            log.info("alerts: %s", dict(counts))

    def prune(self) -> dict[str, int]:
        """Delete checks and sent alerts past their retention ([database] keep_*)."""
        database = self.settings.database
        try:
            pruned = self.store.prune(utcnow(), database.keep_checks, database.keep_sent_alerts)
        except Exception:
            log.exception("pruning old checks failed; trying again later")
            return {}
        if any(pruned.values()):
            log.info("pruned %s", ", ".join(f"{n} {what}" for what, n in pruned.items() if n))
        return pruned

    def busy(self) -> int:
        """How many checks and polls are in flight."""
        with self._lock:
            return len(self._in_flight)

    def stop(self) -> None:
        """Stop claiming work; `run` returns once in-flight checks (and the alert being sent)
        are done."""
        self._stopping.set()
        if self.dispatcher is not None:
            self.dispatcher.stop()

    def close(self) -> None:
        """Wait for in-flight checks, release the threads, and hand back the leases of work
        that was claimed but never started, so other workers take it at once."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.pipeline.close()  # quiet checks written under the leases still held, before
        # they are handed back; the reader process stopped
        try:
            self.store.release_leases(self.worker_id)
        except Exception:
            log.exception("could not release the leases of %s; they will expire", self.worker_id)

    def _submit(self, watch: Watch) -> Future[CheckRecord | None]:
        future = self._pool.submit(self._check_one, watch)
        with self._lock:
            self._in_flight.add(future)
        future.add_done_callback(self._done)
        return future

    def _check_one(self, watch: Watch) -> CheckRecord | None:
        try:
            return self.pipeline.check(watch)
        except LeaseLostError as exc:
            log.warning("%s", exc)
            return None
        except Exception as exc:
            # A bug or a database fault on one article must not stop the others.
            log.exception("check of %s failed", watch.url)
            self._record_crash(watch, exc)
            return None

    def _record_crash(self, watch: Watch, exc: Exception) -> None:
        """An error Check row for the crash; if even that fails, at least drop the lease."""
        try:
            self.pipeline.crashed(watch, exc)
            return
        except LeaseLostError:
            return
        except Exception:
            log.exception("could not record the failed check of %s", watch.url)
        later = self.pipeline.next_check(watch, utcnow(), watch.consecutive_failures + 1)
        try:
            self.store.release(watch.id or 0, later, lease=lease_held(watch))
        except Exception:
            log.exception("could not release %s; its lease will expire", watch.url)

    def _done(self, future: Future[CheckRecord | None]) -> None:
        with self._lock:
            self._in_flight.discard(future)
            record = None if future.cancelled() or future.exception() else future.result()
            self.totals[record.outcome if record else "error"] += 1
        if self._more_due and self._running and not self._stopping.is_set():
            self._refill()

    def _refill(self) -> None:
        """Claim work for the threads that just became free, without waiting for a tick.

        Only one refill runs at a time; a check finishing meanwhile is covered by it.
        """
        if not self._refilling.acquire(blocking=False):
            return
        try:
            with self._lock:
                free = self.settings.schedule.workers - len(self._in_flight)
            if free > 0:
                lease = self.settings.schedule.lease
                watches = self.store.claim_due(self.worker_id, free, utcnow(), lease)
                self._more_due = len(watches) == free
                for watch in watches:
                    self._submit(watch)
        except Exception:
            log.exception("claiming more work failed; the next tick retries")
        finally:
            self._refilling.release()

    def _install_signals(self) -> dict[int, object]:
        previous: dict[int, object] = {}
        if threading.current_thread() is not threading.main_thread():
            return previous
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, self._on_signal)
        return previous

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self._stopping.is_set():
            log.warning("second %s: exiting at once", signal.Signals(signum).name)
            os._exit(1)
        log.info("%s: finishing in-flight checks", signal.Signals(signum).name)
        self.stop()


def _restore_signals(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]


def summary_line(counts: Counter[str] | dict[str, int], names: Iterable[str] = ()) -> str:
    """checked 3: 1 new, 1 changed, 0 unchanged, 0 not modified, 0 held, 1 error."""
    order = names or OUTCOMES
    parts = [f"{counts.get(name, 0)} {_label(name, counts.get(name, 0))}" for name in order]
    return f"checked {sum(counts.values())}: " + ", ".join(parts)


def _label(outcome: str, count: int) -> str:
    if outcome == "error":
        return "error" if count == 1 else "errors"
    return outcome.replace("_", " ")
