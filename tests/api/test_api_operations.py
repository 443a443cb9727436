"""What a university's IT expects: /health and /ready, Prometheus /metrics, Idempotency-Key."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from apihelpers import AS_OF, credential, multipart


def test_ready_and_health(api):
    ready = api.client.get("/ready")
    assert ready.status_code == 200 and ready.json()["ready"] and ready.json()["database"]["ready"]
    assert api.client.get("/health").json()["status"] == "ok"


def test_metrics_count_requests_batch_rows_and_encoder_work(api):
    api.client.get("/catalogue", headers=api.h("analyst"))
    r = api.client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'recognition_http_requests_total{method="GET",route="/catalogue",status="200"}' in text
    assert 'recognition_http_request_duration_seconds_bucket{le="0.1",method="GET",route="/catalogue"}' in text
    assert 'recognition_encoder_cache_hits_total{model="sentence-transformers/all-MiniLM-L6-v2@onnx-int8"}' in text
    assert "recognition_encoder_texts_encoded_total" in text and "recognition_batch_rows_total" in text


def _count(api, model) -> int:
    with api.resources.sessions() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_retried_assessment_is_answered_again_not_stored_twice(api):
    from api.models import Assessment

    body = {"credential": credential("mc-ou-os-2024"), "purpose": "CS205", "as_of": AS_OF}
    headers = {**api.h("officer"), "Idempotency-Key": str(uuid.uuid4())}
    before = _count(api, Assessment)
    first = api.client.post("/assessments", json=body, headers=headers)
    again = api.client.post("/assessments", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true" and _count(api, Assessment) == before + 1
    other = api.client.post("/assessments", json={**body, "purpose": "CS302"}, headers=headers)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_racing_retries_of_a_batch_create_one_batch(api):
    from api.models import Batch

    data = b"id,title,learning_outcomes,purpose\nmc-i1,Cloud,Compare IaaS and PaaS.,CS302\n"
    headers = {**api.h("registrar"), "Idempotency-Key": str(uuid.uuid4()), "Content-Type": "text/csv"}
    before = _count(api, Batch)

    def submit(_):
        return api.client.post(f"/batches?as_of={AS_OF}", content=data, headers=headers)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(submit, range(4)))
    assert {a.status_code for a in answers} == {202}, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1 and _count(api, Batch) == before + 1
    api.wait_batch(answers[0].json()["id"])


@pytest.mark.parametrize("path,status,model,file", [
    ("/batches", 202, "Batch", ("returns.csv", b"id,title,learning_outcomes,purpose\nmc-u1,Cloud,Compare IaaS and PaaS.,CS302\n")),
    ("/assessments", 201, "Assessment", ("c.csv", b"id,title,learning_outcomes\nmc-u2,Cloud,Compare IaaS and PaaS.\n")),
])
def test_a_retried_upload_is_answered_again_whatever_its_boundary(api, path, status, model, file):
    """The fuzzer's failing request: multipart/form-data with a file and an Idempotency-Key was
    a 500 ("Stream consumed": the key's hash read the body the form parser had consumed). A
    client picks a new boundary for each send, so the retry must match on what was uploaded."""
    import api.models as m

    headers = {**api.h("registrar"), "Idempotency-Key": str(uuid.uuid4())}
    before = _count(api, getattr(m, model))
    answers = []
    for boundary in ("first-send", "the-retry"):
        body, ctype = multipart(boundary, ("file", *file), ("purpose", None, b"CS302"), ("as_of", None, AS_OF.encode()))
        answers.append(api.client.post(path, content=body, headers={**headers, **ctype}))
    first, again = answers
    assert first.status_code == again.status_code == status, first.text
    assert again.json()["id"] == first.json()["id"] and again.headers["idempotent-replayed"] == "true"
    assert _count(api, getattr(m, model)) == before + 1
    body, ctype = multipart("other", ("file", file[0], file[1] + b"\n"), ("purpose", None, b"CS205"))
    other = api.client.post(path, content=body, headers={**headers, **ctype})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    if model == "Batch":
        api.wait_batch(first.json()["id"])
