"""A site at a glance: edits per day as an SVG chart, the share of substantive and silent
edits, the most edited articles and the failing watches; one page per host, one for all.

Each page counts four weeks of edits, so what it counted is kept for a minute (`Context.counts`,
per host): people reload these pages, and a minute-old chart of four weeks says the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from worker.errors import NotFoundError
from worker.models import utcnow
from worker.web import charts
from worker.web.context import Context, context
from worker.web.params import host_filter

router = APIRouter(include_in_schema=False)
DAYS = 28  # the window of the charts: the last four weeks
# A host as stored URLs hold it: a name, an IPv4 address or a bracketed IPv6 one, a port.
Host = Annotated[str, Path(max_length=300, pattern=r"^[A-Za-z0-9._:\[\]-]+$")]


@router.get("/sites", response_class=HTMLResponse)
def all_sites(request: Request) -> HTMLResponse:
    """Every site together, with the hosts that were edited most."""
    web = context(request)
    values = web.counts.get(("sites", None), lambda: _all_sites(web))
    return web.page("site.html", host=None, **values)


@router.get("/sites/{host}", response_class=HTMLResponse)
def one_site(request: Request, host: Host) -> HTMLResponse:
    """One host: its edits per day, their significance and disclosure, its busiest and failing
    articles."""
    web = context(request)
    name = host_filter(host) or host
    if not any(web.store.state_counts(host=name).values()):
        raise NotFoundError(f"no article on {name} is watched (see /sites for the hosts)")
    values = web.counts.get(
        ("sites", name), lambda: {**_glance(web, name)[1], "hosts": [], "hosts_chart": None}
    )
    return web.page("site.html", host=name, **values)


def _all_sites(web: Context) -> dict[str, Any]:
    since, values = _glance(web, None)
    hosts = web.store.busiest_hosts(since)
    bars = charts.ranked_bars([(host, f"/sites/{host}", n) for host, n in hosts])
    return {**values, "hosts": hosts, "hosts_chart": bars}


def _glance(web: Context, host: str | None) -> tuple[datetime, dict[str, Any]]:
    """What both pages show, over the last DAYS days."""
    today = utcnow().date()
    since = datetime.combine(today - timedelta(days=DAYS - 1), time.min, UTC)
    rows = web.store.edits_per_day(since, host)
    edited = web.store.most_edited(since, host)
    titles = web.store.headlines([watch.id for watch, _ in edited if watch.id is not None])
    top = [
        (titles.get(watch.id or 0) or watch.url, f"/articles/{watch.id}", n) for watch, n in edited
    ]
    counts = charts.shares(rows)
    return since, {
        "days": DAYS,
        "chart": charts.edits_per_day(rows, DAYS, today),
        "shares": counts,
        "percent": charts.percent,
        "edited_chart": charts.ranked_bars(top),
        "failing": web.store.failing_watches(host=host),
        "states": web.store.state_counts(host=host),
        "failing_after": web.failing_after,
        "counted_at": utcnow(),
        "q": "",
    }
