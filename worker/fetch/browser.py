"""Pages rendered in Chromium: Playwright (the `browser` extra) driving the system's browser.

Decisions a reader could not guess:

- The page itself is fetched by the plain Fetcher (robots.txt, per-host politeness, the
  public-address rule, redirects, the size cap, conditional validators), and the browser is
  handed that very response for its navigation. A 304 stops before any browser work, and the
  raw body kept is the page's own response, as for plain fetches; `html` is the rendered DOM.
  A later navigation of the page's main frame (an interstitial passed by a script) is a page
  load too: it goes through the Fetcher in the same way.
- For watches a source enrolled (`public_only`), Chromium opens no connection of its own:
  every other request the page makes (scripts, XHR, frames, and each of their redirects) is
  made here, through connections that can reach public addresses only (the address actually
  dialled is checked, see `worker.transport`), and its answer handed back. A refused request
  is aborted and logged; the page goes on without it. WebSockets are refused for such pages;
  service workers are blocked for all (their requests would bypass the checks).
- Robots.txt and politeness apply to page loads, not to the resources a page loads (a browser
  fetches those at once); the deadline and the bounded number of pages bound them.
- One browser per process, in a thread of its own running an asyncio loop (Playwright's
  objects belong to the loop that made them); the pipeline's threads wait on a future. One
  context per fetch (nothing carried over), at most `pages` at once. A browser that crashed
  is launched again by the next fetch; one that rendered `restart_after` pages is replaced,
  and closed once its open pages are done, so leaks stay bounded.
- A page is ready when its paragraphs hold article text, or once the network went idle and
  the DOM stopped changing for QUIET_SECONDS; a page that is neither within the deadline is a
  timed-out fetch. Images, media, fonts and known ad and tracker hosts are never requested.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import httpx

from worker.config_values import BROWSER_EXTRA
from worker.errors import ConfigError, FetchError, FetchTimeoutError, TooLargeError
from worker.fetch import Fetcher, FetchRules
from worker.fetch._http import new_client
from worker.fetch._page import (
    _ANY_PAGE,
    _DROPPED_HEADERS,
    _SENT_HEADERS_DROPPED,
    _WATCH_CHANGES,
    BLOCKED_TYPES,
    CHROMIUM_ARGS,
    CLOSE_SECONDS,
    LAUNCH_SECONDS,
    SUBREQUEST_WORKERS,
    _Ask,
    _BrowserGoneError,
    _close_browser,
    _document_headers,
    _first_line,
    _fulfil,
    _is_ad_host,
    _refuse_socket,
    _Refused,
    _run_forever,
    _settled,
)
from worker.redact import safe_url
from worker.settings import FetchSettings, HttpSettings
from worker.transport import NonPublicAddressError, deadline, public_only_transport
from worker.types import FetchResult
from worker.urls import Resolver

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, Playwright, Request, Route

__all__ = ["BrowserFetcher"]

log = logging.getLogger(__name__)


class BrowserFetcher:
    """Fetches a page and renders it in Chromium; thread-safe, one browser per instance.

    `get` has the plain Fetcher's signature and answers a FetchResult whose `html` is the
    rendered DOM (under the size cap) and whose `raw` is the page's own response.
    """

    def __init__(
        self,
        settings: FetchSettings,
        http: HttpSettings,
        documents: Fetcher,
        timeout: float,
        resolver: Resolver | None = None,
    ) -> None:
        self._documents = documents
        self._timeout = timeout
        self._chromium = _Chromium(settings, http, documents, resolver)

    def get(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        *,
        rules: FetchRules = _ANY_PAGE,
    ) -> FetchResult:
        """Fetch `url` as the Fetcher does, then render it; raise a FetchError on failure
        (FetchTimeoutError when the page did not settle within the deadline)."""
        document = self._documents.get(url, etag, last_modified, rules=rules)
        if document.not_modified:
            return document
        return self.render(document, rules=rules)

    def render(self, document: FetchResult, *, rules: FetchRules = _ANY_PAGE) -> FetchResult:
        """A page the plain Fetcher got, rendered: the same result with the rendered DOM as
        its `html` (the page is not requested again; its scripts and XHR are, under `rules`)."""
        html = self._chromium.render(document, rules, self._timeout)
        return replace(document, html=html)

    def close(self) -> None:
        """Close the browser and stop its thread."""
        self._chromium.close()


@dataclass
class _Launched:
    """One running browser and the pages it rendered and renders."""

    browser: Browser
    renders: int = 0
    open: int = 0
    retiring: bool = False


class _Chromium:
    """The browser, in a thread of its own running an asyncio loop."""

    def __init__(
        self,
        settings: FetchSettings,
        http: HttpSettings,
        documents: Fetcher,
        resolver: Resolver | None,
    ) -> None:
        self._settings, self._http, self._documents = settings, http, documents
        self._resolver = resolver
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._client: httpx.Client | None = None
        # The rest belongs to the loop.
        self._playwright: Playwright | None = None
        self._current: _Launched | None = None
        self._pages: asyncio.Semaphore | None = None
        self._launching: asyncio.Lock | None = None

    def render(self, document: FetchResult, rules: FetchRules, seconds: float) -> str:
        """The page's DOM once it settled, within `seconds` (a free page waited for apart)."""
        loop = self._started()
        future = asyncio.run_coroutine_threadsafe(self._render(document, rules, seconds), loop)
        try:
            return future.result(2 * seconds + LAUNCH_SECONDS + CLOSE_SECONDS)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise FetchTimeoutError(
                f"the browser did not answer in time: {document.url}", url=document.url
            ) from None

    def close(self) -> None:
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None or thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(2 * CLOSE_SECONDS)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(CLOSE_SECONDS)
        if not thread.is_alive():
            loop.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if self._client is not None:
            self._client.close()

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=_run_forever, args=(loop,), name="newswatch-browser", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    SUBREQUEST_WORKERS, thread_name_prefix="newswatch-browser-request"
                )
                self._client = new_client(self._http, public_only_transport(self._resolver))
            return self._loop

    # --- in the loop ---------------------------------------------------------------------

    async def _render(self, document: FetchResult, rules: FetchRules, seconds: float) -> str:
        if self._pages is None or self._launching is None:
            self._pages = asyncio.Semaphore(self._settings.pages)
            self._launching = asyncio.Lock()
        url = document.url
        try:
            await asyncio.wait_for(self._pages.acquire(), seconds)
        except TimeoutError:
            raise FetchTimeoutError(
                f"no browser page free within {seconds:g}s: {url}", url=url
            ) from None
        try:
            return await self._rendered(document, rules, seconds)
        finally:
            self._pages.release()

    async def _rendered(self, document: FetchResult, rules: FetchRules, seconds: float) -> str:
        """Render in the running browser; a browser found broken (it crashed or was killed
        since the last page) is replaced, and the page tried once more in the new one."""
        url, until = document.url, None
        for attempt in range(2):
            launched = await self._browser(url)
            until = until or time.monotonic() + seconds  # from the first browser ready
            try:
                left = max(until - time.monotonic(), 0.1)
                return await asyncio.wait_for(self._load(launched, document, rules), left)
            except _BrowserGoneError:
                await self._retire(launched)
                if attempt:
                    raise FetchError(f"the browser crashed rendering {url}", url=url) from None
            except TimeoutError:
                raise FetchTimeoutError(
                    f"timed out: the page did not settle in the browser within {seconds:g}s: {url}",
                    url=url,
                ) from None
            finally:
                await self._done(launched)
        raise AssertionError("unreachable")

    async def _browser(self, url: str) -> _Launched:
        """The running browser, launched (again) when there is none, it crashed, or it
        rendered `restart_after` pages."""
        assert self._launching is not None
        async with self._launching:
            current = self._current
            if current is not None and (
                not current.browser.is_connected()
                or current.renders >= self._settings.restart_after
            ):
                await self._retire(current)
                current = None
            if current is None:
                current = self._current = _Launched(await self._launch(url))
            current.renders += 1
            current.open += 1
            return current

    async def _launch(self, url: str) -> Browser:
        try:
            from playwright.async_api import Error, async_playwright
        except ImportError:
            raise ConfigError(
                f"fetching {url} in the browser needs the browser extra: {BROWSER_EXTRA}"
            ) from None
        path = self._settings.chromium
        for attempt in range(2):
            try:
                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                return await self._playwright.chromium.launch(
                    executable_path=str(path),
                    args=list(CHROMIUM_ARGS),
                    timeout=LAUNCH_SECONDS * 1000,
                    handle_sigint=False,
                    handle_sigterm=False,
                    handle_sighup=False,
                )
            except Error as exc:
                # The driver itself may have died: start it afresh once.
                await self._stop_playwright()
                if attempt:
                    raise FetchError(
                        f"cannot start Chromium at {path} ([fetch] chromium): {_first_line(exc)}",
                        url=url,
                    ) from None
        raise AssertionError("unreachable")

    async def _done(self, launched: _Launched) -> None:
        launched.open -= 1
        if launched.retiring and launched.open == 0:
            await _close_browser(launched.browser)

    async def _retire(self, launched: _Launched) -> None:
        if self._current is launched:
            self._current = None
        launched.retiring = True
        if launched.open == 0:
            await _close_browser(launched.browser)

    async def _shutdown(self) -> None:
        if self._current is not None:
            await _close_browser(self._current.browser)
            self._current = None
        await self._stop_playwright()

    async def _stop_playwright(self) -> None:
        playwright, self._playwright = self._playwright, None
        if playwright is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(playwright.stop(), CLOSE_SECONDS)

    async def _load(self, launched: _Launched, document: FetchResult, rules: FetchRules) -> str:
        """Open the page in a context of its own, wait until it settled, read its DOM."""
        from playwright.async_api import Error

        try:
            context = await launched.browser.new_context(
                user_agent=self._http.user_agent,
                service_workers="block",
                accept_downloads=False,
            )
        except Error:
            raise _BrowserGoneError from None  # no context: the browser is gone
        try:
            page = await self._page(context, document, rules)
            await page.goto(document.final_url, wait_until="domcontentloaded")
            await _settled(page)
            html = await page.content()
        except Error as exc:
            if not launched.browser.is_connected():
                raise _BrowserGoneError from None
            raise FetchError(
                f"the browser failed on {document.url}: {_first_line(exc)}", url=document.url
            ) from None
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(context.close(), CLOSE_SECONDS)
        cap = self._http.max_bytes
        if len(html.encode("utf-8", "replace")) > cap:
            raise TooLargeError(
                f"the rendered page is larger than {cap} bytes: {document.url}", url=document.url
            )
        return html

    async def _page(
        self, context: BrowserContext, document: FetchResult, rules: FetchRules
    ) -> Page:
        served: list[bool] = [False]  # the page's own response handed to its navigation

        async def route(route: Route, request: Request) -> None:
            try:
                await self._route(route, request, document, rules, served)
            except Exception as exc:  # the page closed meanwhile, or a request failed
                log.debug("request %s of %s: %r", safe_url(request.url), document.url, exc)
                with contextlib.suppress(Exception):
                    await route.abort("failed")

        await context.route("**/*", route)
        if rules.public_only:
            await context.route_web_socket("**/*", _refuse_socket)
        await context.add_init_script(_WATCH_CHANGES)
        page = await context.new_page()
        page.set_default_timeout(self._http.timeout.total_seconds() * 2000)
        return page

    async def _route(
        self,
        route: Route,
        request: Request,
        document: FetchResult,
        rules: FetchRules,
        served: list[bool],
    ) -> None:
        main = request.is_navigation_request() and request.frame.parent_frame is None
        if main and not served[0]:
            served[0] = True
            await _fulfil(route, document.status, _document_headers(document), document.raw)
            return
        if main:  # the page navigates on by itself: a page load, under the Fetcher's rules
            await self._navigate(route, request.url, rules)
            return
        if request.resource_type in BLOCKED_TYPES or _is_ad_host(request.url):
            await route.abort("blockedbyclient")
            return
        if not rules.public_only:
            await route.continue_()
            return
        await self._public_request(route, request, document.final_url)

    async def _navigate(self, route: Route, url: str, rules: FetchRules) -> None:
        loop = asyncio.get_running_loop()
        try:
            page = await loop.run_in_executor(
                self._executor, lambda: self._documents.get(url, rules=rules)
            )
        except FetchError as exc:
            log.warning("the page navigated to %s, not fetched: %s", safe_url(url), exc)
            await route.abort("blockedbyclient")
            return
        await _fulfil(route, page.status, _document_headers(page), page.raw)

    async def _public_request(self, route: Route, request: Request, page_url: str) -> None:
        """Make the page's request here, on public addresses only, and hand its answer back."""
        loop = asyncio.get_running_loop()
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in _SENT_HEADERS_DROPPED
        }
        ask = _Ask(request.method, request.url, headers, request.post_data_buffer)
        answer = await loop.run_in_executor(self._executor, self._ask, ask)
        if isinstance(answer, _Refused):
            log.warning(
                "refused a request of %s to %s: %s",
                safe_url(page_url),
                safe_url(request.url),
                answer.reason,
            )
            await route.abort("blockedbyclient")
        elif answer is None:
            await route.abort("failed")
        else:
            await _fulfil(route, *answer)

    def _ask(self, ask: _Ask) -> tuple[int, dict[str, str], bytes] | _Refused | None:
        """One request of a page, redirects followed, each hop on public addresses only."""
        assert self._client is not None
        cap = self._http.max_bytes
        try:
            with deadline(self._http.timeout.total_seconds()):
                request = self._client.build_request(
                    ask.method, ask.url, headers=ask.headers, content=ask.body
                )
                response = self._client.send(request, stream=True, follow_redirects=True)
                with contextlib.closing(response):
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > cap:
                            return None
                    headers = {
                        name: value
                        for name, value in response.headers.items()
                        if name.lower() not in _DROPPED_HEADERS
                    }
                    return response.status_code, headers, bytes(body)
        except httpx.HTTPError as exc:
            if isinstance(exc.__cause__, NonPublicAddressError):
                return _Refused(str(exc.__cause__))
            return None
