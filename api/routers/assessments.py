"""Assessments, their explanations, officers' decisions (append-only) and the history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from recognition_engine.errors import InputError, Problem, problems_from_validation
from recognition_engine.explain import RENDERERS
from recognition_engine.rules import Outcome

from .. import models as m
from recognition_engine.batch import assess_request, request_from_payload
from ..deps import MAX_INTEGER, Page, get_or_404, get_page, get_resources, get_session, reader
from ..forms import form_file, form_texts, read_form
from ..idempotency import PARAMETER as IDEMPOTENCY, commit_once, replay, request_key
from ..guards import (MAX_CONDITION, MAX_CONDITIONS, MAX_ID, MAX_PAIR_REVIEWS, MAX_REASON, SafeText, check_credentials, check_field,
                      control_problems)
from ..openapi import problem_responses
from ..privacy import LearnerView
from ..problems import ApiProblem, field_problem
from ..resources import Resources
from ..security import ASSESS, DECIDE, READ, Principal, require
from ..services import (assessment_summary, assessment_view, decision_dict, decisions_of, engine_assessment, history,
                        letter_context, record_decision, reviewed_pairs, store_assessment)

log = logging.getLogger("api.assessments")
router = APIRouter(prefix="/assessments", tags=["assessments"])
SOURCE = "<request body>"
OPTIONS = ("format", "credential_id", "learner", "purpose", "programme", "as_of", "stack")  # beside a document
OPERATION = "POST /assessments"
Id = SafeText(MAX_ID)


class AssessmentRequest(BaseModel):
    """A credential to assess, in the project's format or as a raw document in any supported format."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "credential": {"id": "mc-1", "title": "Cloud Computing Fundamentals", "awarding_body": "Arizona State University",
                       "country": "US", "learning_outcomes": ["Compare IaaS, PaaS and SaaS offerings."],
                       "workload": "3 US semester credit hours", "level": {"framework": "EQF", "value": 6}},
        "purpose": "CS302", "as_of": "2025-09-01"}]})

    credential: dict[str, Any] | None = Field(None, description="one credential in the project's format (docs/formats.md)")
    credentials: list[dict[str, Any]] | None = Field(None, description="several credentials, to stack (with stack=true)")
    document: str | None = Field(None, description="a raw document: ELM/EDC JSON-LD, Open Badges 3.0, EMREX ELMO XML, "
                                                   "the CSV template, or the project's YAML/JSON (format 'native')")
    format: Id | None = Field(None, description="the document's format when it cannot be detected: native, elm, "
                                                 "openbadges, elmo, csv")
    credential_id: Id | None = Field(None, description="which credential of a document holding several")
    learner: Id | None = Field(None, description="the learner's identifier, when the credential does not carry it")
    purpose: Id | None = Field(None, description="the course recognition is asked for (default: the best candidates)")
    programme: Id | None = Field(None, description="without a purpose: assess for this programme's best-ranked course")
    as_of: dt.date | None = Field(None, description="the date the assessment speaks for (default: today)")
    stack: bool = Field(False, description="assess all the credentials together toward the purpose")


_MULTIPART_SCHEMA = {
    "type": "object", "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "the credential document, any supported format"},
        **{k: {"type": "string"} for k in ("format", "credential_id", "learner", "purpose", "programme")},
        "as_of": {"type": "string", "format": "date"}, "stack": {"type": "boolean"},
    },
}


async def _payload(request: Request) -> tuple[dict[str, Any], str]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await read_form(request)
        upload = form_file(form, "file", "the credential document")
        return {"document": await upload.read(), **form_texts(form, OPTIONS)}, upload.filename or "upload"
    if ctype in ("application/json", "") or ctype.endswith("+json"):
        try:
            raw = json.loads(await request.body() or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiProblem(422, f"the body is not valid JSON: {exc}", type_="invalid-input", title="Invalid input",
                             errors=[{"field": "", "location": "body", "message": f"invalid JSON: {exc}"}]) from None
        if not isinstance(raw, dict):
            raise ApiProblem(422, "the body must be a JSON object", type_="invalid-input", title="Invalid input",
                             errors=[{"field": "", "location": "body", "message": "expected a JSON object"}])
        if problems := control_problems(raw, SOURCE):
            raise InputError(problems)
        try:
            body = AssessmentRequest.model_validate(raw)
        except ValidationError as exc:
            raise InputError(problems_from_validation(exc, SOURCE, "")) from None
        return body.model_dump(exclude_none=True, exclude_defaults=False), SOURCE
    raise ApiProblem(415, f"send application/json or multipart/form-data, not {ctype!r}")


def assess_payload(res: Resources, payload: dict[str, Any], source: str, who: Principal,
                   idem: tuple[str, str] | None = None) -> JSONResponse:
    """Assess and store one request (a JSON body, a multipart upload or the web form); the 201
    answer with the stored view as `who` may see it (replayed for a repeated Idempotency-Key).
    Bad input raises InputError naming the field."""
    with res.sessions() as session:
        if (replayed := replay(session, who.key_id, OPERATION, idem)) is not None:
            return replayed
    payload = dict(payload)
    for key in OPTIONS:
        if isinstance(payload.get(key), str):
            check_field(payload[key], key, MAX_ID)
    choice = payload.pop("credential_id", None)
    req = request_from_payload(payload, source, "", dt.date.today())  # the edge may read the clock; rules never do
    check_credentials(req.credentials, source)
    if not req.stack and len(req.credentials) > 1:
        ids = [c.id for c in req.credentials]
        if choice is None:
            raise InputError([Problem(source, "", "credential_id", f"the document holds {len(ids)} credentials "
                                      f"({', '.join(ids)}): name one, or stack them with stack=true")])
        if choice not in ids:
            raise InputError([Problem(source, "", "credential_id", f"no credential {choice!r} in the document; "
                                      f"it holds {', '.join(ids)}")])
        req = dataclasses.replace(req, credentials=[c for c in req.credentials if c.id == choice])
    with res.lock:  # the catalogue and its assessor are read together; the engine itself is thread-safe
        assessor, catalogue_id = res.assessor, res.catalogue_id
    assessment = assess_request(assessor, req)[0]
    with res.sessions() as session:
        record = store_assessment(session, assessment, created_by=who.key_id, catalogue_id=catalogue_id)
        session.flush()
        body = assessment_view(session, record, LearnerView.of(who.role, res.pseudonym))
        answer = commit_once(session, who.key_id, OPERATION, idem, 201, body, f"/assessments/{record.id}",
                             lambda: replay(session, who.key_id, OPERATION, idem))
        learner = assessment.credential.learner.identifier if assessment.credential.learner else None
        log.info("assessment %s: %s for %s (learner %s)", record.id[:8], record.outcome, record.purpose_course_id,
                 res.pseudonym(learner))
        return answer


@router.post("", status_code=201, summary="Assess a credential for a purpose; the assessment is stored",
             responses=problem_responses(415),
             openapi_extra={"parameters": [IDEMPOTENCY], "requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"$ref": "#/components/schemas/AssessmentRequest"}},
                 "multipart/form-data": {"schema": _MULTIPART_SCHEMA}}}})
async def create_assessment(request: Request, res: Resources = Depends(get_resources),
                            who: Principal = require(*ASSESS)):
    payload, source = await _payload(request)
    idem = request_key(request, {"payload": payload, "source": source})
    return await run_in_threadpool(assess_payload, res, payload, source, who, idem)


@router.get("", summary="List stored assessments, newest first")
def list_assessments(outcome: Outcome | None = None, credential_id: str | None = None, batch_id: str | None = None,
                     fingerprint: str | None = None, page: Page = Depends(get_page),
                     session: Session = Depends(get_session), _: Principal = require(*READ)):
    query = select(m.Assessment)
    for column, value in ((m.Assessment.outcome, outcome.value if outcome else None),
                          (m.Assessment.credential_id, credential_id), (m.Assessment.batch_id, batch_id),
                          (m.Assessment.fingerprint, fingerprint)):
        if value is not None:
            query = query.where(column == value)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(m.Assessment.created_at.desc(), m.Assessment.id)
                           .limit(page.limit).offset(page.offset)).scalars()
    return page.envelope([assessment_summary(r) for r in rows], total, "/assessments")


def _get(session: Session, assessment_id: str) -> m.Assessment:
    return get_or_404(session, m.Assessment, assessment_id, "assessment")


@router.get("/{assessment_id}", summary="A stored assessment, its latest decision and its precedents")
def get_assessment(assessment_id: str, session: Session = Depends(get_session), view: LearnerView = Depends(reader)):
    return assessment_view(session, _get(session, assessment_id), view)


@router.get("/{assessment_id}/explanation", summary="The explanation, rendered from the stored assessment",
            response_class=Response, responses={200: {"content": {"text/html": {}, "text/markdown": {}, "text/plain": {}}}})
def explanation(assessment_id: str, format: Literal["html", "markdown", "text"] = "html",
                res: Resources = Depends(get_resources), session: Session = Depends(get_session),
                _: Principal = require(*READ)):
    record = _get(session, assessment_id)
    letter = letter_context(session, record, res.settings.office_contact, res.policy.header.appeal)
    rendered = RENDERERS[format](engine_assessment(record), letter)
    media = {"html": "text/html", "markdown": "text/markdown", "text": "text/plain"}[format]
    return Response(rendered, media_type=f"{media}; charset=utf-8")


class PairReview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pair: int = Field(ge=0, le=MAX_INTEGER, description="position of the pair in the learning-outcome finding's evidence.pairs")
    review: Literal["confirmed", "struck"]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Field(description="the officer's outcome; may differ from the recommendation")
    reason: SafeText(MAX_REASON, min_length=3) = Field(
        description="why: required for every decision")
    course_id: Id | None = Field(None, description="the course recognised (default: the assessed purpose)")
    credits: float | None = Field(None, ge=0, le=1000, description="ECTS recognised, for a partial or alternative outcome")
    conditions: list[SafeText(MAX_CONDITION)] = Field(default_factory=list, max_length=MAX_CONDITIONS,
                                                      description="what must be bridged, for a conditional outcome")
    pair_reviews: list[PairReview] = Field(default_factory=list, max_length=MAX_PAIR_REVIEWS,
                                           description="the officer's confirmation or striking of outcome pairs "
                                                       "(above all those 'to confirm'), recorded with the decision")


def decide(res: Resources, session: Session, record: m.Assessment, decision: DecisionIn, who: Principal) -> m.Decision:
    """Record an officer's decision on a stored assessment (the API's and the web form's)."""
    course_id = decision.course_id
    if course_id is None:
        rec = record.data.get("recommendation") or {}
        course_id = rec.get("alternative_course_id") if decision.outcome is Outcome.alternative else None
        course_id = course_id or record.purpose_course_id
    elif course_id not in {c.id for c in res.catalogue.courses}:
        raise field_problem(422, "course_id", f"no course {course_id!r} in the catalogue")
    reviews = reviewed_pairs(record.data, [r.model_dump() for r in decision.pair_reviews])
    for _attempt in range(3):
        try:
            stored = record_decision(session, record, outcome=decision.outcome, reason=decision.reason,
                                     course_id=course_id, credits=decision.credits, conditions=decision.conditions,
                                     key_id=who.key_id, key_name=who.name, pair_reviews=reviews)
            session.commit()
            return stored
        except IntegrityError:  # another decision took this sequence number: take the next
            session.rollback()
    raise ApiProblem(409, "another decision was being recorded at the same time; try again")


@router.post("/{assessment_id}/decisions", status_code=201, responses=problem_responses(409),
             summary="Record the officer's decision (append-only: a new decision never changes an earlier one)")
def create_decision(assessment_id: str, decision: DecisionIn = Body(...), res: Resources = Depends(get_resources),
                    session: Session = Depends(get_session), who: Principal = require(*DECIDE)):
    record = _get(session, assessment_id)
    stored = decide(res, session, record, decision, who)
    log.info("assessment %s: decision %d %s (recommended %s)", record.id[:8], stored.seq, stored.outcome, record.outcome)
    body = decision_dict(stored)
    return JSONResponse(jsonable_encoder(body), status_code=201,
                    headers={"Location": f"/assessments/{record.id}/history"})


@router.get("/{assessment_id}/decisions", summary="Every decision on the assessment, oldest first")
def list_decisions(assessment_id: str, session: Session = Depends(get_session), _: Principal = require(*READ)):
    _get(session, assessment_id)
    return {"items": [decision_dict(d) for d in decisions_of(session, assessment_id)]}


@router.get("/{assessment_id}/history", summary="The full trail: recommendation, every decision, every event")
def get_history(assessment_id: str, session: Session = Depends(get_session), _: Principal = require(*READ)):
    return history(session, _get(session, assessment_id))
