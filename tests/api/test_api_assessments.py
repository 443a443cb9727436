"""Assessments, explanations, decisions (append-only), history and precedents."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import text

from apihelpers import AS_OF, FIXTURES, credential

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def cloud(api):
    """One stored assessment: the ASU cloud credential for CS302."""
    r = api.client.post("/assessments", json={"credential": credential("mc-asu-cloud-2025"), "purpose": "CS302",
                                              "as_of": AS_OF}, headers=api.h("officer"))
    assert r.status_code == 201, r.text
    return r.json()


def test_post_assessment_stores_outcome_findings_and_candidates(api, cloud):
    assert cloud["purpose"] == "CS302" and cloud["as_of"] == AS_OF
    assert cloud["outcome"] in {"full", "partial", "alternative", "conditional", "refused", "insufficient_information"}
    a = cloud["assessment"]
    assert a["outcome"] == cloud["outcome"] and a["purpose"]["course_id"] == "CS302" and a["purpose"]["requested"]
    checks = [f["check"] for f in a["findings"]]
    assert "learning_outcomes" in checks and "level" in checks and "workload" in checks
    assert a["candidates"][0]["course_id"] == "CS302"
    assert a["versions"]["model"] == "sentence-transformers/all-MiniLM-L6-v2@onnx-int8"
    assert cloud["decision"] is None and cloud["precedents"] == []
    again = api.client.get(f"/assessments/{cloud['id']}", headers=api.h("registrar"))
    assert again.status_code == 200 and again.json()["assessment"] == a


def test_without_purpose_the_engine_chooses(api):
    r = api.client.post("/assessments", json={"credential": credential("mc-helsinki-ml-2025"), "as_of": AS_OF},
                        headers=api.h("registrar"))
    assert r.status_code == 201, r.text
    assert r.json()["assessment"]["purpose"]["requested"] is False
    by_programme = api.client.post("/assessments", json={"credential": credential("mc-helsinki-ml-2025"),
                                                         "programme": "MSC-DS", "as_of": AS_OF}, headers=api.h("officer"))
    assert by_programme.status_code == 201
    # The credential is the bachelor's CS301 Machine Learning; no course of the master's
    # programme is clearly what it is about, so the engine asks for the purpose.
    assert by_programme.json()["purpose"] is None and by_programme.json()["outcome"] == "insufficient_information"


def test_raw_documents_in_any_format(api):
    elm = (FIXTURES / "elm_mc_annex1.jsonld").read_text(encoding="utf-8")
    r = api.client.post("/assessments", json={"document": elm, "as_of": AS_OF}, headers=api.h("officer"))
    assert r.status_code == 201, r.text
    upload = api.client.post("/assessments", headers=api.h("officer"),
                             files={"file": ("elmo_example.xml", (FIXTURES / "elmo_example.xml").read_bytes(), "application/xml")},
                             data={"credential_id": "1000-217bMRJ", "as_of": AS_OF})
    assert upload.status_code == 201, upload.text
    assert upload.json()["credential_id"] == "1000-217bMRJ"
    assert upload.json()["assessment"]["notes"]  # the importer's notes travel with the assessment
    several = api.client.post("/assessments", headers=api.h("officer"),
                              files={"file": ("elmo_example.xml", (FIXTURES / "elmo_example.xml").read_bytes())})
    assert several.status_code == 422 and several.json()["errors"][0]["field"] == "credential_id"
    native = api.client.post("/assessments", headers=api.h("officer"), data={"purpose": "CS208", "as_of": AS_OF},
                             files={"file": ("aalto.yaml", credential_yaml("mc-aalto-hci-2025"))})
    assert native.status_code == 201 and native.json()["purpose"] == "CS208"


def credential_yaml(name: str) -> bytes:
    from apihelpers import EXAMPLES

    return (EXAMPLES / "credentials" / f"{name}.yaml").read_bytes()


def test_stacked_credentials(api):
    parts = [credential("mc-tum-bigdata-2025"), credential("mc-helsinki-ml-2025")]
    body = {"credentials": parts, "stack": True, "purpose": "CS301", "as_of": AS_OF}
    mixed = api.client.post("/assessments", json=body, headers=api.h("officer"))
    assert mixed.status_code == 422 and mixed.json()["errors"][0]["field"] == "learner"  # two learners' credentials
    for part in parts:
        part["learner"] = {"identifier": "S-77"}
    r = api.client.post("/assessments", json=body, headers=api.h("officer"))
    assert r.status_code == 201, r.text
    assert r.json()["assessment"]["stacked_from"] == ["mc-tum-bigdata-2025", "mc-helsinki-ml-2025"]


@pytest.mark.parametrize("body, field", [
    ({"credential": {**credential("mc-asu-cloud-2025"), "country": "United States"}}, "credential.country"),
    ({"credential": credential("mc-asu-cloud-2025"), "purpose": "NOPE101"}, "purpose"),
    ({"credential": credential("mc-asu-cloud-2025"), "as_of": "01/09/2025"}, "as_of"),
    ({"credential": credential("mc-asu-cloud-2025"), "colour": "blue"}, "colour"),
    ({"purpose": "CS302"}, "credential"),
    ({"credential": {**credential("mc-asu-cloud-2025"), "workload": {"value": -3, "unit": "ects"}}}, "credential.workload"),
])
def test_bad_input_is_422_naming_the_field(api, body, field):
    r = api.client.post("/assessments", json=body, headers=api.h("officer"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    assert problem["status"] == 422 and problem["title"] == "Invalid input"
    assert any(e["field"].startswith(field) for e in problem["errors"]), problem
    assert field.split(".")[0] in problem["detail"]


def test_malformed_json_and_wrong_media_type(api):
    r = api.client.post("/assessments", content=b"{not json", headers={**api.h("officer"), "Content-Type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
    r = api.client.post("/assessments", content=b"hello", headers={**api.h("officer"), "Content-Type": "text/plain"})
    assert r.status_code == 415 and r.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize("fmt, media, marker", [("html", "text/html", "<h1>"), ("markdown", "text/markdown", "# Recognition"),
                                                ("text", "text/plain", "Recognition of")])
def test_explanation_formats(api, cloud, fmt, media, marker):
    r = api.client.get(f"/assessments/{cloud['id']}/explanation?format={fmt}", headers=api.h("analyst"))
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert marker in r.text and "CS302" in r.text


def test_explanation_format_must_be_known(api, cloud):
    r = api.client.get(f"/assessments/{cloud['id']}/explanation?format=pdf", headers=api.h("analyst"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "format"
    assert api.client.get("/assessments/nope/explanation", headers=api.h("analyst")).status_code == 404


def test_decisions_are_append_only_and_the_history_keeps_them_all(api, cloud):
    url = f"/assessments/{cloud['id']}/decisions"
    missing = api.client.post(url, json={"outcome": "full"}, headers=api.h("officer"))
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    blank = api.client.post(url, json={"outcome": "full", "reason": "   "}, headers=api.h("officer"))
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    wrong = api.client.post(url, json={"outcome": "maybe", "reason": "because"}, headers=api.h("officer"))
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "outcome"

    other = "refused" if cloud["outcome"] != "refused" else "full"
    first = api.client.post(url, json={"outcome": other, "reason": "The lab component was never assessed."},
                            headers=api.h("officer"))
    assert first.status_code == 201, first.text
    d1 = first.json()
    assert d1["seq"] == 1 and d1["differs_from_recommendation"] and d1["recommended_outcome"] == cloud["outcome"]
    assert d1["course_id"] == "CS302" and d1["decided_by"]["name"] == "test officer"
    second = api.client.post(url, json={"outcome": cloud["outcome"], "reason": "Appeal upheld: lab evidence supplied."},
                             headers=api.h("officer")).json()
    assert second["seq"] == 2 and not second["differs_from_recommendation"]

    for method in ("put", "patch", "delete"):
        assert getattr(api.client, method)(url, headers=api.h("admin")).status_code == 405
        assert getattr(api.client, method)(f"{url}/{d1['id']}", headers=api.h("admin")).status_code in (404, 405)

    history = api.client.get(f"/assessments/{cloud['id']}/history", headers=api.h("analyst")).json()
    assert [d["seq"] for d in history["decisions"]] == [1, 2]
    assert history["decisions"][0]["outcome"] == other and history["decisions"][0]["reason"].startswith("The lab")
    assert history["current_outcome"] == cloud["outcome"] and history["recommendation"]["outcome"] == cloud["outcome"]
    assert [e["action"] for e in history["events"]] == ["assessment.created", "decision.recorded", "decision.recorded"]
    assert api.client.get(f"/assessments/{cloud['id']}", headers=api.h("analyst")).json()["decision"]["seq"] == 2

    # Not even the database lets the trail change.
    with api.resources.db_engine.connect() as conn:
        for statement in ("UPDATE decisions SET outcome = 'full'", "DELETE FROM decisions",
                          "UPDATE audit_events SET action = 'x'"):
            with pytest.raises(Exception, match="append-only"):
                with conn.begin():
                    conn.execute(text(statement))


def test_precedents_show_earlier_decisions_on_the_same_credential(api):
    first_body = {"credential": {**credential("mc-porto-webdb-2024"), "learner": {"identifier": "P-1"}}, "as_of": AS_OF}
    first = api.client.post("/assessments", json=first_body, headers=api.h("officer")).json()
    api.client.post(f"/assessments/{first['id']}/decisions", json={"outcome": "partial", "credits": 3,
                                                                   "reason": "Only the database half is covered."},
                    headers=api.h("officer"))
    # The same credential held by another learner, outcomes reordered and re-spaced: still a precedent.
    c = credential("mc-porto-webdb-2024")
    c["learner"] = {"identifier": "P-2"}
    c["learning_outcomes"] = ["  " + t.upper() for t in reversed(c["learning_outcomes"])]
    second = api.client.post("/assessments", json={"credential": c, "as_of": AS_OF}, headers=api.h("officer")).json()
    assert second["fingerprint"] == first["fingerprint"]
    [precedent] = second["precedents"]
    assert precedent["assessment_id"] == first["id"] and precedent["decided_outcome"] == "partial"
    assert precedent["credits"] == 3 and precedent["reason"].startswith("Only the database")
    other = api.client.post("/assessments", json={"credential": credential("mc-ou-os-2024"), "as_of": AS_OF},
                            headers=api.h("officer")).json()
    assert other["precedents"] == []
    listed = api.client.get(f"/assessments?fingerprint={first['fingerprint']}", headers=api.h("analyst")).json()
    assert listed["total"] == 2

    # The letter: the precedent, then the officer's own decision with its appeal deadline and the office.
    letter = api.client.get(f"/assessments/{second['id']}/explanation?format=text", headers=api.h("analyst")).text
    assert "Earlier decisions on the same credential" in letter and "Only the database half is covered." in letter
    assert "has not decided yet" in letter
    decided = api.client.post(f"/assessments/{second['id']}/decisions", json={"outcome": "refused", "reason": "No lab work shown."},
                              headers=api.h("officer")).json()
    day = dt.date.fromisoformat(decided["decided_at"][:10])
    letter = api.client.get(f"/assessments/{second['id']}/explanation?format=text", headers=api.h("analyst")).text
    assert "Decision: Recognition refused" in letter and "No lab work shown." in letter
    assert f"Deadline: {day + dt.timedelta(days=42)}" in letter and "Write to: Recognition Office, Universiteit van Voorbeeld" in letter


def test_assessment_list_is_paginated(api, cloud):
    page = api.client.get("/assessments?limit=2", headers=api.h("analyst")).json()
    assert len(page["items"]) == 2 and page["total"] >= 3 and page["next"] == "/assessments?limit=2&offset=2"
    full = api.client.get("/assessments?outcome=" + cloud["outcome"], headers=api.h("analyst")).json()
    assert all(i["outcome"] == cloud["outcome"] for i in full["items"])


def test_learner_identifiers_never_reach_the_logs(api, caplog):
    secret = "urn:learner:SECRET-4711"
    caplog.set_level(logging.DEBUG)
    c = {**credential("mc-ugent-privacy-2024"), "learner": {"name": "Hidden Name", "identifier": secret}}
    r = api.client.post("/assessments", json={"credential": c, "as_of": AS_OF}, headers=api.h("officer"))
    assert r.status_code == 201
    assert r.json()["assessment"]["credential"]["learner"]["identifier"] == secret  # stored and returned...
    assert secret not in caplog.text and "Hidden Name" not in caplog.text  # ...never logged
    assert api.resources.pseudonym(secret) in caplog.text
