"""Traced arithmetic: every number a finding or a recommendation uses, with the working,
the policy parameters and the rule that produced it (as a tracer would show it)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Step(BaseModel):
    model_config = ConfigDict(frozen=True)

    quantity: str  # what the number is, in plain words
    value: float | list[float]
    working: str  # the arithmetic, written out
    parameters: dict[str, Any] = Field(default_factory=dict)  # the policy or reference values used
    rule: str  # the check or policy clause that made it (with its source)
