"""Shared fixtures: a real local HTTP server, config files, a migrated SQLite store."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from worker.db import create_engine, migrate
from worker.store import Store

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SEED = FIXTURES / "seed"
CHROMIUM = Path("/usr/bin/chromium")
# The PostgreSQL server of the scale-out tests (.ci/services starts it).
POSTGRES_ADMIN_URL = os.environ.get(
    "NEWSWATCH_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


# --- services the suite needs beyond pip (.ci/services gets them where it can) -------------


def _postgres_missing() -> str | None:
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({reason[:160]})"
    return None


def _chromium_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (as root: apt-get install chromium)"
    return None


SERVICES = {"postgres": _postgres_missing, "browser": _chromium_missing}  # marker -> check
_MISSING: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    _MISSING.update(
        (marker, reason) for marker, check in SERVICES.items() if (reason := check()) is not None
    )
    if _MISSING and os.environ.get("CI"):
        reasons = "; ".join(_MISSING.values())
        raise pytest.UsageError(f"CI runs every test, but {reasons}")


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"cannot run the {marker!r} tests: {why}" for marker, why in _MISSING.items()]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Outside CI, the tests a missing service would fail are named and left out."""
    if not _MISSING:
        return
    left_out = [item for item in items if any(item.get_closest_marker(m) for m in _MISSING)]
    if not left_out:
        return
    config.hook.pytest_deselected(items=left_out)
    items[:] = [item for item in items if item not in left_out]
    files = sorted({item.nodeid.split("::")[0] for item in left_out})
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        for why in _MISSING.values():
            reporter.write_line(f"cannot run: {why}", yellow=True)
        reporter.write_line(f"left out {len(left_out)} tests in: {', '.join(files)}", yellow=True)


@dataclass
class Route:
    """What the local server answers on one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})


class ArticleServer:
    """A real HTTP server on 127.0.0.1 whose answers a test sets per path.

    It honours If-None-Match when a route has an ETag, and records every request (setting
    `arrived`). After `hold()`, requests are recorded but answered only after `release()`.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.arrived = threading.Event()
        self._open = threading.Event()
        self._open.set()
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

    def hold(self) -> None:
        """Answer no request from now on until `release()` (one waits 30 s at most)."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                server.arrived.set()
                server._open.wait(30)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer()  # (a held request's client may have died meanwhile)

            def _answer(self) -> None:
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


# Each PostgreSQL test gets a database of its own, copied from one migrated template.


class PostgresDatabases:
    """Creates throwaway databases on the test server, all dropped at the end."""

    def __init__(self, admin_url: str) -> None:
        self.admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"nw_test_{os.getpid()}"
        self.created: list[str] = []
        self.template = self.create(template=None)
        engine = create_engine(self.url(self.template))
        migrate(engine)
        engine.dispose()

    def url(self, name: str) -> str:
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def create(self, template: str | None = "default") -> str:
        name = f"{self.prefix}_{len(self.created)}"
        source = f" TEMPLATE {self.template}" if template == "default" else ""
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}{source}")
        self.created.append(name)
        return name

    def drop_all(self) -> None:
        with self.admin.connect() as connection:
            for name in reversed(self.created):
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases]:
    try:
        databases = PostgresDatabases(POSTGRES_ADMIN_URL)
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL for the tests is not reachable at {POSTGRES_ADMIN_URL}: {exc}")
    yield databases
    databases.drop_all()


@pytest.fixture
def postgres_url(postgres: PostgresDatabases) -> str:
    """A fresh, migrated PostgreSQL database for one test."""
    return postgres.url(postgres.create())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, database_url: str) -> Iterator[Store]:
    """A migrated store, once on SQLite and once on PostgreSQL: the same code runs on both."""
    url = database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    migrate(engine)
    yield Store(engine)
    engine.dispose()


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
