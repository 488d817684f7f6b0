"""The browser fetcher end to end: real local servers, Debian's Chromium driven by Playwright,
the pipeline and a SQLite store. A single-page app, an article a script inserts after 1 s, a
page that never settles, a script calling private addresses, a browser killed under the
fetcher, and `[fetch] browser = "auto"` switching on a script shell only."""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from worker import extract
from worker.db import create_engine, migrate
from worker.errors import FetchTimeoutError
from worker.fetch import Fetcher, FetchRules
from worker.fetch.browser import BrowserFetcher
from worker.models import Watch, utcnow
from worker.pipeline import Pipeline
from worker.settings import FetchSettings, HttpSettings, Settings
from worker.store import Store

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

DEADLINE = 5.0  # seconds a page may take in the browser here
PARAGRAPHS = [f"Paragraph {n} of the story, long enough to be read as article text." for n in
              range(1, 13)]  # fmt: skip
ARTICLE = "<article><h1>Storm hits the coast</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
ARTICLE += "</article>"
SHELL = '<html><head><title>Storm hits the coast</title></head><body><div id="root"></div>'
SPA = SHELL + '<script src="/app.js"></script></body></html>'
APP_JS = """fetch('/api/story').then(r => r.text()).then(html => {
  document.getElementById('root').innerHTML = html; });"""
DELAYED = (
    SHELL
    + f"""<script>setTimeout(() => {{
  document.getElementById('root').innerHTML = {ARTICLE!r}; }}, 1000);</script></body></html>"""
)
NEVER_SETTLES = (
    SHELL
    + """<script>setInterval(() => {
  fetch('/tick?' + Date.now()); document.getElementById('root').textContent = Date.now();
}, 100);</script></body></html>"""
)
BUSY_LOOP = SHELL + "<script>setTimeout(() => { while (true) {} }, 50);</script></body></html>"
STATIC = f"<html><head><title>Storm</title></head><body>{ARTICLE}</body></html>"


class Site:
    """A real HTTP server on a loopback address: fixed answers per path, requests recorded."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        self.asked: list[str] = []
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def serve(self, path: str, body: str, kind: str = "text/html; charset=utf-8") -> str:
        self.pages[path] = (200, kind, body.encode())
        return self.url(path)

    def redirect(self, path: str, to: str) -> None:
        self.pages[path] = (302, to, b"")

    def count(self, path: str) -> int:
        return sum(1 for asked in self.asked if asked.split("?")[0] == path)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.asked.append(self.path)
                status, kind, body = site.pages.get(self.path.split("?")[0], (404, "text/plain",
                                                                              b"no"))  # fmt: skip
                self.send_response(status)
                self.send_header("Location" if status == 302 else "Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                """Quiet."""

        return Handler


def _settings(**fetch: object) -> Settings:
    http = HttpSettings(per_host_delay=timedelta(0), retries=0, timeout=timedelta(seconds=10))
    return Settings(http=http, fetch=FetchSettings(**fetch))


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def fetchers() -> Iterator[tuple[Fetcher, BrowserFetcher]]:
    """One plain fetcher and one browser for the module's tests (closed at its end)."""
    settings = _settings()
    plain = Fetcher(settings.http)
    browser = BrowserFetcher(settings.fetch, settings.http, plain, DEADLINE)
    yield plain, browser
    browser.close()
    plain.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    engine = create_engine(f"sqlite:///{tmp_path / 'newswatch.db'}")
    migrate(engine)
    yield Store(engine)
    engine.dispose()


def _pipeline(store: Store, fetchers, **fetch: object) -> Pipeline:
    plain, browser = fetchers
    return Pipeline(_settings(**fetch), store, plain, browser=browser)


def _single_page_app(site: Site) -> str:
    """/story: a shell whose script fetches the article from /api/story; its URL."""
    site.serve("/app.js", APP_JS, "text/javascript")
    site.serve("/api/story", ARTICLE)
    return site.serve("/story", SPA)


def _claimed(store: Store, url: str) -> Watch:
    [watch] = store.claim_urls("test", [url], utcnow(), timedelta(minutes=5))
    return watch


def test_a_single_page_app_is_stored_with_its_article(site, store, fetchers):
    url = _single_page_app(site)
    store.add_watch(url, fetcher="browser")
    record = _pipeline(store, fetchers).check(_claimed(store, url))
    assert record.outcome == "new", record.error
    assert record.fetcher == "browser" and record.render_ms is not None
    [snapshot] = store.versions_of(store.watch_id(url))
    assert snapshot.body.split("\n\n") == PARAGRAPHS
    [check] = store.checks_of(store.watch_id(url))
    assert check.fetcher == "browser" and check.render_ms == record.render_ms
    # What is kept of the page is its own response (the shell), as for plain fetches.
    assert store.raw_html(record.raw_hash or "") == SPA.encode()


def test_an_article_a_script_inserts_after_a_second_is_there_whole(site, fetchers):
    _, browser = fetchers
    result = browser.get(site.serve("/late", DELAYED))
    article = extract.article(result.html, result.final_url)
    assert article.body == tuple(PARAGRAPHS)
    assert result.raw == DELAYED.encode()


@pytest.mark.parametrize("page", [NEVER_SETTLES, BUSY_LOOP], ids=["fetches forever", "busy loop"])
def test_a_page_that_never_settles_is_a_timed_out_check(site, store, fetchers, page):
    url = site.serve("/live", page)
    store.add_watch(url, fetcher="browser")
    record = _pipeline(store, fetchers).check(_claimed(store, url))
    assert record.outcome == "error" and "timed out" in (record.error or "")
    assert record.fetcher == "browser"
    assert record.render_ms is not None and record.render_ms < (DEADLINE + 3) * 1000
    [check] = store.checks_of(store.watch_id(url))
    assert check.outcome == "error" and check.fetcher == "browser"


PRIVATE = ["10.0.0.1", "169.254.169.254"]


def test_a_source_enrolled_page_cannot_make_requests_to_private_addresses(
    fetchers, monkeypatch, caplog
):
    """The page is on 127.0.0.2, taken for a public address here; its scripts ask 127.0.0.1
    (a server that records what reaches it), 10.0.0.1 and 169.254.169.254, directly and
    through a redirect of the page's own host. Each is refused and logged; the article is
    still extracted."""
    monkeypatch.setattr("worker.urls.is_public_address", lambda ip: ip == "127.0.0.2")
    page, inside = Site("127.0.0.2"), Site("127.0.0.1")
    try:
        secret = inside.serve("/secret", "token=abc", "text/plain")
        inside.serve("/evil.js", "document.title = 'pwned';", "text/javascript")
        page.redirect("/bounce", secret)
        asks = [secret, page.url("/bounce"), *(f"http://{ip}/latest/meta-data/" for ip in PRIVATE)]
        script = "".join(f"fetch({ask!r}).catch(() => null);" for ask in asks)
        html = (
            f"<html><head><title>Storm</title><script src={inside.url('/evil.js')!r}></script>"
            f"</head><body>{ARTICLE}<iframe src={inside.url('/secret')!r}></iframe>"
            f"<script>{script}</script></body></html>"
        )
        url = page.serve("/story", html)
        _, browser = fetchers
        with caplog.at_level(logging.WARNING, logger="worker.fetch.browser"):
            result = browser.get(url, rules=FetchRules(public_only=True, respect_robots=True))
        assert inside.asked == []
        refused = [r.getMessage() for r in caplog.records if "refused a request" in r.message]
        for address in ["127.0.0.1", *PRIVATE]:
            assert any(f"non-public address {address}" in line for line in refused), refused
        assert "pwned" not in result.html
        assert set(PARAGRAPHS) <= set(extract.article(result.html, url).body)
        assert "/robots.txt" in page.asked  # robots.txt asked for the page load
    finally:
        page.stop()
        inside.stop()


def test_a_browser_killed_between_fetches_is_replaced(site):
    settings = _settings()
    others = set(_children_named("chromium"))  # the other tests' browser
    with Fetcher(settings.http) as plain:
        browser = BrowserFetcher(settings.fetch, settings.http, plain, DEADLINE)
        try:
            url = site.serve("/story", STATIC)
            assert "Paragraph 12" in browser.get(url).html
            [pid] = set(_children_named("chromium")) - others
            with _exited(pid):
                os.kill(pid, signal.SIGKILL)
            assert "Paragraph 12" in browser.get(url).html
            [again] = set(_children_named("chromium")) - others
            assert again != pid
        finally:
            browser.close()
    assert set(_children_named("chromium")) == others  # closed with the fetcher


def test_auto_renders_a_script_shell_and_notes_it(site, store, fetchers):
    url = _single_page_app(site)
    store.add_watch(url)
    pipeline = _pipeline(store, fetchers, browser="auto")
    first = pipeline.check(_claimed(store, url))
    assert first.outcome == "new" and first.fetcher == "browser" and first.needs_browser
    assert site.count("/story") == 1  # the response fetched plainly is the one rendered
    watch = _claimed(store, url)
    assert watch.needs_browser
    second = pipeline.check(watch)
    assert second.fetcher == "browser" and second.outcome in {"unchanged", "not_modified"}
    assert site.count("/story") == 2


def test_auto_goes_back_to_plain_reads_when_the_shell_becomes_a_page(site, store, fetchers):
    url = _single_page_app(site)
    store.add_watch(url)
    pipeline = _pipeline(store, fetchers, browser="auto")
    assert pipeline.check(_claimed(store, url)).fetcher == "browser"
    site.serve("/story", STATIC)  # the site now renders its articles on the server
    again = pipeline.check(_claimed(store, url))
    assert (again.fetcher, again.render_ms, again.needs_browser) == ("plain", None, False)
    assert not _claimed(store, url).needs_browser


def test_auto_stays_plain_on_a_normal_page(site, store):
    url = site.serve("/story", STATIC)
    store.add_watch(url)
    settings = _settings(browser="auto")
    with Fetcher(settings.http) as plain:
        pipeline = Pipeline(settings, store, plain)
        record = pipeline.check(_claimed(store, url))
        assert record.outcome == "new" and record.fetcher == "plain"
        assert record.render_ms is None and record.needs_browser is False
        assert pipeline._browser is None  # no browser was ever started
        pipeline.close()
    assert not _claimed(store, url).needs_browser
    assert site.count("/story") == 1


# --- the browser's processes, from /proc --------------------------------------------------


def _children_named(name: str) -> list[int]:
    """The processes under this one whose program is `name` and that are no helper (no
    --type=), i.e. the browser processes themselves."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    mine, found = {os.getpid()}, []
    for _ in range(6):  # python -> node driver -> chromium (and a wrapper, at most)
        mine |= {pid for pid, parent in parents.items() if parent in mine}
    for pid in sorted(mine - {os.getpid()}):
        with contextlib.suppress(OSError):
            command = (Path("/proc") / str(pid) / "cmdline").read_bytes()
            program = Path(command.split(b"\0")[0].split(b" ")[0].decode()).name
            if program == name and b"--type=" not in command:  # helpers rewrite their argv
                found.append(pid)
    return found


@contextlib.contextmanager
def _exited(pid: int) -> Iterator[None]:
    """Wait (on the process's pidfd, not a sleep) until `pid` is gone after the block."""
    fd = os.pidfd_open(pid)
    try:
        yield
        ready, _, _ = select.select([fd], [], [], 10)
        assert ready, f"process {pid} did not exit"
    finally:
        os.close(fd)


def test_the_deadline_error_names_the_page(site, fetchers):
    _, browser = fetchers
    url = site.serve("/busy", BUSY_LOOP)
    with pytest.raises(FetchTimeoutError, match=r"did not settle .* within 5s: http://"):
        browser.get(url)
