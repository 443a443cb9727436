"""The officer's, registrar's and administrator's web pages, served by the API's own app.

Server-rendered (Jinja2 templates in templates/), a little plain JavaScript in
static/js/ (no inline script: the Content-Security-Policy forbids it), every asset served
from this package, English and Vietnamese through Babel catalogues (i18n/). The pages call
the same functions as the API routes, under the same roles (api/security.py).
"""

from __future__ import annotations

from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from ..problems import ApiProblem
from . import pages_admin, pages_assess, pages_auth, pages_batches
from .core import HERE, WebError, WebRedirect, render


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (pages_auth, pages_assess, pages_batches, pages_admin):
        app.include_router(module.router)

    @app.exception_handler(WebRedirect)
    async def _redirect(request: Request, exc: WebRedirect):
        return RedirectResponse(exc.url, status_code=303)

    @app.exception_handler(WebError)
    async def _error(request: Request, exc: WebError):
        return render(request, "error.html", exc.status, code=exc.status, message=exc.message)

    for exc_class, status_and_message in PAGE_ERRORS.items():
        _pages_get_html(app, exc_class, status_and_message)


# How each error the API answers with problem+json reads on a page: (status, message).
PAGE_ERRORS: dict[type[Exception], Callable[[Any], tuple[int, str]]] = {
    ApiProblem: lambda e: (e.status, e.detail),
    HTTPException: lambda e: (e.status_code, e.detail if isinstance(e.detail, str) else ""),
    RequestValidationError: lambda e: (422, "; ".join(f"{'.'.join(str(x) for x in err['loc'][1:])}: {err['msg']}"
                                                      for err in e.errors())),
}


def _pages_get_html(app: FastAPI, exc_class: type[Exception], status_and_message) -> None:
    """An error under /ui/ is shown as a page; the API keeps its problem+json."""
    api_handler = app.exception_handlers[exc_class]

    async def handler(request: Request, exc: Exception):
        if request.url.path.startswith("/ui/"):
            code, message = status_and_message(exc)
            return render(request, "error.html", code, code=code, message=message)
        return await api_handler(request, exc)

    app.add_exception_handler(exc_class, handler)
