"""Persistence: assessments, append-only decisions, the audit trail, precedents, batches.

Routes and the worker call these; nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recognition_engine.assessment import Assessment as EngineAssessment
from recognition_engine.rules import Outcome

from . import models as m
from .identity import fingerprint
from .models import aware, utcnow


def new_id() -> str:
    return str(uuid.uuid4())


def audit(session: Session, actor: str | None, action: str, subject_type: str, subject_id: str, **details: Any) -> None:
    session.add(m.AuditEvent(at=utcnow(), actor=actor, action=action, subject_type=subject_type,
                             subject_id=subject_id, details=details))


def assessment_record(a: EngineAssessment, *, created_by: str | None, catalogue_id: int | None,
                      batch_id: str | None = None, batch_row_id: int | None = None, batch_item: int | None = None,
                      record_id: str | None = None) -> m.Assessment:
    return m.Assessment(
        id=record_id or new_id(), created_at=utcnow(), created_by=created_by, credential_id=a.credential.id,
        fingerprint=fingerprint(a.credential), purpose_course_id=a.purpose.course_id if a.purpose else None,
        outcome=a.outcome.value, as_of=a.as_of, catalogue_id=catalogue_id, model=a.versions.model,
        policy_digest=a.versions.policy_digest, data=a.model_dump(mode="json"), batch_id=batch_id,
        batch_row_id=batch_row_id, batch_item=batch_item,
    )


def store_assessment(session: Session, a: EngineAssessment, *, created_by: str | None, catalogue_id: int | None) -> m.Assessment:
    record = assessment_record(a, created_by=created_by, catalogue_id=catalogue_id)
    session.add(record)
    audit(session, created_by, "assessment.created", "assessment", record.id, outcome=record.outcome,
          purpose=record.purpose_course_id, credential_id=record.credential_id)
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
    """The (local, incoming) outcome pairs of a stored assessment's learning-outcome finding."""
    finding = next((f for f in data.get("findings", []) if f.get("check") == "learning_outcomes"), None)
    return list((finding or {}).get("evidence", {}).get("pairs") or [])


def pair_zone(pair: dict[str, Any]) -> str:
    """covered | to_confirm | not_covered: the engine's zone when it gives one, else from `covered`."""
    return pair.get("zone") or ("covered" if pair.get("covered") else "not_covered")


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
                  "similarity": p["similarity"], "zone": pair_zone(p)}
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


def assessment_summary(record: m.Assessment) -> dict[str, Any]:
    data = record.data
    return {
        "id": record.id, "created_at": aware(record.created_at), "credential_id": record.credential_id,
        "title": data.get("credential", {}).get("title"), "awarding_body": data.get("credential", {}).get("awarding_body"),
        "purpose": record.purpose_course_id, "outcome": record.outcome,
        "summary": data.get("recommendation", {}).get("summary"), "as_of": record.as_of, "batch_id": record.batch_id,
        "fingerprint": record.fingerprint,
    }


def assessment_view(session: Session, record: m.Assessment) -> dict[str, Any]:
    latest = latest_decision(session, record.id)
    return {
        **assessment_summary(record),
        "created_by": record.created_by, "catalogue_id": record.catalogue_id, "model": record.model,
        "policy_digest": record.policy_digest,
        "recommendation": record.data.get("recommendation"),
        "assessment": record.data,
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

def batch_counts(session: Session, batch_id: str) -> dict[str, int]:
    rows = session.execute(select(m.BatchRow.status, func.count()).where(m.BatchRow.batch_id == batch_id)
                           .group_by(m.BatchRow.status)).all()
    counts = {"pending": 0, "running": 0, "done": 0, "error": 0}
    counts.update({status: n for status, n in rows})
    return counts


def batch_view(session: Session, batch: m.Batch, errors_limit: int = 100) -> dict[str, Any]:
    counts = batch_counts(session, batch.id)
    finished = counts["done"] + counts["error"]
    status = ("done" if finished == batch.total_rows else "queued" if finished == 0 and counts["running"] == 0 else "running")
    finished_at = None
    if status == "done":
        finished_at = aware(session.execute(select(func.max(m.BatchRow.finished_at))
                                            .where(m.BatchRow.batch_id == batch.id)).scalar())
    errors = session.execute(select(m.BatchRow.row_number, m.BatchRow.error)
                             .where(m.BatchRow.batch_id == batch.id, m.BatchRow.status == "error")
                             .order_by(m.BatchRow.row_number).limit(errors_limit)).all()
    return {
        "id": batch.id, "status": status, "source": batch.source, "format": batch.format,
        "created_at": aware(batch.created_at), "finished_at": finished_at, "as_of": batch.as_of,
        "purpose": batch.purpose, "programme": batch.programme,
        "total": batch.total_rows, **counts, "progress": round(finished / batch.total_rows, 4) if batch.total_rows else 1.0,
        "errors": [{"row": r, "reason": e} for r, e in errors], "errors_total": counts["error"],
        "links": {"self": f"/batches/{batch.id}", "results": f"/batches/{batch.id}/results"},
    }


def batch_items(session: Session, batch_id: str, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    """The results file's lines: one per assessment (a row may hold several), one per failed or unfinished row."""
    query = (select(m.BatchRow).where(m.BatchRow.batch_id == batch_id).order_by(m.BatchRow.row_number).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    out = []
    for row in session.execute(query).scalars():
        if row.status in ("done", "error") and row.result:
            out += [{**item, "learner": row.learner} for item in row.result]
        else:
            out.append({"row": row.row_number, "learner": row.learner, "credential_id": None, "purpose": None,
                        "outcome": None, "summary": None, "credits": None, "alternative_course_id": None,
                        "status": row.status, "error": None, "assessment_id": None})
    return out


def new_batch(session: Session, *, rows, source: str, fmt: str, created_by: str, purpose: str | None,
              programme: str | None, as_of: dt.date) -> m.Batch:
    batch = m.Batch(id=new_id(), created_at=utcnow(), created_by=created_by, source=source, format=fmt,
                    total_rows=len(rows), purpose=purpose, programme=programme, as_of=as_of)
    session.add(batch)
    session.flush()
    session.execute(m.BatchRow.__table__.insert(), [
        {"batch_id": batch.id, "row_number": r.row, "learner": r.learner, "payload": r.payload, "status": "pending",
         "attempts": 0} for r in rows
    ])
    audit(session, created_by, "batch.created", "batch", batch.id, rows=len(rows), source=source)
    return batch
