"""Hosts and sites: which watches are on a host, which site a URL belongs to, site health."""

from __future__ import annotations

import functools
import ipaddress
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from publicsuffixlist import PublicSuffixList
from sqlmodel import Session, col, select

from worker.errors import BadURLError
from worker.models import Check, Site, Watch, stored_host, utcnow
from worker.store._base import StoreBase
from worker.store._rows import _insert_new
from worker.urls import host_of, is_http_url, normalise_url


class SiteQueries(StoreBase):
    """The health of a site, from the last checks of its watches."""

    def held_share(self, host: str, since: datetime, exclude: int) -> tuple[int, int]:
        """Of the host's other watches checked since `since`: how many were last held, of all."""
        latest = (
            select(sa.func.max(Check.id).label("id"))
            .join(Watch, col(Watch.id) == Check.watch_id)
            .where(col(Check.started_at) >= since, _on_host(host))
            .where(Check.watch_id != exclude)
            .group_by(col(Check.watch_id))
            .subquery()
        )
        query = select(Check.outcome).join(latest, latest.c.id == Check.id)
        with self.session() as session:
            outcomes = [outcome for outcome in session.exec(query)]
        return outcomes.count("held"), len(outcomes)

    def site_degraded(self, host: str) -> bool:
        """Whether an operator alert said this host's extraction degraded, not yet recovered."""
        with self.session() as session:
            return session.get(Site, host) is not None


def _on_host(host: str) -> Any:
    """Watches on `host` (lower-cased, an IPv6 address without brackets): the indexed host
    column each watch keeps of its URL (migration 0017), cut as the column is."""
    return col(Watch.host) == stored_host(host)


def _mark_site(session: Session, host: str, event: str, reason: str | None) -> bool:
    """Record that a host degraded or recovered; True only if this call changed it."""
    if event == "degraded":
        return _insert_new(
            session, Site(host=host, degraded_since=utcnow(), reason=(reason or "")[:1000])
        )
    gone = session.execute(sa.delete(Site).where(col(Site.host) == host))
    return bool(gone.rowcount)


def _merge_duplicate(session: Session, watch: Watch) -> None:
    """One watch per article: a source-enrolled watch whose canonical URL is another watch's
    article, or another watch's canonical URL too, is deactivated in favour of that one
    (history kept). The canonical URL is the page's word, so it counts only within the page's
    own site (`_site_of`), and only for a watch the operator added or the same source enrolled:
    no page can retire another site's watch or another source's. A watch the operator added
    by hand is never merged away."""
    canonical = _canonical_key(watch.canonical_url)
    if watch.by_hand or canonical is None or canonical == watch.url:
        return
    if _site_of(canonical) != _site_of(watch.url):
        return
    query = select(Watch).where(
        sa.or_(Watch.url == canonical, Watch.canonical_url == watch.canonical_url),
        Watch.id != watch.id,
        col(Watch.active),
    )
    if any(_may_stand_for(other, watch.url, watch.source) for other in session.exec(query)):
        watch.active = False
        session.add(watch)


def _canonical_key(canonical_url: str | None) -> str | None:
    """A page's canonical URL normalised, or None if it is no usable http(s) URL."""
    if not canonical_url or not is_http_url(canonical_url):
        return None
    try:
        return normalise_url(canonical_url)
    except BadURLError:
        return None


def _may_stand_for(other: Watch, url: str, source: str | None) -> bool:
    """Whether `other` may be the one watch of the article at `url` a source listed: it is on
    the same site, and the operator added it or that same source enrolled it."""
    return _site_of(other.url) == _site_of(url) and (other.by_hand or other.source == source)


def _site_of(url: str) -> str:
    """The registrable domain of a URL's host by the Public Suffix List (`news.bbc.co.uk` is
    `bbc.co.uk`, `a.blogspot.com` its own site); an IP address, a single-label host or a
    public suffix is a site by itself."""
    host = host_of(url)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return _public_suffixes().privatesuffix(host) or host
    return host


@functools.cache
def _public_suffixes() -> PublicSuffixList:
    """The list the package bundles (read once, on first use); it is never downloaded."""
    return PublicSuffixList()
