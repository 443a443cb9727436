"""The audit trail: append-only events, each carrying the hash of the one before.

`audit(...)` is the only writer. Each event's hash covers its content and the previous
event's hash, so a changed, removed or inserted event breaks every link after it; the head
(the last hash) is kept in `app_meta` so that removing the newest events shows too.
Writers are serialised by updating the head row first (a row lock on PostgreSQL, the write
lock on SQLite) until their transaction commits. `verify(session)` walks the chain and
names the first broken link (`recognise audit verify`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import models as m
from .models import aware, utcnow

GENESIS = "0" * 64
HEAD = "audit_head"


def event_hash(prev_hash: str, at: dt.datetime, actor: str | None, action: str, subject_type: str, subject_id: str,
               details: dict[str, Any]) -> str:
    content = json.dumps([prev_hash, aware(at).astimezone(dt.timezone.utc).isoformat(timespec="microseconds"), actor,
                          action, subject_type, subject_id, details], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def audit(session: Session, actor: str | None, action: str, subject_type: str, subject_id: str, **details: Any) -> None:
    """Append an event to the chain (committed with the caller's transaction)."""
    locked = session.execute(update(m.Meta).where(m.Meta.key == HEAD).values(value=m.Meta.value)).rowcount
    if not locked:
        session.add(m.Meta(key=HEAD, value=GENESIS))
        session.flush()
    prev = session.execute(select(m.Meta.value).where(m.Meta.key == HEAD)).scalar_one()
    at = utcnow()
    details = json.loads(json.dumps(details, default=str))  # as the JSON column gives it back
    digest = event_hash(prev, at, actor, action, subject_type, subject_id, details)
    session.add(m.AuditEvent(at=at, actor=actor, action=action, subject_type=subject_type, subject_id=subject_id,
                             details=details, prev_hash=prev, hash=digest))
    session.execute(update(m.Meta).where(m.Meta.key == HEAD).values(value=digest))


@dataclass(frozen=True)
class Verification:
    events: int
    broken_at: int | None = None  # the id of the first event whose link does not hold
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None and self.reason is None


def verify(session: Session) -> Verification:
    """Walk the chain in order; the first event that does not link, or a head that does not match."""
    expected, count = GENESIS, 0
    query = select(m.AuditEvent).order_by(m.AuditEvent.id).execution_options(yield_per=1000)
    for event in session.execute(query).scalars():
        count += 1
        if event.prev_hash != expected:
            return Verification(count, event.id, "it does not carry the hash of the event before it "
                                                 "(an event was removed or inserted before it)")
        digest = event_hash(event.prev_hash, event.at, event.actor, event.action, event.subject_type, event.subject_id,
                            event.details)
        if digest != event.hash:
            return Verification(count, event.id, "its content does not match its hash (the event was changed)")
        expected = event.hash
    head = session.execute(select(m.Meta.value).where(m.Meta.key == HEAD)).scalar_one_or_none() or GENESIS
    if head != expected:
        return Verification(count, None, "the last event is not the recorded head of the chain (events were removed "
                                         "from the end)")
    return Verification(count)
