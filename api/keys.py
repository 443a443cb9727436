"""API keys: creation, hashing, verification, revocation. No web framework here (the CLI uses it).

A key looks like `rk_<id>_<secret>`: `<id>` finds the row, HMAC-SHA256(salt, secret) must
match the stored hash. Only the salt and the hash are stored; the key is shown once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ApiKey, utcnow

OFFICER, REGISTRAR, ANALYST, ADMIN = "officer", "registrar", "analyst", "admin"
ROLES = (OFFICER, REGISTRAR, ANALYST, ADMIN)

PREFIX = "rk_"


def _hash(salt: str, secret: str) -> str:
    return hmac.new(bytes.fromhex(salt), secret.encode("utf-8"), hashlib.sha256).hexdigest()


def create_key(session: Session, role: str, name: str) -> tuple[ApiKey, str]:
    """A new key; returns the row and the plaintext key, which is never stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    key_id = secrets.token_hex(5)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    row = ApiKey(id=key_id, name=name, role=role, salt=salt, key_hash=_hash(salt, secret), created_at=utcnow())
    session.add(row)
    session.flush()
    return row, f"{PREFIX}{key_id}_{secret}"


def revoke_key(session: Session, key_id: str) -> ApiKey | None:
    row = session.get(ApiKey, key_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def verify(session: Session, presented: str) -> ApiKey | None:
    if not presented.startswith(PREFIX) or "_" not in presented[len(PREFIX):]:
        return None
    key_id, secret = presented[len(PREFIX):].split("_", 1)
    row = session.execute(select(ApiKey).where(ApiKey.id == key_id)).scalar_one_or_none()
    expected = row.key_hash if row is not None else _hash("00" * 16, "no such key")  # same work either way
    ok = hmac.compare_digest(expected, _hash(row.salt if row is not None else "00" * 16, secret))
    if row is None or not ok or row.revoked_at is not None:
        return None
    return row



def key_summary(row: ApiKey) -> dict:
    created = row.created_at.replace(tzinfo=dt.timezone.utc) if row.created_at.tzinfo is None else row.created_at
    return {"id": row.id, "name": row.name, "role": row.role, "created_at": created.isoformat(timespec="seconds"),
            "revoked": row.revoked_at is not None}


def audit_key_event(session: Session, action: str, row: ApiKey) -> None:
    from .audit import audit

    audit(session, None, action, "api_key", row.id, role=row.role, name=row.name, by="cli")
