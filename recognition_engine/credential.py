"""The incoming micro-credential, with the elements of Annex I of the Council Recommendation
of 16 June 2022 on a European approach to micro-credentials (2022/C 243/02)."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .fields import Identifier, IscedCode, Outcomes
from .grades import Grading
from .levels import Level
from .messages import N_, Message, msg
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
    "learner": N_("identification of the learner"),
    "title": N_("title of the micro-credential"),
    "country": N_("country/region of the issuer"),
    "awarding_body": N_("awarding body"),
    "date_of_issue": N_("date of issuing"),
    "learning_outcomes": N_("learning outcomes"),
    "workload": N_("notional workload needed to achieve the learning outcomes (in ECTS, wherever possible)"),
    "level": N_("level (and cycle, if applicable) of the learning experience (EQF, QF-EHEA)"),
    "type_of_assessment": N_("type of assessment"),
    "form_of_participation": N_("form of participation in the learning activity"),
    "quality_assurance": N_("type of quality assurance used to underpin the micro-credential"),
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
# What to ask the applicant for, per element, in plain words: one sentence per element, so
# two checks missing the same element ask for it once.
ASK: dict[str, Message] = {
    "learner": msg("the learner's name or identifier"),
    "title": msg("the title of the credential"),
    "country": msg("the country of the awarding body"),
    "awarding_body": msg("the name of the awarding body"),
    "date_of_issue": msg("the date the credential was issued"),
    "learning_outcomes": msg("the learning outcomes: what the learner can do on completion"),
    "workload": msg("the workload: credits (naming the credit system) or hours of learner work"),
    "level": msg("the level of the credential in the EQF or in a national qualifications framework"),
    "type_of_assessment": msg("how the learning outcomes were assessed (for example a written examination or a project)"),
    "form_of_participation": msg("the form of participation: online, onsite or blended"),
    "quality_assurance": msg("how the provider or the credential is quality assured"),
    "field_of_education": msg("the field of education of the credential"),
    "grade": msg("the result or grade achieved"),
    "contact_hours": msg("the number of contact hours (teaching, laboratory or practical sessions)"),
    "duration_weeks": msg("how many weeks the learning took"),
}


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
    # Not Annex I elements, but read when a check needs them: how long the learning took
    # (workload plausibility) and the hours of teaching (a course's contact-hour requirement).
    duration_weeks: float | None = Field(None, gt=0)
    contact_hours: float | None = Field(None, ge=0)

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
    def outcome_texts(self) -> list[str]:
        return [lo.text for lo in self.learning_outcomes]
