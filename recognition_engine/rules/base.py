"""What every check shares: verdicts, findings, the context a check reads, the Rule base."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..catalogue import Course
from ..credential import MicroCredential
from ..matching import Candidate
from ..messages import N_, Message, Texts, msg
from ..reference import FrameworkLevel, ReferenceData


class Verdict(str, Enum):
    meets = "meets"
    minor_difference = "minor_difference"
    substantial_difference = "substantial_difference"
    insufficient_information = "insufficient_information"


class Outcome(str, Enum):
    """The LRC outcome ladder, in the order an officer climbs down it."""

    full = "full"
    partial = "partial"
    alternative = "alternative"
    conditional = "conditional"
    refused = "refused"
    insufficient_information = "insufficient_information"


# A substantial difference names the rungs below `full` that can still answer it.
PARTIAL, ALTERNATIVE, CONDITIONAL = Outcome.partial, Outcome.alternative, Outcome.conditional


# The values of a credential's elements and trust signals, as a reader reads them.
VALUE_WORDS = {
    "assessment": N_("assessment"), "supervision": N_("supervision"), "identity_verification": N_("identity verification"),
    "quality_assurance": N_("quality assurance"), "level_declared_by": N_("level declared by"),
    "none": N_("none"), "automated": N_("marked automatically"), "assessed": N_("assessed by a person"),
    "online": N_("online"), "onsite": N_("onsite"), "blended": N_("blended"),
    "online_unsupervised": N_("online unsupervised"), "online_proctored": N_("online proctored"),
    "self_declared": N_("self declared"), "external": N_("external"), "accredited_provider": N_("accredited provider"),
    "internal": N_("internal"), "provider": N_("provider"), "quality_assurance_body": N_("quality assurance body"),
    "qualifications_framework": N_("qualifications framework"), "not_stated": N_("not stated"),
}


def word(value: str) -> Message:
    """A value (`online_proctored`) as a message a reader can read (`online proctored`)."""
    return msg(VALUE_WORDS.get(value, value.replace("_", " ")))


class Finding(Texts):
    """One check's result: verdict, a one-line reason, and the evidence behind it. The reason,
    bridge and ask_for are given as messages (recognition_engine.messages), so they can be
    read in another language."""

    model_config = ConfigDict(frozen=True)

    check: str
    label: str
    element: str  # the Annex I element judged (level, workload, ...), or "catalogue" for the home side
    verdict: Verdict
    reason: str
    reference: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    # For a substantial difference: the rungs that can still answer it.
    remedies: list[Outcome] = Field(default_factory=list)
    # What a bridging module or exam must cover, for a conditional recognition.
    bridge: list[str] = Field(default_factory=list)
    # What to ask the applicant for, when information is missing.
    ask_for: list[str] = Field(default_factory=list)
    # Missing information the policy itself requires for this purpose (a course requirement):
    # it stops the assessment like a missing required element.
    required: bool = False

    def labelled(self) -> Message:
        """The finding as a recommendation lists it: its label, then its reason."""
        return msg("%(check)s: %(reason)s", check=msg(self.label), reason=self.message("reason"))


@dataclass(frozen=True)
class Context:
    """Everything a check may read about one (credential, course) pair. No clock: `as_of`."""

    credential: MicroCredential
    course: Course
    course_level: FrameworkLevel | None  # the course's level, else its programme's
    candidate: Candidate
    similarities: np.ndarray  # P(covers): incoming outcomes x the course's outcomes (the model's pair model)
    threshold: float  # the probability at which a pair counts as covered (per model)
    as_of: dt.date
    reference: ReferenceData


class RuleParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    label: str
    reference: str


class Rule:
    """A check: an id, the element it judges, validated parameters, and `evaluate`."""

    id: ClassVar[str]
    element: ClassVar[str]
    Params: ClassVar[type[RuleParams]] = RuleParams

    def __init__(self, params: RuleParams):
        self.params = params

    def finding(self, verdict: Verdict, reason: Message | str, evidence: dict[str, Any] | None = None, **extra: Any) -> Finding:
        params = self.params.model_dump(mode="json", exclude={"enabled", "label", "reference"})
        extra.setdefault("element", self.element)
        return Finding(
            check=self.id, label=self.params.label, verdict=verdict, reason=reason,
            reference=self.params.reference, evidence=evidence or {}, params=params, **extra,
        )

    def evaluate(self, ctx: Context) -> Finding:  # pragma: no cover - every rule overrides it
        raise NotImplementedError
