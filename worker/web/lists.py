"""The pages that list what newswatch watches: every article (/articles), every source
(/sources) and one source (/sources/ID)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from worker.models import watch_state
from worker.store.browse import ARTICLE_ORDERS, STATES, ArticleRow
from worker.urls import host_of
from worker.web.context import context, query
from worker.web.params import Id, Offset, Text, choice, host_filter

router = APIRouter(include_in_schema=False)
PAGE = 50
ORDER_NAMES = {
    "changed": "last changed first",
    "checked": "last checked first",
    "next": "next check first",
    "address": "by address",
    "added": "newest watch first",
}
SOURCE_ARTICLES = 20  # the articles a source's page lists (the rest: /articles?source=)
StateChoice = choice(STATES, "ok, held, failing or retired")
OrderChoice = choice(tuple(ARTICLE_ORDERS), "how the list is sorted")


@router.get("/articles", response_class=HTMLResponse)
def articles(
    request: Request,
    state: StateChoice = None,
    host: Text = None,
    source: Text = None,
    label: Text = None,
    order: OrderChoice = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Every watched article, filtered by state, host, source and label, in pages."""
    web = context(request)
    filters = {
        "state": state,
        "host": host_filter(host),
        "source": source or None,
        "label": label or None,
    }
    chosen = order or "changed"
    rows = web.store.articles_page(**filters, order=chosen, limit=PAGE + 1, offset=offset)
    more = len(rows) > PAGE
    return web.page(
        "articles.html",
        rows=[_row(row) for row in rows[:PAGE]],
        filters=filters,
        order=chosen,
        orders=list(ORDER_NAMES.items()),
        states=[(name, name) for name in STATES],
        sources=[(s.url, s.label or s.url) for s in web.store.list_sources()],
        labels=[(name, name) for name in web.store.watch_labels()],
        previous_url=_at(filters, chosen, max(offset - PAGE, 0)) if offset else None,
        next_url=_at(filters, chosen, offset + PAGE) if more else None,
        q="",
    )


def _at(filters: dict[str, Any], order: str, offset: int) -> str:
    return "/articles" + query(**filters, order=order, offset=offset or None)


def _row(row: ArticleRow) -> dict[str, Any]:
    return {"row": row, "host": host_of(row.watch.url), "state": _state(row)}


def _state(row: ArticleRow) -> str:
    return watch_state(row.watch)


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request) -> HTMLResponse:
    """Every source: its kind, its last poll and how it went, the articles it enrolled."""
    web = context(request)
    states = web.counts.get(("sources",), web.store.states_by_source)
    return web.page(
        "sources.html",
        sources=[
            (s, states.get(s.url, dict.fromkeys(STATES, 0))) for s in web.store.list_sources()
        ],
        by_hand=states.get(None),
        states=STATES,
        q="",
    )


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source(request: Request, source_id: Id) -> HTMLResponse:
    """One source: its polls, the states of its articles, the articles it enrolled last."""
    web = context(request)
    found = web.store.source_by_id(source_id)
    rows = web.store.articles_page(source=found.url, order="added", limit=SOURCE_ARTICLES)
    return web.page(
        "source.html",
        source=found,
        counts=web.store.state_counts(source=found.url),
        rows=[_row(row) for row in rows],
        more=len(rows) == SOURCE_ARTICLES,
        q="",
    )
