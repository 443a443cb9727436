"""Workload: the converted ECTS range against the course's credits, and whether the stated
workload is plausible for the time the learning took."""

from __future__ import annotations

from pydantic import Field, field_validator

from ..credential import ASK
from ..messages import msg
from ..trace import Step, by_rule
from ..workload import WorkloadError, fmt_number
from .base import ALTERNATIVE, CONDITIONAL, PARTIAL, Context, Finding, Rule, RuleParams, Verdict, word

FORMS = ("online", "onsite", "blended", "not_stated")


class WorkloadParams(RuleParams):
    tolerance: float = Field(ge=0, lt=1)
    partial_min_share: float = Field(gt=0, le=1)
    # Learner hours a week beyond which a stated workload is implausible, per form of participation.
    max_hours_per_week: dict[str, float] = Field(default_factory=dict)

    @field_validator("max_hours_per_week")
    @classmethod
    def _forms(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(FORMS))
        if unknown:
            raise ValueError(f"unknown form(s) {unknown}; use: {', '.join(FORMS)}")
        if any(v <= 0 for v in value.values()):
            raise ValueError("hours per week must be greater than 0")
        return value


class Workload(Rule):
    id = "workload"
    element = "workload"
    Params = WorkloadParams

    def evaluate(self, ctx: Context) -> Finding:
        workload = ctx.credential.workload
        if workload is None:
            return self.finding(Verdict.insufficient_information, msg("the credential states no workload"), ask_for=[ASK["workload"]])
        try:
            ects = workload.to_ects(ctx.reference)
        except WorkloadError as exc:
            return self.finding(Verdict.insufficient_information, str(exc), ask_for=[ASK["workload"]])
        course = ctx.course.ects
        # The burden of proof is on the assessor: the upper end of the converted range counts.
        share = round(ects.high / course, 4)
        steps = [
            Step(quantity=msg("incoming workload in ECTS"), value=[ects.low, ects.high], working=ects.conversion,
                 parameters={"hours per ECTS credit": "–".join(f"{h:g}" for h in ctx.reference.ects_hours_per_credit)},
                 rule=msg("workload conversion (%(source)s)", source=ects.source)),
            Step(quantity=msg("share of the course's workload"), value=share,
                 working=msg("%(ects)s ECTS (upper end) ÷ %(course)g ECTS = %(share)d%%", ects=fmt_number(ects.high), course=course,
                             share=round(share * 100)),
                 parameters={"tolerance": self.params.tolerance, "partial_min_share": self.params.partial_min_share},
                 rule=by_rule(self.params.label, self.params.reference)),
        ]
        evidence = {"incoming_ects": [ects.low, ects.high], "conversion": ects.conversion, "source": ects.source,
                    "course_ects": course, "share": share, "steps": [s.model_dump() for s in steps]}
        implausible = self._implausible(ctx, ects.low, evidence)
        if implausible is not None:
            return implausible
        compared = msg("%(ects)s ECTS (%(conversion)s) against %(course)g ECTS", ects=str(ects), conversion=ects.conversion,
                       course=course)
        if share >= 1:
            return self.finding(Verdict.meets, compared, evidence)
        if share >= 1 - self.params.tolerance:
            return self.finding(Verdict.minor_difference, msg("%(compared)s: within the %(tolerance)g%% tolerance", compared=compared,
                                                              tolerance=round(self.params.tolerance * 100, 2)), evidence)
        percent = round(share * 100)
        if share >= self.params.partial_min_share:
            return self.finding(Verdict.substantial_difference, msg("%(compared)s: %(share)d%% of the course's workload",
                                                                    compared=compared, share=percent), evidence,
                                remedies=[PARTIAL, ALTERNATIVE, CONDITIONAL],
                                bridge=[msg("about %(ects).1f ECTS of further work on the course's outcomes", ects=course - ects.high)])
        return self.finding(Verdict.substantial_difference, msg("%(compared)s: only %(share)d%% of the course's workload",
                                                                compared=compared, share=percent), evidence, remedies=[ALTERNATIVE])

    def _implausible(self, ctx: Context, low_ects: float, evidence: dict) -> Finding | None:
        """A workload more hours a week than the form of participation allows is asked about."""
        c = ctx.credential
        weeks = c.duration_weeks
        form = c.form_of_participation.value if c.form_of_participation else "not_stated"
        limit = self.params.max_hours_per_week.get(form)
        if weeks is None or limit is None:
            return None
        hours_low = ctx.reference.ects_hours_per_credit[0]
        per_week = round(low_ects * hours_low / weeks, 1)
        evidence["steps"].append(Step(
            quantity=msg("learner hours a week"), value=per_week,
            working=msg("%(ects)s ECTS (lower end) × %(hours)g h ÷ %(weeks)g weeks = %(per_week)g h a week", ects=fmt_number(low_ects),
                        hours=hours_low, weeks=weeks, per_week=per_week),
            parameters={f"max_hours_per_week ({form.replace('_', ' ')})": limit},
            rule=msg("%(check)s: plausibility of the stated workload", check=msg(self.params.label))).model_dump())
        if per_week <= limit:
            return None
        return self.finding(
            Verdict.insufficient_information,
            msg("implausible workload: %(ects)s ECTS in %(weeks)g weeks is at least %(hours)g hours of work a week, more than the "
                "%(limit)g plausible for %(form)s participation", ects=fmt_number(low_ects), weeks=weeks, hours=per_week, limit=limit,
                form=msg("not stated") if form == "not_stated" else word(form)), evidence,
            ask_for=[msg("how the stated workload was earned in %(weeks)g weeks (it would be %(hours)g hours of work a week)",
                         weeks=weeks, hours=per_week)])
