"""The OpenAPI document, told truthfully: every status an operation can answer, each error
with the problem+json schema (tests/api/test_api_fuzz.py holds the service to it).

FastAPI documents the success and a 422 of its own shape; the rest follows from what the
service does to every request (api/app.py): any request may be refused for its request line
(422) or fail unforeseen (500); a request with a body may be too large (413) or unparseable (400); an operation
that needs a key answers 401, 403 and 429 (too many failed keys); one with a path parameter
404. Routes add what only they answer through `responses=` (409, 503, ...).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from .problems import PROBLEM_JSON

PROBLEM_SCHEMA = {
    "title": "Problem", "type": "object", "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "array", "description": "for invalid input: each problem with the field it is about",
                   "items": {"type": "object", "required": ["field", "location", "message"], "properties": {
                       "field": {"type": "string"}, "location": {"type": "string"}, "message": {"type": "string"}}}},
    },
    "additionalProperties": True,
}
REASONS = {400: "Malformed request (a body that cannot be parsed)", 401: "No valid API key",
           403: "The key's role may not do this", 404: "Not found", 409: "Conflict; try again",
           413: "Request body too large", 415: "Unsupported media type", 422: "Invalid input, naming the field",
           429: "Too many failed authentication attempts from this address", 500: "Unforeseen error (no internals)",
           503: "Not ready"}
_HEADERS = {429: {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
            401: {"WWW-Authenticate": {"schema": {"type": "string"}}}}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: these statuses, answered with a problem."""
    return {status: _problem_response(status) for status in statuses}


def _problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {"description": REASONS[status],
                                "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    if status in _HEADERS:
        response["headers"] = _HEADERS[status]
    return response


def _statuses(operation: dict[str, Any]) -> set[int]:
    statuses = {422, 500}
    if "requestBody" in operation:
        statuses |= {400, 413}  # a body FastAPI cannot parse (multipart, or JSON it cannot read) is a 400
    if operation.get("security"):
        statuses |= {401, 403, 429}
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        statuses.add(404)
    return statuses


def install(app: FastAPI, bodies: dict[str, type[BaseModel]]) -> None:
    """Serve the completed document; `bodies` are request schemas routes parse themselves."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, model in bodies.items():
                body = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(body.pop("$defs", {}))
                components[name] = body
            components["Problem"] = PROBLEM_SCHEMA
            for name in ("HTTPValidationError", "ValidationError"):
                components.pop(name, None)
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    responses = operation.setdefault("responses", {})
                    responses["422"] = _problem_response(422)  # in place of FastAPI's own shape
                    for status in _statuses(operation):
                        responses.setdefault(str(status), _problem_response(status))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
