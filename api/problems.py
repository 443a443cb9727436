"""RFC 9457 problem details (`application/problem+json`) for every error the API returns.

A 4xx about the input names the field: `errors` lists each problem with its `field`
(dotted path, e.g. `credential.workload`), where it was found and what is wrong, and
`detail` repeats the first one in words.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from recognition_engine.errors import InputError, Problem, loc_to_field

from .headers import SECURITY_HEADERS

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("api")
TYPE_BASE = "https://recognition-engine.invalid/problems/"  # stable identifiers, not links


class ApiProblem(Exception):
    def __init__(self, status: int, detail: str, *, title: str | None = None, type_: str | None = None,
                 errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.status, self.detail, self.title, self.type = status, detail, title, type_
        self.errors, self.headers, self.extra = errors, headers, extra


def field_problem(status: int, field: str, message: str, **kw: Any) -> ApiProblem:
    """A problem about one named field of the request."""
    return ApiProblem(status, f"field '{field}': {message}", type_="invalid-input", title="Invalid input",
                      errors=[{"field": field, "location": "", "message": message}], **kw)


def problem_body(status: int, detail: str, instance: str, *, title: str | None = None, type_: str | None = None,
                 errors: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + type_ if type_ else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(request: Request, status: int, detail: str, *, title: str | None = None, type_: str | None = None,
                     errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
                     **extra: Any) -> JSONResponse:
    body = problem_body(status, detail, request.url.path, title=title, type_=type_, errors=errors, **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _problem_dicts(problems: list[Problem]) -> list[dict[str, str]]:
    return [{"field": p.field, "location": ", ".join(x for x in (p.source, p.location) if x), "message": p.message}
            for p in problems]


def _describe(error: dict[str, str]) -> str:
    return (f"field '{error['field']}': " if error["field"] else "") + error["message"]


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem):
        return problem_response(request, exc.status, exc.detail, title=exc.title, type_=exc.type, errors=exc.errors,
                                headers=exc.headers, **exc.extra)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError):
        errors = _problem_dicts(exc.problems)
        detail = _describe(errors[0]) if errors else "invalid input"
        if len(errors) > 1:
            detail += f" (and {len(errors) - 1} more problem(s))"
        return problem_response(request, 422, detail, title="Invalid input", type_="invalid-input", errors=errors)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = []
        for err in exc.errors():
            loc = list(err.get("loc", ()))
            where = str(loc.pop(0)) if loc and loc[0] in ("body", "query", "path", "header", "cookie") else ""
            message = str(err.get("msg", "invalid"))
            message = message.removeprefix("Value error, ")
            errors.append({"field": loc_to_field(loc) or where, "location": where, "message": message})
        detail = _describe(errors[0]) if errors else "invalid request"
        if len(errors) > 1:
            detail += f" (and {len(errors) - 1} more problem(s))"
        return problem_response(request, 422, detail, title="Invalid input", type_="invalid-input", errors=errors)

    @app.exception_handler(Exception)
    async def _last_resort(request: Request, exc: Exception):
        """Anything unforeseen: a 500 problem that says nothing about the internals (the log has them)."""
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return problem_response(request, 500, "the server could not complete the request; it has been logged",
                                type_="internal-error", headers=SECURITY_HEADERS)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem_response(request, exc.status_code, detail, headers=getattr(exc, "headers", None))

