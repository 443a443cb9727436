"""Sign in, sign out, the language switch, the home page and the offline API docs."""

from __future__ import annotations

import secrets
from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select
from starlette.responses import HTMLResponse, Response

from .. import models as m
from ..keys import ROLES
from ..services import assessment_summary, batch_views
from . import auth
from .core import csrf_refused, learner_view, page_user, render
from .i18n import COOKIE as LANG_COOKIE, LOCALES, translator

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no '//'): never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or urlparse(target).netloc:
        return "/ui/"
    return target


@router.get("/")
def root():
    return RedirectResponse("/ui/", status_code=303)


@router.get("/ui/sign-in")
def sign_in_page(request: Request, next: str | None = None):
    if auth.current(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _sign_in_form(request, next)


def _sign_in_form(request: Request, next_: str | None, error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "sign_in.html", status, next=_safe_next(next_), error=error, signin_csrf=token)
    response.set_cookie(auth.SIGN_IN_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/ui/sign-in")
    return response


@router.post("/ui/sign-in")
async def sign_in(request: Request):
    _ = translator(request)
    form = await request.form()
    next_ = form.get("next") if isinstance(form.get("next"), str) else None
    if not auth.csrf_valid(request.cookies.get(auth.SIGN_IN_COOKIE), form.get("csrf")):
        raise csrf_refused(request)
    throttle, client = request.app.state.throttle, request.client.host if request.client else "-"
    wait = throttle.retry_after(client)
    if wait is not None:
        response = _sign_in_form(request, next_, _("Too many failed sign-ins. Try again in %(seconds)d seconds.",
                                                   seconds=wait), 429)
        response.headers["Retry-After"] = str(wait)
        return response
    key = form.get("key")
    response = RedirectResponse(_safe_next(next_), status_code=303)
    if not isinstance(key, str) or auth.sign_in(request, response, key) is None:
        throttle.failed(client)
        return _sign_in_form(request, next_, _("This key is not valid: it is unknown, mistyped or revoked."), 401)
    response.delete_cookie(auth.SIGN_IN_COOKIE, path="/ui/sign-in")
    return response


@router.post("/ui/sign-out")
async def sign_out(request: Request):
    viewer = auth.current(request)
    form = await request.form()
    if viewer is not None and not auth.csrf_valid(viewer.csrf, form.get("csrf")):
        raise csrf_refused(request)
    response = RedirectResponse("/ui/sign-in", status_code=303)
    auth.sign_out(request, response, viewer)
    return response


@router.get("/ui/lang/{code}")
def switch_language(code: str, next: str | None = None):
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in LOCALES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="strict", path="/")
    return response


@router.get("/ui/")
def home(request: Request, viewer: auth.Viewer = page_user(*ROLES)):
    res = request.app.state.resources
    with res.sessions() as db:
        recent = db.execute(select(m.Assessment).where(m.Assessment.batch_id.is_(None))
                            .order_by(m.Assessment.created_at.desc(), m.Assessment.id).limit(10)).scalars()
        assessments = [assessment_summary(a) for a in recent]
        batches = batch_views(db, list(db.execute(select(m.Batch).order_by(m.Batch.created_at.desc(), m.Batch.id)
                                                  .limit(5)).scalars()), learner_view(request, viewer))
        counts = dict(db.execute(select(m.Assessment.outcome, func.count()).group_by(m.Assessment.outcome)).all())
    return render(request, "home.html", assessments=assessments, batches=batches, counts=counts,
                  catalogue=res.catalogue, catalogue_id=res.catalogue_id)


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    """Swagger UI from the vendored assets (scripts/vendor.sh), so the docs work offline."""
    return render(request, "docs.html", openapi_url=request.app.openapi_url)
