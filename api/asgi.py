"""The base of the app's pure ASGI middleware that watch each HTTP response as it starts
(security headers, request metrics): other scopes (lifespan, websockets) pass through."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ResponseStartMiddleware:
    """Calls `started(scope, message)` with each HTTP response's start message (its status and
    headers, which it may change) before it is sent; `handle` runs the request (override it
    to work around the whole request)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.started(scope, message)
            await send(message)

        await self.handle(scope, receive, watched)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def started(self, scope: Scope, message: Message) -> None:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError
