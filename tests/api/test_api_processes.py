"""Real processes: the API under uvicorn on a loopback port, and a batch worker killed mid-batch."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import func, select

from apihelpers import AS_OF, BACKENDS, ROOT, credential, free_port, fresh_database, service_env

GOOD = ["mc-asu-cloud-2025", "mc-helsinki-ml-2025", "mc-ou-os-2024", "mc-porto-webdb-2024", "mc-um-stats-2024",
        "mc-ugent-privacy-2024", "mc-tum-bigdata-2025", "mc-aalto-hci-2025", "mc-cdetb-oop-2024", "mc-kuleuven-dl-2025",
        "mc-unibo-nlp-2025"]


def _wait(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what}: the process exited with {proc.returncode}")
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_real_uvicorn_process_serves_the_api(api, tmp_path):
    port = free_port()
    log_path = tmp_path / "server.log"
    secret = "urn:learner:UVICORN-SECRET-31"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "api"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                env=service_env(api.url, RECOGNITION_PORT=str(port), RECOGNITION_RUN_WORKER="false"))
    base = f"http://127.0.0.1:{port}"
    try:
        def healthy():
            try:
                return httpx.get(f"{base}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(healthy, 120, "the server to become healthy", proc)
        with httpx.Client(base_url=base, timeout=60) as http:
            assert http.get("/catalogue/courses").status_code == 401
            c = {**credential("mc-asu-cloud-2025"), "learner": {"identifier": secret}}
            r = http.post("/assessments", json={"credential": c, "purpose": "CS302", "as_of": AS_OF},
                          headers={"Authorization": f"Bearer {api.keys['officer']}"})
            assert r.status_code == 201, r.text
            assert r.headers["location"] == f"/assessments/{r.json()['id']}"
            assert "server" not in r.headers and r.headers["x-content-type-options"] == "nosniff"  # no banner
            bad = http.post("/assessments", json={"credential": {"id": "x", "country": "Nowhere"}},
                            headers={"X-API-Key": api.keys["officer"]})
            assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
            assert bad.json()["errors"][0]["field"] == "credential.country"
        # The in-process app on the same database sees what the server stored.
        assert api.client.get(f"/assessments/{r.json()['id']}", headers=api.h("analyst")).json()["outcome"] == r.json()["outcome"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    output = log_path.read_text()
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]  # structured: JSON lines
    messages = [r["message"] for r in records]
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert "Application startup complete." in messages and any('POST /assessments HTTP/1.1" 201' in m for m in messages)
    assert secret not in output


def _rows(url):
    from api.db import make_engine, migrate, session_factory

    engine = make_engine(url)
    migrate(engine)
    return engine, session_factory(engine)


def _status(sessions, batch_id):
    from api.models import BatchRow

    with sessions() as session:
        return dict(session.execute(select(BatchRow.status, func.count()).where(BatchRow.batch_id == batch_id)
                                    .group_by(BatchRow.status)).all())


@pytest.mark.parametrize("backend", BACKENDS)
def test_killed_worker_resumes_with_every_row_assessed_exactly_once(backend, tmp_path):
    from recognition_engine.batch import read_batch
    from api.models import Assessment, BatchRow, Worker
    from api.services import new_batch

    url, drop = fresh_database(backend, tmp_path, "crash")
    engine, sessions = _rows(url)
    try:
        lines = [json.dumps({"learner": f"urn:learner:CRASH-{i}", "purpose": None, "credential": credential(name)})
                 for i, name in enumerate(GOOD)]
        lines.insert(5, json.dumps({"learner": "urn:learner:CRASH-bad", "credential": {"id": "bad", "country": "XYZ"}}))
        _, rows = read_batch("\n".join(lines).encode(), "returns.jsonl")
        with sessions() as session:
            batch = new_batch(session, rows=rows, source="returns.jsonl", fmt="jsonl", created_by="test", purpose=None,
                              programme=None, as_of=dt.date.fromisoformat(AS_OF))
            session.commit()
            batch_id = batch.id
        total = len(rows)

        worker = [sys.executable, "-m", "api.cli", "worker"]
        first_log = (tmp_path / "worker1.log").open("w")
        first = subprocess.Popen(worker, cwd=ROOT, stdout=first_log, stderr=subprocess.STDOUT, env=service_env(
            url, RECOGNITION_WORKER_ROW_DELAY="0.4", RECOGNITION_WORKER_CHUNK="3", RECOGNITION_WORKER_POLL_SECONDS="0.2"))
        try:
            _wait(lambda: (lambda s: s.get("done", 0) + s.get("error", 0) >= 3 and s.get("running", 0) > 0)(
                _status(sessions, batch_id)), 180, "the first worker to finish three rows", first)
            first.send_signal(signal.SIGKILL)  # mid-batch: it holds claimed rows that it never finishes
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
            first_log.close()
        killed = _status(sessions, batch_id)
        assert killed.get("running", 0) > 0 and killed.get("done", 0) + killed.get("error", 0) < total, killed

        second = subprocess.run(worker + ["--exit-when-idle"], cwd=ROOT, env=service_env(url, RECOGNITION_WORKER_POLL_SECONDS="0.2"),
                                capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "requeued" in second.stdout + second.stderr

        assert _status(sessions, batch_id) == {"done": len(GOOD), "error": 1}
        with sessions() as session:
            per_row = dict(session.execute(
                select(BatchRow.row_number, func.count(Assessment.id))
                .join(Assessment, Assessment.batch_row_id == BatchRow.id, isouter=True)
                .where(BatchRow.batch_id == batch_id).group_by(BatchRow.row_number)).all())
            attempts = dict(session.execute(select(BatchRow.row_number, BatchRow.attempts)
                                            .where(BatchRow.batch_id == batch_id)).all())
            stored = session.execute(select(func.count()).select_from(Assessment)
                                     .where(Assessment.batch_id == batch_id)).scalar_one()
            error_row = session.execute(select(BatchRow).where(BatchRow.batch_id == batch_id,
                                                               BatchRow.status == "error")).scalar_one()
            dead = session.execute(select(Worker).where(Worker.pid == first.pid)).scalar_one()
        assert per_row == {r.row: (0 if r.row == 6 else 1) for r in rows}  # every good row exactly once, none lost
        assert stored == len(GOOD)
        assert max(attempts.values()) == 2  # the rows the killed worker held were claimed again
        assert error_row.row_number == 6 and "row 6" in error_row.error and "country" in error_row.error
        assert dead.stopped_at is not None
        logs = (tmp_path / "worker1.log").read_text() + second.stdout + second.stderr
        assert "urn:learner:CRASH" not in logs
    finally:
        engine.dispose()
        drop()


def test_api_package_stays_out_of_the_engine():
    code = "import sys, recognition_engine, recognition_engine.cli; " \
           "print(sorted(m for m in ('fastapi', 'sqlalchemy', 'starlette', 'api') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=os.environ.copy())
    assert out.stdout.strip() == "[]", out.stderr
