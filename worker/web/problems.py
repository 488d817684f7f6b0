"""RFC 9457 problem documents: how every error under /api is answered."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def is_api(path: str) -> bool:
    """Whether a request path is the JSON API's (answered with problem documents)."""
    return path == "/api" or path.startswith("/api/")


def problem(
    status: int, detail: str, instance: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An RFC 9457 problem document; `errors` (for a bad parameter) says which and why."""
    document: dict[str, Any] = {
        "type": "about:blank",
        "title": _phrase(status),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    return document if errors is None else {**document, "errors": errors}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
