"""The browser fetcher's pure parts and its configuration, without a browser: script shells
told from real pages, which fetcher a watch gets, the [fetch] section, the `browser` extra
missing, and what `checks --json` and `watch list --json` say of it."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta

import pytest
from cli_runner import ROOT, ok, run
from conftest import FIXTURES

from worker import decide
from worker.db import create_engine
from worker.errors import ConfigError
from worker.extract import looks_like_script_shell
from worker.models import Watch, utcnow
from worker.settings import FetchSettings, HttpSettings, Settings, load_settings
from worker.store import Store
from worker.types import CheckRecord, Discovered, PollRecord

REAL_PAGES = sorted((FIXTURES / "extract").rglob("*.html"))
SHELLS = {
    "react root": '<html><body><div id="root"></div><script src="/main.js"></script></body></html>',
    "next.js": '<html><body><div id="__next"></div><script id="__NEXT_DATA__">{}</script>'
    '<script src="/_next/app.js"></script></body></html>',
    "vue app with a loading line": '<html><body><div id="app">Loading…</div>'
    '<script src="/app.js"></script></body></html>',
    "data-reactroot": '<html><body><main data-reactroot=""></main></body></html>',
    "body of scripts": "<html><body><noscript>Please enable JavaScript to read this "
    "article.</noscript><script>var a=1</script><script src=/live.js></script></body></html>",
}
NOT_SHELLS = {
    "a short page": "<html><body><p>Gone fishing.</p></body></html>",
    "no body": "",
    "text in the root": '<html><body><div id="root">' + "<p>Article text here. </p>" * 20
    + "</div><script src=/a.js></script></body></html>",
    "a teaser and a script": "<html><body><h1>Title</h1><p>A line.</p><div>more</div>"
    "<footer>f</footer><script>x()</script></body></html>",
}  # fmt: skip


@pytest.mark.parametrize("html", SHELLS.values(), ids=SHELLS.keys())
def test_a_script_shell_is_told(html):
    assert looks_like_script_shell(html)


@pytest.mark.parametrize("html", NOT_SHELLS.values(), ids=NOT_SHELLS.keys())
def test_a_page_that_is_not_a_shell_stays_plain(html):
    assert not looks_like_script_shell(html)


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_real_article_pages_are_not_shells(path):
    assert not looks_like_script_shell(path.read_text(encoding="utf-8", errors="replace"))


@pytest.mark.parametrize(
    ("fetcher", "needs_browser", "browser", "expected"),
    [
        (None, False, "off", "plain"),
        (None, False, "auto", "auto"),
        (None, True, "auto", "auto"),  # a shell last time: read plainly first all the same
        ("plain", True, "auto", "plain"),  # the watch's own choice wins
        ("browser", False, "off", "browser"),
        ("auto", False, "off", "auto"),
        ("auto", True, "off", "auto"),
    ],
)
def test_the_fetcher_of_a_watch(fetcher, needs_browser, browser, expected):
    watch = Watch(url="https://news.example/a", fetcher=fetcher, needs_browser=needs_browser)
    assert decide.fetcher_for(watch, browser) == expected


def test_the_fetch_section_and_its_defaults(write_config, tmp_path):
    chromium = tmp_path / "chromium"  # any executable file passes the check of the path
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    path = write_config(
        tmp_path / "c.toml",
        f'[fetch]\nbrowser = "auto"\nchromium = "{chromium}"\npages = 3\ntimeout = "12s"\n'
        '[[watch]]\nurl = "https://news.example/a"\nfetcher = "browser"\n'
        '[[source]]\nurl = "https://news.example/rss"\nfetcher = "auto"\n',
    )
    settings = load_settings(path)
    assert settings.fetch == FetchSettings(
        browser="auto", chromium=chromium, pages=3, timeout=timedelta(seconds=12)
    )
    assert settings.watch[0].fetcher == "browser" and settings.source[0].fetcher == "auto"
    assert settings.render_timeout == timedelta(seconds=12)
    assert Settings().render_timeout == HttpSettings().timeout  # the fetch timeout


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[fetch]\nbrowser = "always"\n', "fetch.browser"),
        ("[fetch]\npages = 0\n", "fetch.pages"),
        ('[[watch]]\nurl = "https://news.example/a"\nfetcher = "chrome"\n', "watch[0].fetcher"),
        ('[[source]]\nurl = "https://news.example/r"\nfetcher = "js"\n', "source[0].fetcher"),
        ('[fetch]\nbrowser = "auto"\nchromium = "/nowhere/chromium"\n', "[fetch] chromium"),
    ],
)
def test_bad_fetch_values_name_their_key(write_config, tmp_path, text, key):
    with pytest.raises(ConfigError, match=re.escape(key)):
        load_settings(write_config(tmp_path / "c.toml", text))


@pytest.fixture
def no_playwright(monkeypatch):
    """As on a plain install: `import playwright` fails."""
    for name in [n for n in sys.modules if n == "playwright" or n.startswith("playwright.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "playwright", None)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[[watch]]\nurl = "https://news.example/a"\nfetcher = "browser"\n', "watch[0].fetcher"),
        ('[[source]]\nurl = "https://news.example/r"\nfetcher = "auto"\n', "source[0].fetcher"),
        ('[fetch]\nbrowser = "auto"\n', "fetch.browser"),
    ],
)
def test_without_the_extra_a_browser_is_a_config_error_naming_it(
    no_playwright, write_config, tmp_path, text, key
):
    with pytest.raises(ConfigError) as raised:
        load_settings(write_config(tmp_path / "c.toml", text))
    assert key in str(raised.value) and "pip install 'newswatch[browser]'" in str(raised.value)


def test_without_the_extra_plain_watches_need_nothing(no_playwright, write_config, tmp_path):
    text = '[[watch]]\nurl = "https://news.example/a"\nfetcher = "plain"\n'
    assert load_settings(write_config(tmp_path / "c.toml", text)).watch[0].fetcher == "plain"


def test_without_the_extra_watch_add_fetcher_browser_exits_2(tmp_path):
    """A plain install (Playwright unimportable): exit 2, the extra named, no traceback."""
    code = (
        "import sys; sys.modules['playwright'] = None; from worker.cli import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    database = f"sqlite:///{tmp_path / 'n.db'}"
    done = subprocess.run(
        [sys.executable, "-c", code, "--database-url", database, "watch", "add",
         "https://news.example/a", "--fetcher", "browser"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "newswatch[browser]" in done.stderr and "Traceback" not in done.stderr


def test_source_add_fetcher_is_given_to_its_articles(tmp_path):
    database = tmp_path / "n.db"
    feed = "https://news.example/rss"
    ok("source", "add", feed, "--kind", "feed", "--fetcher", "plain", database=database)
    store = Store(create_engine(f"sqlite:///{database}"))
    [source] = store.list_sources()
    now = utcnow()
    poll = PollRecord(source.id, now, now, items=(Discovered("https://news.example/a"),))
    assert store.save_poll(poll) == 1
    listed = ok("watch", "list", "--json", database=database).stdout
    assert '"fetcher": "plain"' in listed
    ok("source", "add", feed, "--fetcher", "auto", database=database)  # changes it
    assert '"fetcher": "auto"' in ok("source", "list", "--json", database=database).stdout
    assert '"fetcher": "auto"' in ok("watch", "list", "--json", database=database).stdout
    assert store.list_sources()[0].kind == "feed"  # what was not given stays
    assert run("source", "add", feed, "--fetcher", "js", database=database).returncode == 2


def test_the_fetcher_is_shown_by_watch_list_and_checks(tmp_path):
    database = tmp_path / "n.db"
    url = "https://news.example/a"
    ok("watch", "add", url, "--fetcher", "plain", database=database)
    assert '"fetcher": "plain"' in ok("watch", "list", "--json", database=database).stdout
    engine = create_engine(f"sqlite:///{database}")
    store = Store(engine)
    watch_id = store.watch_id(url)
    record = CheckRecord(
        watch_id=watch_id, started_at=utcnow(), outcome="error", next_check_at=utcnow(),
        error="timed out", failed=True, fetcher="browser", render_ms=1234,
    )  # fmt: skip
    store.save_check(record)
    engine.dispose()
    shown = ok("checks", url, "--json", database=database).stdout
    assert '"fetcher": "browser"' in shown and '"render_ms": 1234' in shown
    assert "(browser 1,234 ms)" in ok("checks", url, database=database).stdout
    assert run("watch", "add", url, "--fetcher", "js", database=database).returncode == 2
