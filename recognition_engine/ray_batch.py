"""Batches on Ray Data: the batch kernel (`batch.assess_batch`) in a pool of actors.

    run("returns/", "results/", workers=2)            # a local Ray instance, 2 CPU actors
    run("s3-synced/*.jsonl", "out/", address="auto")  # an existing cluster

Input: a CSV, JSON Lines or Parquet file, a zip of transcripts, or a directory or glob of
them. The driver splits every file into rows exactly as `recognise batch` does
(`batch.read_batch_file`; a Parquet file gives one row per record, its columns being the
JSON Lines keys or the CSV columns, numbered from 1), in chunks of `chunk_size` rows. Each
actor loads the models and builds the catalogue index once, then runs the kernel on one chunk
at a time, so a chunk is encoded in one call per model, as locally, and a bad row fails alone
with its row number.

Output: `out/` holds one partition per chunk (`part-<digest of its row keys>.parquet`, or
`.csv`), with the local results' columns (plus `source`, the input file, when the input is
several files), written by the actor under a temporary name and renamed when complete.
Resuming: `out/_run.json` records the inputs (with their digests) and the options; run again
with the same output, rows already in a partition are not assessed again and no row is
written twice (a chunk retried after a worker died writes the same partition name). When
every row is in, `out/_done.json` gives the counts. `read_results(out)` loads them in input
order, for the service or an analyst.

Ray is an optional extra (`pip install -e '.[ray]'`); the engine never imports this module.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import io
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .assessment import Assessor
from .batch import RESULT_COLUMNS, BatchRow, ResultsWriter, _result_cell, assess_batch, read_batch_file
from .catalogue import Catalogue
from .errors import InputError, Problem
from .policy import Policy

INPUT_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json", ".zip", ".parquet")
OUTPUT_FORMATS = ("parquet", "csv")
RUN_FILE, DONE_FILE = "_run.json", "_done.json"
_JSON_COLUMNS = ("credential", "credentials", "notes")  # Parquet columns that may hold JSON text


@dataclass(frozen=True)
class RunSummary:
    rows: int  # rows in the input
    assessed_now: int  # rows assessed by this run
    already_done: int  # rows found in partitions written by an earlier run
    failed: int  # rows that failed (bad input or an internal error), this run and earlier ones
    partitions: int
    out: str
    errors: list[tuple[str, int, str]] = field(default_factory=list)  # (source, row, error) of failed rows


@dataclass(frozen=True)
class _Options:
    as_of: str
    purpose: str | None
    programme: str | None
    encoder: str
    output_format: str
    catalogue_digest: str
    policy_digest: str


# ---------------------------------------------------------------- reading

def input_files(spec: str | Path) -> list[Path]:
    """The batch files named by a file, a directory (its files with a known suffix, sorted) or a glob."""
    path = Path(spec)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES)
    elif path.is_file():
        files = [path]
    else:
        files = sorted(Path(p) for p in glob.glob(str(spec), recursive=True)
                       if Path(p).is_file() and Path(p).suffix.lower() in INPUT_SUFFIXES)
    if not files:
        raise InputError([Problem(str(spec), "", "", "no batch file there (CSV, JSON Lines, Parquet or zip)")])
    return files


def parquet_rows(data: bytes, source: str) -> list[BatchRow]:
    """One row per Parquet record, numbered from 1: its non-null columns as the row's payload
    (the JSON Lines keys, or the CSV template columns); `credential`, `credentials` and `notes`
    may be JSON text."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a damaged file
        raise InputError([Problem(source, "", "", f"not a readable Parquet file ({exc})")]) from None
    rows = []
    for number, record in enumerate(table.to_pylist(), start=1):
        payload = {k: v for k, v in record.items() if v is not None and v != ""}
        for key in _JSON_COLUMNS:
            if isinstance(payload.get(key), str):
                try:
                    payload[key] = json.loads(payload[key])
                except json.JSONDecodeError as exc:
                    payload = {"_invalid": f"column '{key}': not JSON ({exc.msg})"}
                    break
        rows.append(BatchRow(number, payload))
    if not rows:
        raise InputError([Problem(source, "", "", "the batch file has no rows")])
    return rows


def read_rows(path: Path, source: str, catalogue: Catalogue, outcomes: Any = None) -> list[BatchRow]:
    """A batch file's rows, as `recognise batch` reads them (Parquet as `parquet_rows`)."""
    data = path.read_bytes()
    if path.suffix.lower() == ".parquet":
        return parquet_rows(data, source)
    return read_batch_file(data, source, catalogue=catalogue, outcomes=outcomes).rows


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _chunk_name(keys: list[tuple[str, int]]) -> str:
    return "part-" + hashlib.blake2b(json.dumps(keys).encode(), digest_size=10).hexdigest()


# ---------------------------------------------------------------- writing

def _frame(items: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Result records as a typed frame: `row` an integer, `credits` a number, the rest text
    formatted as in the local results CSV."""
    frame = pd.DataFrame([{c: item.get(c) for c in columns} for item in items], columns=columns)
    for c in columns:
        if c == "row":
            frame[c] = frame[c].astype("int64")
        elif c == "credits":
            frame[c] = pd.to_numeric(frame[c]).astype("float64")
        else:
            frame[c] = [None if v is None or (isinstance(v, float) and v != v) else str(_result_cell(v))
                        for v in frame[c]]  # v != v: NaN, pandas' None in a column of text
    return frame


def _write_partition(out: Path, name: str, items: list[dict[str, Any]], columns: list[str], fmt: str) -> None:
    final = out / f"{name}.{fmt}"
    tmp = out / f".{name}.{os.getpid()}.tmp"
    if fmt == "csv":
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            ResultsWriter(fh, tuple(c for c in columns if c not in RESULT_COLUMNS)).write(items)
    else:
        _frame(items, columns).to_parquet(tmp, index=False)
    tmp.replace(final)  # atomic: a partition is there whole or not at all


def read_results(out: str | Path) -> pd.DataFrame:
    """Every result line written under `out`, in input order (by source, then row)."""
    out = Path(out)
    parts = sorted(out.glob("part-*.parquet")) + sorted(out.glob("part-*.csv"))
    if not parts:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    frames = [pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p, dtype=str, keep_default_na=False)
              for p in parts]
    frame = pd.concat(frames, ignore_index=True)
    frame["row"] = frame["row"].astype("int64")
    by = ["source", "row"] if "source" in frame else ["row"]
    return frame.sort_values(by, kind="stable").reset_index(drop=True)


def _done_keys(out: Path) -> set[tuple[str, int]]:
    frame = read_results(out)
    if frame.empty:
        return set()
    sources = frame["source"] if "source" in frame else [""] * len(frame)
    return set(zip(sources, frame["row"].astype(int)))


# ---------------------------------------------------------------- the actor

class ChunkAssessor:
    """One Ray actor: the models and the catalogue index, loaded once; then one chunk per call."""

    def __init__(self, catalogue: Catalogue, policy: Policy | None, encoder: str, options: dict[str, Any],
                 out: str, columns: list[str]):
        from .engine import Engine

        engine = Engine(catalogue, encoder=encoder)
        engine.index(engine.encoder_for())  # the model and the catalogue index, before the first chunk
        self.assessor = Assessor(engine, policy)
        self.options = options
        self.out = Path(out)
        self.columns = columns

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Each record of `batch` is one chunk (its name and its rows as JSON): assessed and
        written as one partition."""
        summaries = []
        for name, rows_json in zip(batch["chunk"], batch["rows"]):
            rows = pd.DataFrame(json.loads(rows_json), columns=["source", "row", "payload"])
            items, failed = [], []
            for source, part in rows.groupby("source", sort=False):
                frame = pd.DataFrame({"row": part["row"].astype(int), "payload": list(part["payload"])})
                results = assess_batch(frame, self.assessor, as_of=dt.date.fromisoformat(self.options["as_of"]),
                                       purpose=self.options["purpose"], programme=self.options["programme"],
                                       source=source, chunk_size=len(frame))
                for r in results:
                    items += [{**item, "source": source} for item in r.items()]
                    failed += [] if r.ok else [r.row]
            _write_partition(self.out, str(name), items, self.columns, self.options["output_format"])
            summaries.append({"chunk": name, "rows": len(rows), "failed": len(failed)})
        return pd.DataFrame(summaries, columns=["chunk", "rows", "failed"])


# ---------------------------------------------------------------- the driver

def run(input: str | Path, out: str | Path, *, address: str | None = None, workers: int = 2,
        catalogue: Catalogue | str | Path | None = None, policy: Policy | str | Path | None = None,
        encoder: str = "auto", as_of: dt.date | None = None, purpose: str | None = None,
        programme: str | None = None, outcomes: Any = None, output_format: str = "parquet",
        chunk_size: int = 64, cpus_per_worker: float = 1.0, num_gpus: float = 0.0,
        default_as_of: dt.date | None = None) -> RunSummary:
    """Assess a batch on Ray; see the module docstring. Without `address` a local Ray instance
    is started (and stopped at the end); `address="auto"` or "ray://host:10001" joins a cluster.
    `num_gpus` per actor (for encoding on a GPU node). Without `as_of`, a resumed run uses the
    date recorded with the run, a new one `default_as_of` (the caller's today: the engine
    never reads the clock)."""
    import ray

    from .loaders import load_catalogue
    from .policy import load_policy
    from .paths import examples_dir

    if output_format not in OUTPUT_FORMATS:
        raise ValueError(f"output_format must be one of {', '.join(OUTPUT_FORMATS)}")
    if not isinstance(catalogue, Catalogue):
        catalogue = load_catalogue(Path(catalogue) if catalogue else examples_dir() / "catalogue.yaml")
    if not isinstance(policy, Policy):
        policy = load_policy(Path(policy) if policy else None)
    out = Path(out)
    files = input_files(input)
    root = Path(input) if Path(input).is_dir() else None
    sources = [str(f.relative_to(root)) if root else f.name for f in files]
    several = len(files) > 1
    columns = [*RESULT_COLUMNS, *(["source"] if several else [])]

    run_file = out / RUN_FILE
    previous = json.loads(run_file.read_text(encoding="utf-8")) if run_file.exists() else None
    inputs = [{"source": s, "sha256": _digest(f.read_bytes())} for s, f in zip(sources, files)]
    as_of = as_of or (dt.date.fromisoformat(previous["options"]["as_of"]) if previous else default_as_of)
    if as_of is None:
        raise ValueError("as_of is required: pass the date the assessments speak for")
    options = _Options(as_of.isoformat(), purpose, programme, encoder, output_format,
                       _digest(catalogue.model_dump_json().encode()), policy.digest)
    record = {"inputs": inputs, "options": asdict(options)}
    if previous is not None and previous != record:
        changed = [k for k in ("inputs", "options") if previous.get(k) != record[k]]
        raise InputError([Problem(str(out), "", "--out", f"holds the results of another run (its {' and '.join(changed)} "
                                  "differ); give a new output folder to start afresh")])
    out.mkdir(parents=True, exist_ok=True)
    if previous is None:
        run_file.write_text(json.dumps(record, indent=1), encoding="utf-8")

    done = _done_keys(out)
    todo, total = [], 0
    for source, f in zip(sources, files):
        rows = read_rows(f, source, catalogue, outcomes)
        total += len(rows)
        key_source = source if several else ""
        todo += [(key_source, source, r) for r in rows if (key_source, r.row) not in done]
    # One record per chunk, so that Ray never splits a chunk: a partition holds one chunk whole.
    chunks = []
    for start in range(0, len(todo), chunk_size):
        chunk = todo[start:start + chunk_size]
        chunks.append({"chunk": _chunk_name([[k, r.row] for k, _, r in chunk]),
                       "rows": json.dumps([[source, r.row, r.payload] for _, source, r in chunk], default=str)})

    started = False
    if chunks:
        if not ray.is_initialized():
            ray.init(address=address, num_cpus=None if address else max(workers * cpus_per_worker, 1),
                     include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
            started = address is None
        try:
            ray.data.DataContext.get_current().enable_progress_bars = False
            ds = ray.data.from_items(chunks, override_num_blocks=len(chunks))
            ds = ds.map_batches(ChunkAssessor, batch_format="pandas", batch_size=1,
                                compute=ray.data.ActorPoolStrategy(size=workers),
                                fn_constructor_kwargs={"catalogue": catalogue, "policy": policy, "encoder": encoder,
                                                       "options": asdict(options), "out": str(out.resolve()),
                                                       "columns": columns},
                                num_cpus=cpus_per_worker, num_gpus=num_gpus or None)
            ds.materialize()
        finally:
            if started:
                ray.shutdown()

    results = read_results(out)
    keys = set(zip(results["source"] if several else [""] * len(results), results["row"].astype(int)))
    failed = results[results["status"] == "error"].drop_duplicates(subset=["source", "row"] if several else ["row"])
    errors = [(str(r.get("source", sources[0])), int(r["row"]), str(r["error"])) for _, r in failed.iterrows()]
    summary = RunSummary(rows=total, assessed_now=len(todo),
                         already_done=len(done), failed=len(errors),
                         partitions=len(list(out.glob("part-*"))), out=str(out), errors=errors)
    if len(keys) >= total:
        (out / DONE_FILE).write_text(json.dumps({k: v for k, v in asdict(summary).items() if k != "errors"}, indent=1),
                                     encoding="utf-8")
    return summary
