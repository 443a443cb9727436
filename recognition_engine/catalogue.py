"""The home institution's courses and programmes."""

from __future__ import annotations

from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .fields import Identifier, IscedCode, Outcomes
from .languages import check_language
from .levels import Level


class Course(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Identifier
    title: str = Field(min_length=1)
    description: str = ""
    ects: float = Field(gt=0)
    level: Level | None = None
    isced_f: IscedCode = None
    language: str = "en"  # ISO 639-1
    learning_outcomes: Outcomes = Field(min_length=1)

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: object) -> str:
        return check_language(value)


class Programme(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Identifier
    title: str = Field(min_length=1)
    level: Level | None = None
    courses: list[str] = Field(default_factory=list)


class Institution(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    country: str | None = None


class Catalogue(BaseModel):
    """Courses and programmes, with ids unique and programme references checked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    institution: Institution | None = None
    programmes: list[Programme] = Field(default_factory=list)
    courses: list[Course] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "Catalogue":
        problems = consistency_problems(list(enumerate(self.courses)), list(enumerate(self.programmes)))
        if problems:
            raise ValueError("; ".join(f"{where}: {field}: {message}" for where, field, message in problems))
        return self

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.courses)}

    def position(self, course_id: str) -> int:
        """The course's index in `courses`; KeyError naming the id when it is not there."""
        try:
            return self._positions[course_id]
        except KeyError:
            raise KeyError(f"no course {course_id!r} in the catalogue") from None

    def course(self, course_id: str) -> Course:
        return self.courses[self.position(course_id)]

    def programmes_of(self, course_id: str) -> list[Programme]:
        return [p for p in self.programmes if course_id in p.courses]


def consistency_problems(
    courses: list[tuple[int, Course]], programmes: list[tuple[int, Programme]]
) -> list[tuple[str, str, str]]:
    """Duplicate course ids and programme references to unknown courses, as (location, field, message)."""
    problems = []
    first: dict[str, int] = {}
    for i, course in courses:
        if course.id in first:
            problems.append((f"courses[{i}]", "id", f"duplicate course id {course.id!r} (first at courses[{first[course.id]}])"))
        first.setdefault(course.id, i)
    for i, programme in programmes:
        for j, cid in enumerate(programme.courses):
            if cid not in first:
                problems.append((f"programmes[{i}] (id {programme.id})", f"courses[{j}]", f"unknown course id {cid!r}"))
    return problems
