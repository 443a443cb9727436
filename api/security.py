"""Access control: each route declares the roles it admits (see api/keys.py for the keys).

Send the key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from .keys import ADMIN, ANALYST, OFFICER, REGISTRAR, verify
from .problems import ApiProblem

# Who may do what. Recording a decision is an officer's professional act: no other role may.
READ = (OFFICER, REGISTRAR, ANALYST, ADMIN)
ASSESS = (OFFICER, REGISTRAR, ADMIN)
DECIDE = (OFFICER,)
BATCH = (OFFICER, REGISTRAR, ADMIN)
MANAGE = (ADMIN,)


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    role: str

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer rk_...")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: rk_...")


def _unauthorised(detail: str) -> ApiProblem:
    return ApiProblem(401, detail, type_="unauthorised", headers={"WWW-Authenticate": 'Bearer realm="recognition"'})


def require(*roles: str):
    """A dependency that admits keys with one of `roles` (401 without a valid key, 403 with another role)."""

    def dependency(
        request: Request,
        bearer: HTTPAuthorizationCredentials | None = Security(_bearer),
        header: str | None = Security(_header),
    ) -> Principal:
        presented = header or (bearer.credentials if bearer is not None else None)
        if not presented:
            raise _unauthorised("an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
        throttle, address = request.app.state.throttle, request.client.host if request.client else "-"
        wait = throttle.retry_after(address)
        if wait is not None:
            raise ApiProblem(429, f"too many invalid API keys from this address; try again in {wait} s",
                             type_="too-many-failures", headers={"Retry-After": str(wait)})
        resources = request.app.state.resources
        with resources.sessions() as session:
            row = verify(session, presented)
        if row is None:
            throttle.failed(address)
            raise _unauthorised("the API key is not valid (unknown, mistyped or revoked)")
        if row.role not in roles:
            raise ApiProblem(403, f"role '{row.role}' may not do this; allowed: {', '.join(roles)}", type_="forbidden",
                             allowed_roles=list(roles))
        principal = Principal(row.id, row.name, row.role)
        request.state.principal = principal
        return principal

    dependency.__name__ = f"require_{'_'.join(roles)}"
    return Depends(dependency)


