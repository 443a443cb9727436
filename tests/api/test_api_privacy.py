"""Learners' personal data: pseudonyms for analysts, and `recognise purge` (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from apihelpers import AS_OF, credential, run_cli

SECRET = "urn:learner:PRIVACY-0815"
NAME = "Ada Privata"


def _assess(api) -> dict:
    c = {**credential("mc-asu-cloud-2025"), "learner": {"name": NAME, "identifier": SECRET}}
    r = api.client.post("/assessments", json={"credential": c, "purpose": "CS302", "as_of": AS_OF}, headers=api.h("officer"))
    assert r.status_code == 201, r.text
    return r.json()


def _batch(api) -> dict:
    good = {k: v for k, v in credential("mc-asu-cloud-2025").items() if k != "learner"}
    lines = [json.dumps({"learner": SECRET, "purpose": "CS302", "credential": good}),
             json.dumps({"learner": SECRET, "purpose": "NO-SUCH", "credential": good})]
    r = api.client.post("/batches", headers=api.h("registrar"), files={"file": ("p.jsonl", "\n".join(lines).encode())},
                        data={"as_of": AS_OF})
    assert r.status_code == 202, r.text
    return api.wait_batch(r.json()["id"])


def test_analysts_see_pseudonyms_only(api):
    stored = _assess(api)
    pseudonym = api.resources.pseudonym(SECRET)
    as_officer = api.client.get(f"/assessments/{stored['id']}", headers=api.h("officer")).json()
    assert as_officer["assessment"]["credential"]["learner"] == {"name": NAME, "identifier": SECRET}
    as_analyst = api.client.get(f"/assessments/{stored['id']}", headers=api.h("analyst"))
    assert as_analyst.json()["assessment"]["credential"]["learner"] == {"pseudonym": pseudonym}
    assert SECRET not in as_analyst.text and NAME not in as_analyst.text

    done = _batch(api)
    for url in (f"/batches/{done['id']}", f"/batches/{done['id']}/results", f"/batches/{done['id']}/results?format=csv",
                "/batches?limit=200"):
        seen = api.client.get(url, headers=api.h("analyst"))
        assert seen.status_code == 200 and SECRET not in seen.text, url
    items = api.client.get(f"/batches/{done['id']}/results", headers=api.h("analyst")).json()["items"]
    assert {i["learner"] for i in items} == {pseudonym}
    registrar = api.client.get(f"/batches/{done['id']}/results", headers=api.h("registrar")).json()["items"]
    assert {i["learner"] for i in registrar} == {SECRET}


def test_purge_removes_learner_data_and_keeps_decisions_and_audit(api):
    from api.models import AuditEvent, BatchRow

    stored = _assess(api)
    decided = api.client.post(f"/assessments/{stored['id']}/decisions", headers=api.h("officer"),
                              json={"outcome": "partial", "credits": 3, "reason": "Lab work not evidenced."})
    assert decided.status_code == 201, decided.text
    done = _batch(api)

    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    purged = run_cli(["purge", "--before", tomorrow], api.url)
    assert purged.returncode == 0, purged.stderr
    assert "decisions and the audit trail are kept" in purged.stdout

    after = api.client.get(f"/assessments/{stored['id']}", headers=api.h("officer"))
    assert after.status_code == 200 and SECRET not in after.text and NAME not in after.text
    assert after.json()["outcome"] == stored["outcome"] and after.json()["decision"]["outcome"] == "partial"
    history = api.client.get(f"/assessments/{stored['id']}/history", headers=api.h("officer")).json()
    assert [d["outcome"] for d in history["decisions"]] == ["partial"]
    assert {"assessment.created", "decision.recorded"} <= {e["action"] for e in history["events"]}

    results = api.client.get(f"/batches/{done['id']}/results?format=csv", headers=api.h("registrar"))
    assert results.status_code == 200 and SECRET not in results.text
    with api.resources.sessions() as session:
        rows = session.execute(select(BatchRow).where(BatchRow.batch_id == done["id"])).scalars().all()
        assert all(r.learner is None and not r.payload for r in rows)
        actions = session.execute(select(AuditEvent.action)).scalars().all()
    assert "learner_data.purged" in actions


def test_purge_needs_a_date_or_a_retention_setting(api):
    r = run_cli(["purge"], api.url)
    assert r.returncode == 2 and "RECOGNITION_RETENTION_DAYS" in r.stderr
