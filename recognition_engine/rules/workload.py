"""Workload: the converted ECTS range against the course's credits."""

from __future__ import annotations

from pydantic import Field

from ..workload import WorkloadError
from .base import ALTERNATIVE, CONDITIONAL, PARTIAL, Context, Finding, Rule, RuleParams, Verdict


class WorkloadParams(RuleParams):
    tolerance: float = Field(ge=0, lt=1)
    partial_min_share: float = Field(gt=0, le=1)


class Workload(Rule):
    id = "workload"
    element = "workload"
    Params = WorkloadParams

    def evaluate(self, ctx: Context) -> Finding:
        workload = ctx.credential.workload
        if workload is None:
            return self.finding(Verdict.insufficient_information, "the credential states no workload",
                                ask_for=["workload: the notional workload, in ECTS or hours of learner work"])
        try:
            ects = workload.to_ects(ctx.reference)
        except WorkloadError as exc:
            return self.finding(Verdict.insufficient_information, str(exc),
                                ask_for=["workload: a figure in credits (with the credit system) or hours of learner work"])
        course = ctx.course.ects
        # The burden of proof is on the assessor: the upper end of the converted range counts.
        share = round(ects.high / course, 4)
        evidence = {"incoming_ects": [ects.low, ects.high], "conversion": ects.conversion, "source": ects.source,
                    "course_ects": course, "share": share}
        compared = f"{ects} ECTS ({ects.conversion}) against {course:g} ECTS"
        if share >= 1:
            return self.finding(Verdict.meets, compared, evidence)
        if share >= 1 - self.params.tolerance:
            return self.finding(Verdict.minor_difference, f"{compared}: within the {self.params.tolerance:.0%} tolerance", evidence)
        if share >= self.params.partial_min_share:
            return self.finding(Verdict.substantial_difference, f"{compared}: {share:.0%} of the course's workload", evidence,
                                remedies=[PARTIAL, ALTERNATIVE, CONDITIONAL],
                                bridge=[f"about {course - ects.high:.1f} ECTS of further work on the course's outcomes"])
        return self.finding(Verdict.substantial_difference, f"{compared}: only {share:.0%} of the course's workload", evidence,
                            remedies=[ALTERNATIVE])
