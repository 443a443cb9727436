"""Stacking: several credentials assessed together toward one course.

Each part is judged on its own first (`judge_part`: complete? outcomes shown to be
achieved? a passed result?); only the parts that pass contribute. The stack of those is one
MicroCredential whose outcomes are the union of the parts' outcomes and whose workload is
the sum of their ECTS ranges. Where the parts differ on a trust element (level, quality
assurance, supervision, identity verification, date) the weakest counts, so stacking never
makes a credential look stronger than its weakest contributing part.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .credential import IdentityVerification, MicroCredential, QualityAssuranceType, Supervision
from .errors import InputError, Problem
from .messages import Texts, msg, unique
from .recommend import blocking
from .rules import Finding, Verdict
from .workload import Workload, WorkloadError

# The checks that judge a part on its own, before its outcomes are added to the stack's.
PART_CHECKS = ("completeness", "level", "quality_assurance", "assessment", "result", "recency")
# A substantial difference on one of these means the part's outcomes are not shown to be achieved.
NOT_SHOWN = ("quality_assurance", "assessment", "result")


class StackPart(Texts):
    model_config = ConfigDict(frozen=True)

    credential_id: str
    title: str | None
    findings: list[Finding]
    contributes: bool  # its outcomes and workload count toward the stack
    reason: str
    ask_for: list[str] = Field(default_factory=list)


def judge_part(part: MicroCredential, findings: list[Finding], required: list[str]) -> StackPart:
    """A part contributes unless information the policy requires is missing or its outcomes
    are not shown to be achieved (no assessment, trust signals too weak, a fail, no QA)."""
    missing = blocking(findings, required)
    not_shown = [f for f in findings if f.check in NOT_SHOWN and f.verdict is Verdict.substantial_difference]
    if missing:
        reason = msg("cannot be counted yet: %(reasons)s", reasons=[f.message("reason") for f in missing])
    elif not_shown:
        reason = msg("contributes no outcomes: %(reasons)s", reasons=[f.labelled() for f in not_shown])
    else:
        reason = msg("contributes its outcomes and workload")
    asks = unique([a for f in missing for a in f.message("ask_for")])
    return StackPart(credential_id=part.id, title=part.title, findings=findings, contributes=not (missing or not_shown),
                     reason=reason, ask_for=asks)

_QA_ORDER = [QualityAssuranceType.none, QualityAssuranceType.internal, QualityAssuranceType.accredited_provider, QualityAssuranceType.external]
_SUPERVISION_ORDER = [Supervision.none, Supervision.online_unsupervised, Supervision.online_proctored, Supervision.onsite]
_IDENTITY_ORDER = [IdentityVerification.none, IdentityVerification.self_declared, IdentityVerification.online, IdentityVerification.onsite]


def _same(values: list):
    """The common value, or None when the parts disagree or any is missing."""
    return values[0] if values and all(v == values[0] for v in values) else None


def _weakest(values: list, order: list):
    return None if any(v is None for v in values) else min(values, key=order.index)


def _stack_workload(parts: list[MicroCredential]) -> Workload | None:
    try:
        ranges = [(p.id, p.workload.to_ects()) for p in parts if p.workload is not None]
    except WorkloadError:
        return None
    if len(ranges) < len(parts):
        return None
    low, high = sum(r.low for _, r in ranges), sum(r.high for _, r in ranges)
    text = "stack of " + " + ".join(f"{r} ECTS ({pid})" for pid, r in ranges)
    return Workload(min=round(low, 2), max=round(high, 2), unit="ects", text=text)


def stack(parts: list[MicroCredential]) -> MicroCredential:
    if len(parts) < 2:
        raise InputError([Problem("<stack>", "", "credentials", "stacking needs at least two credentials")])
    learners = {p.learner.identifier for p in parts if p.learner and p.learner.identifier}
    if len(learners) > 1:
        raise InputError([Problem("<stack>", "", "learner", f"the credentials belong to different learners ({len(learners)} identifiers)")])
    levels = [p.level for p in parts]
    lowest = None if any(lv is None for lv in levels) else min(levels, key=lambda lv: lv.to_eqf().eqf_level or 0)
    qas = [p.quality_assurance for p in parts]
    assessments = [p.type_of_assessment for p in parts]
    outcomes, seen = [], set()
    for p in parts:
        for lo in p.learning_outcomes:
            if lo.text not in seen:
                seen.add(lo.text)
                outcomes.append(lo)
    dates = [p.date_of_issue for p in parts]
    return MicroCredential(
        id="+".join(p.id for p in parts),
        learner=next((p.learner for p in parts if p.learner), None),
        title=" + ".join(p.title or p.id for p in parts),
        country=_same([p.country for p in parts]),
        awarding_body=" + ".join(p.awarding_body for p in parts) if all(p.awarding_body for p in parts) else None,
        date_of_issue=None if None in dates else min(dates),
        learning_outcomes=outcomes,
        workload=_stack_workload(parts),
        level=lowest,
        type_of_assessment=None if None in assessments else "; ".join(dict.fromkeys(assessments)),
        form_of_participation=_same([p.form_of_participation for p in parts]) or ("blended" if all(p.form_of_participation for p in parts) else None),
        quality_assurance=None if None in qas else min(qas, key=lambda q: _QA_ORDER.index(q.type)),
        supervision=_weakest([p.supervision for p in parts], _SUPERVISION_ORDER),
        identity_verification=_weakest([p.identity_verification for p in parts], _IDENTITY_ORDER),
        language=next((p.language for p in parts if p.language not in (None, "en")), parts[0].language),
        field_of_education=_same([p.field_of_education for p in parts]),
    )
