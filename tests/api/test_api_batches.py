"""Batches: submission, progress, per-row errors, results; and the CLI's `recognise batch`."""

from __future__ import annotations

import csv
import io
import json
import logging
import subprocess
import sys
import zipfile

import pytest
from sqlalchemy import func, select

from apihelpers import AS_OF, FIXTURES, ROOT, credential, service_env

SECRET_LEARNER = "urn:learner:BATCH-SECRET-0042"


def jsonl_batch() -> tuple[bytes, dict[int, str]]:
    """Seven lines (one blank): four good rows, three bad ones; returns the file and the expected errors by row."""
    lines = [
        json.dumps({"learner": SECRET_LEARNER, "purpose": "CS302",  # the return names the learner, the credential not
                    "credential": {k: v for k, v in credential("mc-asu-cloud-2025").items() if k != "learner"}}),
        '{"learner": "S-2", "credential": ',  # row 2: broken JSON
        json.dumps({"learner": "S-3", "purpose": "NOPE", "credential": credential("mc-ou-os-2024")}),
        json.dumps({"learner": "S-4", "document": (FIXTURES / "elm_mc_annex1.jsonld").read_text(encoding="utf-8")}),
        "",
        json.dumps({"learner": "S-6", "credential": {**credential("mc-um-stats-2024"), "country": "Atlantis"}}),
        json.dumps({"learner": "S-7", "programme": "MSC-DS", "credential": credential("mc-kuleuven-dl-2025")}),
    ]
    return "\n".join(lines).encode(), {2: "invalid JSON", 3: "field 'purpose'", 6: "field 'credential.country'"}


def _assessments_per_row(api, batch_id: str) -> dict[int, int]:
    from api.models import Assessment, BatchRow

    with api.resources.sessions() as session:
        rows = session.execute(select(BatchRow.row_number, func.count(Assessment.id))
                               .join(Assessment, Assessment.batch_row_id == BatchRow.id, isouter=True)
                               .where(BatchRow.batch_id == batch_id).group_by(BatchRow.row_number)).all()
    return dict(rows)


def test_jsonl_batch_reports_bad_rows_and_finishes_the_rest(api, caplog):
    caplog.set_level(logging.INFO)
    data, expected_errors = jsonl_batch()
    r = api.client.post("/batches", headers=api.h("registrar"), files={"file": ("returns.jsonl", data)},
                        data={"as_of": AS_OF})
    assert r.status_code == 202, r.text
    assert r.json()["total"] == 6 and r.json()["status"] in ("queued", "running", "done")
    done = api.wait_batch(r.json()["id"])
    assert done["done"] == 3 and done["error"] == 3 and done["progress"] == 1.0 and done["finished_at"]
    errors = {e["row"]: e["reason"] for e in done["errors"]}
    assert set(errors) == set(expected_errors)
    for row, needle in expected_errors.items():
        assert f"row {row}" in errors[row] and needle in errors[row], errors[row]

    results = api.client.get(f"/batches/{done['id']}/results", headers=api.h("analyst")).json()
    assert results["status"] == "done"
    by_row = {i["row"]: i for i in results["items"]}
    assert set(by_row) == {1, 2, 3, 4, 6, 7}
    assert by_row[1]["purpose"] == "CS302" and by_row[1]["status"] == "done" and by_row[1]["assessment_id"]
    assert by_row[1]["learner"] == api.resources.pseudonym(SECRET_LEARNER)  # analysts see pseudonyms only
    assert by_row[7]["purpose"] in api.client.get("/catalogue/programmes/MSC-DS", headers=api.h("analyst")).json()["courses"]
    stored = api.client.get(f"/assessments/{by_row[1]['assessment_id']}", headers=api.h("registrar")).json()
    assert stored["batch_id"] == done["id"] and stored["assessment"]["credential"]["learner"]["identifier"] == SECRET_LEARNER

    as_csv = api.client.get(f"/batches/{done['id']}/results?format=csv", headers=api.h("analyst"))
    assert as_csv.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [int(x["row"]) for x in lines] == [1, 2, 3, 4, 6, 7]
    assert lines[1]["status"] == "error" and "invalid JSON" in lines[1]["error"]

    assert _assessments_per_row(api, done["id"]) == {1: 1, 2: 0, 3: 0, 4: 1, 6: 0, 7: 1}  # each good row exactly once
    assert SECRET_LEARNER not in caplog.text and api.resources.pseudonym(SECRET_LEARNER) in caplog.text


def test_csv_batch_as_raw_body(api):
    header = "id,title,learning_outcomes,workload,level,learner,purpose"
    rows = [
        'c1,Data Structures,"Implement linked lists, stacks and queues. | Use hash tables.",6 tín chỉ,VQF 6,S-10,CS201',
        'c2,Broken level,"Write SQL queries.",5 ECTS,EQF 11,S-11,CS203',
        'c3,Cloud,"Compare IaaS, PaaS and SaaS offerings.",3 US semester credit hours,EQF 6,S-12,',
    ]
    r = api.client.post(f"/batches?as_of={AS_OF}&purpose=CS302", content="\n".join([header, *rows]).encode(),
                        headers={**api.h("officer"), "Content-Type": "text/csv"})
    assert r.status_code == 202, r.text
    done = api.wait_batch(r.json()["id"])
    assert done["format"] == "csv" and done["total"] == 3 and done["done"] == 2
    [error] = done["errors"]
    assert error["row"] == 3 and "field 'level'" in error["reason"]  # the header is row 1
    items = {i["row"]: i for i in api.client.get(f"/batches/{done['id']}/results", headers=api.h("officer")).json()["items"]}
    assert items[2]["purpose"] == "CS201" and items[4]["purpose"] == "CS302"  # the batch default fills row 4


def test_batch_file_problems_are_422(api):
    r = api.client.post("/batches", headers=api.h("officer"), files={"file": ("x.csv", b"title,colour\nA,red\n")})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"colour", "id"} <= fields
    r = api.client.post("/batches", headers=api.h("officer"), files={"file": ("x.jsonl", b"\n\n")})
    assert r.status_code == 422 and "no rows" in r.json()["detail"]
    r = api.client.post("/batches", headers=api.h("officer"), data={"purpose": "NOPE"},
                        files={"file": ("x.jsonl", b'{"credential": {"id": "a"}}')})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "purpose"
    assert api.client.post("/batches", headers=api.h("analyst"), files={"file": ("x.jsonl", b"{}")}).status_code == 403
    assert api.client.get("/batches/nope", headers=api.h("analyst")).status_code == 404
    listed = api.client.get("/batches?limit=1", headers=api.h("analyst")).json()
    assert listed["limit"] == 1 and len(listed["items"]) <= 1


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """`recognise batch` on the JSON Lines batch: (the process, its results CSV lines)."""
    tmp_path = tmp_path_factory.mktemp("cli-batch")
    source = tmp_path / "returns.jsonl"
    source.write_bytes(jsonl_batch()[0])
    out = tmp_path / "out.csv"
    run = subprocess.run([sys.executable, "-m", "recognition_engine.cli", "batch", str(source), "--out", str(out), "--as-of", AS_OF],
                         cwd=ROOT, env=service_env("sqlite:///unused.sqlite"), capture_output=True, text=True, timeout=300)
    return run, list(csv.DictReader(out.open(encoding="utf-8"))) if out.exists() else []


def test_cli_batch_uses_the_same_kernel(cli_run):
    _, expected_errors = jsonl_batch()
    run, lines = cli_run
    assert run.returncode == 1, run.stderr  # some rows failed
    assert "6 row(s) (jsonl): 3 assessment(s), 3 row(s) failed" in run.stderr
    assert "row/s" in run.stderr or "6/6" in run.stderr  # the progress bar
    assert [int(x["row"]) for x in lines] == [1, 2, 3, 4, 6, 7]
    assert {int(x["row"]) for x in lines if x["status"] == "error"} == set(expected_errors)
    assert lines[0]["purpose"] == "CS302" and lines[0]["outcome"]


def test_service_worker_and_cli_give_identical_results(api, cli_run):
    """The same rows through the service (worker, 4 rows a claim, payloads through the
    database) and through `recognise batch` (64 rows a chunk, in process)."""
    r = api.client.post("/batches", headers=api.h("registrar"), files={"file": ("returns.jsonl", jsonl_batch()[0])},
                        data={"as_of": AS_OF})
    done = api.wait_batch(r.json()["id"])
    served = api.client.get(f"/batches/{done['id']}/results?format=csv", headers=api.h("registrar")).text
    keys = ("row", "learner", "credential_id", "purpose", "outcome", "summary", "credits", "alternative_course_id",
            "status", "error")
    assert [[x[k] for k in keys] for x in csv.DictReader(io.StringIO(served))] == [[x[k] for k in keys] for x in cli_run[1]]


def transcripts_zip(extra: dict[str, bytes] | None = None) -> bytes:
    """The ELMO/EWP fixture folder (two mobilities: three pairs, two row errors) as an upload."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted((FIXTURES / "transcripts").iterdir()):
            zf.writestr(f"returns/{path.name}", path.read_bytes())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_zip_of_transcripts_batch_assesses_each_pair_and_reports_what_it_cannot(api):
    data = transcripts_zip({"returns/readme.txt": b"not a transcript"})
    r = api.client.post("/batches", headers=api.h("registrar"), files={"file": ("returns.zip", data)},
                        data={"as_of": "2019-07-15"})
    assert r.status_code == 202, r.text
    done = api.wait_batch(r.json()["id"])
    assert done["format"] == "transcripts" and done["total"] == 6 and done["done"] == 3 and done["error"] == 3
    reasons = sorted(e["reason"] for e in done["errors"])
    assert any("readme.txt" in x and "not XML" in x for x in reasons)
    assert any("'Probability theory' is not on the transcript" in x for x in reasons)
    assert any("'Polish for foreigners, level A1' is on the transcript but not in the learning agreement" in x for x in reasons)

    items = {i["row"]: i for i in api.client.get(f"/batches/{done['id']}/results", headers=api.h("registrar")).json()["items"]}
    assert {i["purpose"] for i in items.values() if i["status"] == "done"} == {"CS102", "CS103", "CS106"}
    first = next(i for i in items.values() if i["purpose"] == "CS102")
    assert first["learner"].endswith(":2018-0977")
    stored = api.client.get(f"/assessments/{first['assessment_id']}", headers=api.h("registrar")).json()["assessment"]
    assert stored["credential"]["learner"]["name"] == "Jan Łukasz Kowalski"
    # how the transcript was paired with its agreement, and what ELMO cannot carry, stay with the assessment
    assert any("to be recognised as 'Discrete Mathematics' (CS102)" in n for n in stored["notes"])
    assert any("ELMO transcript cannot carry" in n for n in stored["notes"])


def test_zip_as_raw_body_and_outcomes_only_with_transcripts(api):
    r = api.client.post("/batches?as_of=2019-07-15", content=transcripts_zip(),
                        headers={**api.h("officer"), "Content-Type": "application/zip"})
    assert r.status_code == 202, r.text
    assert api.wait_batch(r.json()["id"])["total"] == 5
    r = api.client.post("/batches", headers=api.h("officer"), files={
        "file": ("x.jsonl", b'{"credential": {"id": "a"}}'), "outcomes": ("lo.yaml", b"urn:x: [Do things.]")})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "outcomes"
    r = api.client.post("/batches", headers=api.h("officer"), files={"file": ("bad.zip", b"PK\x03\x04 not a zip")})
    assert r.status_code == 422 and "not a readable zip archive" in r.json()["errors"][0]["message"]


def test_cli_batch_names_a_missing_input_instead_of_a_traceback(tmp_path, capsys):
    from recognition_engine.cli import main

    assert main(["batch", str(tmp_path / "returns.jsonl"), "--out", str(tmp_path / "out.csv")]) == 2
    assert f"{tmp_path / 'returns.jsonl'}: file not found" in capsys.readouterr().err
    source = tmp_path / "returns.zip"
    source.write_bytes(transcripts_zip())
    assert main(["batch", str(source), "--outcomes", str(tmp_path / "lo.yaml"), "--out", str(tmp_path / "out.csv")]) == 2
    assert "lo.yaml: file not found" in capsys.readouterr().err


def test_listing_batches_takes_the_same_queries_for_any_page_size(api):
    """No query per batch: GET /batches costs the same for 1 batch as for 20."""
    import threading

    from sqlalchemy import event

    for _ in range(3):
        r = api.client.post(f"/batches?as_of={AS_OF}", content=b"id,title\nmc-n1,Thing\n",
                            headers={**api.h("registrar"), "Content-Type": "text/csv"})
        assert r.status_code == 202, r.text
    statements: list[str] = []

    def count(conn, cursor, statement, *_):
        if not threading.current_thread().name.startswith("batch-worker"):  # the worker polls meanwhile
            statements.append(statement)

    engine = api.resources.db_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        sizes = []
        for limit in (1, 20):
            statements.clear()
            r = api.client.get(f"/batches?limit={limit}", headers=api.h("analyst"))
            assert r.status_code == 200 and len(r.json()["items"]) == min(limit, r.json()["total"])
            sizes.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert sizes[0] == sizes[1], sizes
