"""The registrar's pages: upload a batch, watch it run, read and filter the results, download them."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import select
from starlette.datastructures import UploadFile

from recognition_engine.errors import InputError
from recognition_engine.formats.export import HomeInstitution, to_elmo_archive

from .. import models as m
from ..problems import ApiProblem, field_problem
from ..routers.batches import results_csv, stored_items, submit_batch
from ..security import BATCH, READ
from ..services import batch_items, batch_view, batch_views, engine_assessment
from . import auth
from .core import OUTCOMES, WebError, field_errors, form_of, learner_view, page_user, render
from .i18n import tr, translator

router = APIRouter(prefix="/ui/batches", include_in_schema=False)


def _list_page(request: Request, viewer: auth.Viewer, status: int = 200, errors=None, values=None):
    res = request.app.state.resources
    with res.sessions() as db:
        batches = batch_views(db, list(db.execute(select(m.Batch).order_by(m.Batch.created_at.desc(), m.Batch.id)
                                                  .limit(50)).scalars()), learner_view(request, viewer))
    return render(request, "batches.html", status, batches=batches, programmes=res.catalogue.programmes,
                  can_submit=viewer.role in BATCH, errors=errors or {}, values=values or {})


@router.get("")
def batches(request: Request, viewer: auth.Viewer = page_user(*READ)):
    return _list_page(request, viewer)


@router.post("")
async def submit(request: Request, viewer: auth.Viewer = page_user(*BATCH)):
    form = await form_of(request, viewer)
    options = {k: v.strip() for k in ("purpose", "programme", "as_of") if isinstance(v := form.get(k), str) and v.strip()}
    upload, extra = form.get("file"), form.get("outcomes")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise field_problem(422, "file", tr(request, "Choose the batch file to upload."))
        outcomes = None
        if isinstance(extra, UploadFile) and extra.filename:
            outcomes = (await extra.read(), extra.filename)
        answer = await run_in_threadpool(submit_batch, request.app.state.resources, await upload.read(),
                                         upload.filename, options, outcomes, viewer.principal)
    except (InputError, ApiProblem) as exc:
        return _list_page(request, viewer, 422, field_errors(exc), options)
    return RedirectResponse(f"/ui{answer.headers['location']}", status_code=303)


def _batch(request: Request, db, batch_id: str) -> m.Batch:
    batch = db.get(m.Batch, batch_id)
    if batch is None:
        raise WebError(404, tr(request, "There is no batch %(id)s.", id=batch_id))
    return batch


@router.get("/{batch_id}")
def batch_page(request: Request, batch_id: str, outcome: str = "", viewer: auth.Viewer = page_user(*READ)):
    learners = learner_view(request, viewer)
    with request.app.state.resources.sessions() as db:
        view = batch_view(db, _batch(request, db, batch_id), learners, errors_limit=1000)
        items = list(batch_items(db, batch_id, learners)) if view["status"] == "done" else []
    tally = Counter(i["outcome"] for i in items if i["outcome"])
    results = [i for i in items if i["outcome"] == outcome] if outcome in OUTCOMES else items
    return render(request, "batch.html", batch=view, results=results, tally=tally, outcome=outcome,
                  can_export=viewer.role in BATCH)


@router.get("/{batch_id}/progress")
def progress(request: Request, batch_id: str, viewer: auth.Viewer = page_user(*READ)):
    """What the progress bar polls (static/js/app.js)."""
    _ = translator(request)
    with request.app.state.resources.sessions() as db:
        view = batch_view(db, _batch(request, db, batch_id), learner_view(request, viewer), errors_limit=0)
    return JSONResponse({k: view[k] for k in ("status", "progress", "total", "done", "error", "pending", "running")}
                        | {"status_label": _(view["status"])})


@router.get("/{batch_id}/results.csv")
def results_csv_download(request: Request, batch_id: str, viewer: auth.Viewer = page_user(*READ)):
    res = request.app.state.resources
    with res.sessions() as db:
        _batch(request, db, batch_id)
    return StreamingResponse(results_csv(stored_items(res, batch_id, learner_view(request, viewer))),
                             media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}.csv"'})


@router.get("/{batch_id}/results.elmo")
def results_elmo(request: Request, batch_id: str, viewer: auth.Viewer = page_user(*BATCH)):
    """The batch's assessments as EMREX ELMO, one document per learner in a zip (it names the
    learners, so not for analysts, who see pseudonyms)."""
    _ = translator(request)
    res = request.app.state.resources
    institution = res.catalogue.institution
    if not res.settings.home_schac or institution is None:
        raise WebError(409, _("ELMO needs the home institution's SCHAC code: set RECOGNITION_HOME_SCHAC and restart."))
    with res.sessions() as db:
        _batch(request, db, batch_id)
        assessments = [engine_assessment(a) for a in db.execute(
            select(m.Assessment).where(m.Assessment.batch_id == batch_id)
            .order_by(m.Assessment.batch_row_id, m.Assessment.batch_item)).scalars()]
    if not assessments:
        raise WebError(409, _("This batch has no assessment to export."))
    home = HomeInstitution.from_catalogue(res.catalogue, schac=res.settings.home_schac, url=res.settings.home_url)
    data = to_elmo_archive(assessments, institution=home)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}-elmo.zip"'})
