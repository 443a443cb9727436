"""Learners' personal data: who may see it, and its removal after the retention period.

Officers, registrars and admins act on a learner's case and see who the learner is;
analysts study outcomes and see a keyed pseudonym (`L-3f9a0c1b2d4e`) instead, in
assessments, batch results and row errors. Logs only ever carry the pseudonym.

`purge(session, before)` removes who the learners were from everything stored before a date
(the learner of each assessment, and each batch row's learner, payload and result names)
and keeps the assessments, decisions and the audit trail: what was recommended and decided
stays defensible on appeal; whom it concerned does not outlive the retention period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from . import models as m
from .audit import audit
from .identity import Pseudonymiser
from .keys import ANALYST

PURGED = "[purged]"


@dataclass(frozen=True)
class LearnerView:
    """What one reader sees of learners."""

    pseudonym: Pseudonymiser
    pseudonymise: bool

    @classmethod
    def of(cls, role: str, pseudonym: Pseudonymiser) -> "LearnerView":
        return cls(pseudonym, role == ANALYST)

    def learner(self, stored: m.AssessmentLearner | None) -> dict[str, Any] | None:
        if stored is None:
            return None
        if self.pseudonymise:
            return {"pseudonym": self.pseudonym(stored.identifier or stored.name)}
        return {"name": stored.name, "identifier": stored.identifier}

    def identifier(self, learner: str | None) -> str | None:
        return self.pseudonym(learner) if self.pseudonymise and learner else learner

    def text(self, text: str | None, *learners: str | None) -> str | None:
        """A message about a row, with the row's learners replaced by their pseudonyms."""
        if text and self.pseudonymise:
            for learner in learners:
                if learner:
                    text = text.replace(learner, self.pseudonym(learner))
        return text


def purge(session: Session, before: dt.datetime, actor: str | None = None) -> dict[str, int]:
    """Remove learner data stored before `before`; returns what was removed. Audited."""
    old = select(m.Assessment.id).where(m.Assessment.created_at < before)
    learners = session.execute(delete(m.AssessmentLearner).where(m.AssessmentLearner.assessment_id.in_(old))).rowcount
    rows = 0
    finished = list(session.execute(select(m.BatchRow.id).where(
        m.BatchRow.finished_at < before, m.BatchRow.status.in_(("done", "error")))).scalars())
    for start in range(0, len(finished), 500):
        chunk = session.execute(select(m.BatchRow).where(m.BatchRow.id.in_(finished[start:start + 500]))).scalars().all()
        for row in chunk:
            if row.learner is None and not row.payload:
                continue  # purged before
            names = [row.learner, *(item.get("learner") for item in row.result or [])]
            result = [{**item, "learner": None, "error": _scrub(item.get("error"), names)} for item in row.result or []]
            session.execute(update(m.BatchRow).where(m.BatchRow.id == row.id)
                            .values(learner=None, payload={}, result=result, error=_scrub(row.error, names)))
            rows += 1
    audit(session, actor, "learner_data.purged", "retention", before.date().isoformat(), assessments=learners,
          batch_rows=rows, before=before.isoformat())
    return {"assessments": learners, "batch_rows": rows}


def _scrub(text: str | None, names: list[str | None]) -> str | None:
    for name in names:
        if text and name:
            text = text.replace(name, PURGED)
    return text
