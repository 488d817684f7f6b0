"""A quiet pass: `newswatch check --all` over unchanged pages, beside urlwatch's cycle over
the same pages in the same run.

Usage: python bench/bench_quiet.py [CORPUS] [--pages 300] [--urlwatch PATH] [--nonce]

Serves the pages (every source.html of CORPUS, else the seed article at many paths) from four
local servers, one per loopback port, as four sites. Both tools first capture every page once;
then one more pass over the unchanged pages is timed for each, as whole processes. Pages come
with an ETag (answered by 304) unless --no-etag; --nonce puts a per-request nonce in a
<script>, as real pages do, so the bytes differ on every request. Prints seconds per 1,000
pages and the ratio. urlwatch comes from anywhere (`python -m venv /tmp/uw &&
/tmp/uw/bin/pip install urlwatch`). Politeness is lifted for newswatch (per-host delay 0).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWSWATCH = Path(sys.executable).with_name("newswatch")
SITES = 4


def load_pages(corpus: Path | None, count: int) -> list[bytes]:
    if corpus is not None:
        pages = [page.read_bytes() for page in sorted(corpus.glob("*/source.html"))]
        return [pages[i % len(pages)] for i in range(count)]  # cycled up to --pages
    seed = (ROOT / "fixtures" / "seed" / "moscow-times-v1.html").read_bytes()
    return [seed] * count


def serve(
    pages: list[bytes], etag: bool, nonce: bool
) -> tuple[list[ThreadingHTTPServer], list[str]]:
    counter = itertools.count()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            index = int(self.path.strip("/").split("/")[-1])
            body = pages[index]
            if nonce:
                tag = f"<script>window.nonce='{next(counter)}';</script>".encode()
                body = body.replace(b"</head>", tag + b"</head>", 1)
            tag_value = '"' + hashlib.sha1(pages[index]).hexdigest() + '"'
            if etag and self.headers.get("If-None-Match") == tag_value:
                self.send_response(304)
                self.send_header("ETag", tag_value)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if etag:
                self.send_header("ETag", tag_value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    servers = [ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(SITES)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    urls = [
        f"http://127.0.0.1:{servers[i % SITES].server_address[1]}/page/{i}"
        for i in range(len(pages))
    ]
    return servers, urls


def timed(argv: list[str], cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def newswatch_pass(folder: str, urls: list[str]) -> float:
    config = Path(folder, "nw.toml")
    config.write_text(
        '[http]\nper_host_delay = "0s"\nper_host_concurrency = 8\nretries = 0\n'
        "[schedule]\nworkers = 8\n"
    )
    Path(folder, "urls.txt").write_text("\n".join(urls) + "\n")
    base = [str(NEWSWATCH), "--config", str(config), "--database-url", f"sqlite:///{folder}/nw.db"]
    subprocess.run(
        [*base, "watch", "import", "urls.txt"], cwd=folder, check=True, capture_output=True
    )
    timed([*base, "check", "--all"], folder)  # the first capture
    return timed([*base, "check", "--all"], folder)


def urlwatch_pass(urlwatch: str, folder: str, urls: list[str]) -> float:
    Path(folder, "urls.yaml").write_text("".join(f"url: {url}\n---\n" for url in urls))
    Path(folder, "urlwatch.yaml").write_text(
        "display:\n  new: false\n  error: true\n  unchanged: false\n"
        "report:\n  text:\n    details: false\n  stdout:\n    enabled: false\n    color: false\n"
    )
    argv = [
        urlwatch,
        "--urls", f"{folder}/urls.yaml",
        "--config", f"{folder}/urlwatch.yaml",
        "--hooks", f"{folder}/hooks.py",
        "--cache", f"{folder}/cache.db",
    ]  # fmt: skip
    Path(folder, "hooks.py").write_text("")
    timed(argv, folder)  # the first capture
    return timed(argv, folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--urlwatch", default=shutil.which("urlwatch"))
    parser.add_argument("--no-etag", action="store_true")
    parser.add_argument("--nonce", action="store_true")
    args = parser.parse_args()
    pages = load_pages(args.corpus, args.pages)
    servers, urls = serve(pages, etag=not args.no_etag, nonce=args.nonce)
    what = f"{len(urls)} pages on {SITES} local sites, ETag {'off' if args.no_etag else 'on'}"
    print(f"{what}, {'a new nonce on every request' if args.nonce else 'the same bytes'}")
    with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as theirs:
        newswatch = newswatch_pass(ours, urls)
        peer = urlwatch_pass(args.urlwatch, theirs, urls) if args.urlwatch else None
    per = 1000 / len(urls)
    print(f"  newswatch check --all   {newswatch * per:6.1f} s per 1,000 pages")
    if peer is not None:
        print(f"  urlwatch                {peer * per:6.1f} s per 1,000 pages")
        print(f"  newswatch / urlwatch    {newswatch / peer:6.2f}")
    for server in servers:
        server.shutdown()


if __name__ == "__main__":
    main()
