"""The officer's pages: a new assessment, the list, the comparison page, the decision, the letter."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import func, select
from starlette.datastructures import UploadFile

from recognition_engine.errors import InputError, problems_from_validation
from recognition_engine.explain import document
from recognition_engine.reference import default_reference

from .. import models as m
from ..problems import ApiProblem, field_problem
from ..routers.assessments import DecisionIn, assess_payload, decide
from ..routers.catalogue import _matches
from ..security import ASSESS, DECIDE, READ
from ..privacy import LearnerView
from ..services import (assessment_summary, assessment_view, engine_assessment, history, letter_context,
                        outcome_pairs)
from . import auth
from .core import OUTCOMES, WebError, field_errors, form_of, learner_view, page_user, render
from .i18n import tr, translator

router = APIRouter(prefix="/ui", include_in_schema=False)

UPLOAD_FIELDS = ("format", "credential_id", "purpose", "programme", "as_of")
# The Annex I form: input name -> the credential's key (text inputs; the rest are built below).
ANNEX_TEXT = ("title", "awarding_body", "country", "date_of_issue", "workload", "type_of_assessment",
              "form_of_participation", "supervision", "identity_verification", "prerequisites", "grade", "language",
              "field_of_education")
CHOICES = {
    "form_of_participation": ("online", "onsite", "blended"),
    "quality_assurance.type": ("external", "accredited_provider", "internal", "none"),
    "supervision": ("none", "online_unsupervised", "online_proctored", "onsite"),
    "identity_verification": ("none", "self_declared", "online", "onsite"),
    "format": ("native", "elm", "openbadges", "elmo", "csv"),
}


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _credential_from_form(form: Any) -> dict[str, Any]:
    """The Annex I form as a credential in the project's format; empty inputs are left out, so
    a missing element is reported as missing, never guessed."""
    credential: dict[str, Any] = {"id": _text(form, "credential.id") or f"web-{uuid.uuid4().hex[:8]}"}
    for key in ANNEX_TEXT:
        if value := _text(form, f"credential.{key}"):
            credential[key] = value
    outcomes = [line.strip() for line in _text(form, "credential.learning_outcomes").splitlines() if line.strip()]
    if outcomes:
        credential["learning_outcomes"] = outcomes
    framework, level = _text(form, "credential.level.framework"), _text(form, "credential.level.value")
    if framework or level:
        credential["level"] = {"framework": framework, "value": level}
    learner = {k: v for k in ("name", "identifier") if (v := _text(form, f"credential.learner.{k}"))}
    if learner:
        credential["learner"] = learner
    qa_type = _text(form, "credential.quality_assurance.type")
    if qa_type:
        credential["quality_assurance"] = {"type": qa_type,
                                           "description": _text(form, "credential.quality_assurance.description") or None}
    return credential


def _assess_context(request: Request) -> dict[str, Any]:
    res = request.app.state.resources
    return {"programmes": res.catalogue.programmes, "frameworks": default_reference().framework_ids, "choices": CHOICES}


@router.get("/assess")
def assess_page(request: Request, viewer: auth.Viewer = page_user(*ASSESS)):
    return render(request, "assess.html", mode="upload", values={}, errors={}, **_assess_context(request))


@router.post("/assess")
async def assess(request: Request, viewer: auth.Viewer = page_user(*ASSESS)):
    form = await form_of(request, viewer)
    mode = "form" if _text(form, "mode") == "form" else "upload"
    payload: dict[str, Any] = {k: v for k in UPLOAD_FIELDS if (v := _text(form, k))}
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        if mode == "upload":
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise field_problem(422, "file", tr(request, "Choose the credential file to upload."))
            payload["document"] = await upload.read()
            source = upload.filename
        else:
            payload.pop("format", None)
            payload.pop("credential_id", None)
            payload["credential"] = _credential_from_form(form)
            source = "<form>"
        answer = await run_in_threadpool(assess_payload, request.app.state.resources, payload, source,
                                         viewer.principal)
    except (InputError, ApiProblem) as exc:
        return render(request, "assess.html", 422, mode=mode, values=values, errors=field_errors(exc),
                      **_assess_context(request))
    return RedirectResponse(f"/ui{answer.headers['location']}", status_code=303)


@router.get("/courses")
def search_courses(request: Request, q: str = Query("", max_length=200), viewer: auth.Viewer = page_user(*READ)):
    """The catalogue search behind the purpose field (same matching as GET /catalogue/courses)."""
    words = q.casefold().split()
    found = [c for c in request.app.state.resources.catalogue.courses if _matches(c, words)][:20]
    return JSONResponse([{"id": c.id, "title": c.title, "ects": c.ects} for c in found])


@router.get("/assessments")
def assessments(request: Request, outcome: str = "", page: int = Query(1, ge=1),
                viewer: auth.Viewer = page_user(*READ)):
    size = 50
    query = select(m.Assessment)
    if outcome in OUTCOMES:
        query = query.where(m.Assessment.outcome == outcome)
    with request.app.state.resources.sessions() as db:
        total = db.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = db.execute(query.order_by(m.Assessment.created_at.desc(), m.Assessment.id)
                          .limit(size).offset((page - 1) * size)).scalars()
        items = [assessment_summary(r) for r in rows]
    return render(request, "assessments.html", items=items, total=total, page=page, pages=max(1, -(-total // size)),
                  outcome=outcome)


def _record(request: Request, db, assessment_id: str) -> m.Assessment:
    record = db.get(m.Assessment, assessment_id)
    if record is None:
        raise WebError(404, tr(request, "There is no assessment %(id)s.", id=assessment_id))
    return record


def comparison(db, record: m.Assessment, learners: LearnerView) -> dict[str, Any]:
    """What the comparison page and the letter show, read from the stored assessment."""
    view = assessment_view(db, record, learners)
    data = view["assessment"]
    pairs = outcome_pairs(data)
    used = {p["incoming"] for p in pairs if p["zone"] != "not_covered"}
    findings = data.get("findings", [])
    by_check = {f["check"]: f for f in findings}
    return {
        "view": view, "a": data, "pairs": pairs, "findings": findings,
        "unused_incoming": [lo["text"] for lo in data["credential"].get("learning_outcomes", []) if lo["text"] not in used],
        "level": by_check.get("level"), "workload": by_check.get("workload"),
        "lo_finding": by_check.get("learning_outcomes"), "candidates": data.get("candidates", []),
        "history": history(db, record),
        "reviews": {r["pair"]: r["review"] for r in ((view["decision"] or {}).get("pair_reviews") or [])},
    }


def _comparison_page(request: Request, viewer: auth.Viewer, assessment_id: str, status: int = 200, **extra: Any):
    res = request.app.state.resources
    with res.sessions() as db:
        context = comparison(db, _record(request, db, assessment_id), learner_view(request, viewer))
    return render(request, "comparison.html", status, courses=res.catalogue.courses, **context, **extra)


@router.get("/assessments/{assessment_id}")
def comparison_page(request: Request, assessment_id: str, decided: int = 0, viewer: auth.Viewer = page_user(*READ)):
    return _comparison_page(request, viewer, assessment_id, decided=bool(decided), errors={}, values={})


@router.post("/assessments/{assessment_id}/decisions")
async def record(request: Request, assessment_id: str, viewer: auth.Viewer = page_user(*DECIDE)):
    form = await form_of(request, viewer)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    reviews = [{"pair": int(k.removeprefix("review-")), "review": v} for k, v in values.items()
               if k.startswith("review-") and k.removeprefix("review-").isdigit() and v in ("confirmed", "struck")]
    body = {"outcome": values.get("outcome", ""), "reason": values.get("reason", ""),
            "course_id": values.get("course_id") or None, "credits": values.get("credits") or None,
            "conditions": [c.strip() for c in values.get("conditions", "").splitlines() if c.strip()],
            "pair_reviews": reviews}
    res = request.app.state.resources
    try:
        decision = DecisionIn.model_validate(body)
        with res.sessions() as db:
            decide(res, db, _record(request, db, assessment_id), decision, viewer.principal)
    except ValidationError as exc:
        return _comparison_page(request, viewer, assessment_id, 422, decided=False, values=values,
                                errors=field_errors(InputError(problems_from_validation(exc, "<form>", ""))))
    except ApiProblem as exc:
        return _comparison_page(request, viewer, assessment_id, 422, decided=False, values=values, errors=field_errors(exc))
    return RedirectResponse(f"/ui/assessments/{assessment_id}?decided=1#decision", status_code=303)


@router.get("/assessments/{assessment_id}/letter")
def letter(request: Request, assessment_id: str, viewer: auth.Viewer = page_user(*READ)):
    """The letter: its head and greeting around the engine's explanation document (the same
    document as GET /assessments/{id}/explanation renders, in the page's language), made for printing."""
    res = request.app.state.resources
    with res.sessions() as db:
        record = _record(request, db, assessment_id)
        context = comparison(db, record, learner_view(request, viewer))
        explained = document(engine_assessment(record),
                             letter_context(db, record, res.settings.office_contact, res.policy.header.appeal),
                             translator(request).gettext)
    return render(request, "letter.html", institution=res.catalogue.institution, document=explained, **context)
