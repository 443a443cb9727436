"""Officers' recorded decisions as training data for `recognise calibrate`.

The shipped calibration was fitted on the project's sample data; an institution retrains it
on its own practice. The service keeps every decision (append-only), and the latest decision
on an assessment is the institution's answer. Each answer reads as labels for
(credential, course) pairs:

- `full` or `partial`: equivalent to the course recognised;
- `alternative`: not equivalent to the course assessed for, equivalent to the course
  recognised instead (when the officer names one);
- `conditional` or `refused`: not (yet) equivalent to the course assessed for;
- `insufficient_information`: no label.

Credentials are exported once per fingerprint (awarding body, title, outcomes), without the
learner: calibration needs what was studied, not who studied it. When several answers label
the same pair, the latest wins.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import models as m

COLUMNS = ["credential", "course_id", "decision", "officer_outcome", "assessment_id", "decided_at"]


def decision_labels(outcome: str, course_id: str | None, purpose: str | None) -> list[tuple[str, bool]]:
    """(course id, equivalent) pairs that one decision says."""
    if outcome in ("full", "partial"):
        return [(course_id or purpose, True)] if (course_id or purpose) else []
    if outcome == "alternative":
        labels = [(purpose, False)] if purpose else []
        return labels + ([(course_id, True)] if course_id and course_id != purpose else [])
    if outcome in ("conditional", "refused"):
        return [(purpose or course_id, False)] if (purpose or course_id) else []
    return []


@dataclass(frozen=True)
class TrainingExport:
    decisions: Path
    credentials: Path
    rows: int
    positive: int
    credential_count: int
    assessments: int


def export_training_data(session: Session, out: Path) -> TrainingExport:
    """Write `out/decisions.csv` and `out/credentials/*.json` from the latest decision on each assessment."""
    latest = (select(m.Decision.assessment_id, func.max(m.Decision.seq).label("seq"))
              .group_by(m.Decision.assessment_id).subquery())
    query = (select(m.Decision, m.Assessment)
             .join(latest, (m.Decision.assessment_id == latest.c.assessment_id) & (m.Decision.seq == latest.c.seq))
             .join(m.Assessment, m.Assessment.id == m.Decision.assessment_id)
             .order_by(m.Decision.decided_at, m.Decision.id))
    labels: dict[tuple[str, str], dict[str, str]] = {}
    credentials: dict[str, dict] = {}
    assessments = 0
    for decision, assessment in session.execute(query).all():
        assessments += 1
        cid = f"fp-{assessment.fingerprint[:16]}"
        credential = {k: v for k, v in assessment.data["credential"].items() if k != "learner"}
        credentials[cid] = {**credential, "id": cid}
        for course_id, equivalent in decision_labels(decision.outcome, decision.course_id, assessment.purpose_course_id):
            labels[(cid, course_id)] = {  # in decision order, so a later answer replaces an earlier one
                "credential": cid, "course_id": course_id, "decision": "equivalent" if equivalent else "not_equivalent",
                "officer_outcome": decision.outcome, "assessment_id": assessment.id,
                "decided_at": decision.decided_at.isoformat(),
            }
    folder = out / "credentials"
    folder.mkdir(parents=True, exist_ok=True)
    for cid, credential in credentials.items():
        (folder / f"{cid}.json").write_text(json.dumps(credential, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    path = out / "decisions.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(sorted(labels.values(), key=lambda r: (r["credential"], r["course_id"])))
    return TrainingExport(path, folder, len(labels), sum(r["decision"] == "equivalent" for r in labels.values()),
                          len(credentials), assessments)
