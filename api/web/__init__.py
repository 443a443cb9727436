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

    api_problem = app.exception_handlers[ApiProblem]

    @app.exception_handler(ApiProblem)
    async def _problem(request: Request, exc: ApiProblem):
        """A problem raised under a page is shown as a page; the API keeps its problem+json."""
        if request.url.path.startswith("/ui/"):
            return render(request, "error.html", exc.status, code=exc.status, message=exc.detail)
        return await api_problem(request, exc)
