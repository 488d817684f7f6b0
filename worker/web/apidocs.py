"""/api, the index of the JSON API, and /api/docs, its reference for people: both made from
the app's own OpenAPI schema and served from the package (no CDN, no script: the CSP stays
strict)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from worker.web.context import context

router = APIRouter(include_in_schema=False)
DOCS = "/api/docs"
SPEC = "/api/openapi.json"


@router.get("/api")
def index(request: Request) -> dict[str, Any]:
    """Where the API's endpoints are, each with its one-line summary."""
    spec = request.app.openapi()
    return {
        "title": spec["info"]["title"],
        "version": spec["info"]["version"],
        "docs": DOCS,
        "openapi": SPEC,
        "endpoints": [
            {"method": method.upper(), "path": path, "summary": operation.get("summary", "")}
            for path, method, operation in _operations(spec)
        ],
    }


@router.get(DOCS, response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """The API's reference, rendered on the server from the OpenAPI schema."""
    spec = request.app.openapi()
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": operation.get("summary", ""),
            "description": operation.get("description", ""),
            "tags": operation.get("tags", []),
            "parameters": [_parameter(p) for p in operation.get("parameters", [])],
            "responses": _responses(operation.get("responses", {})),
        }
        for path, method, operation in _operations(spec)
    ]
    schemas = {
        name: [
            _property(key, value, schema.get("required", []))
            for key, value in schema.get("properties", {}).items()
        ]
        for name, schema in spec.get("components", {}).get("schemas", {}).items()
    }
    return context(request).page(
        "api_docs.html", info=spec["info"], operations=operations, schemas=schemas, spec=SPEC, q=""
    )


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in spec.get("paths", {}).items()
        for method, operation in methods.items()
    ]


def _parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    schema = parameter.get("schema", {})
    return {
        "name": parameter["name"],
        "where": parameter.get("in", ""),
        "required": parameter.get("required", False),
        "type": type_name(schema),
        "limits": _limits(schema),
        "description": parameter.get("description") or schema.get("description", ""),
    }


def _responses(responses: dict[str, Any]) -> list[dict[str, str]]:
    shown = []
    for status, response in responses.items():
        content = response.get("content", {})
        schema = next(iter(content.values()), {}).get("schema", {}) if content else {}
        shown.append(
            {
                "status": status,
                "description": response.get("description", ""),
                "type": type_name(schema),
            }
        )
    return shown


def _property(name: str, schema: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"name": name, "type": type_name(schema), "required": name in required}


def type_name(schema: dict[str, Any]) -> str:
    """A schema as a reader names it: `integer`, `string or null`, `Page[ChangeOut]`, ..."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    if "anyOf" in schema:
        return " or ".join(type_name(part) for part in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {type_name(schema.get('items', {}))}"
    if schema.get("type") == "object" and "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        return f"object of {type_name(extra)}" if isinstance(extra, dict) else "object"
    return str(schema.get("type", "any"))


def _limits(schema: dict[str, Any]) -> str:
    words = {
        "minimum": "at least",
        "maximum": "at most",
        "minLength": "length at least",
        "maxLength": "length at most",
    }
    found = [f"{word} {schema[key]}" for key, word in words.items() if key in schema]
    for part in schema.get("anyOf", []):
        found += [f"{word} {part[key]}" for key, word in words.items() if key in part]
    if "default" in schema:
        found.append(f"default {schema['default']}")
    return ", ".join(found)
