"""The administrator's page: import a catalogue, with every validation problem listed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from recognition_engine.errors import InputError

from ..routers.catalogue import import_catalogue_file
from ..security import MANAGE
from . import auth
from .core import form_of, page_user, render
from .i18n import tr

router = APIRouter(prefix="/ui/catalogue", include_in_schema=False)


def _page(request: Request, status: int = 200, **context):
    res = request.app.state.resources
    return render(request, "catalogue.html", status, catalogue=res.catalogue, catalogue_id=res.catalogue_id,
                  **{"problems": [], "imported": None, **context})


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
    res = request.app.state.resources
    try:
        with res.sessions() as db:
            imported = await run_in_threadpool(import_catalogue_file, res, db, data, upload.filename, viewer.principal)
    except InputError as exc:
        problems = [{"location": ", ".join(x for x in (p.source, p.location) if x), "field": p.field,
                     "message": p.message} for p in exc.problems]
        return _page(request, 422, problems=problems)
    return _page(request, imported=imported)
