"""Traced arithmetic: every number a finding or a recommendation uses, with the working,
the policy parameters and the rule that produced it (as a tracer would show it)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from .messages import Message, Texts, msg


class Step(Texts):
    """One number; quantity, working and rule are given as messages (recognition_engine.messages)."""

    model_config = ConfigDict(frozen=True)

    quantity: str  # what the number is, in plain words
    value: float | list[float]
    working: str  # the arithmetic, written out
    parameters: dict[str, Any] = Field(default_factory=dict)  # the policy or reference values used
    rule: str  # the check or policy clause that made it (with its source)


def by_rule(label: str, reference: str) -> Message:
    """A step's rule: a check's label and its reference."""
    return msg("%(check)s (%(reference)s)", check=msg(label), reference=reference)
