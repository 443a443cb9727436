"""Learning outcomes: coverage of the course's essential outcomes, and their cognitive depth."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..bloom import classify
from ..credential import ASK
from ..messages import msg
from ..trace import Step, by_rule
from .base import ALTERNATIVE, CONDITIONAL, PARTIAL, Context, Finding, Outcome, Rule, RuleParams, Verdict


class OutcomeParams(RuleParams):
    full: float = Field(gt=0, le=1)
    minor: float = Field(gt=0, le=1)
    partial_min: float = Field(gt=0, le=1)
    max_bridgeable_outcomes: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> "OutcomeParams":
        if not self.partial_min <= self.minor <= self.full:
            raise ValueError(f"need partial_min <= minor <= full, got {self.partial_min}, {self.minor}, {self.full}")
        return self


class LearningOutcomes(Rule):
    """Comparison is one-directional: only the course's essential outcomes must be covered."""

    id = "learning_outcomes"
    element = "learning_outcomes"
    Params = OutcomeParams

    def evaluate(self, ctx: Context) -> Finding:
        if not ctx.credential.learning_outcomes:
            return self.finding(Verdict.insufficient_information, msg("the credential states no learning outcomes"),
                                ask_for=[ASK["learning_outcomes"]])
        essential = [m for m in ctx.candidate.matches if m.essential]
        covered = [m for m in essential if m.covered]
        # An outcome "to confirm" (when the matcher gives zones) is shown to the officer, never
        # on its own the ground of a substantial difference: the burden of proof is ours.
        to_confirm = [m.local_outcome for m in essential if not m.covered and to_be_confirmed(m)]
        missing = [m.local_outcome for m in essential if not m.covered and not to_be_confirmed(m)]
        share = round(1 - len(missing) / len(essential), 4) if essential else 1.0
        evidence = {
            "threshold": ctx.threshold, "covered_share": share,
            "pairs": [{"local": m.local_outcome, "incoming": m.incoming_outcome, "similarity": m.similarity,
                       "probability": m.probability, "zone": m.zone, "essential": m.essential, "covered": m.covered}
                      for m in ctx.candidate.matches],
            "covered": [m.local_outcome for m in covered], "to_confirm": to_confirm, "missing": missing,
            "steps": [Step(quantity=msg("share of the essential outcomes not missing"), value=share,
                           working=msg("(%(essential)d essential - %(missing)d not covered) ÷ %(essential)d = %(share)d%%",
                                       essential=len(essential), missing=len(missing), share=round(share * 100)),
                           parameters={"probability at which a pair counts as covered (fitted per model)": ctx.threshold, "full": self.params.full,
                                       "minor": self.params.minor, "partial_min": self.params.partial_min},
                           rule=by_rule(self.params.label, self.params.reference)).model_dump()] if essential else [],
        }
        languages = (ctx.credential.language or "en", ctx.course.language)
        counted = msg("%(covered)d of %(essential)d essential outcomes covered (probability of covering >= %(threshold)g)",
                      covered=len(covered), essential=len(essential), threshold=ctx.threshold)
        if languages[0] != languages[1]:
            counted = msg("%(covered)d of %(essential)d essential outcomes covered (probability of covering >= %(threshold)g, "
                          "comparing %(incoming)s with %(course)s)", covered=len(covered), essential=len(essential),
                          threshold=ctx.threshold, incoming=languages[0], course=languages[1])
        if to_confirm:
            counted = msg("%(counted)s; %(n)d to confirm by the officer: %(outcomes)s", counted=counted, n=len(to_confirm),
                          outcomes=clauses(to_confirm))
        if share >= self.params.full:
            return self.finding(Verdict.meets, counted, evidence)
        not_covered = msg("%(counted)s; not covered: %(outcomes)s", counted=counted, outcomes=clauses(missing))
        if share >= self.params.minor:
            return self.finding(Verdict.minor_difference, not_covered, evidence)
        bridgeable = len(missing) <= self.params.max_bridgeable_outcomes
        if share >= self.params.partial_min:
            remedies = [PARTIAL, ALTERNATIVE, CONDITIONAL] if bridgeable else [PARTIAL, ALTERNATIVE]
        else:
            remedies = [ALTERNATIVE]
        return self.finding(Verdict.substantial_difference, not_covered, evidence, remedies=remedies,
                            bridge=[msg("the outcome: %(outcome)s", outcome=m) for m in clauses(missing)] if bridgeable else [])


def clause(outcome: str) -> str:
    """An outcome statement as it reads inside a sentence (a list, a condition): without its
    own full stop, so that a reason or a summary does not end in two."""
    return outcome.rstrip(" .") or outcome


def clauses(outcomes: list[str]) -> list[str]:
    return [clause(o) for o in outcomes]


def to_be_confirmed(match) -> bool:
    """True for an outcome pair the matcher puts in the "to confirm" zone (when it gives zones)."""
    return getattr(match, "zone", None) == "to_confirm"


class DepthParams(RuleParams):
    # Share of the compared outcomes met only at a lower Bloom level above which depth is a
    # substantial difference; None = never.
    substantial_share: float | None = Field(default=None, ge=0, le=1)
    # ... and only for courses at this EQF level or above: below it a depth gap stays minor
    # (a master course asks for analysis and evaluation; a first-year course often does not).
    substantial_from_eqf: int = Field(default=7, ge=1, le=8)
    # The rungs that can answer a substantial depth gap (default: an assessment at the right level).
    substantial_remedies: list[Outcome] = Field(default_factory=lambda: [CONDITIONAL])


class CognitiveDepth(Rule):
    """A covered essential outcome is flagged when no incoming outcome covering it reaches its
    Bloom level. Outcomes whose level cannot be read are not flagged: unknown is not lower."""

    id = "cognitive_depth"
    element = "learning_outcomes"
    Params = DepthParams

    def evaluate(self, ctx: Context) -> Finding:
        incoming_levels = [classify(t, ctx.reference) for t in ctx.credential.outcome_texts]
        flags, compared = [], 0
        for j, lo in enumerate(ctx.course.learning_outcomes):
            local = classify(lo.text, ctx.reference) if lo.essential else None
            coverers = [i for i in range(len(incoming_levels)) if ctx.similarities[i, j] >= ctx.threshold]
            if local is None or not coverers:
                continue
            compared += 1
            levels = [incoming_levels[i] for i in coverers]
            if any(lv is None or lv.level >= local.level for lv in levels):
                continue
            best = max((lv for lv in levels if lv is not None), key=lambda lv: lv.level)
            flags.append({"local": lo.text, "local_level": local.name, "local_verb": local.verb,
                          "incoming_level": best.name, "incoming_verb": best.verb})
        share = round(len(flags) / compared, 4) if compared else 0.0
        eqf = ctx.course_level.eqf_level if ctx.course_level else None
        evidence = {"compared": compared, "flagged": flags, "flagged_share": share, "course_eqf": eqf}
        if not flags:
            return self.finding(Verdict.meets, msg("no covered outcome is met at a lower cognitive level (%(compared)d compared)",
                                                   compared=compared), evidence)
        listed = [msg("%(outcome)s (%(level)s, met at %(met)s)", outcome=clause(f["local"]), level=msg(f["local_level"]),
                      met=msg(f["incoming_level"])) for f in flags]
        counted = dict(flagged=len(flags), compared=compared, outcomes=listed)
        limit, from_eqf = self.params.substantial_share, self.params.substantial_from_eqf
        if limit is not None and share > limit and eqf is not None and eqf >= from_eqf:
            return self.finding(Verdict.substantial_difference,
                                msg("%(flagged)d of %(compared)d covered outcomes met only at a lower cognitive level, more than "
                                    "%(limit)g%% at a course at EQF %(eqf)d: %(outcomes)s", limit=limit * 100, eqf=eqf, **counted),
                                evidence, remedies=list(self.params.substantial_remedies),
                                bridge=[msg("an assessment at the %(level)s level of: %(outcome)s", level=msg(f["local_level"]),
                                            outcome=clause(f["local"])) for f in flags])
        if limit is not None and share > limit:
            return self.finding(Verdict.minor_difference, msg(
                "%(flagged)d of %(compared)d covered outcomes met only at a lower cognitive level (a depth gap is substantial "
                "only from EQF %(eqf)d): %(outcomes)s", eqf=from_eqf, **counted), evidence)
        return self.finding(Verdict.minor_difference, msg(
            "%(flagged)d of %(compared)d covered outcomes met only at a lower cognitive level: %(outcomes)s", **counted), evidence)
