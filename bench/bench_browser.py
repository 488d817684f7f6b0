"""Memory and time of browser fetches beside plain fetches of the same page.

    python bench/bench_browser.py [--fetches 20] [--chromium /usr/bin/chromium]

A local HTTP server serves a single-page app (an empty #root filled by a script from a JSON
call, as the tests' SPA) and the same article as static HTML. The bench makes `--fetches`
plain fetches of the static page, then `--fetches` browser fetches of the app, one after the
other through the same BrowserFetcher (one browser, a context per fetch), and prints the time
per fetch and the resident memory (RSS) of this process and of all its children (the
Playwright driver and Chromium's processes), read from /proc: after the first browser fetch
(the browser started) and after the last. The growth between those two is what leaks would
show; the issue's target is a few tens of MB at most over 20 fetches.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from worker.fetch import Fetcher
from worker.fetch.browser import BrowserFetcher
from worker.settings import FetchSettings, HttpSettings

PARAGRAPHS = "".join(f"<p>Paragraph {n} of the story, with enough words to be text.</p>"
                     for n in range(40))  # fmt: skip
PAGES = {
    "/static": f"<html><body><article><h1>Story</h1>{PARAGRAPHS}</article></body></html>",
    "/app": '<html><body><div id="root"></div><script>fetch("/api").then(r => r.text())'
    '.then(t => { document.getElementById("root").innerHTML = t; });</script></body></html>',
    "/api": f"<article><h1>Story</h1>{PARAGRAPHS}</article>",
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path, "").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


def tree_rss() -> tuple[float, float]:
    """MB of proportional set size (PSS: shared pages divided among their sharers, so that
    Chromium's processes are not counted many times): this process, and with all its
    descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rpartition(")")[2].split()
            rollup = (entry / "smaps_rollup").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[1])
        pss = next((line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:")), 0)
        rss[int(entry.name)] = int(pss) * 1024
    tree = {os.getpid()}
    grown = True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    mine = rss.get(os.getpid(), 0) / 1e6
    return mine, sum(rss.get(pid, 0) for pid in tree) / 1e6


def _show(label: str, figures: tuple[float, ...]) -> None:
    process, tree = figures
    print(f"  {label + ':':40} process {process:7.1f} MB, with children {tree:7.1f} MB (PSS)")


def _timed(get, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        result = get(url)
        times.append(time.perf_counter() - started)
        assert "Paragraph 39" in result.html, "the article is missing"
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fetches", type=int, default=20)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    http = HttpSettings(per_host_delay=timedelta(0), retries=0)
    settings = FetchSettings(chromium=Path(args.chromium))
    with Fetcher(http) as plain:
        start_self, start_tree = tree_rss()
        plain_times = _timed(plain.get, f"{base}/static", args.fetches)
        browser = BrowserFetcher(settings, http, plain, http.timeout.total_seconds())
        try:
            first = _timed(browser.get, f"{base}/app", 1)[0]
            after_first = tree_rss()
            browser_times = _timed(browser.get, f"{base}/app", args.fetches)
            after_last = tree_rss()
        finally:
            browser.close()
        closed = tree_rss()
    server.shutdown()
    median = statistics.median
    print(f"plain:   {args.fetches} fetches, median {median(plain_times) * 1000:.0f} ms")
    print(
        f"browser: first fetch (launch included) {first * 1000:.0f} ms; {args.fetches} more, "
        f"median {median(browser_times) * 1000:.0f} ms, max {max(browser_times) * 1000:.0f} ms"
    )
    _show("before any browser", (start_self, start_tree))
    _show("after the first browser fetch", after_first)
    _show(f"after {args.fetches} more browser fetches", after_last)
    _show(
        f"growth over those {args.fetches}",
        tuple(b - a for a, b in zip(after_first, after_last, strict=True)),
    )
    _show("after close", closed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
