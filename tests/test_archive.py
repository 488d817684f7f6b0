"""The web archive: WARC records read back with warcio (every field), the files, the hash
chain, verify on an archive broken on purpose, exports, and the archive written by real
checks of a real local server."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import surt as surt_package
from fastapi.testclient import TestClient
from warcio.archiveiterator import ArchiveIterator

from worker.archive.cdxj import surt
from worker.archive.chain import entry_digest, member_digest, payload_digest
from worker.archive.export import History, pieces
from worker.archive.files import ArchiveFiles
from worker.archive.records import (
    metadata_record,
    request_record,
    response_record,
    revisit_record,
    warc_date,
)
from worker.archive.scan import scan
from worker.archive.verify import verify
from worker.archive.wacz import write_wacz
from worker.errors import ConfigError
from worker.fetch import Fetcher
from worker.models import ArchiveEntry, Snapshot, utcnow
from worker.pipeline import Pipeline
from worker.settings import (
    ArchiveSettings,
    GuardSettings,
    HttpSettings,
    Settings,
    load_settings,
)
from worker.types import FetchResult, RecordRef
from worker.web.app import create_app

WHEN = datetime(2026, 12, 1, 14, 3, 33, 118264, tzinfo=UTC)
HTML = b"<!doctype html><html><body><p>Het is 5 graden.</p></body></html>"


def page(title: str, paragraphs: int) -> bytes:
    """An article page whose body grows with each version."""
    body = "".join(
        f"<p>Paragraph {i} of the story about {title}, with enough words in it to count as "
        "the body of a real news article.</p>"
        for i in range(paragraphs)
    )
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


def fetched(**changes) -> FetchResult:
    values = {
        "url": "http://news.example/a",
        "final_url": "http://news.example/a?b=1",
        "status": 200,
        "raw": HTML,
        "wire": gzip.compress(HTML),
        "http_version": "HTTP/1.1",
        "reason": "OK",
        "response_headers": (
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
            ("X-Mixed-Case", "kept as sent"),
        ),
        "request_headers": (("Host", "news.example"), ("User-Agent", "newswatch/0.1")),
        "fetched_at": WHEN,
    }
    return FetchResult(**(values | changes))


def read(members: bytes) -> list:
    """Every record of these bytes, read by warcio with its digests checked."""
    records = []
    for record in ArchiveIterator(io.BytesIO(members), check_digests=True):
        payload = record.raw_stream.read()
        assert record.digest_checker.passed is not False, record.digest_checker.problems
        records.append((record, payload))
    return records


# -- records ------------------------------------------------------------------------------


def test_a_response_keeps_the_body_as_received_and_every_header():
    answer = fetched()
    stored = response_record(answer, "<urn:uuid:1>", warc_date(WHEN))
    [(record, payload)] = read(stored.member)
    headers = record.rec_headers
    assert headers.protocol == "WARC/1.1"
    assert headers.get_header("WARC-Type") == "response"
    assert headers.get_header("WARC-Record-ID") == "<urn:uuid:1>"
    assert headers.get_header("WARC-Date") == "2026-12-01T14:03:33.118264Z"
    assert headers.get_header("WARC-Target-URI") == "http://news.example/a?b=1"
    assert headers.get_header("Content-Type") == "application/http; msgtype=response"
    assert headers.get_header("WARC-Payload-Digest") == payload_digest(answer.wire)
    assert headers.get_header("WARC-Block-Digest").startswith("sha256:")
    http = record.http_headers
    assert (http.protocol, http.statusline) == ("HTTP/1.1", "200 OK")
    assert http.headers == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Encoding", "gzip"),
        ("X-Archive-Orig-Transfer-Encoding", "chunked"),  # httpx removed the chunking
        ("X-Mixed-Case", "kept as sent"),
    ]
    assert payload == answer.wire  # the gzip bytes as they came
    assert gzip.decompress(payload) == HTML


def test_a_body_only_had_decoded_is_recorded_decoded_and_its_headers_say_so():
    answer = fetched(wire=None, response_headers=(
        ("Content-Encoding", "gzip"), ("Content-Length", "40"), ("Content-Type", "text/html"),
    ))  # fmt: skip
    [(record, payload)] = read(response_record(answer, "<urn:uuid:2>", warc_date(WHEN)).member)
    assert payload == HTML
    assert record.http_headers.headers == [
        ("X-Archive-Orig-Content-Encoding", "gzip"),
        ("X-Archive-Orig-Content-Length", "40"),
        ("Content-Type", "text/html"),
        ("Content-Length", str(len(HTML))),
    ]


def test_an_error_answer_is_recorded_without_its_unread_body():
    answer = fetched(status=404, reason="Not Found", raw=b"", wire=None,
                     response_headers=(("Content-Length", "1234"),))  # fmt: skip
    [(record, payload)] = read(response_record(answer, "<urn:uuid:3>", warc_date(WHEN)).member)
    assert record.http_headers.statusline == "404 Not Found"
    assert payload == b""
    assert record.http_headers.headers == [
        ("X-Archive-Orig-Content-Length", "1234"),
        ("Content-Length", "0"),
    ]


def test_the_request_and_metadata_records():
    answer = fetched()
    date = warc_date(WHEN)
    request = request_record(answer, "<urn:uuid:4>", date)
    metadata = metadata_record(answer.final_url, date, "<urn:uuid:4>", {"newswatch-version": "2"})
    [(sent, body), (facts, fields)] = read(request.member + metadata.member)
    assert sent.rec_type == "request"
    assert sent.rec_headers.get_header("WARC-Concurrent-To") == "<urn:uuid:4>"
    assert sent.rec_headers.get_header("WARC-Record-ID") == request.id
    assert sent.http_headers.protocol == "GET"
    assert sent.http_headers.statusline == "/a?b=1 HTTP/1.1"
    assert sent.http_headers.headers == list(answer.request_headers)
    assert body == b""
    assert facts.rec_type == "metadata"
    assert facts.rec_headers.get_header("WARC-Refers-To") == "<urn:uuid:4>"
    assert facts.rec_headers.get_header("Content-Type") == "application/warc-fields"
    assert fields == b"newswatch-version: 2\r\n"


def test_a_revisit_points_at_the_first_response_with_that_payload():
    answer = fetched()
    first = RecordRef("<urn:uuid:5>", "http://news.example/a?b=1", "2026-11-30T10:00:00.000000Z")
    digest = payload_digest(answer.wire)
    [(record, payload)] = read(
        revisit_record(answer, "<urn:uuid:6>", warc_date(WHEN), first, digest).member
    )
    headers = record.rec_headers
    assert record.rec_type == "revisit"
    assert headers.get_header("WARC-Profile") == (
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )
    assert headers.get_header("WARC-Refers-To") == "<urn:uuid:5>"
    assert headers.get_header("WARC-Refers-To-Target-URI") == first.uri
    assert headers.get_header("WARC-Refers-To-Date") == first.date
    assert headers.get_header("WARC-Payload-Digest") == digest
    assert payload == b""  # headers only


def test_the_chain_digest_is_sha256_over_the_json_of_its_fields():
    fields = ["sha256:before", 7, "version", 3, "c0ffee", ["sha256:a", "sha256:b"]]
    expected = hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode()).hexdigest()
    assert entry_digest(*fields) == f"sha256:{expected}"
    assert entry_digest("", 7, "version", 3, "c0ffee", ["sha256:a"]) != entry_digest(
        "", 7, "version", 4, "c0ffee", ["sha256:a"]
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://www.Example.com/A/b?z=1&a=2",
        "https://news.example:8443/x/",
        "http://127.0.0.1:8080/path?q",
        "https://example.com",
        "http://www2.bbc.co.uk/news/",
    ],
)
def test_index_keys_are_the_surt_package_s(url):
    assert surt(url) == surt_package.surt(url)


# -- files --------------------------------------------------------------------------------


def test_files_start_with_warcinfo_and_rotate_past_their_size(tmp_path):
    files = ArchiveFiles(ArchiveSettings(dir=tmp_path / "archive", max_file_size=8192))
    member = response_record(fetched(), "<urn:uuid:7>", warc_date(WHEN)).member
    places = [files.append([member]) for _ in range(40)]
    files.close()
    names = sorted({name for name, _ in places})
    assert len(names) > 1
    for name in names:
        walked = scan(tmp_path / "archive" / name)
        assert walked.members[0].type == "warcinfo"
        assert walked.torn_at is None
        assert (tmp_path / "archive" / name).stat().st_size <= 8192


def test_an_unwritable_folder_is_a_config_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ConfigError, match=r"\[archive\] dir"):
        ArchiveFiles(ArchiveSettings(dir=tmp_path / "file" / "archive"))


def test_a_torn_tail_and_damaged_bytes_are_found(tmp_path):
    files = ArchiveFiles(ArchiveSettings(dir=tmp_path))
    member = response_record(fetched(), "<urn:uuid:8>", warc_date(WHEN)).member
    name, _ = files.append([member, member])
    files.close()
    path = tmp_path / name
    whole = path.read_bytes()
    path.write_bytes(whole[:-10])
    walked = scan(path)
    assert [m.type for m in walked.members] == ["warcinfo", "response"]
    assert walked.torn_at == len(whole) - len(member)
    damaged = bytearray(whole)
    damaged[len(whole) - len(member) - 20] ^= 0xFF  # inside the first response
    path.write_bytes(bytes(damaged))
    walked = scan(path)
    assert walked.damaged_at == (len(whole) - 2 * len(member),)
    assert [m.type for m in walked.members] == ["warcinfo", "response"]  # the next one read


@pytest.mark.parametrize(
    ("value", "size"), [("1GB", 10**9), ("512MiB", 512 * 2**20), (65536, 65536), ("64 KB", 64000)]
)
def test_archive_sizes(value, size):
    assert ArchiveSettings(dir="a", max_file_size=value).max_file_size == size


@pytest.mark.parametrize("value", ["1TB", "lots", "100", True])
def test_a_bad_size_names_its_key(tmp_path, value):
    config = tmp_path / "newswatch.toml"
    text = json.dumps(value) if not isinstance(value, bool) else "true"
    config.write_text(f'[archive]\ndir = "archive"\nmax_file_size = {text}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"archive\.max_file_size \(line 3\)"):
        load_settings(config)


def test_the_archive_is_off_by_default():
    assert Settings().archive.dir is None


def test_a_relative_archive_folder_is_beside_the_config_file(tmp_path, monkeypatch):
    """Wherever a command runs, the same config means the same archive."""
    config = tmp_path / "conf" / "newswatch.toml"
    config.parent.mkdir()
    config.write_text('[archive]\ndir = "archive"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_settings(Path("../conf/newswatch.toml")).archive.dir == config.parent / "archive"
    absolute = tmp_path / "kept"
    config.write_text(f'[archive]\ndir = "{absolute}"\n', encoding="utf-8")
    assert load_settings(config).archive.dir == absolute


# -- checks of a real server --------------------------------------------------------------


@pytest.fixture
def archive_dir(tmp_path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def pipe(store, archive_dir):
    settings = Settings(
        http=HttpSettings(per_host_delay=timedelta(0), retries=0),
        guard=GuardSettings(confirm_checks=1, removal_checks=1, removal_after=timedelta(0)),
        archive=ArchiveSettings(dir=archive_dir),
    )
    fetcher = Fetcher(settings.http)
    pipeline = Pipeline(settings, store, fetcher, rng=random.Random(7))
    yield pipeline
    pipeline.close()
    fetcher.close()


def check(pipe, store):
    [watch] = store.claim_all("test", utcnow(), timedelta(minutes=5))
    return pipe.check(watch)


def archive_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.glob("*.warc.gz"))


def verified(store, folder: Path):
    watches = {w.id: w.url for w in store.watches_to_archive()}
    return verify(folder, watches, store.archive_entries(), store.archived_versions())


def test_versions_events_and_revisits_are_archived_and_verify(pipe, store, server, archive_dir):
    url = server.serve("/story", gzip.compress(page("Harbour fire", 4)), **{
        "Content-Encoding": "gzip"})  # fmt: skip
    store.add_watch(url)
    assert check(pipe, store).outcome == "new"
    server.serve("/story", page("Harbour fire", 5))
    assert check(pipe, store).outcome == "changed"
    server.serve("/story", b"gone", status=404)
    assert check(pipe, store).event == "removed"
    server.serve("/story", page("Harbour fire", 5))
    record = check(pipe, store)
    assert (record.outcome, record.event) == ("unchanged", "restored")
    entries = store.archive_entries()
    assert [(e.seq, e.kind, e.version, e.revisit) for e in entries] == [
        (1, "version", 1, False),
        (2, "version", 2, False),
        (3, "removed", 2, False),
        (4, "restored", 2, True),  # the same body as version 2: a revisit of its response
    ]
    assert [e.previous for e in entries] == ["", *(e.digest for e in entries[:-1])]
    assert all(e.check_id for e in entries)
    [first, second] = store.archived_versions()
    assert entries[0].raw_hash == first.raw_hash and entries[1].raw_hash == second.raw_hash
    report = verified(store, archive_dir)
    assert not report.failed, report.findings
    assert report.counts() == {"ok": 4}


def test_every_record_of_an_entry_reads_back(pipe, store, server, archive_dir):
    url = server.serve("/story", gzip.compress(page("Harbour fire", 4)), **{
        "Content-Encoding": "gzip"})  # fmt: skip
    store.add_watch(url)
    check(pipe, store)
    [entry] = store.archive_entries()
    data = (archive_dir / entry.file).read_bytes()[entry.offset : entry.offset + entry.length]
    records = read(data)
    assert [r.rec_type for r, _ in records] == ["response", "request", "metadata"]
    assert [r["digest"] for r in entry.records] == [
        member_digest(data[r["offset"] - entry.offset :][: r["length"]]) for r in entry.records
    ]
    (response, body), (request, _), (metadata, fields) = records
    assert metadata.rec_headers.get_header("WARC-Refers-To") == entry.response_id
    assert response.rec_headers.get_header("WARC-Record-ID") == entry.response_id
    assert response.http_headers.get_header("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == page("Harbour fire", 4)
    assert request.http_headers.get_header("Accept-Encoding") == "gzip, deflate"
    facts = dict(line.split(": ", 1) for line in fields.decode().splitlines())
    [version] = store.archived_versions()
    assert facts == {
        "newswatch-watch": str(entry.watch_id),
        "newswatch-watch-url": url,
        "newswatch-requested-url": url,
        "newswatch-entry": "1",
        "newswatch-kind": "version",
        "newswatch-version": "1",
        "newswatch-content-hash": version.content_hash,
        "newswatch-raw-hash": version.raw_hash,
        "newswatch-extractor-version": version.extractor_version,
        "newswatch-check": str(entry.check_id),
        "newswatch-check-started": facts["newswatch-check-started"],
        "newswatch-body": "as-received",
        "newswatch-reconstructed": "no",
    }


def test_redirects_are_kept_after_the_answer_and_replay_from_the_index(
    pipe, store, server, archive_dir
):
    """/old -> 301 -> /mid -> 302 -> /story: each redirect's response (status, Location;
    its body unread) and request are records of the entry, covered by its chain digest, and
    an export indexes the requested URL so that a replay follows it."""
    story = server.serve("/story", page("Harbour fire", 4))
    server.serve("/mid", b"", status=302, Location=story)
    old = server.serve("/old", b"moved", status=301, Location=server.url("/mid"))
    store.add_watch(old)
    assert check(pipe, store).outcome == "new"
    [entry] = store.archive_entries()
    assert entry.uri == story
    assert [(r["type"], r.get("redirect", False)) for r in entry.records] == [
        ("response", False), ("request", False), ("metadata", False),
        ("response", True), ("request", True), ("response", True), ("request", True),
    ]  # fmt: skip
    data = (archive_dir / entry.file).read_bytes()[entry.offset : entry.offset + entry.length]
    records = read(data)
    hops = [(r, body) for r, body in records[3:] if r.rec_type == "response"]
    assert [(r.rec_headers.get_header("WARC-Target-URI"), r.http_headers.get_statuscode(),
             r.http_headers.get_header("Location"), body) for r, body in hops] == [
        (old, "301", server.url("/mid"), b""),
        (server.url("/mid"), "302", story, b""),
    ]  # fmt: skip
    requests = [r for r, _ in records[3:] if r.rec_type == "request"]
    assert [r.rec_headers.get_header("WARC-Concurrent-To") for r in requests] == [
        r.rec_headers.get_header("WARC-Record-ID") for r, _ in hops
    ]
    assert "newswatch-redirects: 2" in records[2][1].decode()
    report = verified(store, archive_dir)
    assert not report.failed, report.findings
    [watch] = store.watches_to_archive()
    history = History(watch, store.archive_entries(), store.archived_versions())
    out = io.BytesIO()
    write_wacz(out, pieces(archive_dir, history, store.raw_html), "test")
    with zipfile.ZipFile(out) as package:
        index = package.read("indexes/index.cdx").decode().splitlines()
    lines = [json.loads(line.split(" ", 2)[2]) for line in index]
    statuses = {line["url"]: line["status"] for line in lines}
    assert statuses == {old: "301", server.url("/mid"): "302", story: "200"}
    passed_off = [{**entry.records[0], "redirect": True}, *entry.records[1:]]
    with store.engine.begin() as connection:  # the answer passed off as a redirect
        table = ArchiveEntry.__table__
        connection.execute(table.update().values(records=passed_off))
    failed = [f for f in verified(store, archive_dir).findings if f.status == "failed"]
    assert any("not in order" in f.message for f in failed)
    with store.engine.begin() as connection:
        connection.execute(table.update().values(records=entry.records))
    path = archive_dir / entry.file
    broken = bytearray(path.read_bytes())
    broken[entry.records[5]["offset"] + 40] ^= 0x01  # a byte of the second redirect
    path.write_bytes(bytes(broken))
    failed = [f for f in verified(store, archive_dir).findings if f.status == "failed"]
    assert any("record 6 (response" in f.message for f in failed)


def test_the_redirect_to_a_removed_page_is_kept_with_the_removal(pipe, store, server, archive_dir):
    story = server.serve("/story", page("Harbour fire", 4))
    old = server.serve("/old", b"", status=301, Location=story)
    store.add_watch(old)
    check(pipe, store)
    server.serve("/story", b"gone", status=410)
    assert check(pipe, store).event == "removed"
    removal = store.archive_entries()[-1]
    assert removal.kind == "removed"
    kept = [(r["type"], bool(r.get("redirect"))) for r in removal.records]
    assert kept[3:] == [("response", True), ("request", True)]
    assert not verified(store, archive_dir).failed


def test_quiet_checks_write_nothing(pipe, store, server, archive_dir):
    url = server.serve("/story", page("Harbour fire", 4), ETag='"v1"')
    store.add_watch(url)
    check(pipe, store)
    size = archive_bytes(archive_dir)
    assert check(pipe, store).outcome == "not_modified"
    server.serve("/story", page("Harbour fire", 4))
    assert check(pipe, store).outcome == "unchanged"
    assert check(pipe, store).outcome == "unchanged"
    assert archive_bytes(archive_dir) == size
    assert len(store.archive_entries()) == 1


def test_a_changed_byte_is_found_with_its_version_and_record(pipe, store, server, archive_dir):
    url = server.serve("/story", page("Harbour fire", 4))
    store.add_watch(url)
    check(pipe, store)
    server.serve("/story", page("Harbour fire", 5))
    check(pipe, store)
    entry = store.archive_entries()[1]
    path = archive_dir / entry.file
    data = bytearray(path.read_bytes())
    data[entry.offset + 100] ^= 0x01  # a byte inside version 2's response
    path.write_bytes(bytes(data))
    report = verified(store, archive_dir)
    assert report.failed
    failed = [f for f in report.findings if f.status == "failed"]
    assert {(f.version, f.entry) for f in failed} == {(2, 2)}
    assert any("record 1 (response" in f.message and "bytes changed" in f.message for f in failed)
    assert [f.status for f in report.findings if f.entry == 1] == ["ok"]


@pytest.mark.parametrize(
    ("table", "column", "value", "found"),
    [
        ("snapshot", "content_hash", "0" * 64, "content hash"),
        ("archive_entry", "content_hash", "0" * 64, "the row was changed"),
        ("archive_entry", "previous", "sha256:" + "0" * 64, "chain broken"),
    ],
)
def test_an_edited_row_is_found(pipe, store, server, archive_dir, table, column, value, found):
    url = server.serve("/story", page("Harbour fire", 4))
    store.add_watch(url)
    check(pipe, store)
    server.serve("/story", page("Harbour fire", 5))
    check(pipe, store)
    with store.engine.begin() as connection:
        connection.execute(
            sa.text(f"UPDATE {table} SET {column} = :value WHERE {_second(table)}"),
            {"value": value},
        )
    report = verified(store, archive_dir)
    failed = [f for f in report.findings if f.status == "failed"]
    assert failed and all(f.version == 2 for f in failed), report.findings
    assert any(found in f.message for f in failed), failed


def _second(table: str) -> str:
    return "version = 2" if table == "snapshot" else "seq = 2"


def test_records_without_a_row_are_orphans_not_failures(pipe, store, server, archive_dir):
    url = server.serve("/story", page("Harbour fire", 4))
    store.add_watch(url)
    check(pipe, store)
    answer = fetched(final_url=url)
    pipe.archive.files.append([response_record(answer, "<urn:uuid:9>", warc_date(WHEN)).member])
    report = verified(store, archive_dir)
    assert not report.failed
    [orphan] = [f for f in report.findings if f.status == "orphan"]
    assert "<urn:uuid:9>" in orphan.message and orphan.url == url


def test_versions_before_the_archive_are_rebuilt_on_export(store, server, tmp_path):
    url = server.serve("/story", page("Harbour fire", 4))
    store.add_watch(url)
    plain = Settings(http=HttpSettings(per_host_delay=timedelta(0), retries=0))
    with Fetcher(plain.http) as fetcher:
        before = Pipeline(plain, store, fetcher)
        check(before, store)
        archived = Pipeline(plain.model_copy(update={
            "archive": ArchiveSettings(dir=tmp_path / "archive")}), store, fetcher)  # fmt: skip
        server.serve("/story", page("Harbour fire", 5))
        check(archived, store)
        archived.close()
    report = verified(store, tmp_path / "archive")
    assert not report.failed
    assert [(f.status, f.version) for f in report.findings] == [("ok", 2), ("unarchived", 1)]
    [watch] = store.watches_to_archive()
    history = History(watch, store.archive_entries(), store.archived_versions())
    out = io.BytesIO()
    written = write_wacz(out, pieces(tmp_path / "archive", history, store.raw_html), "test")
    assert [p.id for p in written.pages] == [f"{watch.id}-v1", f"{watch.id}-v2"]
    with zipfile.ZipFile(out) as package:
        warc = package.read("archive/newswatch.warc.gz")
    facts = [body.decode() for record, body in read(warc) if record.rec_type == "metadata"]
    assert "newswatch-reconstructed: yes" in facts[0]
    assert "newswatch-reconstructed: no" in facts[1]
    rebuilt = next(r for r, _ in read(warc) if r.rec_type == "response")
    assert rebuilt.http_headers.get_header("Content-Type") == "text/html"


def test_the_version_page_offers_its_wacz(pipe, store, server, archive_dir):
    url = server.serve("/story", page("Harbour fire", 4))
    store.add_watch(url)
    check(pipe, store)
    [watch] = store.watches_to_archive()
    settings = Settings(archive=ArchiveSettings(dir=archive_dir))
    client = TestClient(create_app(settings, store), base_url="http://127.0.0.1")
    html = client.get(f"/articles/{watch.id}/versions/1").text
    assert f'href="/articles/{watch.id}/versions/1.wacz"' in html
    response = client.get(f"/articles/{watch.id}/versions/1.wacz")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        f'attachment; filename="newswatch-{watch.id}-v1.wacz"'
    )
    assert "default-src" in response.headers["content-security-policy"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        pages = package.read("pages/pages.jsonl").decode().splitlines()
    assert json.loads(pages[1])["url"] == url
    assert client.get(f"/articles/{watch.id}/versions/9.wacz").status_code == 404


def test_a_wacz_whose_archive_file_is_gone_is_an_error_page_not_a_crash(
    pipe, store, server, archive_dir
):
    url = server.serve("/story", page("Harbour fire", 4))
    store.add_watch(url)
    check(pipe, store)
    [watch] = store.watches_to_archive()
    [entry] = store.archive_entries()
    (archive_dir / entry.file).unlink()
    settings = Settings(archive=ArchiveSettings(dir=archive_dir))
    client = TestClient(create_app(settings, store), base_url="http://127.0.0.1")
    response = client.get(f"/articles/{watch.id}/versions/1.wacz")
    assert response.status_code == 409
    assert "run newswatch verify" in response.text and str(archive_dir) not in response.text


def test_snapshot_rows_are_untouched_by_the_archive(pipe, store, server):
    url = server.serve("/story", page("Harbour fire", 4))
    store.add_watch(url)
    check(pipe, store)
    with store.session() as session:
        [snapshot] = session.exec(sa.select(Snapshot)).scalars()
        [entry] = session.exec(sa.select(ArchiveEntry)).scalars()
    assert (snapshot.version, snapshot.content_hash) == (entry.version, entry.content_hash)
