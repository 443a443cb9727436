"""Health, catalogue, auth, limits and problem details."""

from __future__ import annotations

import time
from pathlib import Path

from apihelpers import EXAMPLES, run_cli

PROBLEM = "application/problem+json"


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from api.db import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_health_reports_model_catalogue_and_database(api):
    r = api.client.get("/health")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ok"
    assert body["model"]["ready"] and "sentence-transformers/all-MiniLM-L6-v2@onnx-int8" in body["model"]["loaded"]
    assert body["catalogue"]["courses"] == 46 and body["catalogue"]["programmes"] == 2
    assert body["database"] == {"ready": True, "dialect": api.backend, "revision": _head_revision()}


def test_the_multilingual_index_is_built_in_the_background_at_start(api):
    """An English catalogue under `auto`: credentials in other languages use multilingual-e5,
    whose index the server builds after start-up, so no request waits for it."""
    deadline = time.time() + 120
    while time.time() < deadline:
        loaded = api.client.get("/health").json()["model"]["loaded"]
        if any(m.startswith("intfloat/multilingual-e5-small") for m in loaded):
            break
        time.sleep(0.2)
    assert len(loaded) == 2 and "sentence-transformers/all-MiniLM-L6-v2@onnx-int8" in loaded, loaded


def test_openapi_docs_are_served(api):
    assert api.client.get("/docs").status_code == 200
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in ("/health", "/catalogue/courses", "/assessments", "/assessments/{assessment_id}/decisions",
                 "/assessments/{assessment_id}/history", "/batches", "/batches/{batch_id}/results"):
        assert path in paths


def test_no_key_is_401_with_problem_details(api):
    r = api.client.get("/catalogue/courses")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["status"] == 401 and "API key" in r.json()["detail"]
    bad = api.client.get("/catalogue/courses", headers={"X-API-Key": api.keys["officer"] + "x"})
    assert bad.status_code == 401


def test_wrong_role_is_403(api):
    r = api.client.post("/assessments", json={"credential": {"id": "x"}}, headers=api.h("analyst"))
    assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["allowed_roles"] == ["officer", "registrar", "admin"]
    assert api.client.post("/catalogue/import", headers=api.h("officer"),
                           files={"file": ("c.yaml", b"courses: []")}).status_code == 403
    assert api.client.post("/assessments/nope/decisions", json={"outcome": "full", "reason": "fine"},
                           headers=api.h("registrar")).status_code == 403
    assert api.client.get("/catalogue", headers={"X-API-Key": api.keys["analyst"]}).status_code == 200


def test_keys_from_the_cli_are_stored_hashed_and_can_be_revoked(api):
    created = run_cli(["keys", "create", "--role", "analyst", "--name", "CLI analyst"], api.url)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    key_id = key.split("_")[1]
    assert api.client.get("/catalogue", headers={"X-API-Key": key}).status_code == 200
    from sqlalchemy import select

    from api.models import ApiKey

    with api.resources.sessions() as session:
        stored = session.execute(select(ApiKey).where(ApiKey.id == key_id)).scalar_one()
        assert key.split("_", 2)[2] not in stored.key_hash and len(stored.key_hash) == 64
    listed = run_cli(["keys", "list"], api.url)
    assert key_id in listed.stdout and "CLI analyst" in listed.stdout and key not in listed.stdout
    assert run_cli(["keys", "revoke", key_id], api.url).returncode == 0
    assert api.client.get("/catalogue", headers={"X-API-Key": key}).status_code == 401
    assert f"{key_id}  analyst    revoked" in run_cli(["keys", "list"], api.url).stdout


def test_catalogue_lists_are_paginated_and_searchable(api):
    r = api.client.get("/catalogue/courses?limit=10&offset=40", headers=api.h("analyst"))
    body = r.json()
    assert body["total"] == 46 and len(body["items"]) == 6 and body["next"] is None
    first = api.client.get("/catalogue/courses?limit=10", headers=api.h("analyst")).json()
    assert first["next"] == "/catalogue/courses?limit=10&offset=10"
    found = api.client.get("/catalogue/courses", params={"q": "cloud service models"}, headers=api.h("analyst")).json()
    assert [c["id"] for c in found["items"]] == ["CS302"]
    course = api.client.get("/catalogue/courses/CS302", headers=api.h("analyst")).json()
    assert course["ects"] == 5 and course["learning_outcomes"] and course["programmes"] == ["BSC-CS"]
    programmes = api.client.get("/catalogue/programmes", headers=api.h("analyst")).json()
    assert {p["id"] for p in programmes["items"]} == {"BSC-CS", "MSC-DS"}
    msc = api.client.get("/catalogue/programmes/MSC-DS", headers=api.h("analyst")).json()
    assert "CS304" in msc["courses"]
    in_programme = api.client.get("/catalogue/courses?programme=MSC-DS&limit=100", headers=api.h("analyst")).json()
    assert in_programme["total"] == len(msc["courses"])
    missing = api.client.get("/catalogue/courses/NOPE", headers=api.h("analyst"))
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(PROBLEM)


def test_page_size_above_the_maximum_is_422_naming_the_field(api):
    r = api.client.get("/catalogue/courses?limit=1000", headers=api.h("analyst"))
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["errors"][0]["field"] == "limit"
    r = api.client.get("/catalogue/courses?offset=-1", headers=api.h("analyst"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "offset"


def test_oversized_body_is_413(api):
    big = b"x" * 1_200_000  # the test app allows 1 MB
    r = api.client.post("/assessments", content=big, headers={**api.h("officer"), "Content-Type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["status"] == 413

    def chunks():  # no Content-Length: the bytes are counted as they arrive
        for _ in range(12):
            yield b"y" * 100_000

    r = api.client.post("/batches", content=chunks(), headers={**api.h("officer"), "Content-Type": "text/csv"})
    assert r.status_code == 413 and r.headers["content-type"].startswith(PROBLEM)


def _imported(api, name: str, data: bytes) -> dict:
    """Import a catalogue and wait for its job to finish."""
    r = api.client.post("/catalogue/import", headers=api.h("admin"), files={"file": (name, data)})
    assert r.status_code == 202, r.text
    deadline = time.time() + 120
    while (job := api.client.get(r.headers["location"], headers=api.h("admin")).json())["state"] == "indexing":
        assert time.time() < deadline, job
        time.sleep(0.1)
    return job


def test_catalogue_import_is_validated_and_switches_the_engine(api):
    bad = api.client.post("/catalogue/import", headers=api.h("admin"),
                          files={"file": ("cat.csv", b"id,title,ects,learning_outcomes\nX1,Thing,lots,Do things\n")})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(PROBLEM)
    assert bad.json()["errors"][0]["field"] == "ects" and "row 2" in bad.json()["errors"][0]["location"]
    job = _imported(api, "catalogue_small.csv", (EXAMPLES / "catalogue_small.csv").read_bytes())
    try:
        assert job["state"] == "active", job
        assert api.client.get("/catalogue", headers=api.h("analyst")).json()["courses"] == job["courses"]
    finally:
        assert _imported(api, "catalogue.yaml", (EXAMPLES / "catalogue.yaml").read_bytes())["state"] == "active"
    assert api.client.get("/health").json()["catalogue"]["courses"] == 46


def test_assessments_are_served_while_a_catalogue_is_indexed(api, monkeypatch):
    """The import builds its index off the lock: requests go on with the current catalogue
    until the new one is switched to, at once."""
    import threading

    import api.resources as resources
    from apihelpers import AS_OF, credential

    indexing, release = threading.Event(), threading.Event()
    real_index = resources._index

    def slow_index(engine):
        indexing.set()
        assert release.wait(60)
        real_index(engine)

    monkeypatch.setattr(resources, "_index", slow_index)
    before = api.client.get("/catalogue", headers=api.h("analyst")).json()["id"]
    r = api.client.post("/catalogue/import", headers=api.h("admin"),
                        files={"file": ("catalogue.yaml", (EXAMPLES / "catalogue.yaml").read_bytes())})
    assert r.status_code == 202 and indexing.wait(30)
    try:
        for _ in range(3):
            served = api.client.post("/assessments", headers=api.h("officer"),
                                     json={"credential": credential("mc-asu-cloud-2025"), "purpose": "CS302", "as_of": AS_OF})
            assert served.status_code == 201 and served.json()["catalogue_id"] == before
        assert api.client.get(r.headers["location"], headers=api.h("analyst")).json()["state"] == "indexing"
    finally:
        release.set()
    deadline = time.time() + 120
    while api.client.get("/catalogue", headers=api.h("analyst")).json()["id"] == before:
        assert time.time() < deadline
        time.sleep(0.1)
    after = api.client.get(r.headers["location"], headers=api.h("analyst")).json()
    assert after["state"] == "active" and after["id"] == api.client.get("/catalogue", headers=api.h("analyst")).json()["id"]


def test_failed_keys_are_throttled_per_address(api):
    from api.throttle import FailedAuthThrottle

    usual, api.app.state.throttle = api.app.state.throttle, FailedAuthThrottle(max_failures=3, window=60)
    try:
        wrong = {"X-API-Key": api.keys["officer"] + "x"}
        assert [api.client.get("/catalogue", headers=wrong).status_code for _ in range(3)] == [401, 401, 401]
        limited = api.client.get("/catalogue", headers=api.h("officer"))  # even a good key waits: the address is throttled
        assert limited.status_code == 429 and limited.headers["content-type"].startswith(PROBLEM)
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert api.app.state.throttle.retry_after("192.0.2.7") is None  # another address is not affected
    finally:
        api.app.state.throttle = usual


def test_every_response_carries_security_headers(api, monkeypatch):
    from fastapi.testclient import TestClient

    import api.routers.catalogue as catalogue_routes

    answers = [api.client.get("/health"), api.client.get("/catalogue"), api.client.get("/assessments?offset=-1",
               headers=api.h("analyst")), api.client.get("/assessments/%00", headers=api.h("analyst")),
               api.client.get("/nowhere")]
    monkeypatch.setattr(catalogue_routes, "_course_summary", lambda *_: 1 / 0)
    answers.append(TestClient(api.app, raise_server_exceptions=False).get("/catalogue/courses", headers=api.h("analyst")))
    assert [r.status_code for r in answers] == [200, 401, 422, 422, 404, 500]
    for r in answers:
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY", r.url
        assert "default-src 'none'" in r.headers["content-security-policy"] and r.headers["cache-control"] == "no-store"
    docs = api.client.get("/docs").headers["content-security-policy"]  # Swagger UI is served from here: no CDN
    assert "https:" not in docs and "unsafe-inline" not in docs
