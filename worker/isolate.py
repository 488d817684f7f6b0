"""CPU-bound work on scraped input, in a child process under a deadline.

Parsing and comparing a stranger's page runs Python code (BeautifulSoup, regexes, difflib)
that holds the interpreter lock: in-process, one slow page would stop every thread, the
scheduler's tick and the other checks with it, and nothing can interrupt it. In a child
process the parent's threads run on, and a call that overruns its deadline is ended by
killing the child (a fresh one starts on the next call).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from worker.errors import BudgetError

log = logging.getLogger(__name__)

T = TypeVar("T")
CALLS_PER_CHILD = 500  # a child is replaced after this many calls: what it grew is let go
# Imported once by the fork server, so that each child starts with them loaded.
PRELOAD = ["worker.extract", "worker.diff"]


class Isolated:
    """Runs `call(fn, *args)` in a child process, one call at a time, within `seconds`.

    `fn` and its arguments travel by pickle: `fn` must be a module-level function.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._child: tuple[BaseProcess, Connection] | None = None
        self._calls = 0

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in the child; BudgetError past the deadline; the child's exception
        (as a BudgetError naming it) if `fn` raised or the child died."""
        with self._lock:
            process, connection = self._running()
            self._calls += 1
            started = time.monotonic()
            connection.send((fn, args))
            if not connection.poll(self.seconds):
                self._stop(f"{fn.__qualname__} ran past {self.seconds:g} s")
                raise BudgetError(f"reading the page took longer than {self.seconds:g} s")
            try:
                ok, value = connection.recv()
            except (EOFError, OSError):
                self._stop("the child process died")
                raise BudgetError(f"the page's reader process died ({_exit(process)})") from None
            if self._calls >= CALLS_PER_CHILD:
                self._stop(None)
            log.debug("%s took %.3f s in the child", fn.__qualname__, time.monotonic() - started)
        if not ok:
            raise BudgetError(f"the page's reader failed: {value}")
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the child process, if one runs."""
        with self._lock:
            self._stop(None)

    def _running(self) -> tuple[BaseProcess, Connection]:
        if self._child is None or not self._child[0].is_alive():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs,), daemon=True)
            process.start()
            theirs.close()
            self._child, self._calls = (process, ours), 0
        return self._child

    def _stop(self, why: str | None) -> None:
        if self._child is None:
            return
        process, connection = self._child
        self._child = None
        if why:
            log.warning("stopping the page reader process: %s", why)
            process.kill()
        else:
            connection.send(None)  # asks the child to return
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
        connection.close()


def _serve(connection: Connection) -> None:
    """The child's loop: run each (fn, args) received and send back (ok, value)."""
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        if job is None:
            return
        fn, args = job
        try:
            reply = (True, fn(*args))
        except Exception as exc:  # the parent turns it into a failed check
            reply = (False, f"{type(exc).__name__}: {exc}")
        connection.send(reply)


def _exit(process: BaseProcess) -> str:
    code = process.exitcode
    return f"exit status {code}" if code is not None else "still running"
