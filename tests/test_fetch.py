"""Tests for worker.fetch: every response comes from a mock transport, never the network."""

from __future__ import annotations

import codecs
import gzip
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
import respx

from worker.errors import (
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    NetworkError,
    NotHTMLError,
    RefusedError,
    TooLargeError,
)
from worker.fetch import Fetcher, FetchRules
from worker.settings import HttpSettings

URL = "https://news.test/2024/story"
PAGE = b"<!doctype html><html><head><title>Story</title></head><body><p>Text</p></body></html>"
HTML = {"Content-Type": "text/html; charset=utf-8"}
RUSSIAN = "Москва: правительство опровергло сообщения о встрече"


class FakeClock:
    """A monotonic clock that only moves when someone sleeps (or a test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Chunks(httpx.SyncByteStream):
    """A response body served in the given chunks, counting how many bytes were pulled."""

    def __init__(self, chunks: list[bytes], on_chunk: Callable[[], None] | None = None) -> None:
        self.chunks = chunks
        self.on_chunk = on_chunk
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            if self.on_chunk:
                self.on_chunk()
            self.sent += len(chunk)
            yield chunk


def http_settings(**overrides: object) -> HttpSettings:
    values: dict[str, object] = {"per_host_delay": 0, "retries": 2, "timeout": 5}
    values.update(overrides)
    return HttpSettings.model_validate(values)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def router() -> respx.Router:
    return respx.Router(assert_all_mocked=True)


@pytest.fixture
def make_fetcher(router: respx.Router, clock: FakeClock) -> Iterator[Callable[..., Fetcher]]:
    """Build Fetchers over the respx router (or a given handler), with the fake clock."""
    made: list[Fetcher] = []

    def make(handler: Callable[[httpx.Request], httpx.Response] | None = None, **settings: object):
        transport = httpx.MockTransport(handler or router.handler)
        fetcher = Fetcher(http_settings(**settings), transport, clock=clock, sleep=clock.sleep)
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


def streamed(status: int, headers: dict[str, str], body: bytes) -> httpx.Response:
    """A response whose body is still to be read, as from a server.

    httpx and respx read a `content=` body (or an httpx.ByteStream) up front, inflating it.
    """
    return httpx.Response(status, headers=headers, stream=Chunks([body]))


def gzip_bomb(megabytes: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    parts = [compressor.compress(zeros) for _ in range(megabytes)]
    return b"".join(parts) + compressor.flush()


# --- success, conditional GET, redirects -------------------------------------------------


def test_ok_page_fills_every_field_and_sends_our_headers(router, make_fetcher):
    headers = {**HTML, "ETag": '"v1"', "Last-Modified": "Mon, 01 Jan 2024 10:00:00 GMT"}
    route = router.get(URL).respond(200, headers=headers, content=PAGE)

    result = make_fetcher(user_agent="newswatch-test/1").get(URL)

    assert (result.url, result.final_url, result.status) == (URL, URL, 200)
    assert result.raw == PAGE
    assert result.html == PAGE.decode()
    assert result.content_type == "text/html; charset=utf-8"
    assert result.encoding == "utf-8"
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 01 Jan 2024 10:00:00 GMT"
    assert result.not_modified is False
    assert result.elapsed >= 0
    sent = route.calls.last.request.headers
    assert sent["User-Agent"] == "newswatch-test/1"
    assert "text/html" in sent["Accept"]
    assert sent["Accept-Encoding"] == "gzip, deflate"
    assert "If-None-Match" not in sent
    assert "If-Modified-Since" not in sent


def test_304_sends_etag_and_reads_nothing(router, make_fetcher):
    body = Chunks([b"a 304 has no body; reading one is a bug"])
    route = router.get(URL).mock(
        side_effect=lambda request: httpx.Response(304, headers={"ETag": '"v2"'}, stream=body)
    )

    result = make_fetcher().get(URL, etag='"v1"')

    assert route.calls.last.request.headers["If-None-Match"] == '"v1"'
    assert result.not_modified is True
    assert (result.status, result.html, result.raw, result.encoding) == (304, "", b"", "")
    assert result.etag == '"v2"'
    assert body.sent == 0


def test_304_without_validators_keeps_the_ones_sent(router, make_fetcher):
    stamp = "Mon, 01 Jan 2024 10:00:00 GMT"
    route = router.get(URL).respond(304)

    result = make_fetcher().get(URL, etag='"v1"', last_modified=stamp)

    assert route.calls.last.request.headers["If-Modified-Since"] == stamp
    assert (result.etag, result.last_modified) == ('"v1"', stamp)


def test_redirects_are_followed_and_final_url_reported(router, make_fetcher):
    router.get(URL).respond(301, headers={"Location": "/moved"})
    router.get("https://news.test/moved").respond(
        302, headers={"Location": "https://www.news.test/a"}
    )
    router.get("https://www.news.test/a").respond(200, headers=HTML, content=PAGE)

    result = make_fetcher().get(URL)

    assert result.url == URL
    assert result.final_url == "https://www.news.test/a"
    assert result.html == PAGE.decode()


def test_too_many_redirects_names_the_url(router, make_fetcher):
    router.get(url__regex=r"/r/\d+$").mock(
        side_effect=lambda request: httpx.Response(
            302, headers={"Location": f"{request.url.path[:-1]}{int(request.url.path[-1]) + 1}"}
        )
    )
    url = "https://news.test/r/0"

    with pytest.raises(FetchError, match=r"too many redirects \(more than 3\)") as caught:
        make_fetcher(max_redirects=3).get(url)

    assert url in str(caught.value)
    assert caught.value.url == url
    assert len(router.calls) == 4


def test_cookies_are_not_carried_between_fetches(router, make_fetcher):
    route = router.get(URL).respond(
        200, headers={**HTML, "Set-Cookie": "meter=1; Path=/"}, content=PAGE
    )
    fetcher = make_fetcher()

    fetcher.get(URL)
    fetcher.get(URL)

    assert "cookie" not in route.calls.last.request.headers


@pytest.mark.parametrize("url", ["ftp://news.test/a", "not a url", "https:///no-host"])
def test_a_url_that_is_not_http_is_refused(url, router, make_fetcher):
    with pytest.raises(FetchError, match="URL"):
        make_fetcher().get(url)
    assert not router.calls


# --- errors and retries --------------------------------------------------------------------


def test_timeout_becomes_fetch_timeout_error_and_is_not_retried(router, make_fetcher, clock):
    route = router.get(URL).mock(side_effect=httpx.ReadTimeout("read timed out"))

    with pytest.raises(FetchTimeoutError, match=URL) as caught:
        make_fetcher(retries=2).get(URL)

    assert caught.value.url == URL
    assert route.call_count == 1
    assert clock.sleeps == []


def test_connection_error_is_retried_then_raised_as_network_error(router, make_fetcher, clock):
    route = router.get(URL).mock(side_effect=httpx.ConnectError("connection refused"))

    with pytest.raises(NetworkError, match="connection refused") as caught:
        make_fetcher(retries=2).get(URL)

    assert type(caught.value) is NetworkError
    assert route.call_count == 3
    assert len(clock.sleeps) == 2
    assert all(0 < pause <= 5 for pause in clock.sleeps)


def test_503_is_retried_then_raised_with_its_status(router, make_fetcher, clock):
    route = router.get(URL).respond(503)

    with pytest.raises(HTTPStatusError) as caught:
        make_fetcher(retries=2).get(URL)

    assert caught.value.status == 503
    assert str(caught.value) == f"HTTP 503 Service Unavailable from {URL}"
    assert route.call_count == 3
    assert len(clock.sleeps) == 2


def test_503_then_200_succeeds_on_retry(router, make_fetcher):
    route = router.get(URL).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, headers=HTML, content=PAGE)]
    )

    result = make_fetcher(retries=1).get(URL)

    assert result.status == 200
    assert route.call_count == 2


def test_connection_reset_then_200_succeeds_on_retry(router, make_fetcher):
    route = router.get(URL).mock(
        side_effect=[
            httpx.ReadError("connection reset"),
            httpx.Response(200, headers=HTML, content=PAGE),
        ]
    )

    assert make_fetcher(retries=1).get(URL).status == 200
    assert route.call_count == 2


@pytest.mark.parametrize("status", [404, 410, 429, 500, 403])
def test_other_error_statuses_are_not_retried(status, router, make_fetcher, clock):
    route = router.get(URL).respond(status)

    with pytest.raises(HTTPStatusError, match=f"HTTP {status} ") as caught:
        make_fetcher(retries=3).get(URL)

    assert caught.value.status == status
    assert route.call_count == 1
    assert clock.sleeps == []


def test_retries_zero_means_one_attempt(router, make_fetcher):
    route = router.get(URL).respond(502)

    with pytest.raises(HTTPStatusError):
        make_fetcher(retries=0).get(URL)

    assert route.call_count == 1


def test_short_retry_after_is_honoured(router, make_fetcher, clock):
    router.get(URL).mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "3"}),
            httpx.Response(200, headers=HTML, content=PAGE),
        ]
    )

    assert make_fetcher(retries=1).get(URL).status == 200
    assert clock.sleeps == [3.0]


def test_long_retry_after_gives_up_at_once(router, make_fetcher, clock):
    route = router.get(URL).respond(503, headers={"Retry-After": "120"})

    with pytest.raises(HTTPStatusError):
        make_fetcher(retries=3).get(URL)

    assert route.call_count == 1
    assert clock.sleeps == []


def test_status_error_after_redirect_names_both_urls(router, make_fetcher):
    router.get(URL).respond(301, headers={"Location": "https://news.test/gone"})
    router.get("https://news.test/gone").respond(404)

    with pytest.raises(HTTPStatusError) as caught:
        make_fetcher().get(URL)

    assert (
        str(caught.value)
        == f"HTTP 404 Not Found from https://news.test/gone (redirected from {URL})"
    )
    assert caught.value.url == URL


# --- size cap ------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "too_large"), [(1024, False), (1025, True)], ids=["at", "over"])
def test_size_cap_is_enforced_while_streaming(size, too_large, make_fetcher):
    body = Chunks([b"<html>" + b"x" * (size - 6)])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=HTML, stream=body)

    fetcher = make_fetcher(handler, max_bytes=1024)
    if too_large:
        with pytest.raises(TooLargeError, match=r"size cap of 1024 bytes") as caught:
            fetcher.get(URL)
        assert URL in str(caught.value)
    else:
        assert len(fetcher.get(URL).raw) == size


def test_content_length_over_the_cap_is_refused_before_reading(make_fetcher):
    body = Chunks([PAGE])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={**HTML, "Content-Length": "2000"}, stream=body)

    with pytest.raises(TooLargeError, match="Content-Length is 2000"):
        make_fetcher(handler, max_bytes=1024).get(URL)
    assert body.sent == 0


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb(50)


@pytest.mark.parametrize("chunk_size", [1024, None], ids=["small-reads", "one-read"])
def test_gzip_bomb_stops_at_the_cap_without_inflating_it_all(chunk_size, bomb, make_fetcher):
    step = chunk_size or len(bomb)
    body = Chunks([bomb[i : i + step] for i in range(0, len(bomb), step)])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={**HTML, "Content-Encoding": "gzip"}, stream=body)

    fetcher = make_fetcher(handler, max_bytes=1_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError):
            fetcher.get(URL)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 8_000_000  # inflating it all would take 50 MB
    if chunk_size:
        assert body.sent < len(bomb) // 4


def deflate_raw(data: bytes) -> bytes:
    return zlib.compress(data, wbits=-zlib.MAX_WBITS)


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", deflate_raw),
        ("identity", bytes),
    ],
    ids=["gzip", "x-gzip", "deflate-zlib", "deflate-raw", "identity"],
)
def test_compressed_bodies_are_inflated(coding, compress, router, make_fetcher):
    headers = {**HTML, "Content-Encoding": coding}
    router.get(URL).mock(side_effect=lambda request: streamed(200, headers, compress(PAGE)))

    result = make_fetcher().get(URL)

    assert result.raw == PAGE
    assert result.html == PAGE.decode()


def test_a_small_compressed_body_is_capped_on_its_inflated_size(router, make_fetcher):
    compressed = gzip.compress(b"<html>" + b" " * 5000)
    headers = {**HTML, "Content-Encoding": "gzip", "Content-Length": str(len(compressed))}
    router.get(URL).mock(side_effect=lambda request: streamed(200, headers, compressed))

    with pytest.raises(TooLargeError, match="size cap of 1024"):
        make_fetcher(max_bytes=1024).get(URL)


def test_unsupported_content_encoding_is_refused(router, make_fetcher):
    headers = {**HTML, "Content-Encoding": "br"}
    router.get(URL).mock(side_effect=lambda request: streamed(200, headers, b"\x1b"))

    with pytest.raises(FetchError, match="unsupported Content-Encoding br"):
        make_fetcher().get(URL)


def test_corrupt_gzip_is_a_fetch_error(router, make_fetcher):
    headers = {**HTML, "Content-Encoding": "gzip"}
    router.get(URL).mock(side_effect=lambda request: streamed(200, headers, b"not gzip"))

    with pytest.raises(FetchError, match="corrupt gzip body") as caught:
        make_fetcher().get(URL)
    assert URL in str(caught.value)


def test_a_slow_drip_body_hits_the_overall_timeout(make_fetcher, clock):
    def advance() -> None:
        clock.now += 2

    body = Chunks([b"<html>", b"<p>drip", b"</p>", b"</html>"], on_chunk=advance)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=HTML, stream=body)

    with pytest.raises(FetchTimeoutError, match="not finished in time"):
        make_fetcher(handler, timeout=5, retries=2).get(URL)
    assert body.sent < 4 + 7 + 4 + 7


# --- content type --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/html", "TEXT/HTML; charset=UTF-8", "application/xhtml+xml"],
)
def test_html_content_types_are_accepted(content_type, router, make_fetcher):
    router.get(URL).respond(200, headers={"Content-Type": content_type}, content=PAGE)

    assert make_fetcher().get(URL).html == PAGE.decode()


@pytest.mark.parametrize(
    "content_type", ["application/pdf", "image/jpeg", "application/json", "text/plain"]
)
def test_other_content_types_are_refused_unread(content_type, make_fetcher):
    body = Chunks([PAGE])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": content_type}, stream=body)

    with pytest.raises(NotHTMLError, match=content_type) as caught:
        make_fetcher(handler).get(URL)
    assert URL in str(caught.value)
    assert body.sent == 0


@pytest.mark.parametrize(
    ("body", "is_html"),
    [
        (b"\n  <!DOCTYPE html><html><p>x</p></html>", True),
        (b"<html lang=en><body>x</body></html>", True),
        (b"%PDF-1.7\n%binary", False),
        (b'{"json": true}', False),
    ],
    ids=["doctype", "html-tag", "pdf", "json"],
)
def test_missing_content_type_is_sniffed(body, is_html, make_fetcher):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Chunks([body]))

    fetcher = make_fetcher(handler)
    if is_html:
        assert fetcher.get(URL).raw == body
    else:
        with pytest.raises(NotHTMLError, match="no Content-Type"):
            fetcher.get(URL)


# --- charset -------------------------------------------------------------------------------


def cyrillic_page(meta: str = "") -> bytes:
    head = f"<html><head>{meta}<title>Новости</title></head>"
    return (head + f"<body><p>{RUSSIAN}</p></body></html>").encode("cp1251")


@pytest.mark.parametrize(
    ("content_type", "body", "encoding"),
    [
        pytest.param("text/html; charset=windows-1251", cyrillic_page(), "cp1251", id="header"),
        pytest.param(
            "text/html; charset=utf-8",
            cyrillic_page('<meta charset="windows-1251">'),
            "cp1251",
            id="header-wrong-meta-right",
        ),
        pytest.param(
            "text/html; charset=x-bogus",
            cyrillic_page('<meta charset="windows-1251">'),
            "cp1251",
            id="header-unknown",
        ),
        pytest.param(
            'text/html; charset="unicode_escape"',
            cyrillic_page("<meta charset='windows-1251'>"),
            "cp1251",
            id="header-not-a-web-charset",
        ),
        pytest.param(
            "text/html",
            cyrillic_page(
                '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
            ),
            "cp1251",
            id="meta-http-equiv",
        ),
        pytest.param(
            "text/html",
            f"<html><head><meta charset=koi8-r></head><p>{RUSSIAN}</p>".encode("koi8-r"),
            "koi8-r",
            id="meta-koi8",
        ),
        pytest.param(
            "text/html; charset=windows-1251",
            codecs.BOM_UTF8 + f"<p>{RUSSIAN}</p>".encode(),
            "utf-8",
            id="utf8-bom-beats-header",
        ),
        pytest.param(
            "text/html",
            codecs.BOM_UTF16_LE + f"<p>{RUSSIAN}</p>".encode("utf-16-le"),
            "utf-16-le",
            id="utf16-bom",
        ),
        pytest.param("text/html", f"<p>{RUSSIAN}</p>".encode(), "utf-8", id="undeclared-utf8"),
    ],
)
def test_charset_is_chosen_and_decodes_the_russian_text(
    content_type, body, encoding, router, make_fetcher
):
    router.get(URL).respond(200, headers={"Content-Type": content_type}, content=body)

    result = make_fetcher().get(URL)

    assert RUSSIAN in result.html
    assert result.encoding == encoding
    assert result.raw == body


@pytest.mark.parametrize(
    ("meta", "text", "encoding"),
    [
        ('<meta charset="iso-8859-2">', "Příliš žluťoučký kůň úpěl ďábelské ódy.", "iso8859-2"),
        (
            '<meta http-equiv=content-type content="text/html;charset=windows-1252">',
            "\u201cQuoted\u201d café — naïve",
            "cp1252",
        ),
    ],
    ids=["iso-8859-2", "windows-1252"],
)
def test_meta_charset_beats_detection(meta, text, encoding, router, make_fetcher):
    # charset_normalizer alone guesses iso8859_10 and cp1250 for these two pages.
    body = f"<html><head>{meta}</head><body><p>{text}</p></body></html>".encode(encoding)
    router.get(URL).respond(200, headers={"Content-Type": "text/html"}, content=body)

    result = make_fetcher().get(URL)

    assert text in result.html
    assert result.encoding == encoding


def test_one_stray_byte_does_not_overturn_a_declared_utf8(router, make_fetcher):
    # charset_normalizer guesses utf_16_be for this page; the declared utf-8 must win.
    text = "<html><body><p>Привет, мир! Это проверка. " * 30
    body = text.encode() + b"\xff" + "ещё текст</p></body></html>".encode()
    router.get(URL).respond(200, headers=HTML, content=body)

    result = make_fetcher().get(URL)

    assert result.encoding == "utf-8"
    assert result.html == text + "\ufffdещё текст</p></body></html>"


def test_latin1_label_means_windows_1252_as_in_browsers(router, make_fetcher):
    body = b"<p>\x93Quoted\x94 caf\xe9</p>"
    router.get(URL).respond(
        200, headers={"Content-Type": "text/html; charset=ISO-8859-1"}, content=body
    )

    result = make_fetcher().get(URL)

    assert result.html == "<p>\u201cQuoted\u201d café</p>"
    assert result.encoding == "cp1252"


@pytest.mark.parametrize(
    "body",
    [b"", bytes(range(256)) * 4, b"<meta charset=utf-16><p>\xff\xfe\xfd</p>", b"\xef\xbb\xbf\xff"],
    ids=["empty", "all-bytes", "meta-utf16", "bom-then-junk"],
)
def test_decoding_never_raises(body, router, make_fetcher):
    router.get(URL).respond(200, headers={"Content-Type": "text/html; charset=utf-8"}, content=body)

    result = make_fetcher().get(URL)

    # The text is the bytes in the encoding it names (a codec Python knows), less a BOM.
    assert result.html == result.raw.decode(result.encoding, "replace").removeprefix("\ufeff")


# --- per-host politeness -------------------------------------------------------------------


def test_per_host_concurrency_is_capped(make_fetcher):
    """Two requests to one host are held in flight; a third must not start until one ends."""
    changed = threading.Condition()
    in_flight = {"now": 0, "max": 0, "entered": 0}
    finish = threading.Semaphore(0)  # one release lets one held request answer

    def handler(request: httpx.Request) -> httpx.Response:
        with changed:
            in_flight["entered"] += 1
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
            changed.notify_all()
        assert finish.acquire(timeout=10), "the test never let this request finish"
        with changed:
            in_flight["now"] -= 1
            changed.notify_all()
        return httpx.Response(200, headers=HTML, content=PAGE)

    def reaches(entered: int, timeout: float) -> bool:
        with changed:
            return changed.wait_for(lambda: in_flight["entered"] >= entered, timeout)

    fetcher = make_fetcher(handler, per_host_concurrency=2)
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(fetcher.get, f"{URL}/{i}") for i in range(6)]
        try:
            assert reaches(2, timeout=5), "two requests should be in flight at once"
            assert not reaches(3, timeout=0.2), "a third request started while two were held"
            finish.release()  # one ends: exactly one more may start
            assert reaches(3, timeout=5)
            assert not reaches(4, timeout=0.1)
        finally:
            for _ in futures:
                finish.release()
        results = [future.result(timeout=10) for future in futures]

    assert [r.status for r in results] == [200] * 6
    assert in_flight["max"] == 2


def test_a_busy_host_does_not_block_another(make_fetcher):
    other_arrived = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "other.test":
            other_arrived.set()
        else:
            assert other_arrived.wait(timeout=5), "the other host's request was held back"
        return httpx.Response(200, headers=HTML, content=PAGE)

    fetcher = make_fetcher(handler, per_host_concurrency=1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(fetcher.get, URL)
        fast = pool.submit(fetcher.get, "https://other.test/a")
        assert fast.result(timeout=5).status == 200
        assert slow.result(timeout=5).status == 200


def test_per_host_delay_spaces_request_starts(make_fetcher, clock):
    starts: list[tuple[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append((request.url.host, clock()))
        return httpx.Response(200, headers=HTML, content=PAGE)

    fetcher = make_fetcher(handler, per_host_delay="2s")
    for url in [URL, f"{URL}/2", f"{URL}/3", "https://other.test/a"]:
        fetcher.get(url)

    t0 = starts[0][1]
    assert [(host, at - t0) for host, at in starts] == [
        ("news.test", 0.0),
        ("news.test", 2.0),
        ("news.test", 4.0),
        ("other.test", 4.0),
    ]


def test_per_host_delay_holds_across_threads():
    delay = 0.03
    starts: list[float] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            starts.append(time.monotonic())
        return httpx.Response(200, headers=HTML, content=PAGE)

    settings = http_settings(per_host_delay=delay, per_host_concurrency=4)
    with Fetcher(settings, httpx.MockTransport(handler)) as fetcher:
        before = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(fetcher.get, [f"{URL}/{i}" for i in range(4)]))

    # The k-th start cannot come before `before + k * delay`: a lower bound, safe on slow machines.
    for k, start in enumerate(sorted(starts)):
        assert start >= before + k * delay - 1e-6


def test_host_slot_is_released_after_failures(make_fetcher):
    answers = iter([httpx.Response(503), httpx.Response(404), httpx.ReadTimeout("slow")])

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers, None)
        if isinstance(answer, Exception):
            raise answer
        return answer or httpx.Response(200, headers=HTML, content=PAGE)

    fetcher = make_fetcher(handler, per_host_concurrency=1, retries=0)
    with ThreadPoolExecutor(max_workers=1) as pool:
        for error in (HTTPStatusError, HTTPStatusError, FetchTimeoutError):
            with pytest.raises(error):
                pool.submit(fetcher.get, URL).result(timeout=5)
        assert pool.submit(fetcher.get, URL).result(timeout=5).status == 200


def test_status_error_without_redirect_names_only_the_url(router, make_fetcher):
    router.get("https://news.test/").respond(404)

    with pytest.raises(HTTPStatusError) as caught:
        make_fetcher().get("https://news.test")

    assert str(caught.value) == "HTTP 404 Not Found from https://news.test"


# -- rules for untrusted URLs, robots.txt, global rate, contact ---------------------------


def _polite_settings(**overrides) -> HttpSettings:
    return HttpSettings(per_host_delay=timedelta(0), retries=0, **overrides)


@respx.mock
def test_robots_txt_disallow_is_refused_and_cached():
    robots = respx.get("https://site.example/robots.txt").mock(
        return_value=httpx.Response(200, text="User-agent: *\nDisallow: /private/\n")
    )
    page = respx.get(url__startswith="https://site.example/p").mock(
        return_value=httpx.Response(200, html="<html><body>ok</body></html>")
    )
    rules = FetchRules(respect_robots=True)
    with Fetcher(_polite_settings()) as fetcher:
        with pytest.raises(
            RefusedError, match=r"disallowed by robots\.txt: .*ignore_robots = true"
        ):
            fetcher.get("https://site.example/private/a", rules=rules)
        assert fetcher.get("https://site.example/public/b", rules=rules).status == 200
        fetcher.get("https://site.example/public/c")  # hand-added watches ignore robots
    assert robots.call_count == 1
    assert page.call_count == 2


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (503, False)])
@respx.mock
def test_robots_txt_errors(status, allowed):
    respx.get("https://site.example/robots.txt").mock(return_value=httpx.Response(status))
    respx.get("https://site.example/a").mock(return_value=httpx.Response(200, html="<p>x</p>"))
    with Fetcher(_polite_settings()) as fetcher:
        if allowed:
            result = fetcher.get("https://site.example/a", rules=FetchRules(respect_robots=True))
            assert (result.status, result.html) == (200, "<p>x</p>")
        else:
            with pytest.raises(RefusedError):
                fetcher.get("https://site.example/a", rules=FetchRules(respect_robots=True))


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/a", "http://10.1.2.3/a", "http://169.254.169.254/latest/meta-data"]
)
@respx.mock
def test_untrusted_urls_must_be_public(url):
    route = respx.get(url).mock(return_value=httpx.Response(200, html="<p>x</p>"))
    with Fetcher(_polite_settings()) as fetcher:
        with pytest.raises(RefusedError, match=r"refused .*allow_private = true"):
            fetcher.get(url, rules=FetchRules(public_only=True))
        assert fetcher.get(url).status == 200  # trusted (hand-added) URLs may point anywhere
    assert route.call_count == 1


@respx.mock
def test_a_redirect_to_a_private_address_is_refused():
    respx.get("http://93.184.216.34/a").mock(
        return_value=httpx.Response(302, headers={"Location": "http://127.0.0.1/admin"})
    )
    inside = respx.get("http://127.0.0.1/admin").mock(return_value=httpx.Response(200))
    with Fetcher(_polite_settings()) as fetcher, pytest.raises(RefusedError, match=r"127\.0\.0\.1"):
        fetcher.get("http://93.184.216.34/a", rules=FetchRules(public_only=True))
    assert inside.call_count == 0


@respx.mock
def test_robots_txt_of_a_private_host_is_never_fetched_for_an_untrusted_url():
    robots = respx.get("http://10.1.2.3/robots.txt").mock(return_value=httpx.Response(200))
    with Fetcher(_polite_settings()) as fetcher, pytest.raises(RefusedError, match="refused"):
        fetcher.get("http://10.1.2.3/a", rules=FetchRules(public_only=True, respect_robots=True))
    assert robots.call_count == 0


@respx.mock
def test_robots_txt_redirecting_to_a_private_address_is_not_followed():
    respx.get("http://93.184.216.34/robots.txt").mock(
        return_value=httpx.Response(302, headers={"Location": "http://127.0.0.1/robots.txt"})
    )
    inside = respx.get("http://127.0.0.1/robots.txt").mock(return_value=httpx.Response(200))
    respx.get("http://93.184.216.34/a").mock(return_value=httpx.Response(200, html="<p>x</p>"))
    rules = FetchRules(public_only=True, respect_robots=True)
    with Fetcher(_polite_settings()) as fetcher, pytest.raises(RefusedError):
        fetcher.get("http://93.184.216.34/a", rules=rules)
    assert inside.call_count == 0


def test_global_rate_cap_spaces_all_requests():
    clock = FakeClock()
    starts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(clock() - 1000.0)
        return httpx.Response(200, headers=HTML, content=PAGE)

    settings = _polite_settings(max_rps=2)
    transport = httpx.MockTransport(handler)
    with Fetcher(settings, transport=transport, clock=clock, sleep=clock.sleep) as fetcher:
        for host in ("a.example", "b.example", "c.example"):
            fetcher.get(f"https://{host}/x")
    assert starts == [0.0, 0.5, 1.0]


@respx.mock
def test_user_agent_names_the_tool_and_the_contact():
    route = respx.get("https://site.example/a").mock(return_value=httpx.Response(200, html="x"))
    with Fetcher(_polite_settings(contact="mailto:ops@newsroom.example")) as fetcher:
        fetcher.get("https://site.example/a")
    agent = route.calls.last.request.headers["User-Agent"]
    assert agent.startswith("newswatch/") and "mailto:ops@newsroom.example" in agent


@respx.mock
def test_feed_rules_read_any_type_as_bytes():
    xml = b"<?xml version='1.0'?><rss><channel></channel></rss>"
    route = respx.get("https://site.example/feed").mock(
        return_value=httpx.Response(
            200, content=xml, headers={"Content-Type": "application/rss+xml"}
        )
    )
    with Fetcher(_polite_settings()) as fetcher:
        result = fetcher.get("https://site.example/feed", rules=FetchRules(feed=True))
    assert result.raw == xml
    assert "rss" in route.calls.last.request.headers["Accept"]


# --- the address check at connect time (real sockets, no mocks) ------------------------------


def _port_of(url: str) -> int:
    return httpx.URL(url).port


def test_dns_rebinding_is_refused_at_connect_time(server):
    """The host looks public when checked, then resolves to loopback when connecting: the
    connection checks the address it really dials, so the private server is never reached."""
    port = _port_of(server.serve("/admin", b"<p>secret</p>"))
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    def rebinding(host: str) -> list[str]:
        return next(answers, ["127.0.0.1"])

    rules = FetchRules(public_only=True)
    with (
        Fetcher(_polite_settings(), resolver=rebinding) as fetcher,
        pytest.raises(RefusedError, match=r"non-public address 127\.0\.0\.1"),
    ):
        fetcher.get(f"http://localhost:{port}/admin", rules=rules)
    assert server.requests == []


def test_an_untrusted_fetch_connects_to_the_address_it_checked(server, monkeypatch):
    """news.test exists only in the resolver: the connection dials the checked address."""
    port = _port_of(server.serve("/a", b"<html><body><p>hello</p></body></html>"))
    monkeypatch.setattr("worker.urls.is_public_address", lambda ip: ip == "127.0.0.1")
    with Fetcher(_polite_settings(), resolver=lambda host: ["127.0.0.1"]) as fetcher:
        result = fetcher.get(f"http://news.test:{port}/a", rules=FetchRules(public_only=True))
    assert result.status == 200 and "hello" in result.html


def test_per_host_state_keeps_only_the_hosts_used_last():
    from worker.fetch._hosts import Recent

    recent: Recent[int] = Recent(limit=3)
    for n, host in enumerate(["a", "b", "c"]):
        recent[host] = n
    assert recent["a"] == 0  # used: now the newest
    recent["d"] = 3
    assert list(recent) == ["c", "a", "d"]  # "b", used longest ago, is forgotten
    for n in range(1000):
        recent[f"host-{n}.example"] = n
    assert len(recent) == 3


def test_a_fetcher_meeting_many_hosts_keeps_bounded_state(make_fetcher, monkeypatch):
    monkeypatch.setattr("worker.fetch.HOSTS_KEPT", 5)
    fetcher = make_fetcher(lambda request: httpx.Response(200, html="<p>x</p>"))
    for n in range(40):
        fetcher.get(f"https://host-{n}.example/story")
    assert len(fetcher._slots) <= 5 and len(fetcher._next_start) <= 6
