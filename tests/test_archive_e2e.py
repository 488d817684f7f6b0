"""The web archive through the CLI: a real local server serving several versions of two
articles, `newswatch check` with [archive] dir set, then `verify`, `export`, the official
`wacz validate`, and a replay of every page from the export's index."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import cli_runner
import pytest
from test_archive import page
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

pytestmark = pytest.mark.e2e

WACZ = Path(sys.executable).with_name("wacz")  # py-wacz's command, in the test extra


@pytest.fixture
def newswatch(tmp_path, write_config):
    archive = tmp_path / "archive"
    config = write_config(
        tmp_path / "newswatch.toml", f'[archive]\ndir = "{archive}"\n[guard]\nconfirm_checks = 1\n'
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return cli_runner.run(*args, config=config, database=tmp_path / "newswatch.db")

    run.archive = archive  # type: ignore[attr-defined]
    return run


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def two_articles(newswatch, server):
    """Two articles, three versions of the first and two of the second, checked by the CLI."""
    urls = [server.serve(f"/story-{n}", page(f"Story {n}", 4)) for n in (1, 2)]
    for url in urls:
        ok(newswatch("watch", "add", url))
    assert "2 new" in ok(newswatch("check", *urls))
    for n in (1, 2):
        server.serve(f"/story-{n}", page(f"Story {n}", 5))
    assert "2 changed" in ok(newswatch("check", *urls))
    server.serve("/story-1", page("Story 1", 6))
    assert "1 changed" in ok(newswatch("check", *urls))
    return urls


def test_verify_export_validate_replay(newswatch, two_articles, tmp_path):
    """One history, checked by the CLI, read every way (the CLI is slow to start: one test)."""
    assert "verify ok (2 articles): 5 intact, 0 failed" in ok(newswatch("verify"))
    export = tmp_path / "both.wacz"
    assert "5 versions of 2 articles" in ok(newswatch("export", "--all", "-o", str(export)))
    validated = subprocess.run(
        [str(WACZ), "validate", "-f", str(export)], capture_output=True, text=True, check=False
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Validation succeeded" in validated.stdout
    replayed = replay(export)
    assert sorted(replayed) == sorted(
        [(two_articles[0], n) for n in (4, 5, 6)] + [(two_articles[1], n) for n in (4, 5)]
    )
    one_article_as_warc_since_a_time(newswatch, two_articles[0], tmp_path)
    bad_input_exits_2(newswatch, tmp_path)
    a_broken_record_fails_verify(newswatch)


def replay(export: Path) -> list[tuple[str, int]]:
    """Each page of the export looked up in its CDXJ by URL and timestamp, and its record
    read by warcio from the offset the index gives: (url, paragraphs) of each."""
    with zipfile.ZipFile(export) as package:
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").splitlines()[1:]]
        index = [
            line.split(" ", 2) for line in package.read("indexes/index.cdx").decode().splitlines()
        ]
        warc = package.read("archive/newswatch.warc.gz")
    found = []
    for shown in pages:
        stamp = iso_date_to_timestamp(shown["ts"])
        candidates = [json.loads(fields) for _, ts, fields in index if ts == stamp]
        candidates = [c for c in candidates if c["url"] == shown["url"]]
        records = [_record(warc, c) for c in candidates]
        [(record, body)] = [
            (r, b) for r, b in records if r.rec_headers.get_header("WARC-Date") == shown["ts"]
        ]
        assert record.rec_type == "response"
        assert record.http_headers.get_statuscode() == "200"
        assert shown["title"].encode() in body
        found.append((shown["url"], body.count(b"<p>")))
    return found


def _record(warc: bytes, fields: dict) -> tuple:
    start, length = int(fields["offset"]), int(fields["length"])
    record = next(iter(ArchiveIterator(BytesIO(warc[start : start + length]), check_digests=True)))
    body = record.content_stream().read()
    assert record.digest_checker.passed is not False
    assert fields["filename"] == "newswatch.warc.gz"
    return record, body


def one_article_as_warc_since_a_time(newswatch, url: str, tmp_path: Path) -> None:
    versions = json.loads(ok(newswatch("snapshots", url, "--json")))
    since = versions[1]["fetched_at"]
    out = tmp_path / "story.warc.gz"
    printed = ok(newswatch("export", url, "--since", since, "--format", "warc", "-o", str(out)))
    assert "2 versions of 1 article" in printed
    records = list(ArchiveIterator(out.open("rb"), check_digests=True))
    types = [r.rec_type for r in records]
    assert types == ["warcinfo", *["response", "request", "metadata"] * 2]


def bad_input_exits_2(newswatch, tmp_path: Path) -> None:
    unknown = newswatch("export", "http://unknown.example/x", "-o", str(tmp_path / "x.wacz"))
    assert unknown.returncode == 1 and "not watched" in unknown.stderr  # as every command
    nowhere = newswatch("export", "--all", "-o", str(tmp_path / "missing" / "x.wacz"))
    assert nowhere.returncode == 2 and "does not exist" in nowhere.stderr
    neither = newswatch("export", "-o", str(tmp_path / "x.wacz"))
    assert neither.returncode == 2 and "--all" in neither.stderr
    assert newswatch("verify", "http://unknown.example/x").returncode == 1
    empty = tmp_path / "empty.wacz"
    nothing = newswatch("export", "--all", "--since", "2999-01-01T00:00:00Z", "-o", str(empty))
    assert nothing.returncode == 1 and "nothing to export" in nothing.stderr
    assert not empty.exists()
    assert "Traceback" not in unknown.stderr + nowhere.stderr + neither.stderr
    assert not (tmp_path / "x.wacz").exists()


def a_broken_record_fails_verify(newswatch) -> None:
    files = sorted(newswatch.archive.glob("*.warc.gz"))
    data = bytearray(files[0].read_bytes())
    data[len(data) // 2] ^= 0x01
    files[0].write_bytes(bytes(data))
    done = newswatch("verify", "--json")
    assert done.returncode == 1
    failed = [f for f in json.loads(done.stdout)["findings"] if f["status"] == "failed"]
    assert failed and all(f["version"] and f["entry"] and f["where"] for f in failed)
