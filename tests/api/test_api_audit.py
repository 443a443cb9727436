"""The audit trail: recommendations append-only, every store audited, the hash chain verified
and broken links found after tampering with the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from apihelpers import AS_OF, BACKENDS, credential, fresh_database, run_cli


def test_recommendations_are_append_only(api):
    r = api.client.post("/assessments", json={"credential": credential("mc-ou-os-2024"), "as_of": AS_OF},
                        headers=api.h("officer"))
    assert r.status_code == 201, r.text
    for statement in ("UPDATE assessments SET outcome = 'full'", "DELETE FROM assessments"):
        with api.resources.db_engine.connect() as conn:
            with pytest.raises(Exception, match="append-only"):
                conn.execute(text(statement))


def test_every_assessment_of_a_batch_is_audited_and_the_trail_verifies(api):
    from api.models import Assessment, AuditEvent

    good = credential("mc-asu-cloud-2025")
    lines = [json.dumps({"learner": f"S-{i}", "purpose": "CS302", "credential": good}) for i in range(3)]
    r = api.client.post("/batches", headers=api.h("registrar"), files={"file": ("a.jsonl", "\n".join(lines).encode())},
                        data={"as_of": AS_OF})
    done = api.wait_batch(r.json()["id"])
    with api.resources.sessions() as session:
        stored = session.execute(select(Assessment.id).where(Assessment.batch_id == done["id"])).scalars().all()
        audited = session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "assessment.created", AuditEvent.subject_id.in_(stored))).scalar_one()
    assert len(stored) == 3 and audited == 3
    verified = run_cli(["audit", "verify"], api.url)
    assert verified.returncode == 0 and "audit trail intact" in verified.stdout, verified.stderr


def test_concurrent_writers_keep_one_chain(api):
    from concurrent.futures import ThreadPoolExecutor

    r = api.client.post("/assessments", json={"credential": credential("mc-ou-os-2024"), "as_of": AS_OF},
                        headers=api.h("officer"))
    url = f"/assessments/{r.json()['id']}/decisions"

    def decide(i: int) -> int:
        return api.client.post(url, json={"outcome": "refused", "reason": f"reason {i}"}, headers=api.h("officer")).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(decide, range(16)))
    assert set(statuses) <= {201, 409} and statuses.count(201) >= 8, statuses
    assert _verify(api.resources.db_engine).intact


@pytest.fixture(params=BACKENDS)
def trail(request, tmp_path):
    """A fresh database with five audit events; yields (url, engine)."""
    from api.audit import audit
    from api.db import make_engine, migrate, session_factory

    url, drop = fresh_database(request.param, tmp_path, "audit")
    engine = make_engine(url)
    migrate(engine)
    with session_factory(engine)() as session:
        for i in range(5):
            audit(session, "k1", "test.event", "thing", f"t-{i}", n=i)
            session.commit()
    yield url, engine
    engine.dispose()
    drop()


def _tamper(engine, statement: str) -> None:
    """As someone with database access would: switch the append-only triggers off first."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        conn.execute(text(statement))


def _verify(engine):
    from api.audit import verify
    from api.db import session_factory

    with session_factory(engine)() as session:
        return verify(session)


def _ids(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT id FROM audit_events ORDER BY id")).scalars())


def test_verify_reports_a_changed_event(trail):
    url, engine = trail
    assert run_cli(["audit", "verify"], url).returncode == 0
    third = _ids(engine)[2]
    _tamper(engine, f"UPDATE audit_events SET actor = 'someone-else' WHERE id = {third}")
    r = run_cli(["audit", "verify"], url)
    assert r.returncode == 1 and f"BROKEN at event {third}" in r.stderr and "was changed" in r.stderr, r.stderr


def test_verify_reports_a_removed_event(trail):
    _, engine = trail
    second, third = _ids(engine)[1:3]
    _tamper(engine, f"DELETE FROM audit_events WHERE id = {second}")
    result = _verify(engine)
    assert result.broken_at == third and "removed or inserted" in result.reason


def test_verify_reports_events_removed_from_the_end(trail):
    _, engine = trail
    assert _verify(engine).intact
    _tamper(engine, f"DELETE FROM audit_events WHERE id = {_ids(engine)[-1]}")
    result = _verify(engine)
    assert result.broken_at is None and "head of the chain" in result.reason
