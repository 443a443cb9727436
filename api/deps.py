"""Dependencies the routes declare: resources, a database session, pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, TypeVar

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from recognition_engine.assessment import Assessor

from .problems import ApiProblem, field_problem
from .privacy import LearnerView
from .resources import Resources
from .security import READ, Principal, require


def get_resources(request: Request) -> Resources:
    return request.app.state.resources


def get_session(res: Resources = Depends(get_resources)) -> Iterator[Session]:
    with res.sessions() as session:
        yield session


def get_assessor(res: Resources = Depends(get_resources)) -> Assessor:
    return res.assessor


def reader(who: Principal = require(*READ), res: Resources = Depends(get_resources)) -> LearnerView:
    """Any reading role; what it sees of learners (analysts: pseudonyms)."""
    return LearnerView.of(who.role, res.pseudonym)


MAX_INTEGER = 1_000_000_000  # every integer parameter is bounded: the databases hold 64-bit integers at most


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    def envelope(self, items: list, total: int, path: str) -> dict:
        following = self.offset + self.limit
        return {"items": items, "total": total, "limit": self.limit, "offset": self.offset,
                "next": f"{path}?limit={self.limit}&offset={following}" if following < total else None}


def get_page(limit: int = Query(50, ge=1, le=MAX_INTEGER, description="items per page (at most the configured maximum, 200 by default)"),
             offset: int = Query(0, ge=0, le=MAX_INTEGER), res: Resources = Depends(get_resources)) -> Page:
    if limit > res.settings.page_size_max:
        raise field_problem(422, "limit", f"at most {res.settings.page_size_max} items per page")
    return Page(limit, offset)


Row = TypeVar("Row")


def get_or_404(session: Session, model: type[Row], key: str, what: str) -> Row:
    """The stored row with this key, or a 404 problem naming what was asked for."""
    row = session.get(model, key)
    if row is None:
        raise ApiProblem(404, f"no {what} {key!r}")
    return row

