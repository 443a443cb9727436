"""Levels in any qualifications framework, mapped to EQF with the mapping's provenance."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from .reference import FrameworkLevel, ReferenceData, default_reference, normalise_level


class Level(BaseModel):
    """A level as written by the issuer, e.g. {framework: VQF, value: 6}.

    The framework and value are checked against `reference_data/level_frameworks.csv`
    when the level is parsed, so an unknown framework is an input error, not a guess.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    framework: str
    value: str
    # How the level was placed: by the provider itself, checked by a quality assurance or
    # accreditation body, or as registered in a national qualifications framework.
    declared_by: Literal["provider", "quality_assurance_body", "qualifications_framework"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: object) -> object:
        if isinstance(data, int):  # a bare number is an EQF level
            return {"framework": "EQF", "value": str(data)}
        if isinstance(data, dict) and "value" in data:
            return {**data, "value": str(data["value"])}
        return data

    @model_validator(mode="after")
    def _known(self) -> "Level":
        ref = default_reference()
        framework, value = self.framework.strip().upper(), normalise_level(self.value)
        if framework not in ref.framework_ids:
            raise ValueError(f"unknown framework {self.framework!r}; known: {', '.join(ref.framework_ids)}")
        if (framework, value) not in ref.frameworks:
            levels = ", ".join(ref.framework_levels(framework))
            raise ValueError(f"{framework} has no level {self.value!r}; its levels are: {levels}")
        object.__setattr__(self, "framework", framework)
        object.__setattr__(self, "value", value)
        return self

    def to_eqf(self, reference: ReferenceData | None = None) -> FrameworkLevel:
        """The EQF level this level maps to, with `provenance` official or assumed and the source."""
        return (reference or default_reference()).frameworks[(self.framework, self.value)]

    def __str__(self) -> str:
        return f"{self.framework} {self.value}"
