"""Passed learning only, and the requirements an institution sets per course (a laboratory or
practical component, a minimum grade, contact hours)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..credential import ASK
from ..messages import Message, N_, msg
from .base import CONDITIONAL, Context, Finding, Rule, RuleParams, Verdict
from .phrases import Phrase, check_meanings, read

NOT_ACHIEVED = ("failed", "withdrawn", "incomplete")


class ResultParams(RuleParams):
    # How a result written in free text is read (any partner language); a result no pattern
    # finds is taken as the issuer's pass mark, since a micro-credential is issued on completion.
    evidence: list[Phrase] = Field(min_length=1)

    @model_validator(mode="after")
    def _meanings(self) -> "ResultParams":
        check_meanings(self.evidence, NOT_ACHIEVED)
        return self


class Result(Rule):
    """Only learning achieved is recognised: a fail, a withdrawal or an incomplete is not."""

    id = "result"
    element = "grade"
    Params = ResultParams

    def evaluate(self, ctx: Context) -> Finding:
        grade = ctx.credential.grade
        if grade is None:
            return self.finding(Verdict.meets, msg("no result stated: the credential is issued on completion"))
        reading = read(grade, self.params.evidence)
        if reading is None:
            return self.finding(Verdict.meets, msg("result \u201c%(grade)s\u201d", grade=grade), {"grade": grade, "read_as": None})
        meaning = {"failed": N_("a fail"), "withdrawn": N_("a withdrawal"), "incomplete": N_("not completed")}[reading.reads_as]
        return self.finding(Verdict.substantial_difference,
                            msg("the result \u201c%(grade)s\u201d (\u201c%(phrase)s\u201d) is %(meaning)s: learning not achieved is not "
                                "recognised", grade=grade, phrase=reading.phrase, meaning=msg(meaning)),
                            {"grade": grade, **reading.evidence()})


class Grade(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(ge=0)
    out_of: float = Field(gt=0)


class CourseRequirement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    practical_component: bool = False
    min_grade: Grade | None = None
    contact_hours: float | None = Field(None, gt=0)


class RequirementParams(RuleParams):
    courses: dict[str, CourseRequirement] = Field(default_factory=dict)
    # Words that show a laboratory or practical component (in the title, outcomes or assessment).
    practical_evidence: list[Phrase] = Field(min_length=1)

    @model_validator(mode="after")
    def _meanings(self) -> "RequirementParams":
        check_meanings(self.practical_evidence, ("practical",))
        return self


_FRACTION = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:/|out of|of|su|z|sur|trên)\s*(\d+(?:[.,]\d+)?)", re.I)


def grade_share(grade: str | None) -> float | None:
    """A grade written as a fraction of its scale ("8/10", "27 su 30", "4 out of 5") as a share."""
    m = _FRACTION.search(grade or "")
    if not m:
        return None
    value, scale = (float(x.replace(",", ".")) for x in m.groups())
    return value / scale if scale else None


class Requirements(Rule):
    id = "requirements"
    element = "course_requirements"
    Params = RequirementParams

    def evaluate(self, ctx: Context) -> Finding:
        req = self.params.courses.get(ctx.course.id)
        if req is None:
            return self.finding(Verdict.meets, msg("the policy sets no requirement for %(course)s beyond its outcomes",
                                                   course=ctx.course.id))
        c = ctx.credential
        parts: list[tuple[Verdict, Message]] = []
        evidence: dict = {"requirements": req.model_dump(exclude_none=True)}
        bridge, ask = [], []
        unbridgeable = False  # a grade below the minimum: no bridging module changes a grade
        if req.practical_component:
            text = " | ".join(x for x in (c.title, c.type_of_assessment, *c.outcome_texts) if x)
            reading = read(text, self.params.practical_evidence)
            evidence["practical"] = reading.evidence() if reading else None
            if reading:
                parts.append((Verdict.meets, msg("practical component shown (\u201c%(phrase)s\u201d)", phrase=reading.phrase)))
            else:
                parts.append((Verdict.substantial_difference,
                              msg("the course requires a laboratory or practical component; the credential shows none")))
                bridge.append(msg("the course's laboratory or practical component (or evidence that the credential included one)"))
        if req.min_grade is not None:
            share, needed = grade_share(c.grade), req.min_grade.value / req.min_grade.out_of
            evidence["grade_share"] = share
            wanted = msg("at least %(value)g/%(out_of)g", value=req.min_grade.value, out_of=req.min_grade.out_of)
            if share is None:
                parts.append((Verdict.insufficient_information,
                              msg("minimum grade %(wanted)s: the grade %(grade)s cannot be compared", wanted=wanted, grade=repr(c.grade))
                              if c.grade else msg("minimum grade %(wanted)s: no grade stated", wanted=wanted)))
                ask.append(ASK["grade"])
            elif share + 1e-9 >= needed:
                parts.append((Verdict.meets, msg("grade %(grade)s meets the minimum of %(wanted)s", grade=c.grade, wanted=wanted)))
            else:
                parts.append((Verdict.substantial_difference, msg("grade %(grade)s is below the minimum of %(wanted)s this course requires",
                                                                  grade=c.grade, wanted=wanted)))
                unbridgeable = True
        if req.contact_hours is not None:
            if c.contact_hours is None:
                parts.append((Verdict.insufficient_information, msg("%(required)g contact hours required; the credential states none",
                                                                    required=req.contact_hours)))
                ask.append(ASK["contact_hours"])
            else:
                hours = msg("%(hours)g contact hours, %(required)g required", hours=c.contact_hours, required=req.contact_hours)
                if c.contact_hours >= req.contact_hours:
                    parts.append((Verdict.meets, hours))
                else:
                    parts.append((Verdict.substantial_difference, hours))
                    bridge.append(msg("%(hours)g further contact hours (attending the course's sessions)",
                                      hours=req.contact_hours - c.contact_hours))
        order = [Verdict.substantial_difference, Verdict.insufficient_information, Verdict.minor_difference, Verdict.meets]
        verdict = min((v for v, _ in parts), key=order.index, default=Verdict.meets)
        reason = msg("%(parts)s", parts=[text for _, text in parts])
        if verdict is Verdict.substantial_difference:
            return self.finding(verdict, reason, evidence, remedies=[] if unbridgeable else [CONDITIONAL], bridge=bridge)
        return self.finding(verdict, reason, evidence, ask_for=ask, required=verdict is Verdict.insufficient_information)
