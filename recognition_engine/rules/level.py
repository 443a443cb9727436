"""Level: compared through the EQF, saying when a mapping is only assumed."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..credential import ASK
from .base import CONDITIONAL, Context, Finding, Rule, RuleParams, Verdict


class LevelParams(RuleParams):
    minor_levels_below: int = Field(ge=0, le=7)
    bridgeable_levels_below: int = Field(ge=0, le=7)

    @model_validator(mode="after")
    def _ordered(self) -> "LevelParams":
        if self.bridgeable_levels_below < self.minor_levels_below:
            raise ValueError("bridgeable_levels_below must be at least minor_levels_below")
        return self


class Level(Rule):
    id = "level"
    element = "level"
    Params = LevelParams

    def evaluate(self, ctx: Context) -> Finding:
        level = ctx.credential.level
        if level is None:
            return self.finding(Verdict.insufficient_information, "the credential states no level",
                                ask_for=[ASK["level"]])
        if ctx.course_level is None or ctx.course_level.eqf_level is None:
            # The institution's own data is missing, not the applicant's: not assessed, never blocking.
            return self.finding(Verdict.insufficient_information,
                                f"not compared: the catalogue gives no EQF level for {ctx.course.id} or its programme (fix the catalogue)",
                                element="catalogue")
        incoming = level.to_eqf(ctx.reference)
        named = str(level).replace("_", " ")  # "QF-EHEA second cycle", as a reader writes it
        evidence = {
            "incoming": named, "incoming_eqf": incoming.eqf_level, "mapping": incoming.provenance,
            "mapping_source": incoming.source, "course_eqf": ctx.course_level.eqf_level,
        }
        if incoming.eqf_level is None:
            return self.finding(Verdict.substantial_difference, f"{named} is below EQF level 1 ({incoming.source})", evidence)
        below = ctx.course_level.eqf_level - incoming.eqf_level
        via = f"{named} = EQF {incoming.eqf_level} ({incoming.provenance} mapping)" if level.framework != "EQF" else f"EQF {incoming.eqf_level}"
        if below <= 0:
            return self.finding(Verdict.meets, f"{via}, course at EQF {ctx.course_level.eqf_level}", evidence)
        if below <= self.params.minor_levels_below:
            return self.finding(Verdict.minor_difference, f"{via} is {below} level(s) below the course (tolerated)", evidence)
        reason = f"{via} is {below} level(s) below the course at EQF {ctx.course_level.eqf_level}"
        if incoming.provenance == "assumed":
            reason += "; the mapping is assumed, so check the credential's level with its issuer"
        if below <= self.params.bridgeable_levels_below:
            return self.finding(Verdict.substantial_difference, reason, evidence, remedies=[CONDITIONAL],
                                bridge=[f"an assessment at EQF level {ctx.course_level.eqf_level} of the course's outcomes"])
        return self.finding(Verdict.substantial_difference, reason, evidence)
