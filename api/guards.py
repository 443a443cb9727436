"""Input guards: what the service refuses before anything reaches the database.

Every stored text has a length limit, and no text may hold a control character (NUL and
the other C0 controls except tab, line feed and carriage return, DEL) or a lone UTF-16
surrogate: PostgreSQL cannot store NUL in text, and neither database should hold either.
A refusal is a 422 problem naming the field. The limits are listed in api/README.md.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Iterable
from urllib.parse import parse_qsl

from pydantic import AfterValidator, StringConstraints
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from recognition_engine.credential import MicroCredential
from recognition_engine.errors import InputError, Problem

from .problems import PROBLEM_JSON, problem_body

FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

MAX_ID = 200  # identifiers and one-line fields: credential id, learner, purpose, programme, format
MAX_TITLE = 500  # credential title, awarding body
MAX_OUTCOME = 2_000  # one learning outcome
MAX_OUTCOMES = 200  # learning outcomes of one credential
MAX_TEXT = 5_000  # any other text of a credential
MAX_REASON = 20_000  # a decision's reason
MAX_CONDITION, MAX_CONDITIONS = 1_000, 50  # a decision's conditions
MAX_PAIR_REVIEWS = 1_000  # a decision's reviewed outcome pairs
MAX_QUERY = 1_000  # one query parameter or path segment
MAX_FILENAME = 255  # an uploaded file's name (stored as the batch's or catalogue's source)

_CREDENTIAL_LIMITS = {"id": MAX_ID, "learner.name": MAX_ID, "learner.identifier": MAX_ID, "title": MAX_TITLE,
                      "awarding_body": MAX_TITLE}


def text_problem(value: str, max_length: int | None = None) -> str | None:
    """What is wrong with one text, or None."""
    bad = FORBIDDEN.search(value)
    if bad:
        return f"control character U+{ord(bad.group()):04X} at position {bad.start()} is not allowed"
    if max_length is not None and len(value) > max_length:
        return f"at most {max_length:,} characters (got {len(value):,})"
    return None


def _safe(max_length: int):
    def check(value: str) -> str:
        problem = text_problem(value, max_length)
        if problem:
            raise ValueError(problem)
        return value

    return check


def SafeText(max_length: int, min_length: int = 0):  # noqa: N802 - a type factory, used like a type
    """A str type for request models: stripped, `min_length` to `max_length` characters, no control character."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
                     AfterValidator(_safe(max_length))]


def walk_strings(value: Any, path: str = "") -> Iterable[tuple[str, str]]:
    """(field path, text) for every string in a JSON-like value, keys included."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            key = str(k)
            yield f"{path}.{key}" if path else key, key
            yield from walk_strings(v, f"{path}.{key}" if path else key)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from walk_strings(v, f"{path}[{i}]")


def control_problems(value: Any, source: str, path: str = "") -> list[Problem]:
    """A Problem for each string of a JSON-like value that holds a control character."""
    return [Problem(source, "", field, problem) for field, text in walk_strings(value, path)
            if (problem := text_problem(text)) is not None]


def _credential_limit(field: str) -> int:
    if re.fullmatch(r"learning_outcomes\[\d+\]\.text", field):
        return MAX_OUTCOME
    return _CREDENTIAL_LIMITS.get(field, MAX_TEXT)


def credential_problems(credential: MicroCredential, source: str, location: str = "", prefix: str = "credential") -> list[Problem]:
    """Length limits and control characters over every text of a parsed credential."""
    problems = []
    if len(credential.learning_outcomes) > MAX_OUTCOMES:
        problems.append(Problem(source, location, f"{prefix}.learning_outcomes",
                                f"at most {MAX_OUTCOMES} learning outcomes (got {len(credential.learning_outcomes)})"))
    for field, text in walk_strings(credential.model_dump(mode="json", exclude_none=True)):
        problem = text_problem(text, _credential_limit(field))
        if problem:
            problems.append(Problem(source, location, f"{prefix}.{field}", problem))
    return problems


def check_credentials(credentials: list[MicroCredential], source: str, location: str = "") -> None:
    """Raise InputError (422) naming every over-long or control-character text of the credentials."""
    problems = []
    for i, credential in enumerate(credentials):
        prefix = "credential" if len(credentials) == 1 else f"credentials[{i}]"
        problems += credential_problems(credential, source, location, prefix)
    if problems:
        raise InputError(problems)


def check_field(value: str | None, field: str, max_length: int, source: str = "<request>") -> None:
    """Raise InputError (422) if one request field is too long or holds a control character."""
    problem = text_problem(value, max_length) if value is not None else None
    if problem:
        raise InputError([Problem(source, "", field, problem)])


class RequestLineGuard:
    """Refuses, with a 422 problem naming the parameter, a path or query parameter holding a
    control character or longer than MAX_QUERY characters, before any route sees it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self._problem(scope)
            if problem is not None:
                field, location, message = problem
                body = problem_body(422, f"field '{field}': {message}", scope.get("path", ""), type_="invalid-input",
                                    title="Invalid input", errors=[{"field": field, "location": location, "message": message}])
                await JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _problem(scope: Scope) -> tuple[str, str, str] | None:
        for segment in scope.get("path", "").split("/"):
            if (problem := text_problem(segment, MAX_QUERY)) is not None:
                return "path", "path", problem
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace"):
            for text in (name, value):
                if (problem := text_problem(text, MAX_QUERY)) is not None:
                    return (name if text_problem(name) is None else "query"), "query", problem
        return None
