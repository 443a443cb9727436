"""The administrator's page: import a catalogue, with every validation problem listed, then
follow the import job (indexing in the background, then active, or failed with its reason)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.datastructures import UploadFile

from recognition_engine.errors import InputError

from ..deps import MAX_INTEGER
from ..models import CatalogueVersion
from ..routers.catalogue import import_catalogue_file, import_job
from ..security import MANAGE
from . import auth
from .core import WebError, form_of, page_user, render
from .i18n import tr

router = APIRouter(prefix="/ui/catalogue", include_in_schema=False)


def _page(request: Request, status: int = 200, **context):
    res = request.app.state.resources
    return render(request, "catalogue.html", status, catalogue=res.catalogue, catalogue_id=res.catalogue_id,
                  **{"problems": [], "job": None, **context})


@router.get("")
def catalogue_page(request: Request, viewer: auth.Viewer = page_user(*MANAGE)):
    return _page(request)


@router.post("")
async def import_catalogue(request: Request, viewer: auth.Viewer = page_user(*MANAGE)):
    form = await form_of(request, viewer)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        problems = [{"location": "", "field": "file", "message": tr(request, "Choose the catalogue file.")}]
        return _page(request, 422, problems=problems)
    data = await upload.read()
    try:
        job = await run_in_threadpool(import_catalogue_file, request.app.state.resources, data, upload.filename,
                                      viewer.principal)
    except InputError as exc:
        problems = [{"location": ", ".join(x for x in (p.source, p.location) if x), "field": p.field,
                     "message": p.message} for p in exc.problems]
        return _page(request, 422, problems=problems)
    return RedirectResponse(f"/ui/catalogue/imports/{job['id']}", status_code=303)


def _job(request: Request, import_id: int) -> dict:
    with request.app.state.resources.sessions() as db:
        record = db.get(CatalogueVersion, import_id)
        if record is None:
            raise WebError(404, tr(request, "There is no catalogue import %(id)s.", id=import_id))
        return import_job(record)


@router.get("/imports/{import_id}")
def import_page(request: Request, import_id: int = Path(ge=1, le=MAX_INTEGER),
                viewer: auth.Viewer = page_user(*MANAGE)):
    return _page(request, job=_job(request, import_id))


@router.get("/imports/{import_id}/state")
def import_state(request: Request, import_id: int = Path(ge=1, le=MAX_INTEGER),
                 viewer: auth.Viewer = page_user(*MANAGE)):
    """What the import page polls while the job is indexing (static/js/app.js)."""
    return JSONResponse({"state": _job(request, import_id)["state"]})
