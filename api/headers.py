"""Security headers on every response (the API's own; the web UI may widen its CSP)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Strict-Transport-Security": "max-age=31536000",
    "Cache-Control": "no-store",  # answers carry learners' data: no cache keeps them
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
# The interactive docs (/docs, /redoc) load FastAPI's Swagger UI and ReDoc from their CDN.
DOCS_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
            "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
            "connect-src 'self'; worker-src blob:; frame-ancestors 'none'")


class SecurityHeaders:
    """Pure ASGI, outermost of the app's middleware, so that every answer carries the headers
    (the last-resort 500 handler adds them itself: it answers from outside)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path") in ("/docs", "/redoc")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if docs:
                    headers["Content-Security-Policy"] = DOCS_CSP
            await send(message)

        await self.app(scope, receive, with_headers)


def add_security_headers(app: FastAPI) -> None:
    """Add the headers to every response; call after the other middleware so that it wraps them."""
    app.add_middleware(SecurityHeaders)
