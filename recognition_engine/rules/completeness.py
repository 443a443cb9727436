"""Completeness: the Annex I elements the purpose needs are there."""

from __future__ import annotations

from pydantic import field_validator

from ..credential import MANDATORY_ELEMENTS
from .base import Context, Finding, Rule, RuleParams, Verdict


class CompletenessParams(RuleParams):
    required: list[str]

    @field_validator("required")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [e for e in value if e not in MANDATORY_ELEMENTS]
        if unknown:
            raise ValueError(f"unknown element(s) {unknown}; known: {', '.join(MANDATORY_ELEMENTS)}")
        return value


class Completeness(Rule):
    id = "completeness"
    element = "information"
    Params = CompletenessParams

    def evaluate(self, ctx: Context) -> Finding:
        missing = ctx.credential.missing_elements()
        blocking = [e for e in missing if e in self.params.required]
        evidence = {"missing": missing, "required": self.params.required}
        if blocking:
            labels = [MANDATORY_ELEMENTS[e] for e in blocking]
            return self.finding(
                Verdict.insufficient_information,
                f"missing required element(s): {', '.join(blocking)}", evidence,
                ask_for=[f"{e}: {label}" for e, label in zip(blocking, labels)],
            )
        if missing:
            return self.finding(Verdict.minor_difference, f"not stated (not needed for this purpose): {', '.join(missing)}", evidence)
        return self.finding(Verdict.meets, "every Annex I element is present", evidence)
