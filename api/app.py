"""The FastAPI application: `create_app(settings)`; run it with `make serve` or `python -m api`.

The lifespan migrates the database, loads the policy, the catalogue and the model once, and
starts the batch worker thread; routes get them through Depends.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from recognition_engine import __version__

from . import openapi, problems, web
from .guards import RequestLineGuard
from .headers import add_security_headers
from .limits import BodySizeLimit
from .metrics import ENCODERS, RequestMetrics
from .resources import Resources
from .routers import assessments, batches, catalogue, health
from .settings import Settings
from .throttle import FailedAuthThrottle

log = logging.getLogger("api")

DESCRIPTION = """Decision support for the recognition of learning done elsewhere (Lisbon Recognition Convention).

Send an API key as `Authorization: Bearer rk_...` or `X-API-Key: rk_...`; create one with
`recognise keys create --role officer --name "A. Officer"`. Errors are RFC 9457 problem details.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        resources = Resources.open(settings)
        app.state.resources = ENCODERS.resources = resources
        worker = None
        if settings.run_worker:
            from .worker import BatchWorker

            worker = BatchWorker(resources).start()
        app.state.worker = worker
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            resources.close()

    # /docs is served by api/web from vendored Swagger UI assets (works offline, no inline script)
    app = FastAPI(title="Recognition engine", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.throttle = FailedAuthThrottle(settings.auth_max_failures, settings.auth_window_seconds)
    problems.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestLineGuard)
    app.add_middleware(RequestMetrics)
    add_security_headers(app)
    for module in (health, catalogue, assessments, batches):
        app.include_router(module.router)
    web.install(app)
    openapi.install(app, {"AssessmentRequest": assessments.AssessmentRequest})
    return app
