"""End to end in a real headless Chromium (Debian's package, driven by Playwright): a real
uvicorn server on a SQLite file, the dashboard clicked through to a diff, and pages carrying
injected scripts, handlers, javascript: links and CSS that must do nothing; every page of
issue 19 at desktop and phone width, with screenshots under the test's tmp_path and, when
NEWSWATCH_SCREENSHOTS names a folder, there too (for a person to look at)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn
from conftest import CHROMIUM
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright
from test_web import article, fill_site, save_series  # the TestClient tests' stored site

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


# -- issue 19: every new page at desktop and phone width, screenshots for a person -----------

DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = "NEWSWATCH_SCREENSHOTS"  # a folder to write the screenshots to, as well


def _shoot(page: Page, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot under tmp_path, and in $NEWSWATCH_SCREENSHOTS when it is set."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    folder = os.environ.get(SCREENSHOTS)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(folder) / path.name)
    return path


def _new_pages(ids: dict[str, int]) -> dict[str, str]:
    story = f"/articles/{ids['story']}"
    return {
        "dashboard": "/",  # its filters' selects, with their long options, among others
        "articles": "/articles",
        "sources": "/sources",
        "source": "/sources/1",
        "sites": "/sites",
        "site": "/sites/news.example",
        "article": story,
        "article-since-v2": f"{story}?since=2",
        "article-hostile": f"/articles/{ids['hostile']}",
        "search": "/search?q=plan",
        "api-docs": "/api/docs",
    }


@pytest.mark.parametrize(("width", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_every_new_page_renders_under_the_csp(browser, served, tmp_path, width, viewport):
    """No console error (a CSP violation is one), nothing wider than the screen, the charts
    drawn, and a screenshot of each page."""
    base, ids = served
    page = browser.new_page(viewport=viewport)
    watched = Watched(page)
    for name, path in _new_pages(ids).items():
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
        shot = _shoot(page, tmp_path, f"{name}-{width}")
        assert shot.stat().st_size > 1000, path
    assert watched.errors == []
    page.close()


def test_charts_and_marks_are_drawn(browser, served, tmp_path):
    base, ids = served
    page = browser.new_page(viewport=DESKTOP)
    watched = Watched(page)
    page.goto(base + f"/articles/{ids['story']}")
    marks = page.locator("figure.timeline-chart circle.version")
    expect(marks).to_have_count(3)
    fill = marks.last.evaluate("e => getComputedStyle(e).fill")
    assert fill not in {"", "none", "rgb(0, 0, 0)"}  # coloured by the stylesheet
    inserted = page.locator("article.in-place ins", has_text="three")
    expect(inserted).to_be_visible()
    assert "underline" in inserted.evaluate("e => getComputedStyle(e).textDecorationLine")
    page.locator("form.since select").select_option("2")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("article.in-place ins")).to_have_count(0)
    page.goto(base + "/sites/news.example")
    bars = page.locator("svg.chart-bars rect.bar")
    assert bars.count() >= 1 and bars.first.bounding_box()["height"] > 0
    page.goto(base + "/sites/evil.example")
    label = page.locator("svg.chart-ranked text.label").first
    assert "<script>" in label.text_content()  # shown as text, never run
    assert page.evaluate("typeof window.__pwned") == "undefined"
    _shoot(page, tmp_path, "site-hostile-desktop")
    page.goto(base + "/articles")
    page.locator("form.filters select[name=state]").select_option("ok")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.articles tbody tr")).to_have_count(3)
    assert watched.errors == []
    page.close()


def test_the_api_index_and_docs_work_under_the_csp(browser, served):
    base, _ = served
    page = browser.new_page(viewport=DESKTOP)
    watched = Watched(page)
    page.goto(base + "/api")
    assert '"docs":"/api/docs"' in page.content().replace(" ", "")
    page.goto(base + "/api/docs")
    expect(page.locator("section.endpoint").first).to_be_visible()
    page.get_by_role("link", name="GET /api/search").click()
    expect(page.locator("#get--api-search h2")).to_be_in_viewport()
    assert watched.errors == []
    page.close()


# -- real-world text: any script, any length -------------------------------------------------

ARABIC = (
    "أعلنت الحكومة اليوم عن خطة جديدة لإعادة بناء المدارس في المدن الشمالية.",
    "وقال الوزير إن الخطة ستكلف ثلاثة مليارات دولار.",
)
TOKEN = "https://accounts.example/oauth?scope=" + "favoritedrinks%3Arw" * 9


@pytest.fixture
def worldly(tmp_path) -> Iterator[tuple[str, dict[str, int]]]:
    """An Arabic article and one whose edit is inside a 200-character token, served."""
    engine = create_engine(f"sqlite:///{tmp_path / 'world.db'}")
    migrate(engine)
    store = Store(engine)
    arabic = store.add_watch("https://news.example/ar").id
    first = article("خطة لإعادة بناء المدارس", *ARABIC, language="ar")
    save_series(store, arabic, first, replace(first, body=(ARABIC[0], ARABIC[1] + " وأضاف.")))
    token = store.add_watch("https://news.example/rfc").id
    plain = article("An RFC", f"Send the user to {TOKEN}&state=1 now.", "Then wait.")
    edited = replace(plain, body=(f"Send the user to {TOKEN}&state=2 now.", "Then wait."))
    save_series(store, token, plain, edited)
    server = Server(store)
    server.start()
    yield server.url, {"arabic": arabic, "token": token}
    server.stop()
    engine.dispose()


def test_right_to_left_text_runs_right_to_left(browser, worldly):
    """Each paragraph takes its direction from its first letter (stored diffs included)."""
    base, ids = worldly
    page = browser.new_page(viewport=PHONE)
    for path, selector in (
        (f"/articles/{ids['arabic']}", "article.stored p"),
        (f"/articles/{ids['arabic']}/versions/1", "article.stored p"),
        (f"/articles/{ids['arabic']}/diff?from=1&to=2", "ul.nw-body li.nw-sentence"),
        ("/", f"a.headline[href='/articles/{ids['arabic']}']"),
    ):
        page.goto(base + path)
        element = page.locator(selector).first
        assert element.evaluate("e => getComputedStyle(e).unicodeBidi") == "plaintext", path
        # the last line of the text (the one that does not fill the box) hugs the right
        box = element.evaluate(
            "e => { const r = document.createRange(); r.selectNodeContents(e);"
            " const rects = [...r.getClientRects()];"
            " const bottom = Math.max(...rects.map(x => x.bottom));"
            " const last = rects.filter(x => x.bottom === bottom), b = e.getBoundingClientRect();"
            " return [Math.max(...last.map(x => x.right)), b.right,"
            " Math.min(...last.map(x => x.left)), b.left]; }"
        )
        text_right, box_right, text_left, box_left = box
        assert box_right - text_right < 2 and text_left - box_left > 2, (path, box)
    page.close()


def test_a_diff_inside_a_long_token_fits_a_phone(browser, worldly, tmp_path):
    base, ids = worldly
    page = browser.new_page(viewport=PHONE)
    for path in (f"/articles/{ids['token']}/diff?from=1&to=2", "/changes/2"):
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
        _shoot(page, tmp_path, f"long-token-{path.count('/')}")
    page.close()
