"""Completeness: the Annex I elements the purpose needs are there."""

from __future__ import annotations

from pydantic import field_validator

from ..credential import ASK, MANDATORY_ELEMENTS
from ..messages import Message, msg
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


def _named(elements: list[str]) -> list[Message]:
    return [msg(MANDATORY_ELEMENTS[e]) for e in elements]


class Completeness(Rule):
    id = "completeness"
    element = "information"
    Params = CompletenessParams

    def evaluate(self, ctx: Context) -> Finding:
        missing = ctx.credential.missing_elements()
        blocking = [e for e in missing if e in self.params.required]
        evidence = {"missing": missing, "required": self.params.required}
        if blocking:
            return self.finding(Verdict.insufficient_information, msg("missing required element(s): %(elements)s", elements=_named(blocking)), evidence,
                                ask_for=[ASK[e] for e in blocking])
        if missing:
            return self.finding(Verdict.minor_difference, msg("not stated (not needed for this purpose): %(elements)s", elements=_named(missing)), evidence)
        return self.finding(Verdict.meets, msg("every Annex I element is present"), evidence)
