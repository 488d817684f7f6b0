"""The total deadline of a request: a server that drips its answer cannot hold a fetch or a
delivery past the timeout (real sockets: the deadline lives in the connection layer)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from worker.errors import FetchTimeoutError
from worker.fetch import Fetcher
from worker.notify.webhook import WebhookChannel
from worker.settings import HttpSettings
from worker.types import Message, SendResult

LIVENESS = 20  # seconds: far beyond the deadline, far below a drip that never ends


class DripServer:
    """Accepts connections and answers with `head` one byte per `every` seconds, forever
    (until the client hangs up or the server stops)."""

    def __init__(self, head: bytes, every: float = 0.05) -> None:
        self.head, self.every = head, every
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            data = self.head + b"x" * 10_000_000
            for i in range(len(data)):
                if self.stop.wait(self.every):
                    return
                try:
                    conn.sendall(data[i : i + 1])
                except OSError:
                    return

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.fixture
def drip() -> Iterator[Callable[[bytes], DripServer]]:
    servers: list[DripServer] = []

    def start(head: bytes) -> DripServer:
        servers.append(DripServer(head))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _finished(call: Callable[[], object]) -> object:
    """Run `call` and return what it returned or raised; fail if it is still running after
    LIVENESS seconds (the drips below never end on their own)."""
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(call)
        try:
            return future.result(timeout=LIVENESS)
        except TimeoutError:
            pytest.fail(f"still running after {LIVENESS} s: the deadline did not hold")
        except Exception as exc:  # what the call raised is the result under test
            return exc


@pytest.mark.parametrize(
    "head",
    [b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n"],
    ids=["headers-dripped", "body-dripped"],
)
def test_a_dripping_server_cannot_hold_a_fetch_past_its_timeout(drip, head):
    server = drip(head)
    settings = HttpSettings(timeout=timedelta(seconds=1), retries=0, per_host_delay=timedelta(0))
    with Fetcher(settings) as fetcher:
        outcome = _finished(lambda: fetcher.get(f"http://127.0.0.1:{server.port}/story"))
    assert isinstance(outcome, FetchTimeoutError), outcome
    assert "timed out" in str(outcome)


def test_a_dripping_receiver_cannot_hold_a_delivery_past_its_timeout(drip):
    server = drip(b"HTTP/1.1 200 OK\r\n")
    channel = WebhookChannel("hook", f"http://127.0.0.1:{server.port}/hook", timeout=1.0)
    message = Message(
        id="msg_1",
        event="article.changed",
        timestamp=datetime.now(UTC),
        data={"url": "https://x.example/"},
        title="changed",
        text="changed",
    )
    try:
        result = _finished(lambda: channel.send(message))
    finally:
        channel.close()
    assert isinstance(result, SendResult) and not result.ok
    assert "timeout" in (result.error or "")
