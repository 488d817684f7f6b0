"""The FastAPI app of `newswatch serve`: pages, the JSON API under /api, Atom feeds."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from worker.errors import ArchiveError, NotFoundError, UsageError
from worker.settings import Settings
from worker.store import Store
from worker.web import api, apidocs, feeds, lists, metrics, pages, sites
from worker.web.access import Guard, add_security_headers, allowed_hosts
from worker.web.context import Context, context, templates
from worker.web.diffs import Diffs
from worker.web.problems import ProblemResponse, is_api, problem

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")


def create_app(settings: Settings, store: Store, host: str | None = None) -> FastAPI:
    """The app over `store`; with `[web] token` set, every request must carry it.

    It answers only to the Host names `allowed_hosts` lists; `host` is the address `serve`
    binds (default: `[web] host`).
    """
    app = FastAPI(
        title="newswatch",
        summary="Stored versions of news articles, their changes and the checks behind them.",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc need scripts, which the CSP forbids
        redoc_url=None,
    )
    app.state.web = Context(
        store=store,
        diffs=Diffs(store),
        templates=templates(),
        base_url=settings.web.base_url,
        failing_after=settings.guard.failing_after,
        archive_dir=settings.archive.dir,
    )
    app.include_router(pages.router)
    app.include_router(lists.router)
    app.include_router(sites.router)
    app.include_router(apidocs.router)
    app.include_router(api.router)
    app.include_router(feeds.router)
    app.include_router(metrics.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(UsageError, _bad_request)
    app.add_exception_handler(ArchiveError, _archive_damaged)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _bad_parameter)
    app.add_exception_handler(Exception, _server_error)
    app.add_middleware(
        Guard, token=settings.web.token or None, hosts=allowed_hosts(settings.web, host)
    )
    return app


def _not_found(request: Request, exc: Exception) -> Response:
    return _error(request, 404, str(exc))


def _bad_request(request: Request, exc: Exception) -> Response:
    return _error(request, 400, str(exc))


def _archive_damaged(request: Request, exc: Exception) -> Response:
    """Records the database points at that the archive's files do not hold: named in the
    log; the page says what to run (the server's paths stay out of it)."""
    log.error("%s: %s", request.url.path, exc)
    message = "the web archive lacks or cannot read this version's records: run newswatch verify"
    return _error(request, 409, message)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _error(request, exc.status_code, str(exc.detail))


def _bad_parameter(request: Request, exc: Exception) -> Response:
    """A 400 that names the parameter, never a 500 (or FastAPI's 422)."""
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return _error(request, 400, "; ".join(map(_described, errors)), errors)


def _described(error: dict[str, Any]) -> str:
    where, *names = error["loc"]
    return f"{where} parameter {'.'.join(map(str, names))}: {error['msg']}"


def _server_error(request: Request, exc: Exception) -> Response:
    """Starlette answers a crash outside the Guard, so the headers are added here."""
    answer = _error(request, 500, "internal error: the server's log has the details")
    add_security_headers(answer.headers)
    return answer


def _error(
    request: Request, status: int, message: str, errors: list[dict[str, Any]] | None = None
) -> Response:
    """A problem document (RFC 9457) under /api, the error page elsewhere."""
    path = request.url.path
    if is_api(path):
        return ProblemResponse(problem(status, message, path, errors), status_code=status)
    return context(request).page("error.html", status, status=status, message=message)
