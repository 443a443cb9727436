"""The Ray backend gives the local path's results row for row, fails a bad row alone, and
resumes an interrupted run without redoing or duplicating a row. A local Ray with 2 workers
and the real bundled model (deselect with `-m "not ray"`)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

ray = pytest.importorskip("ray", reason="the Ray backend is an optional extra: pip install -e '.[ray]'")

from recognition_engine import load_catalogue  # noqa: E402
from recognition_engine.assessment import Assessor  # noqa: E402
from recognition_engine.batch import RESULT_COLUMNS, _result_cell, assess_batch, batch_frame  # noqa: E402
from recognition_engine.engine import Engine  # noqa: E402
from recognition_engine.loaders import load_credentials  # noqa: E402
from recognition_engine.ray_batch import input_files, read_results, read_rows, run  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AS_OF = dt.date(2026, 1, 15)
BAD_JSON_ROWS = {18: '{"learner": "S-bad", "credential": 5}', 61: '{"learner": "S-bad2", "purpose": "CS101"'}


def _credentials() -> list[dict]:
    """The English sample credentials (a Vietnamese or Lao one would make every actor build the
    multilingual model's catalogue index too: minutes on 2 cores, for no other code path)."""
    return [c.model_dump(mode="json", exclude_none=True) for p in sorted((EXAMPLES / "credentials").glob("*.yaml"))
            for c in load_credentials(p) if c.language in (None, "en")]


def write_inputs(folder: Path, n_jsonl: int = 150, n_csv: int = 30, n_parquet: int = 20) -> Path:
    """A folder of mobility returns: JSON Lines (two bad lines), CSV template rows (one with an
    unknown purpose) and Parquet. Each row's title is its own, so each row has new texts to encode."""
    folder.mkdir(parents=True, exist_ok=True)
    creds = _credentials()
    courses = [c.id for c in load_catalogue(EXAMPLES / "catalogue.yaml").courses]
    lines = []
    for i in range(1, n_jsonl + 1):
        if i in BAD_JSON_ROWS:
            lines.append(BAD_JSON_ROWS[i])
            continue
        cred = {**creds[i % len(creds)], "id": f"mc-{i}", "title": f"{creds[i % len(creds)].get('title', 'MC')} ({i})"}
        row = {"learner": f"S-{i}", "credential": cred}
        if i % 3 == 0:
            row["purpose"] = courses[(i * 7) % len(courses)]
        lines.append(json.dumps(row))
    (folder / "returns.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (folder / "returns.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "title", "learning_outcomes", "workload", "learner", "purpose"])
        writer.writeheader()
        for i in range(n_csv):
            cred = creds[i % len(creds)]
            writer.writerow({"id": f"csv-{i}", "title": f"Course {i}", "learning_outcomes": " | ".join(
                lo if isinstance(lo, str) else lo["text"] for lo in cred["learning_outcomes"]),
                "workload": "5 ECTS", "learner": f"C-{i}", "purpose": "NOPE" if i == 7 else courses[i % len(courses)]})
    pd.DataFrame([{"learner": f"P-{i}", "purpose": courses[i % len(courses)] if i % 2 else None,
                   "credential": json.dumps({**creds[i % len(creds)], "id": f"pq-{i}"})}
                  for i in range(n_parquet)]).to_parquet(folder / "returns.parquet", index=False)
    return folder


def local_results(folder: Path) -> pd.DataFrame:
    """The local path (`recognise batch`'s kernel) on every file, as the results CSV formats it."""
    catalogue = load_catalogue(EXAMPLES / "catalogue.yaml")
    assessor = Assessor(Engine(catalogue))
    items = []
    for f in input_files(folder):
        rows = read_rows(f, f.name, catalogue)
        for r in assess_batch(batch_frame(rows), assessor, as_of=AS_OF, source=f.name):
            items += [{**{k: _result_cell(v) for k, v in item.items()}, "source": f.name} for item in r.items()]
    return pd.DataFrame(items)


@pytest.fixture(scope="module")
def local_ray():
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    if started:
        ray.shutdown()


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Both result sets as the results CSV writes them: text, "" for nothing."""
    def cell(v):
        return "" if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA else str(_result_cell(v))

    frame = frame.copy()
    frame["credits"] = [cell(float(v)) if cell(v) != "" else "" for v in frame["credits"]]
    for c in frame.columns:
        frame[c] = [cell(v) for v in frame[c]]
    frame["row"] = frame["row"].astype(int)
    return frame[["source", *RESULT_COLUMNS]].sort_values(["source", "row", "credential_id"]).reset_index(drop=True)


def test_ray_gives_the_local_results_row_for_row_and_a_bad_row_fails_alone(tmp_path, local_ray):
    inputs = write_inputs(tmp_path / "in")
    summary = run(inputs, tmp_path / "out", workers=2, as_of=AS_OF, chunk_size=32)
    ray_frame = read_results(tmp_path / "out")
    assert list(ray_frame.columns) == [*RESULT_COLUMNS, "source"]
    local = _comparable(local_results(inputs))
    pd.testing.assert_frame_equal(_comparable(ray_frame), local)  # outcome, purpose, credits, candidates' scores...
    assert summary.rows == 200 and summary.assessed_now == 200 and summary.already_done == 0
    failed = {(s, r) for s, r, _ in summary.errors}
    assert failed == {("returns.jsonl", 18), ("returns.jsonl", 61), ("returns.csv", 9)}  # CSV header is row 1
    assert any("no course 'NOPE'" in e for _, _, e in summary.errors)
    done = ray_frame[ray_frame["status"] == "done"]
    assert done.drop_duplicates(["source", "row"]).shape[0] == 200 - 3
    assert (tmp_path / "out" / "_done.json").exists()


def test_an_interrupted_run_resumes_without_redoing_or_duplicating_rows(tmp_path, local_ray):
    inputs = write_inputs(tmp_path / "in", n_jsonl=120, n_csv=0, n_parquet=0)
    (inputs / "returns.csv").unlink()
    (inputs / "returns.parquet").unlink()
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    driver = subprocess.Popen(
        [sys.executable, "-m", "recognition_engine.cli", "batch", str(inputs), "--out", str(out), "--engine", "ray",
         "--workers", "2", "--chunk-size", "8", "--as-of", AS_OF.isoformat(), "--out-format", "csv", "--quiet"],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while len(list(out.glob("part-*.csv"))) < 3 and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    os.killpg(driver.pid, signal.SIGKILL)  # the driver, mid-run
    driver.wait()
    assert driver.returncode == -signal.SIGKILL, driver.stderr.read().decode()[-2000:]
    # Its workers may finish the chunk in hand before Ray notices the driver is gone: wait until
    # nothing more is written.
    count, stable_since = -1, time.monotonic()
    while time.monotonic() - stable_since < 15:
        now = len(list(out.glob("part-*.csv")))
        count, stable_since = now, (stable_since if now == count else time.monotonic())
        time.sleep(1)
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.csv")}
    rows_before = len(read_results(out))
    assert 3 <= len(before) and rows_before < 120 and not (out / "_done.json").exists()

    summary = run(inputs, out, workers=2, chunk_size=8, output_format="csv")  # as_of: the one recorded
    assert summary.already_done == rows_before and summary.assessed_now == 120 - rows_before
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.csv") if p.name in before} == before
    results = read_results(out)
    assert sorted(results["row"].astype(int)) == list(range(1, 121))  # every row once
    assert set(results[results["status"] == "error"]["row"].astype(int)) == {18, 61}
    assert not list(out.glob(".*tmp"))


def test_a_different_input_is_not_mixed_into_an_existing_output(tmp_path, local_ray):
    inputs = write_inputs(tmp_path / "in", n_jsonl=10, n_csv=0, n_parquet=0)
    for name in ("returns.csv", "returns.parquet"):
        (inputs / name).unlink()
    run(inputs, tmp_path / "out", workers=1, as_of=AS_OF)
    (inputs / "returns.jsonl").write_text('{"learner": "x", "credential": 1}\n', encoding="utf-8")
    from recognition_engine.errors import InputError

    with pytest.raises(InputError, match="results of another run"):
        run(inputs, tmp_path / "out", workers=1, as_of=AS_OF)


def test_the_engine_never_imports_ray_or_the_ann_library():
    code = "import sys, recognition_engine, recognition_engine.batch; print(sorted({'ray', 'usearch'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ,
                         "PYTHONPATH": str(ROOT)}, check=True).stdout
    assert out.strip() == "[]"
