"""The incoming micro-credential, with the elements of Annex I of the Council Recommendation
of 16 June 2022 on a European approach to micro-credentials (2022/C 243/02)."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .fields import Identifier, IscedCode, Outcomes
from .grades import Grading
from .levels import Level
from .workload import Workload


class FormOfParticipation(str, Enum):
    online = "online"
    onsite = "onsite"
    blended = "blended"


class QualityAssuranceType(str, Enum):
    external = "external"  # external QA of the provider or programme (ESG Part 2 agency)
    accredited_provider = "accredited_provider"  # provider accredited/recognised by a public authority
    internal = "internal"  # internal QA only
    none = "none"


class Supervision(str, Enum):
    none = "none"
    online_unsupervised = "online_unsupervised"
    online_proctored = "online_proctored"
    onsite = "onsite"


class IdentityVerification(str, Enum):
    none = "none"
    self_declared = "self_declared"
    online = "online"
    onsite = "onsite"


class Learner(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    identifier: str | None = None


class QualityAssurance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: QualityAssuranceType
    description: str | None = None


# Annex I, point 1: the mandatory elements, with the label the Recommendation uses.
MANDATORY_ELEMENTS: dict[str, str] = {
    "learner": "identification of the learner",
    "title": "title of the micro-credential",
    "country": "country/region of the issuer",
    "awarding_body": "awarding body",
    "date_of_issue": "date of issuing",
    "learning_outcomes": "learning outcomes",
    "workload": "notional workload needed to achieve the learning outcomes (in ECTS, wherever possible)",
    "level": "level (and cycle, if applicable) of the learning experience (EQF, QF-EHEA)",
    "type_of_assessment": "type of assessment",
    "form_of_participation": "form of participation in the learning activity",
    "quality_assurance": "type of quality assurance used to underpin the micro-credential",
}
# Annex I, point 2: optional elements.
OPTIONAL_ELEMENTS: dict[str, str] = {
    "prerequisites": "prerequisites needed to enrol",
    "supervision": "supervision and identity verification during assessment",
    "identity_verification": "supervision and identity verification during assessment",
    "grade": "grade achieved",
    "integration": "integration/stackability options",
    "language": "language",
    "field_of_education": "field of education (ISCED-F 2013)",
}
NO_ASSESSMENT = {"none", "no assessment", "participation only", "attendance only"}


class MicroCredential(BaseModel):
    """An incoming micro-credential. Every element may be missing at parse time:
    `missing_elements()` names them, and the rules turn them into
    `insufficient_information`, never into a low score."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Identifier
    learner: Learner | None = None
    title: str | None = None
    country: str | None = None
    awarding_body: str | None = None
    date_of_issue: dt.date | None = None
    learning_outcomes: Outcomes = Field(default_factory=list)
    workload: Workload | None = None
    level: Level | None = None
    type_of_assessment: str | None = None
    form_of_participation: FormOfParticipation | None = None
    quality_assurance: QualityAssurance | None = None

    prerequisites: str | None = None
    supervision: Supervision | None = None
    identity_verification: IdentityVerification | None = None
    grade: str | None = None
    # The grade with its scheme, source and the sending distribution, when a format carries them
    # (ELMO, EWP): what grade conversion (recognition_engine.grades) needs.
    grading: Grading | None = None
    integration: str | None = None
    language: str | None = None
    field_of_education: IscedCode = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise ValueError(f"use the two-letter ISO 3166-1 code, got {value!r}")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return value.strip().lower() if value else value

    def missing_elements(self) -> list[str]:
        """The mandatory Annex I elements that are absent or empty, in Annex I order."""
        missing = []
        for name in MANDATORY_ELEMENTS:
            value = getattr(self, name)
            if value is None or value == [] or (isinstance(value, Learner) and not (value.name or value.identifier)):
                missing.append(name)
        return missing

    @property
    def has_assessment(self) -> bool | None:
        if self.type_of_assessment is None:
            return None
        return self.type_of_assessment.strip().lower() not in NO_ASSESSMENT

    @property
    def outcome_texts(self) -> list[str]:
        return [lo.text for lo in self.learning_outcomes]
