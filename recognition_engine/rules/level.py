"""Level: compared through the EQF, saying when a mapping is only assumed."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..credential import ASK
from ..messages import N_, msg
from .base import CONDITIONAL, Context, Finding, Rule, RuleParams, Verdict


PROVENANCE = {"official": N_("official"), "assumed": N_("assumed")}  # of a level's mapping to the EQF


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
            return self.finding(Verdict.insufficient_information, msg("the credential states no level"),
                                ask_for=[ASK["level"]])
        if ctx.course_level is None or ctx.course_level.eqf_level is None:
            # The institution's own data is missing, not the applicant's: not assessed, never blocking.
            return self.finding(Verdict.insufficient_information,
                                msg("not compared: the catalogue gives no EQF level for %(course)s or its programme (fix the catalogue)", course=ctx.course.id),
                                element="catalogue")
        incoming = level.to_eqf(ctx.reference)
        named = str(level).replace("_", " ")  # "QF-EHEA second cycle", as a reader writes it
        evidence = {
            "incoming": named, "incoming_eqf": incoming.eqf_level, "mapping": incoming.provenance,
            "mapping_source": incoming.source, "course_eqf": ctx.course_level.eqf_level,
        }
        if incoming.eqf_level is None:
            return self.finding(Verdict.substantial_difference, msg("%(level)s is below EQF level 1 (%(source)s)", level=named,
                                                                    source=incoming.source), evidence)
        below = ctx.course_level.eqf_level - incoming.eqf_level
        course = ctx.course_level.eqf_level
        via = (msg("%(level)s = EQF %(eqf)d (%(mapping)s mapping)", level=named, eqf=incoming.eqf_level,
                   mapping=msg(PROVENANCE[incoming.provenance])) if level.framework != "EQF" else msg("EQF %(eqf)d", eqf=incoming.eqf_level))
        if below <= 0:
            return self.finding(Verdict.meets, msg("%(level)s, course at EQF %(course)d", level=via, course=course), evidence)
        if below <= self.params.minor_levels_below:
            return self.finding(Verdict.minor_difference, msg("%(level)s is %(below)d level(s) below the course (tolerated)",
                                                              level=via, below=below), evidence)
        reason = msg("%(level)s is %(below)d level(s) below the course at EQF %(course)d", level=via, below=below, course=course)
        if incoming.provenance == "assumed":
            reason = msg("%(reason)s; the mapping is assumed, so check the credential's level with its issuer", reason=reason)
        if below <= self.params.bridgeable_levels_below:
            return self.finding(Verdict.substantial_difference, reason, evidence, remedies=[CONDITIONAL],
                                bridge=[msg("an assessment at EQF level %(course)d of the course's outcomes", course=course)])
        return self.finding(Verdict.substantial_difference, reason, evidence)
