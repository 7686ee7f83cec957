"""What ``/openapi.json`` says about errors: the body kpcs really sends and every status.

FastAPI documents its own validation body (``{"detail": [{"loc", "msg", "type"}]}``) and
only 422; kpcs answers ``{"detail": [{"field", "message"}]}`` (see :mod:`kpcs.web.errors`)
or ``{"detail": "..."}``, with 400, 401, 403, 404, 409, 413, 422 and 429 where they apply. The
statuses are read off each route (does it ask who calls? does it take a path parameter or
a body? does it change something?), so a new route is documented the day it is added;
Schemathesis (``tests/contract/``) checks that no route answers a status left out here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from kpcs.web.deps import current_principal

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "One thing wrong with a request, naming the field (dotted path) or row it is about.",
    "properties": {
        "field": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "e.g. `lines.0.carats`"},
        "message": {"type": "string", "description": "what is wrong, in plain words"},
        "rule": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "the rule broken"},
        "row": {"anyOf": [{"type": "integer"}, {"type": "null"}], "description": "row of an uploaded file"},
        "column": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "column of that file"},
    },
    "required": ["message"],
}

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "Every 4xx answer: what is wrong, as a sentence or as a list of problems.",
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
            ]
        }
    },
    "required": ["detail"],
}

DESCRIPTIONS = {
    "400": "The body cannot be read at all: not JSON, or broken multipart data.",
    "401": "Not signed in: the token is wrong, expired or revoked, or the route needs one "
    "(`WWW-Authenticate: Bearer`).",
    "403": "The caller may not do this (its role, or another participant's record), or a "
    "signed-in browser's form came without its CSRF token.",
    "404": "No such record, or one the caller may not see.",
    "409": "The request conflicts with the record's state, or repeats an `Idempotency-Key` with "
    "another body.",
    "413": "The request body is too large.",
    "422": "The request is malformed or breaks a rule: each problem names its field.",
    "429": "Too many requests from this client: try again after `Retry-After` seconds.",
}

_SAFE_METHODS = frozenset({"get", "head", "options"})
_REPLACED = ("HTTPValidationError", "ValidationError")


@dataclass(frozen=True)
class RouteFacts:
    """What decides a route's possible error statuses."""

    asks_who_calls: bool
    has_path_parameters: bool


def error_statuses(method: str, facts: RouteFacts, operation: dict[str, Any]) -> list[str]:
    """The 4xx statuses ``operation`` may answer (as OpenAPI's string keys)."""
    changes = method not in _SAFE_METHODS
    statuses = ["401", "429"]  # a wrong token is refused everywhere; limits may apply anywhere
    if facts.asks_who_calls or changes:
        statuses.append("403")
    if facts.has_path_parameters or facts.asks_who_calls:
        statuses.append("404")
    if changes:
        statuses.append("409")
    if "requestBody" in operation:
        statuses += ["400", "413"]
    if changes or operation.get("parameters") or "requestBody" in operation:
        statuses.append("422")
    return sorted(statuses)


def _asks_who_calls(dependant: Dependant) -> bool:
    return any(sub.call is current_principal or _asks_who_calls(sub) for sub in dependant.dependencies)


def _route_facts(routes: list[BaseRoute]) -> Iterator[tuple[str, str, RouteFacts]]:
    for context in iter_route_contexts(routes):
        route = context.original_route
        path = context.path_format  # with the router's prefix
        if not isinstance(route, APIRoute) or not context.include_in_schema or path is None:
            continue
        # The route's own dependant: every route also resolves its caller through the
        # router (to refuse a bad token), which says nothing about permissions.
        facts = RouteFacts(
            asks_who_calls=_asks_who_calls(route.dependant),
            has_path_parameters=bool(route.dependant.path_params),
        )
        for method in context.methods or ():
            yield path, method.lower(), facts


def document_errors(schema: dict[str, Any], routes: list[BaseRoute]) -> None:
    """Rewrite ``schema`` in place: the real error bodies, and each operation's statuses."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _REPLACED:
        schemas.pop(name, None)
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["Error"] = ERROR_SCHEMA
    schema["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "a token from `kpcs tokens create`"}
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, method, facts in _route_facts(routes):
        operation = schema["paths"].get(path, {}).get(method)
        if operation is None:
            continue
        responses = operation.setdefault("responses", {})
        for status in error_statuses(method, facts, operation):
            responses[status] = {"description": DESCRIPTIONS[status], "content": error}
        # Public routes work without a token too: an empty requirement makes it optional.
        operation["security"] = [{"bearer": []}, {}]


def install_error_documentation(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and so ``/openapi.json``) document kpcs's errors."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # cached by FastAPI until the routes change
        if "Problem" not in schema.get("components", {}).get("schemas", {}):
            document_errors(schema, app.routes)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
