"""The officer's, registrar's and administrator's web pages, served by the API's own app.

Server-rendered (Jinja2 templates in templates/), a little plain JavaScript in
static/js/ (no inline script: the Content-Security-Policy forbids it), every asset served
from this package, English and Vietnamese through Babel catalogues (i18n/). The pages call
the same functions as the API routes, under the same roles (api/security.py).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
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

    for exc_class, status, detail in ((ApiProblem, "status", "detail"), (HTTPException, "status_code", "detail")):
        _pages_get_html(app, exc_class, status, detail)


def _pages_get_html(app: FastAPI, exc_class: type[Exception], status: str, detail: str) -> None:
    """An error under /ui/ is shown as a page; the API keeps its problem+json."""
    api_handler = app.exception_handlers[exc_class]

    async def handler(request: Request, exc: Exception):
        if request.url.path.startswith("/ui/"):
            code = getattr(exc, status)
            message = getattr(exc, detail)
            return render(request, "error.html", code, code=code, message=message if isinstance(message, str) else "")
        return await api_handler(request, exc)

    app.add_exception_handler(exc_class, handler)
