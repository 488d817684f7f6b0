"""End to end in a real headless Chromium (Debian's package, driven by Playwright): a real
uvicorn server on a SQLite file, the dashboard clicked through to a diff, and pages carrying
injected scripts, handlers, javascript: links and CSS that must do nothing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from conftest import CHROMIUM
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright
from test_web import fill_site  # the same stored site as the TestClient tests

from worker.db import create_engine, migrate
from worker.settings import Settings
from worker.store import Store
from worker.web import create_app

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


class Server:
    """uvicorn in a thread, on a socket bound to a free loopback port."""

    def __init__(self, store: Store) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        config = uvicorn.Config(create_app(Settings(), store), log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()
        return f"http://{host}:{port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('web') / 'newswatch.db'}")
    migrate(engine)
    ids = fill_site(Store(engine))
    server = Server(Store(engine))
    server.start()
    yield server.url, ids
    server.stop()
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page with its console errors and uncaught exceptions recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            self.errors.append(f"{message.type}: {message.text}")


def test_dashboard_to_diff_shows_insertions_and_deletions(browser, served, tmp_path):
    base, _ = served
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watched = Watched(page)
    page.goto(base + "/")
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)
    page.get_by_role("link", name="Minister defends costly plan").click()
    expect(page.locator("h1")).to_have_text("Minister defends costly plan")
    page.get_by_role("link", name="Diff", exact=True).last.click()  # v1 -> v2, the oldest
    _assert_marked(page, deleted="two", inserted="three")
    page.screenshot(path=tmp_path / "diff-inline.png", full_page=True)
    page.get_by_role("link", name="side by side").click()
    _assert_marked(page, deleted="two", inserted="three")
    page.screenshot(path=tmp_path / "diff-side-by-side.png", full_page=True)
    page.set_viewport_size(PHONE)
    _assert_marked(page, deleted="two", inserted="three")
    page.screenshot(path=tmp_path / "diff-phone.png", full_page=True)
    assert watched.errors == []
    assert all((tmp_path / name).stat().st_size > 1000 for name in _screenshots(tmp_path))
    page.close()


def _assert_marked(page: Page, deleted: str, inserted: str) -> None:
    """The changed words are visible, and marked by more than colour."""
    removed = page.locator(".nw-body del", has_text=deleted).first
    added = page.locator(".nw-body ins", has_text=inserted).first
    expect(removed).to_be_visible()
    expect(added).to_be_visible()
    assert "line-through" in removed.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "underline" in added.evaluate("e => getComputedStyle(e).textDecorationLine")


def _screenshots(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.png"))


def test_injected_content_does_nothing(browser, served, tmp_path):
    base, ids = served
    hostile = f"/articles/{ids['hostile']}"
    paths = [
        "/",
        hostile,
        f"{hostile}/versions/1",
        f"{hostile}/versions/2",
        f"{hostile}/diff?from=1&to=2",
        f"{hostile}/diff?from=1&to=2&mode=side-by-side",
        "/search?q=pwned",
    ]
    page = browser.new_page()
    watched = Watched(page)
    for number, path in enumerate(paths):
        page.goto(base + path)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        assert page.evaluate("getComputedStyle(document.body).display") != "none", path
        assert page.locator("script, style, img, [onerror]").count() == 0, path
        expect(page.get_by_text("window.__pwned=1").first).to_be_visible()
        page.screenshot(path=tmp_path / f"hostile-{number}.png")
    for link in page.locator("a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
    assert watched.errors == []
    page.close()
