"""Hostile input: never a 5xx, always a problem naming the field (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from apihelpers import AS_OF, credential, multipart

PROBLEM = "application/problem+json"
HUGE = "100000000000000000000"


def _problem(r, status: int = 422, field: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


@pytest.mark.parametrize("url,field", [
    (f"/assessments?offset={HUGE}", "offset"), (f"/batches?offset={HUGE}", "offset"),
    (f"/assessments?limit={HUGE}", "limit"), (f"/batches/x/results?limit={HUGE}", "limit"),
    (f"/batches/x/results?offset={HUGE}", "offset"), (f"/catalogue/courses?offset={HUGE}", "offset"),
    ("/assessments?credential_id=a%00b", "credential_id"), ("/assessments/a%00b", "path"),
    ("/batches/%01", "path"), (f"/assessments?fingerprint={'f' * 1001}", "fingerprint"),
])
def test_integer_bounds_and_control_characters_in_the_request_line(api, url, field):
    _problem(api.client.get(url, headers=api.h("analyst")), 422, field)


def _post(api, cred: dict, **extra):
    return api.client.post("/assessments", json={"credential": cred, "purpose": "CS302", "as_of": AS_OF, **extra},
                           headers=api.h("officer"))


def test_control_characters_and_overlong_texts_in_a_credential_are_refused(api):
    base = credential("mc-asu-cloud-2025")
    _problem(_post(api, {**base, "title": "Cloud\x00Computing"}), 422, "credential.title")
    _problem(_post(api, {**base, "id": "x" * 400}), 422, "credential.id")
    _problem(_post(api, {**base, "title": "t" * 100_000}), 422, "credential.title")
    _problem(_post(api, {**base, "learner": {"name": "n" * 301}}), 422, "credential.learner.name")
    lone_surrogate = json.dumps({"credential": {**base, "learning_outcomes": ["Deploy \udc80 services."]}})
    _problem(api.client.post("/assessments", content=lone_surrogate, headers={**api.h("officer"),
             "Content-Type": "application/json"}), 422, "credential.learning_outcomes[0]")
    _problem(_post(api, base, learner="S\x00-1"), 422, "learner")


def test_a_document_with_a_nul_in_a_csv_cell_is_refused(api):
    """A NUL byte makes the upload a binary file: refused before it is parsed, naming why."""
    header = "id,title,learning_outcomes,workload,country,awarding_body\n"
    doc = header + 'mc-nul,"Cloud\x00 Computing","Deploy services.",3 ECTS,US,ASU\n'
    r = api.client.post("/assessments", files={"file": ("c.csv", doc.encode())}, data={"purpose": "CS302"},
                        headers=api.h("officer"))
    body = _problem(r, 422)
    assert any("NUL" in e["message"] for e in body["errors"]), body


def test_control_characters_and_overlong_texts_in_a_decision_are_refused(api):
    r = _post(api, credential("mc-asu-cloud-2025"))
    assert r.status_code == 201, r.text
    url = f"/assessments/{r.json()['id']}/decisions"
    _problem(api.client.post(url, json={"outcome": "full", "reason": "Fine\x00 by me"}, headers=api.h("officer")),
             422, "reason")
    _problem(api.client.post(url, json={"outcome": "full", "reason": "ok" * 20_000}, headers=api.h("officer")),
             422, "reason")
    _problem(api.client.post(url, json={"outcome": "conditional", "reason": "needs a lab",
                                        "conditions": ["lab"] * 51}, headers=api.h("officer")), 422, "conditions")


def test_a_batch_row_that_cannot_be_stored_fails_alone(api):
    good = credential("mc-asu-cloud-2025")
    lines = [
        json.dumps({"learner": "S-1", "purpose": "CS302", "credential": good}),
        json.dumps({"learner": "L" * 301, "purpose": "CS302", "credential": good}),
        json.dumps({"learner": "S-3", "purpose": "CS302", "credential": {**good, "title": "A\x00B"}}),
        json.dumps({"learner": "S-4", "purpose": "CS302", "credential": {**good, "id": "i" * 400}}),
    ]
    r = api.client.post("/batches", headers=api.h("registrar"), files={"file": ("r.jsonl", "\n".join(lines).encode())},
                        data={"as_of": AS_OF})
    assert r.status_code == 202, r.text
    done = api.wait_batch(r.json()["id"])
    assert done["done"] == 1 and done["error"] == 3, done
    reasons = {e["row"]: e["reason"] for e in done["errors"]}
    assert "field 'learner'" in reasons[2] and "field 'credential.title'" in reasons[3] and "credential.id" in reasons[4]
    results = api.client.get(f"/batches/{done['id']}/results?format=csv", headers=api.h("registrar"))
    assert results.status_code == 200


def test_a_hostile_file_name_is_refused(api):
    r = api.client.post("/batches", headers=api.h("registrar"), files={"file": ("x" * 300 + ".csv", b"id\nmc\n")})
    _problem(r, 422, "file")


FILE = ("file", "b.csv", b"id,title\nmc,Cloud\n")


@pytest.mark.parametrize("path", ["/batches", "/assessments"])
@pytest.mark.parametrize("ctype,parts,status,field", [
    ("multipart/form-data", [FILE], 400, ""),  # no boundary
    ("multipart/form-data; boundary=elsewhere", [FILE], 400, ""),  # not the body's boundary
    (None, [("file", None, b"id,title\nmc,Cloud\n")], 422, "file"),  # the file as a text field
    (None, [FILE, ("purpose", "p.txt", b"CS302")], 422, "purpose"),  # an option as a file: never ignored
])
def test_an_unreadable_or_misshapen_upload_is_a_problem_naming_the_field(api, path, ctype, parts, status, field):
    body, headers = multipart("b0undary", *parts)
    if ctype is not None:
        headers = {"Content-Type": ctype}
    r = api.client.post(path, content=body, headers={**api.h("registrar"), **headers})
    _problem(r, status, field)


def test_learning_outcomes_sent_as_text_are_refused(api):
    body, headers = multipart("b0undary", FILE, ("outcomes", None, b"LOS-1: [Compare IaaS and PaaS.]"))
    _problem(api.client.post("/batches", content=body, headers={**api.h("registrar"), **headers}), 422, "outcomes")


def test_the_last_resort_handler_answers_problem_json_without_internals(api, monkeypatch):
    from fastapi.testclient import TestClient

    import api.routers.catalogue as catalogue_routes

    def broken(*_a, **_k):
        raise RuntimeError("secret internals: /srv/db password=hunter2")

    monkeypatch.setattr(catalogue_routes, "_course_summary", broken)
    client = TestClient(api.app, raise_server_exceptions=False)
    r = client.get("/catalogue/courses", headers=api.h("analyst"))
    body = _problem(r, 500)
    assert "hunter2" not in r.text and "RuntimeError" not in r.text and body["type"].endswith("internal-error")


def test_sql_errors_never_carry_their_parameters(api):
    """The database's own error text (which SQLAlchemy logs) holds no value of a statement."""
    from sqlalchemy import text

    secret = "urn:learner:NEVER-LOGGED-7"
    with api.resources.db_engine.connect() as conn:
        with pytest.raises(Exception) as caught:
            conn.execute(text("INSERT INTO no_such_table (learner) VALUES (:learner)"), {"learner": secret})
    assert secret not in str(caught.value) and "hidden" in str(caught.value)
