"""Batch throughput: the local kernel vs Ray Data with 1 and 2 workers, beside the encoder alone.

For each row count (1,000 and 10,000 by default) a JSON Lines batch of fresh synthetic
credentials (`synthetic.fresh_credentials`: 3-10 outcomes each, never seen before, so every
row is really encoded) is assessed against the bundled sample catalogue, without a purpose
(each row is ranked, then assessed for its best candidates), by:

- local: `assess_batch` in one process (what `recognise batch` runs);
- ray N: `ray_batch.run(..., workers=N)` on a local Ray instance started for the run (its
  start-up, each actor's model load and catalogue index included in the wall time);
- encoder: the bundled model's `encode` on the same unique texts, in one call (the floor).

Every configuration runs in its own subprocess with its own empty embedding cache, sharing
only the bundled model's ONNX export (made once before the first configuration, as on any
machine after its first use: `encoders/onnx_runtime.py`). Measured:
wall seconds and rows/s. Computed, not measured: the cluster table, N workers x the measured
per-worker rate of `ray 1` (its rows/s after start-up), which assumes one free CPU core (or
GPU) per worker and a driver that keeps up; it is an upper bound, not a promise.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_ray_batch.py --rows 1000,10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

AS_OF = dt.date(2026, 1, 15)
CONFIGS = ("encoder", "local", "ray1", "ray2")
CLUSTER = (1, 2, 4, 8, 16, 32, 64)


def write_rows(n: int, path: Path) -> None:
    from synthetic import fresh_credentials

    with path.open("w", encoding="utf-8") as fh:
        for i, c in enumerate(fresh_credentials(n, seed=7)):
            fh.write(json.dumps({"learner": f"S-{i}", "credential": c.model_dump(mode="json", exclude_none=True)}) + "\n")


def measure(config: str, path: Path) -> dict:
    """One configuration, in this (fresh) process."""
    from recognition_engine import load_catalogue
    from recognition_engine.paths import examples_dir

    catalogue = load_catalogue(examples_dir() / "catalogue.yaml")
    if config == "encoder":
        from recognition_engine.batch import read_batch_file, request_from_payload
        from recognition_engine.encoders import make_encoder
        from recognition_engine.engine import credential_texts

        rows = read_batch_file(path.read_bytes(), path.name).rows
        texts = list(dict.fromkeys(t for r in rows for c in request_from_payload(r.payload, "", "", AS_OF).credentials
                                   for t in credential_texts(c)))
        encoder = make_encoder()
        encoder.encode(texts[:8])  # load the model first: the floor is the encoding alone
        start = time.perf_counter()
        encoder.encode(texts)
        return {"seconds": time.perf_counter() - start, "texts": len(texts), "rows": len(rows)}
    if config == "local":
        from recognition_engine.assessment import Assessor
        from recognition_engine.batch import assess_batch, batch_frame, read_batch_file
        from recognition_engine.engine import Engine

        start = time.perf_counter()
        rows = read_batch_file(path.read_bytes(), path.name).rows
        results = assess_batch(batch_frame(rows), Assessor(Engine(catalogue)), as_of=AS_OF, source=path.name)
        return {"seconds": time.perf_counter() - start, "rows": len(results),
                "failed": sum(not r.ok for r in results)}
    from recognition_engine.ray_batch import run

    workers = int(config[3:])
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        summary = run(path, Path(out) / "results", workers=workers, catalogue=catalogue, as_of=AS_OF)
        return {"seconds": time.perf_counter() - start, "rows": summary.rows, "failed": summary.failed}


def export_model(cache: Path) -> Path:
    """The bundled model's ONNX export in `cache`/onnx, made in a subprocess (it loads torch)."""
    code = "from recognition_engine.encoders.sentence_transformer import SentenceTransformerEncoder as E; E().encode(['x'])"
    subprocess.run([sys.executable, "-c", code], check=True,
                   env={**os.environ, "RECOGNITION_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)})
    return cache / "onnx"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="1000,10000")
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--worker", nargs=2, metavar=("CONFIG", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(measure(args.worker[0], Path(args.worker[1]))))
        return 0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        exported = export_model(Path(tmp) / "export")
        for n in [int(x) for x in args.rows.split(",")]:
            path = Path(tmp) / f"rows_{n}.jsonl"
            write_rows(n, path)
            for config in args.configs.split(","):
                cache = Path(tmp) / f"cache-{n}-{config}"
                cache.mkdir()
                (cache / "onnx").symlink_to(exported, target_is_directory=True)
                env = {**os.environ, "RECOGNITION_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
                print(f"[{time.strftime('%H:%M:%S')}] {n:,} rows: {config}", file=sys.stderr, flush=True)
                load_before = os.getloadavg()[0]
                proc = subprocess.run([sys.executable, __file__, "--worker", config, str(path)], env=env,
                                      stdout=subprocess.PIPE, text=True)
                if proc.returncode:
                    print(f"{config} failed ({proc.returncode})", file=sys.stderr)
                    continue
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                results.append({"rows": n, "config": config, **r, "rows_per_s": r["rows"] / r["seconds"],
                                "load": (load_before + os.getloadavg()[0]) / 2})
                print(f"  {r['seconds']:.1f} s, {r['rows'] / r['seconds']:.1f} rows/s", file=sys.stderr, flush=True)
    print(f"{os.cpu_count()} CPUs (shared with other work while measured: see load below), no GPU; "
          "all-MiniLM-L6-v2; sample catalogue (48 courses); rows without a purpose; "
          "load = the 1-minute load average, mean of its values before and after the configuration ran")
    print("\nmeasured")
    print(f"{'rows':>7}  {'configuration':<17}  {'wall s':>8}  {'rows/s':>7}  {'failed':>6}  {'load':>5}")
    for r in results:
        label = {"encoder": "encoder alone", "local": "local kernel"}.get(r["config"], f"ray, {r['config'][3:]} worker(s)")
        print(f"{r['rows']:>7,}  {label:<17}  {r['seconds']:>8.1f}  {r['rows_per_s']:>7.1f}  {r.get('failed', '-'):>6}"
              f"  {r['load']:>5.1f}")
    ray1 = [r for r in results if r["config"] == "ray1"]
    if ray1:
        rate = max(ray1, key=lambda r: r["rows"])["rows_per_s"]
        print(f"\ncomputed: N workers x {rate:.1f} rows/s (the measured rate of one Ray worker, start-up included, "
              f"at {max(ray1, key=lambda r: r['rows'])['rows']:,} rows); one core or GPU per worker assumed")
        print(f"{'workers':>7}  {'rows/s':>8}  {'1,000,000 rows in':>18}")
        for n in CLUSTER:
            hours = 1_000_000 / (n * rate) / 3600
            print(f"{n:>7}  {n * rate:>8.1f}  {hours:>16.1f} h")
    return 0


if __name__ == "__main__":
    sys.exit(main())
