"""Security headers on every response: pages, API, static files, the docs and errors alike."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Scope

from .asgi import ResponseStartMiddleware

# Nothing by default; scripts, styles, images and fonts from this origin only. No inline script
# may run ('unsafe-inline' is never granted): the pages and /docs keep their scripts and styles
# in static files (api/web/static, Swagger UI vendored by scripts/vendor.sh).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Strict-Transport-Security": "max-age=31536000",
    "Cache-Control": "no-store",  # answers and pages carry learners' data: no cache keeps them
}


class SecurityHeaders(ResponseStartMiddleware):
    """Pure ASGI, outermost of the app's middleware, so that every answer carries the headers
    (the last-resort 500 handler adds them itself: it answers from outside). A route may set
    its own value for any of them."""

    def started(self, scope: Scope, message: Message) -> None:
        headers = MutableHeaders(scope=message)
        for name, value in SECURITY_HEADERS.items():
            headers.setdefault(name, value)


def add_security_headers(app: FastAPI) -> None:
    """Add the headers to every response; call after the other middleware so that it wraps them."""
    app.add_middleware(SecurityHeaders)
