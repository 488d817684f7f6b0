"""Shared fixtures: a real local HTTP server, config files, a migrated SQLite store."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from worker.db import create_engine, migrate
from worker.store import Store

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SEED = FIXTURES / "seed"


@dataclass
class Route:
    """What the local server answers on one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})


class ArticleServer:
    """A real HTTP server on 127.0.0.1 whose answers a test sets per path.

    It honours If-None-Match when a route has an ETag, and records every request.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def serve(self, path: str, body: bytes, status: int = 200, **headers: str) -> str:
        """Answer `path` with this body from now on; returns its URL."""
        all_headers = {"Content-Type": "text/html; charset=utf-8", **headers}
        self.routes[path] = Route(body, status, all_headers)
        return self.url(path)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path, Route(b"not found", 404))
                etag = route.headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                """Quiet."""

        return Handler


@pytest.fixture
def server() -> Iterator[ArticleServer]:
    article_server = ArticleServer()
    article_server.start()
    yield article_server
    article_server.stop()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'newswatch.db'}"


@pytest.fixture
def store(database_url: str) -> Store:
    engine = create_engine(database_url)
    migrate(engine)
    return Store(engine)


@pytest.fixture
def seed_v1() -> bytes:
    return (SEED / "moscow-times-v1.html").read_bytes()


@pytest.fixture
def seed_v2() -> bytes:
    return (SEED / "moscow-times-v2.html").read_bytes()


def _write_config(path: Path, text: str) -> Path:
    base = '[http]\nper_host_delay = "0s"\ntimeout = "5s"\nretries = 0\n'
    path.write_text(base + text, encoding="utf-8")
    return path


@pytest.fixture
def write_config() -> Callable[[Path, str], Path]:
    """Writes a config file with fast test defaults (no per-host delay, no retries) plus text."""
    return _write_config


class WebhookReceiver:
    """A real HTTP server that records POSTed webhooks and answers from a script.

    `answers` is a list of statuses used in order (then 200); `hang` makes the next request
    wait until `release()` (to kill a sender in the middle of a delivery).
    """

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        self.hang = threading.Event()
        self.arrived = threading.Event()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def release(self) -> None:
        self._released.set()

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append((dict(self.headers), body))
                receiver.arrived.set()
                if receiver.hang.is_set():
                    receiver.hang.clear()
                    receiver._released.wait(30)
                    return
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                """Quiet."""

        return Handler


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver()
    yield hook
    hook.stop()
