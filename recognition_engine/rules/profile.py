"""Form of participation, recency of the date of issue, and field of education (profile)."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..credential import ASK, FormOfParticipation
from ..messages import msg
from .base import CONDITIONAL, Context, Finding, Rule, RuleParams, Verdict, word


class ParticipationParams(RuleParams):
    online: Verdict


class Participation(Rule):
    id = "participation"
    element = "form_of_participation"
    Params = ParticipationParams

    def evaluate(self, ctx: Context) -> Finding:
        form = ctx.credential.form_of_participation
        if form is None:
            return self.finding(Verdict.insufficient_information, msg("the credential states no form of participation"),
                                ask_for=[ASK["form_of_participation"]])
        verdict = self.params.online if form is FormOfParticipation.online else Verdict.meets
        reason = msg("participation %(form)s", form=word(form.value))
        if verdict is Verdict.substantial_difference:
            return self.finding(verdict, reason, {"form": form.value}, remedies=[CONDITIONAL],
                                bridge=[msg("the practical (onsite) part of the course")])
        return self.finding(verdict, reason, {"form": form.value})


class RecencyParams(RuleParams):
    minor_years: float = Field(gt=0)
    substantial_years: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> "RecencyParams":
        if self.substantial_years < self.minor_years:
            raise ValueError("substantial_years must be at least minor_years")
        return self


class Recency(Rule):
    id = "recency"
    element = "date_of_issue"
    Params = RecencyParams

    def evaluate(self, ctx: Context) -> Finding:
        issued = ctx.credential.date_of_issue
        if issued is None:
            return self.finding(Verdict.insufficient_information, msg("the credential states no date of issue"),
                                ask_for=[ASK["date_of_issue"]])
        if issued > ctx.as_of:
            return self.finding(Verdict.insufficient_information, msg("issued %(issued)s, after the assessment date %(as_of)s",
                                                                      issued=issued.isoformat(), as_of=ctx.as_of.isoformat()),
                                ask_for=[msg("the date the credential was issued: %(issued)s is after the date of this assessment",
                                             issued=issued.isoformat())])
        years = round((ctx.as_of - issued).days / 365.25, 2)
        evidence = {"date_of_issue": issued.isoformat(), "as_of": ctx.as_of.isoformat(), "years": years}
        reason = msg("issued %(issued)s, %(years)g years before %(as_of)s", issued=issued.isoformat(), years=years,
                     as_of=ctx.as_of.isoformat())
        if years > self.params.substantial_years:
            return self.finding(Verdict.substantial_difference, reason, evidence, remedies=[CONDITIONAL],
                                bridge=[msg("an assessment showing the outcomes are still current")])
        if years > self.params.minor_years:
            return self.finding(Verdict.minor_difference, reason, evidence)
        return self.finding(Verdict.meets, reason, evidence)


class FieldParams(RuleParams):
    different_broad_field: Verdict


class FieldOfEducation(Rule):
    id = "field"
    element = "field_of_education"
    Params = FieldParams

    def evaluate(self, ctx: Context) -> Finding:
        incoming, local = ctx.credential.field_of_education, ctx.course.isced_f
        if incoming is None or local is None:
            if incoming is None:
                return self.finding(Verdict.insufficient_information, msg("the credential states no ISCED-F field"),
                                    ask_for=[ASK["field_of_education"]])
            return self.finding(Verdict.insufficient_information,
                                msg("the catalogue entry of %(course)s states no ISCED-F field", course=ctx.course.id))
        names = ctx.reference.isced_f
        evidence = {"incoming": incoming, "incoming_label": names.get(incoming), "course": local, "course_label": names.get(local)}
        fields = dict(incoming=f"{incoming} {names.get(incoming, '')}".strip(), course=f"{local} {names.get(local, '')}".strip())
        if incoming[:3] == local[:3]:
            return self.finding(Verdict.meets, msg("same narrow field: %(incoming)s against %(course)s", **fields), evidence)
        if incoming[:2] == local[:2]:
            return self.finding(Verdict.minor_difference, msg("same broad field, different narrow field: %(incoming)s against "
                                                              "%(course)s", **fields), evidence)
        verdict = self.params.different_broad_field
        reason = msg("different broad field: %(incoming)s against %(course)s", **fields)
        if verdict is Verdict.substantial_difference:
            return self.finding(verdict, reason, evidence, remedies=[CONDITIONAL],
                                bridge=[msg("the course's outcomes specific to its field")])
        return self.finding(verdict, reason, evidence)
