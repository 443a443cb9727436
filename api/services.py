"""Persistence: assessments, append-only decisions, the audit trail, precedents, batches.

Routes and the worker call these; nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Iterator

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from recognition_engine.assessment import Assessment as EngineAssessment
from recognition_engine.explain import Decision, LetterContext, Precedent
from recognition_engine.policy import Appeal
from recognition_engine.batch import BatchRow, RowResult
from recognition_engine.errors import Problem
from recognition_engine.rules import Outcome

from . import models as m
from .audit import audit
from .guards import MAX_ID, check_credentials, credential_problems, text_problem
from .identity import fingerprint
from .models import aware, utcnow
from .privacy import LearnerView


def new_id() -> str:
    return str(uuid.uuid4())


def store_assessment(session: Session, a: EngineAssessment, *, created_by: str | None, catalogue_id: int | None,
                     batch_id: str | None = None, batch_row_id: int | None = None,
                     batch_item: int | None = None) -> m.Assessment:
    """The one way an assessment is stored (by a request or by the worker), with its audit event.
    InputError (nothing added) if a text of the credential is too long or holds a control character."""
    check_credentials([a.credential], "<assessment>")
    data = a.model_dump(mode="json")
    learner = data["credential"].pop("learner", None)  # personal data lives apart (api/privacy.py)
    record = m.Assessment(
        id=new_id(), created_at=utcnow(), created_by=created_by, credential_id=a.credential.id,
        fingerprint=fingerprint(a.credential), purpose_course_id=a.purpose.course_id if a.purpose else None,
        outcome=a.outcome.value, as_of=a.as_of, catalogue_id=catalogue_id, model=a.versions.model,
        policy_digest=a.versions.policy_digest, data=data, batch_id=batch_id,
        batch_row_id=batch_row_id, batch_item=batch_item,
    )
    session.add(record)
    if learner:
        session.flush()  # the assessment row first: the learner's row refers to it
        session.add(m.AssessmentLearner(assessment_id=record.id, identifier=learner.get("identifier"),
                                        name=learner.get("name")))
    audit(session, created_by, "assessment.created", "assessment", record.id, outcome=record.outcome,
          purpose=record.purpose_course_id, credential_id=record.credential_id, batch_id=batch_id)
    return record


def engine_assessment(record: m.Assessment) -> EngineAssessment:
    return EngineAssessment.model_validate(record.data)


def decision_dict(d: m.Decision) -> dict[str, Any]:
    return {
        "id": d.id, "seq": d.seq, "assessment_id": d.assessment_id, "outcome": d.outcome,
        "recommended_outcome": d.recommended_outcome, "differs_from_recommendation": d.outcome != d.recommended_outcome,
        "reason": d.reason, "course_id": d.course_id, "credits": d.credits, "conditions": list(d.conditions or []),
        "pair_reviews": list(d.pair_reviews or []),
        "decided_by": {"key_id": d.decided_by, "name": d.decided_by_name}, "decided_at": aware(d.decided_at),
    }


def decisions_of(session: Session, assessment_id: str) -> list[m.Decision]:
    return list(session.execute(select(m.Decision).where(m.Decision.assessment_id == assessment_id)
                                .order_by(m.Decision.seq)).scalars())


def latest_decision(session: Session, assessment_id: str) -> m.Decision | None:
    return session.execute(select(m.Decision).where(m.Decision.assessment_id == assessment_id)
                           .order_by(m.Decision.seq.desc()).limit(1)).scalar_one_or_none()


def record_decision(session: Session, record: m.Assessment, *, outcome: Outcome, reason: str, course_id: str | None,
                    credits: float | None, conditions: list[str], key_id: str, key_name: str,
                    pair_reviews: list[dict[str, Any]] | None = None) -> m.Decision:
    """Append a decision (the next in sequence); earlier ones stay as they were."""
    seq = (session.execute(select(func.max(m.Decision.seq)).where(m.Decision.assessment_id == record.id)).scalar() or 0) + 1
    decision = m.Decision(assessment_id=record.id, seq=seq, outcome=outcome.value, recommended_outcome=record.outcome,
                          reason=reason, course_id=course_id, credits=credits, conditions=conditions,
                          decided_by=key_id, decided_by_name=key_name, decided_at=utcnow(),
                          pair_reviews=pair_reviews or [])
    session.add(decision)
    session.flush()
    audit(session, key_id, "decision.recorded", "assessment", record.id, seq=seq, outcome=outcome.value,
          recommended_outcome=record.outcome)
    return decision


def outcome_pairs(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The (local, incoming) outcome pairs of a stored assessment's learning-outcome finding.
    Assessments stored before outcome zones have only `covered` and the cosine: their zone is
    covered or not covered from that boolean, and their probability is None (never the cosine)."""
    finding = next((f for f in data.get("findings", []) if f.get("check") == "learning_outcomes"), None)
    return [{**p, "zone": p.get("zone") or ("covered" if p.get("covered") else "not_covered"),
             "probability": p.get("probability")}
            for p in (finding or {}).get("evidence", {}).get("pairs") or []]


def reviewed_pairs(data: dict[str, Any], reviews: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The officer's pair reviews with the pairs they name copied in, so the decision reads alone.
    Raises a problem naming `pair_reviews[i].pair` for a pair the assessment does not have."""
    from .problems import field_problem

    pairs = outcome_pairs(data)
    out: dict[int, dict[str, Any]] = {}
    for i, review in enumerate(reviews):
        n = review["pair"]
        if n >= len(pairs):
            raise field_problem(422, f"pair_reviews[{i}].pair", f"no pair {n}: the assessment has {len(pairs)} pair(s)")
        p = pairs[n]
        out[n] = {"pair": n, "review": review["review"], "local": p["local"], "incoming": p["incoming"],
                  "similarity": p["similarity"], "probability": p["probability"], "zone": p["zone"]}
    return [out[n] for n in sorted(out)]


def precedents(session: Session, record: m.Assessment, limit: int = 20) -> list[dict[str, Any]]:
    """Decisions on other assessments of the same credential (same awarding body, title and
    outcomes), the latest decision of each, newest first."""
    others = select(m.Assessment.id).where(m.Assessment.fingerprint == record.fingerprint, m.Assessment.id != record.id)
    latest = (select(m.Decision.assessment_id, func.max(m.Decision.seq).label("seq"))
              .where(m.Decision.assessment_id.in_(others)).group_by(m.Decision.assessment_id).subquery())
    rows = session.execute(
        select(m.Decision, m.Assessment)
        .join(latest, (m.Decision.assessment_id == latest.c.assessment_id) & (m.Decision.seq == latest.c.seq))
        .join(m.Assessment, m.Assessment.id == m.Decision.assessment_id)
        .order_by(m.Decision.decided_at.desc(), m.Decision.id.desc()).limit(limit)
    ).all()
    return [{
        "assessment_id": a.id, "purpose": a.purpose_course_id, "recommended_outcome": a.outcome,
        "decided_outcome": d.outcome, "reason": d.reason, "course_id": d.course_id, "credits": d.credits,
        "decided_at": aware(d.decided_at), "decided_by": d.decided_by_name, "assessed_as_of": a.as_of,
    } for d, a in rows]


def letter_context(session: Session, record: m.Assessment, office_contact: str | None, appeal: Appeal) -> LetterContext:
    """What the decision letter shows beyond the assessment: the latest decision, precedents, the office."""
    latest = latest_decision(session, record.id)
    decision = None if latest is None else Decision(
        outcome=Outcome(latest.outcome), reason=latest.reason, decided_at=aware(latest.decided_at).date(),
        decided_by=latest.decided_by_name or latest.decided_by, credits=latest.credits, course_id=latest.course_id,
        conditions=tuple(latest.conditions or ()))
    earlier = tuple(Precedent(outcome=Outcome(p["decided_outcome"]), decided_at=p["decided_at"].date(), reason=p["reason"],
                              course_id=p["course_id"], credits=p["credits"]) for p in precedents(session, record))
    return LetterContext(decision=decision, precedents=earlier, office_contact=office_contact, appeal=appeal)


def assessment_summary(record: m.Assessment) -> dict[str, Any]:
    data = record.data
    return {
        "id": record.id, "created_at": aware(record.created_at), "credential_id": record.credential_id,
        "title": data.get("credential", {}).get("title"), "awarding_body": data.get("credential", {}).get("awarding_body"),
        "purpose": record.purpose_course_id, "outcome": record.outcome,
        "summary": data.get("recommendation", {}).get("summary"), "as_of": record.as_of, "batch_id": record.batch_id,
        "fingerprint": record.fingerprint,
    }


def assessment_view(session: Session, record: m.Assessment, view: LearnerView) -> dict[str, Any]:
    """The stored assessment with its learner as this reader may see them."""
    latest = latest_decision(session, record.id)
    learner = view.learner(session.get(m.AssessmentLearner, record.id))
    data = {**record.data, "credential": {**record.data["credential"], **({"learner": learner} if learner else {})}}
    return {
        **assessment_summary(record),
        "created_by": record.created_by, "catalogue_id": record.catalogue_id, "model": record.model,
        "policy_digest": record.policy_digest,
        "recommendation": record.data.get("recommendation"),
        "assessment": data,
        "decision": decision_dict(latest) if latest else None,
        "precedents": precedents(session, record),
        "links": {
            "self": f"/assessments/{record.id}", "explanation": f"/assessments/{record.id}/explanation",
            "decisions": f"/assessments/{record.id}/decisions", "history": f"/assessments/{record.id}/history",
        },
    }


def history(session: Session, record: m.Assessment) -> dict[str, Any]:
    decisions = [decision_dict(d) for d in decisions_of(session, record.id)]
    events = session.execute(select(m.AuditEvent).where(m.AuditEvent.subject_type == "assessment",
                                                        m.AuditEvent.subject_id == record.id)
                             .order_by(m.AuditEvent.id)).scalars()
    return {
        "assessment_id": record.id,
        "recommendation": {"outcome": record.outcome, "summary": record.data.get("recommendation", {}).get("summary"),
                           "at": aware(record.created_at), "by": record.created_by, "batch_id": record.batch_id,
                           "versions": record.data.get("versions")},
        "decisions": decisions,
        "current_outcome": decisions[-1]["outcome"] if decisions else None,
        "events": [{"at": aware(e.at), "actor": e.actor, "action": e.action, "details": e.details} for e in events],
    }


# ---------------------------------------------------------------- batches

def batch_progress(session: Session, batch_ids: list[str]) -> dict[str, tuple[dict[str, int], dt.datetime | None]]:
    """Row counts by status and the last finish time of several batches, in one query."""
    rows = session.execute(select(m.BatchRow.batch_id, m.BatchRow.status, func.count(), func.max(m.BatchRow.finished_at))
                           .where(m.BatchRow.batch_id.in_(batch_ids)).group_by(m.BatchRow.batch_id, m.BatchRow.status)).all()
    out: dict[str, tuple[dict[str, int], dt.datetime | None]] = {}
    for batch_id in batch_ids:
        out[batch_id] = ({"pending": 0, "running": 0, "done": 0, "error": 0}, None)
    for batch_id, status, n, last in rows:
        counts, finished_at = out[batch_id]
        counts[status] = n
        if last is not None and (finished_at is None or aware(last) > finished_at):
            finished_at = aware(last)
        out[batch_id] = (counts, finished_at)
    return out


def batch_views(session: Session, batches: list[m.Batch], view: LearnerView, errors_limit: int = 0) -> list[dict[str, Any]]:
    """Progress of each batch (two queries for the whole page), with each failed row up to `errors_limit`."""
    progress = batch_progress(session, [b.id for b in batches])
    errors: dict[str, list[dict[str, Any]]] = {b.id: [] for b in batches}
    if errors_limit:
        for batch in batches:
            errors[batch.id] = [{"row": r, "reason": view.text(e, learner)} for r, e, learner in session.execute(
                select(m.BatchRow.row_number, m.BatchRow.error, m.BatchRow.learner)
                .where(m.BatchRow.batch_id == batch.id, m.BatchRow.status == "error")
                .order_by(m.BatchRow.row_number).limit(errors_limit)).all()]
    out = []
    for batch in batches:
        counts, last = progress[batch.id]
        finished = counts["done"] + counts["error"]
        status = ("done" if finished == batch.total_rows else "queued" if finished == 0 and counts["running"] == 0
                  else "running")
        out.append({
            "id": batch.id, "status": status, "source": batch.source, "format": batch.format,
            "created_at": aware(batch.created_at), "finished_at": last if status == "done" else None,
            "as_of": batch.as_of, "purpose": batch.purpose, "programme": batch.programme, "total": batch.total_rows,
            **counts, "progress": round(finished / batch.total_rows, 4) if batch.total_rows else 1.0,
            "errors": errors[batch.id], "errors_total": counts["error"],
            "links": {"self": f"/batches/{batch.id}", "results": f"/batches/{batch.id}/results"},
        })
    return out


def batch_view(session: Session, batch: m.Batch, view: LearnerView, errors_limit: int = 100) -> dict[str, Any]:
    return batch_views(session, [batch], view, errors_limit)[0]


def batch_items(session: Session, batch_id: str, view: LearnerView, limit: int | None = None,
                offset: int = 0) -> Iterator[dict[str, Any]]:
    """The results file's lines, read a few hundred rows at a time: one per assessment (a row
    may hold several), one per failed or unfinished row."""
    query = (select(m.BatchRow).where(m.BatchRow.batch_id == batch_id).order_by(m.BatchRow.row_number).offset(offset)
             .execution_options(yield_per=500))
    if limit is not None:
        query = query.limit(limit)
    for row in session.execute(query).scalars():
        if row.status in ("done", "error") and row.result:
            yield from ({**item, "learner": view.identifier(row.learner), "error": view.text(item.get("error"), row.learner)}
                        for item in row.result)
        else:
            yield {"row": row.row_number, "learner": view.identifier(row.learner), "credential_id": None, "purpose": None,
                   "outcome": None, "summary": None, "credits": None, "alternative_course_id": None,
                   "status": row.status, "error": None, "assessment_id": None}


def _row_values(batch_id: str, row: BatchRow) -> dict[str, Any]:
    """A batch row as stored; a row whose learner cannot be stored fails at once, naming the field."""
    values = {"batch_id": batch_id, "row_number": row.row, "learner": row.learner, "payload": row.payload,
              "status": "pending", "attempts": 0, "finished_at": None, "error": None, "result": None}
    problem = text_problem(row.learner, MAX_ID) if row.learner else None
    if problem:
        failed = RowResult(row.row, None, problems=[Problem("", f"row {row.row}", "learner", problem)])
        values.update(learner=None, payload={}, status="error", finished_at=utcnow(), error=failed.error,
                      result=[{**item, "assessment_id": None} for item in failed.items()])
    return values


def store_row_result(session: Session, batch: m.Batch, row_id: int, token: str, result: RowResult,
                     catalogue_id: int) -> list[dict[str, Any]] | None:
    """The one way a finished batch row is stored: its assessments (each through
    `store_assessment`) and its result lines, only while the worker's claim on it holds.
    Returns the result lines, or None when the claim was lost (the caller rolls back)."""
    items = result.items()
    unstorable = [p for a in result.assessments for p in credential_problems(a.credential, batch.source, f"row {result.row}")]
    if unstorable:  # a text the database must not hold: the row fails, naming the field
        result = RowResult(result.row, result.learner, problems=unstorable)
        items = result.items()
    if result.ok:
        for i, (a, item) in enumerate(zip(result.assessments, items, strict=True)):
            item["assessment_id"] = store_assessment(session, a, created_by=batch.created_by, catalogue_id=catalogue_id,
                                                     batch_id=batch.id, batch_row_id=row_id, batch_item=i).id
    else:
        items[0]["assessment_id"] = None
    updated = session.execute(
        update(m.BatchRow).where(m.BatchRow.id == row_id, m.BatchRow.claim_token == token, m.BatchRow.status == "running")
        .values(status="done" if result.ok else "error", finished_at=utcnow(), error=result.error, result=items))
    return items if updated.rowcount == 1 else None


def new_batch(session: Session, *, rows, source: str, fmt: str, created_by: str, purpose: str | None,
              programme: str | None, as_of: dt.date) -> m.Batch:
    batch = m.Batch(id=new_id(), created_at=utcnow(), created_by=created_by, source=source, format=fmt,
                    total_rows=len(rows), purpose=purpose, programme=programme, as_of=as_of)
    session.add(batch)
    session.flush()
    session.execute(m.BatchRow.__table__.insert(), [_row_values(batch.id, r) for r in rows])
    audit(session, created_by, "batch.created", "batch", batch.id, rows=len(rows), source=source)
    return batch
