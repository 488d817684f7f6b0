"""What the browser fetcher asks of Chromium and of one page: the browser's flags, what is
never requested, when a page has settled, and the small pieces the fetcher's loop shares."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from worker.fetch import FetchRules
from worker.types import FetchResult

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Route

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",  # containers rarely allow Chromium's sandbox; the page is isolated anyway
    "--disable-gpu",
    "--disable-quic",  # every request stays on the routes checked here
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--dns-prefetch-disable",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--js-flags=--max-old-space-size=512",  # a page's script heap, per renderer
)
BLOCKED_TYPES = frozenset({"image", "media", "font"})
# Ad and tracker hosts never asked (and their subdomains): the ones found on most news pages.
AD_HOSTS = frozenset({
    "doubleclick.net", "googlesyndication.com", "googleadservices.com", "googletagservices.com",
    "googletagmanager.com", "google-analytics.com", "adservice.google.com",
    "amazon-adsystem.com", "adnxs.com", "criteo.com", "criteo.net", "taboola.com",
    "outbrain.com", "scorecardresearch.com", "quantserve.com", "chartbeat.com",
    "chartbeat.net", "hotjar.com", "pubmatic.com", "rubiconproject.com", "casalemedia.com",
    "moatads.com", "krxd.net", "demdex.net", "omtrdc.net", "adsrvr.org", "teads.tv",
    "connect.facebook.net", "bat.bing.com", "permutive.com", "cxense.com", "adform.net",
    "smartadserver.com", "yieldmo.com", "openx.net", "media.net", "sharethrough.com",
})  # fmt: skip
_ANY_PAGE = FetchRules()
QUIET_SECONDS = 2.0  # the DOM unchanged this long, the network idle: the page has settled
READY_TEXT = 400  # characters of paragraph text that mean the article is there
LAUNCH_SECONDS = 30.0  # starting Chromium, at most
CLOSE_SECONDS = 10.0  # closing a context or the browser, at most
SUBREQUEST_WORKERS = 8  # requests of public-only pages made at once (all pages together)
_DROPPED_HEADERS = frozenset({
    "content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive",
})  # fmt: skip
_SENT_HEADERS_DROPPED = frozenset({"host", "content-length", "accept-encoding", "connection"})

# Marks the time of the DOM's last change, before the page's own scripts run.
_WATCH_CHANGES = """
window.__newswatchChanged = Date.now();
new MutationObserver(() => { window.__newswatchChanged = Date.now(); })
  .observe(document, {subtree: true, childList: true, characterData: true});
"""
_READY = f"""() => {{
  let length = 0;
  for (const p of document.querySelectorAll("p")) {{
    length += (p.textContent || "").trim().length;
    if (length >= {READY_TEXT}) return true;
  }}
  return false;
}}"""
_QUIET = f"() => Date.now() - (window.__newswatchChanged || 0) >= {int(QUIET_SECONDS * 1000)}"


class _BrowserGoneError(Exception):
    """The browser died under a page (crashed, or killed)."""


@dataclass(frozen=True)
class _Ask:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None


@dataclass(frozen=True)
class _Refused:
    reason: str


async def _settled(page: Page) -> None:
    """Wait until the article's paragraphs are there, or the page went quiet."""
    ready = asyncio.ensure_future(page.wait_for_function(_READY, polling=100))
    quiet = asyncio.ensure_future(_quiet(page))
    try:
        done, _ = await asyncio.wait({ready, quiet}, return_when=asyncio.FIRST_COMPLETED)
        next(iter(done)).result()
    finally:
        for task in (ready, quiet):
            task.cancel()
        await asyncio.gather(ready, quiet, return_exceptions=True)


async def _quiet(page: Page) -> None:
    await page.wait_for_load_state("networkidle")
    await page.wait_for_function(_QUIET, polling=250)


async def _fulfil(route: Route, status: int, headers: dict[str, str], body: bytes) -> None:
    await route.fulfill(status=status, headers=headers, body=body)


async def _refuse_socket(socket: Any) -> None:
    """A WebSocket of a public-only page: closed, never connected to its server."""
    await socket.close()


async def _close_browser(browser: Browser) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(browser.close(), CLOSE_SECONDS)


def _document_headers(document: FetchResult) -> dict[str, str]:
    """What the browser is told of the page's own response (its body is already decoded)."""
    return {"content-type": document.content_type or "text/html"}


def _is_ad_host(url: str) -> bool:
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL:
        return False
    labels = host.split(".")
    return any(".".join(labels[i:]) in AD_HOSTS for i in range(len(labels) - 1))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _run_forever(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    loop.run_forever()
