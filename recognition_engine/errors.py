"""Errors that name where the problem is: file, row (or list index), field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where it is and what is wrong."""

    source: str  # file name, or a label such as "<request body>"
    location: str  # "row 3", "courses[2] (id CS101)", or "" for the whole file
    field: str  # dotted path of the field, "" when the problem is not about one field
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.location, self.field and f"field '{self.field}'") if part)
        return f"{self.source}: {where}: {self.message}" if where else f"{self.source}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "location": self.location, "field": self.field, "message": self.message}


class InputError(ValueError):
    """Raised with every problem found in an input, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ReferenceDataError(InputError):
    """The shipped or overlaid reference data is inconsistent."""


def loc_to_field(loc: Iterable[Any]) -> str:
    """Turn a pydantic error location ('courses', 3, 'ects') into 'courses[3].ects'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def problems_from_validation(exc: Any, source: str, location: str, prefix: str = "") -> list[Problem]:
    """Convert a pydantic ValidationError into Problems that name the field."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        field = loc_to_field(loc)
        if prefix:
            field = f"{prefix}.{field}" if field else prefix
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        problems.append(Problem(source, location, field, message))
    return problems
