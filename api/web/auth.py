"""Signing in on the web pages: an API key is exchanged for a session cookie.

The cookie holds a random token (HttpOnly, SameSite=Strict, Secure over HTTPS, expiring);
the database keeps only its SHA-256, the key it was opened with and the session's CSRF
token. Every request re-reads the key, so a revoked key or a changed role takes effect at
once, and the roles are the API's own (api/security.py). Signing out ends the session in
the database, not only in the browser. A failed sign-in counts against the client address
like an invalid API key (the API's throttle, api/throttle.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from .. import models as m
from ..audit import audit
from ..keys import verify
from ..models import aware, utcnow
from ..security import Principal

COOKIE = "rs_session"
SIGN_IN_COOKIE = "rs_signin"  # the sign-in form's CSRF token, before there is a session
LIFETIME = dt.timedelta(hours=8)


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of a page: who, with which role, and the CSRF token their forms carry."""

    principal: Principal
    session_id: str
    csrf: str

    @property
    def role(self) -> str:
        return self.principal.role


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(request: Request, response: Response, key: str) -> Principal | None:
    """Open a session for a valid key and set its cookie; None for an invalid key."""
    with request.app.state.resources.sessions() as db:
        row = verify(db, key.strip())
        if row is None:
            return None
        token, now = secrets.token_urlsafe(32), utcnow()
        db.add(m.WebSession(id=_digest(token), key_id=row.id, csrf=secrets.token_urlsafe(32), created_at=now,
                            expires_at=now + LIFETIME))
        audit(db, row.id, "web.signed_in", "api_key", row.id)  # the hash-chained trail's only writer
        db.commit()
        principal = Principal(row.id, row.name, row.role)
    response.set_cookie(COOKIE, token, max_age=int(LIFETIME.total_seconds()), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
    return principal


def current(request: Request) -> Viewer | None:
    """The viewer of a request with a live session cookie (key not revoked, session not ended or expired)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    with request.app.state.resources.sessions() as db:
        found = db.execute(select(m.WebSession, m.ApiKey).join(m.ApiKey, m.ApiKey.id == m.WebSession.key_id)
                           .where(m.WebSession.id == _digest(token))).first()
        if found is None:
            return None
        web, key = found
        if web.ended_at is not None or aware(web.expires_at) <= utcnow() or key.revoked_at is not None:
            return None
        return Viewer(Principal(key.id, key.name, key.role), web.id, web.csrf)


def sign_out(request: Request, response: Response, viewer: Viewer | None) -> None:
    if viewer is not None:
        with request.app.state.resources.sessions() as db:
            web = db.get(m.WebSession, viewer.session_id)
            if web is not None and web.ended_at is None:
                web.ended_at = utcnow()
                db.commit()
    response.delete_cookie(COOKIE, path="/")


def csrf_valid(expected: str | None, presented: object) -> bool:
    return bool(expected) and isinstance(presented, str) and hmac.compare_digest(expected, presented)
