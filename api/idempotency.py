"""`Idempotency-Key` on POST /assessments and POST /batches: a registrar's retry (a timeout,
a double click) gets the first answer again instead of a second assessment or batch.

The key is scoped to the API key and the operation. The answer is stored in the same
transaction as what it created, and a unique constraint settles two retries racing: the
loser's transaction (its assessment or batch too) is rolled back and the winner's answer
replayed. The same key with a different request is a 422.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import models as m
from .guards import MAX_ID, check_field
from .models import utcnow
from .problems import ApiProblem

HEADER = "Idempotency-Key"
PARAMETER = {"name": HEADER, "in": "header", "required": False, "schema": {"type": "string", "maxLength": MAX_ID},
             "description": "any unique text (a UUID): a retry with the same key gets the first answer again"}


def request_key(request: Request, content: Any) -> tuple[str, str] | None:
    """(key, hash of the request) when the request carries an Idempotency-Key, else None.

    The hash is of `content`, what the route read from the request (JSON-like, bytes allowed),
    not of the raw body: a multipart body's stream is gone once its form is parsed, and its
    boundary changes with every send, so a retried upload would never match its first send."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    check_field(key, HEADER, MAX_ID)
    canonical = json.dumps(content, sort_keys=True, default=_canonical)
    return key, hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    """Bytes (an uploaded file) by their digest, anything else JSON cannot hold (a date) as its text."""
    if isinstance(value, bytes):
        return {"sha256": hashlib.sha256(value).hexdigest()}
    return str(value)


def replay(session: Session, api_key_id: str, operation: str, idem: tuple[str, str] | None) -> JSONResponse | None:
    """The stored answer for this key, or None; 422 if the key came with another request."""
    if idem is None:
        return None
    stored = session.execute(select(m.IdempotencyKey).where(
        m.IdempotencyKey.api_key_id == api_key_id, m.IdempotencyKey.operation == operation,
        m.IdempotencyKey.key == idem[0])).scalar_one_or_none()
    if stored is None:
        return None
    if stored.request_hash != idem[1]:
        raise ApiProblem(422, f"this {HEADER} was used for a different request", type_="invalid-input",
                         title="Invalid input", errors=[{"field": HEADER, "location": "header",
                                                         "message": "already used for a different request"}])
    headers = {"Location": stored.location, "Idempotent-Replayed": "true"} if stored.location else {"Idempotent-Replayed": "true"}
    return JSONResponse(stored.body, status_code=stored.status, headers=headers)


def commit_once(session: Session, api_key_id: str, operation: str, idem: tuple[str, str] | None, status: int,
                body: dict[str, Any], location: str | None, retry: Callable[[], JSONResponse | None]) -> JSONResponse:
    """Commit what the request created, with its answer under the key; if a racing retry
    committed first, roll back and answer what it answered."""
    encoded = jsonable_encoder(body)
    if idem is not None:
        session.add(m.IdempotencyKey(api_key_id=api_key_id, operation=operation, key=idem[0], request_hash=idem[1],
                                     status=status, body=encoded, location=location, created_at=utcnow()))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        replayed = retry()
        if replayed is None:
            raise
        return replayed
    return JSONResponse(encoded, status_code=status, headers={"Location": location} if location else None)
