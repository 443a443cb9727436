"""API benchmark: POST /assessments under concurrent clients, and batch throughput against the encoder.

Starts the real service (uvicorn, `python -m api`) on a free loopback port with a fresh
database and a fresh embedding cache, then measures, bounded in count and time:

1. POST /assessments: requests/s and p50/p95 latency with 1, 2 and 4 concurrent clients
   (the 18 sample credentials in turn, each seen once before timing, so this is the
   steady state of a recognition office: the texts are in the embedding cache);
2. a batch of rows whose outcome texts are all new (nothing cached): rows/s from POST
   /batches to the last row committed, next to the bundled encoder's raw throughput on the
   same unique texts (encode only, no cache, no database), i.e. the ceiling for rows/s.

    .venv/bin/python benchmarks/bench_api.py                    # SQLite
    .venv/bin/python benchmarks/bench_api.py --requests 120 --batch-rows 300
    .venv/bin/python benchmarks/bench_api.py --database-url "$(scripts/postgres.sh start)"   # an empty database

Traffic goes to 127.0.0.1 only; every loop stops at --requests or --max-seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402

from service import AS_OF, pct, running_service, sample_credentials  # noqa: E402


def unique_rows(n: int, english: list[dict]) -> list[dict]:
    """n batch rows whose outcome texts appear nowhere else (so every one must be encoded)."""
    contexts = ["for a regional hospital", "in a logistics start-up", "for a public library", "in a wind-energy firm",
                "for a city transport authority", "in a small accounting office", "for a school district",
                "in a food-delivery platform", "for a museum collection", "in a water utility"]
    rows = []
    for i in range(n):
        base = english[i % len(english)]
        ctx = contexts[i % len(contexts)]
        outcomes = [f"{t.rstrip('.')} {ctx}, case {i}." for t in base["learning_outcomes"]]
        cred = {k: v for k, v in base.items() if k not in ("learner", "id")}
        rows.append({"learner": f"bench-{i}", "credential": {**cred, "id": f"bench-{i}", "learning_outcomes": outcomes}})
    return rows


def texts_of(rows: list[dict]) -> list[str]:
    """What the engine encodes for these rows: each outcome and each credential's title."""
    from recognition_engine.engine import credential_texts
    from recognition_engine.loaders import credentials_from_data

    texts: dict[str, None] = {}
    for row in rows:
        [c] = credentials_from_data(row["credential"], "bench")
        texts.update(dict.fromkeys(credential_texts(c)))
    return list(texts)


def bench_assessments(base: str, key: str, credentials: list[dict], clients: int, requests: int, max_seconds: float):
    bodies = [{"credential": c, "as_of": AS_OF} for c in credentials]
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.time() + max_seconds

    def client() -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=120, headers={"X-API-Key": key}) as http:
            while time.time() < deadline:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                t0 = time.perf_counter()
                r = http.post("/assessments", json=bodies[i % len(bodies)])
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    errors += r.status_code != 201

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    wall = time.perf_counter() - start
    return {"clients": clients, "requests": len(latencies), "errors": errors, "seconds": wall,
            "rps": len(latencies) / wall, "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * pct(latencies, 0.95)}


def bench_batch(base: str, key: str, rows: list[dict], max_seconds: float) -> dict:
    body = "\n".join(json.dumps(r) for r in rows).encode()
    with httpx.Client(base_url=base, timeout=120, headers={"X-API-Key": key}) as http:
        t0 = time.perf_counter()
        r = http.post(f"/batches?as_of={AS_OF}", content=body, headers={"Content-Type": "application/x-ndjson"})
        r.raise_for_status()
        batch_id = r.json()["id"]
        deadline = time.time() + max_seconds
        status = r.json()
        while status["status"] != "done" and time.time() < deadline:
            time.sleep(0.2)
            status = http.get(f"/batches/{batch_id}").json()
        wall = time.perf_counter() - t0
    finished = status["done"] + status["error"]
    return {"rows": finished, "of": len(rows), "errors": status["error"], "seconds": wall, "rows_per_s": finished / wall,
            "complete": status["status"] == "done"}


def bench_encoder(texts: list[str], rows: int) -> dict:
    from recognition_engine.encoders import make_encoder

    encoder = make_encoder("minilm")
    encoder.encode(["warm up"])
    t0 = time.perf_counter()
    encoder.encode(texts)  # one call: sentence-transformers sorts by length and batches by 64
    seconds = time.perf_counter() - t0
    return {"texts": len(texts), "seconds": seconds, "texts_per_s": len(texts) / seconds, "rows_per_s": rows / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--requests", type=int, default=60, help="POST /assessments per concurrency level (default 60)")
    parser.add_argument("--clients", default="1,2,4", help="concurrency levels (default 1,2,4)")
    parser.add_argument("--batch-rows", type=int, default=100, help="rows in the batch (default 100)")
    parser.add_argument("--max-seconds", type=float, default=120, help="time limit per measurement (default 120)")
    args = parser.parse_args()

    with running_service(args.database_url) as service:
        base, key, startup = service.base, service.key, service.startup
        credentials = sample_credentials()
        english = [c for c in credentials if c.get("language", "en") == "en"]
        warm = bench_assessments(base, key, credentials, 1, len(credentials), args.max_seconds)  # fills the cache
        results = [bench_assessments(base, key, credentials, int(c), args.requests, args.max_seconds)
                   for c in args.clients.split(",")]
        rows = unique_rows(args.batch_rows, english)
        batch = bench_batch(base, key, rows, args.max_seconds * 3)
    encoder = bench_encoder(texts_of(rows), len(rows))

    print(f"\nservice start-up (migrate, load model, encode the 46-course catalogue): {startup:.1f} s")
    print(f"first pass over the 18 sample credentials (cold cache, both models): {warm['seconds']:.1f} s, "
          f"p50 {warm['p50_ms']:.0f} ms, p95 {warm['p95_ms']:.0f} ms\n")
    print("POST /assessments (sample credentials, warm cache)")
    print(f"{'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for r in results:
        print(f"{r['clients']:>7} {r['requests']:>8} {r['errors']:>6} {r['rps']:>7.1f} {r['p50_ms']:>7.0f} {r['p95_ms']:>7.0f}")
    print(f"\nbatch of {batch['of']} rows with unique texts ({encoder['texts']} texts to encode)")
    print(f"{'what':<44} {'rows/s':>7} {'texts/s':>8} {'seconds':>8}")
    print(f"{'POST /batches -> last row committed':<44} {batch['rows_per_s']:>7.1f} "
          f"{batch['rows_per_s'] * encoder['texts'] / max(1, batch['of']):>8.1f} {batch['seconds']:>8.1f}"
          + ("" if batch["complete"] else f"  (stopped at the time limit: {batch['rows']} rows)"))
    print(f"{'encoder alone (all-MiniLM-L6-v2, one call)':<44} {encoder['rows_per_s']:>7.1f} "
          f"{encoder['texts_per_s']:>8.1f} {encoder['seconds']:>8.1f}")
    print(f"\nbatch rows/s as a share of the encoder's ceiling: {batch['rows_per_s'] / encoder['rows_per_s']:.0%}")


if __name__ == "__main__":
    main()
