"""From findings to an outcome on the LRC ladder.

Recognise unless a substantial difference is shown. Each substantial difference names the
rungs below `full` that can still answer it (a workload shortfall allows partial
recognition, a missing exam a conditional one, ...); the officer climbs down the ladder
and stops at the first rung that every substantial difference allows. Only when none
fits is the answer `refused`. Missing information the policy requires comes first: it is
asked for, never scored.
"""

from __future__ import annotations

from .rules import Finding, Outcome, Verdict

LADDER = (Outcome.partial, Outcome.alternative, Outcome.conditional)
# Best first; used to compare outcomes (insufficient_information is not on this scale).
ORDER = {o: i for i, o in enumerate((Outcome.full, *LADDER, Outcome.refused))}


def blocking(findings: list[Finding], required: list[str]) -> list[Finding]:
    """Findings whose missing information stops the assessment under this policy."""
    return [
        f for f in findings
        if f.verdict is Verdict.insufficient_information and (f.check == "completeness" or f.required or f.element in required)
    ]


def ladder(findings: list[Finding], required: list[str]) -> Outcome:
    if blocking(findings, required):
        return Outcome.insufficient_information
    substantial = [f for f in findings if f.verdict is Verdict.substantial_difference]
    if not substantial:
        return Outcome.full
    return next((rung for rung in LADDER if all(rung in f.remedies for f in substantial)), Outcome.refused)
