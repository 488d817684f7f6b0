"""Following sites end to end: a feed on a real local server enrolled through the CLI, the
private-address guard, and per-host limits counted by real servers."""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cli_runner
import pytest

from worker.fetch import Fetcher
from worker.models import utcnow
from worker.pipeline import Pipeline
from worker.service import Service
from worker.settings import HttpSettings, ScheduleSettings, Settings

pytestmark = pytest.mark.e2e


def _feed(*links: str) -> bytes:
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


@pytest.fixture
def newswatch(tmp_path, write_config):
    def run(config_text: str, *args: str) -> subprocess.CompletedProcess[str]:
        config = write_config(tmp_path / "newswatch.toml", config_text)
        return cli_runner.ok(*args, config=config, database=tmp_path / "newswatch.db")

    return run


def _site(server, seed_v1: bytes) -> str:
    for n in (1, 2):
        server.serve(f"/news/{n}", seed_v1.replace(b"Damascus Holds", f"Story {n}:".encode()))
    server.serve("/robots.txt", b"User-agent: *\nAllow: /\n", **{"Content-Type": "text/plain"})
    return server.serve(
        "/feed.xml",
        _feed("/news/1", "/news/2?utm_source=rss"),
        **{"Content-Type": "application/rss+xml"},
    )


def test_a_feed_in_the_config_is_followed(newswatch, server, seed_v1):
    feed = _site(server, seed_v1)
    config = f'[[source]]\nurl = "{feed}"\nlabel = "local"\nallow_private = true\n'
    assert "2 new" in newswatch(config, "check").stdout
    watches = json.loads(newswatch(config, "watch", "list", "--json").stdout)
    assert sorted(w["url"] for w in watches) == [server.url("/news/1"), server.url("/news/2")]
    assert {w["label"] for w in watches} == {"local"}
    [source] = json.loads(newswatch(config, "source", "list", "--json").stdout)
    assert (source["enrolled"], source["last_error"]) == (2, None)
    assert "0 new" in newswatch(config, "check").stdout  # the feed is not due again yet


def test_articles_a_feed_lists_on_private_addresses_are_refused(newswatch, server, seed_v1):
    feed = _site(server, seed_v1)
    newswatch("", "source", "add", feed)
    out = newswatch("", "check").stdout
    assert "0 new" in out and "2 errors" in out
    watches = json.loads(newswatch("", "watch", "list", "--json").stdout)
    assert all(w["versions"] == 0 for w in watches)
    newswatch("", "watch", "add", server.url("/news/1"))  # by hand: trusted, loopback allowed
    assert "1 new" in newswatch("", "check", server.url("/news/1")).stdout


class CountingServer:
    """Real servers on several loopback addresses that count requests in flight per host.

    Each request waits until `overlap` requests to its host are in flight together (a
    barrier per host, 10 s at most), so that the cap is reached for sure, not by chance.
    """

    def __init__(self, hosts: list[str], overlap: int) -> None:
        self.lock = threading.Lock()
        self.now: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        self.together = {host: threading.Barrier(overlap, timeout=10) for host in hosts}
        self.servers = [ThreadingHTTPServer((host, 0), self._handler()) for host in hosts]
        for httpd in self.servers:
            threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def urls(self, per_host: int) -> list[str]:
        return [
            f"http://{s.server_address[0]}:{s.server_address[1]}/a/{n}"
            for s in self.servers
            for n in range(per_host)
        ]

    def stop(self) -> None:
        for httpd in self.servers:
            httpd.shutdown()
            httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        counter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = self.server.server_address[0]
                with counter.lock:
                    counter.now[host] += 1
                    counter.most[host] = max(counter.most[host], counter.now[host])
                with contextlib.suppress(threading.BrokenBarrierError):  # then `most` is short
                    counter.together[host].wait()
                with counter.lock:
                    counter.now[host] -= 1
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                """Quiet."""

        return Handler


def test_per_host_concurrency_holds_on_real_servers(store):
    hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    counting = CountingServer(hosts, overlap=2)  # 6 a host: three pairs, each all at once
    http = HttpSettings(per_host_concurrency=2, per_host_delay=timedelta(0), retries=0)
    settings = Settings(http=http, schedule=ScheduleSettings(workers=8))
    fetcher = Fetcher(http)
    service = Service(settings, store, Pipeline(settings, store, fetcher), worker_id="t:1")
    try:
        for url in counting.urls(per_host=6):
            store.add_watch(url)
        counts = service.check_pass(store.claim_all("t:1", utcnow(), timedelta(minutes=5)))
    finally:
        service.close()
        fetcher.close()
        counting.stop()
    assert counts == {"error": 18}
    assert counting.most == dict.fromkeys(hosts, 2)
