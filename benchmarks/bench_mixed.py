"""The service under a recognition office's mixed workload: 70 % reads, 25 % POST /assessments,
5 % catalogue searches, on SQLite and on PostgreSQL; p50/p95/p99 per kind of request.

Starts the real service (uvicorn, `python -m api`, one process) on a loopback port with a
fresh database, assesses the 18 sample credentials once (so their texts are in the embedding
cache: the steady state), then runs the mix twice:

1. open loop at a fixed arrival rate (`--rate`, Poisson arrivals, fixed seed): requests are
   sent at their scheduled time whether or not earlier ones have finished, and latency is
   counted from the scheduled time, so queueing shows (no coordinated omission);
2. saturation: `--clients` closed-loop clients sending the same mix as fast as answers come.

Reads are `GET /assessments/{id}` (with its precedents and latest decision) and
`GET /assessments?limit=20`, alternately; writes assess a sample credential (its texts cached);
searches are `GET /catalogue/courses?q=...`. The load generator runs on the same 2-core
machine as the server and takes some of its CPU: the figures are a floor for the service.

    .venv/bin/python benchmarks/bench_mixed.py                                   # SQLite
    .venv/bin/python benchmarks/bench_mixed.py --database-url "$(scripts/postgres.sh start)"
    .venv/bin/python benchmarks/bench_mixed.py --rate 100 --seconds 30 --clients 8 --workers 2
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402

from service import AS_OF, pct, running_service, sample_credentials  # noqa: E402

MIX = (("read", 0.70), ("assess", 0.25), ("search", 0.05))
WORDS = ["data", "network", "security", "learning", "design", "database", "cloud", "statistics", "systems", "software"]


class Workload:
    """One request of the mix at a time; thread-safe (one HTTP client per thread)."""

    def __init__(self, base: str, key: str, credentials: list[dict], assessment_ids: list[str]):
        self.base, self.key, self.credentials, self.ids = base, key, credentials, assessment_ids
        self.local = threading.local()

    def client(self) -> httpx.Client:
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(base_url=self.base, timeout=60, headers={"X-API-Key": self.key})
        return self.local.client

    def send(self, kind: str, i: int) -> bool:
        http = self.client()
        if kind == "read":
            r = http.get(f"/assessments/{self.ids[i % len(self.ids)]}") if i % 2 else http.get("/assessments?limit=20")
            return r.status_code == 200
        if kind == "assess":
            c = self.credentials[i % len(self.credentials)]
            return http.post("/assessments", json={"credential": c, "as_of": AS_OF}).status_code == 201
        return http.get(f"/catalogue/courses?q={WORDS[i % len(WORDS)]}&limit=20").status_code == 200


def pick(rng: random.Random) -> str:
    x, total = rng.random(), 0.0
    for kind, share in MIX:
        total += share
        if x < total:
            return kind
    return MIX[-1][0]


def open_loop(work: Workload, rate: float, seconds: float, seed: int = 7) -> tuple[dict, float]:
    """Poisson arrivals at `rate`; latency from each request's scheduled time."""
    rng = random.Random(seed)
    schedule, t = [], 0.0
    while t < seconds:
        t += rng.expovariate(rate)
        schedule.append((t, pick(rng)))
    results: dict[str, list] = {kind: [] for kind, _ in MIX}
    lock = threading.Lock()
    start = time.perf_counter()

    def fire(i: int, at: float, kind: str) -> None:
        ok = work.send(kind, i)
        done = time.perf_counter() - start
        with lock:
            results[kind].append((done - at, ok))

    with ThreadPoolExecutor(64) as pool:
        for i, (at, kind) in enumerate(schedule):
            delay = at - (time.perf_counter() - start)
            if delay > 0:
                time.sleep(delay)
            pool.submit(fire, i, at, kind)
    return results, time.perf_counter() - start


def closed_loop(work: Workload, clients: int, seconds: float, seed: int = 11) -> tuple[dict, float]:
    results: dict[str, list] = {kind: [] for kind, _ in MIX}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    def client(n: int) -> None:
        rng = random.Random(seed + n)
        while time.perf_counter() < deadline:
            kind = pick(rng)
            with lock:
                i = next(counter)
            t0 = time.perf_counter()
            ok = work.send(kind, i)
            with lock:
                results[kind].append((time.perf_counter() - t0, ok))

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return results, time.perf_counter() - start


def rows(label: str, results: dict, wall: float) -> list[str]:
    total = sum(len(v) for v in results.values())
    out = []
    for kind, _ in MIX:
        lat = [1000 * t for t, _ in results[kind]]
        errors = sum(not ok for _, ok in results[kind])
        if lat:
            out.append(f"| {label} | {kind} | {len(lat)} | {errors} | {pct(lat, .5):.0f} | {pct(lat, .95):.0f} | "
                       f"{pct(lat, .99):.0f} |")
    out.append(f"| {label} | all ({total / wall:.1f} req/s achieved) | {total} | "
               f"{sum(not ok for v in results.values() for _, ok in v)} | | | |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--rate", type=float, default=100, help="open-loop arrivals per second (default 100)")
    parser.add_argument("--seconds", type=float, default=30, help="length of each run (default 30)")
    parser.add_argument("--clients", type=int, default=8, help="closed-loop clients at saturation (default 8)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (RECOGNITION_WORKERS, default 1)")
    args = parser.parse_args()

    with running_service(args.database_url, args.workers) as service:
        credentials = sample_credentials()
        with httpx.Client(base_url=service.base, timeout=600, headers={"X-API-Key": service.key}) as http:  # first use loads e5
            ids = [http.post("/assessments", json={"credential": c, "as_of": AS_OF}).json()["id"] for c in credentials]
        work = Workload(service.base, service.key, credentials, ids)
        fixed = open_loop(work, args.rate, args.seconds)
        saturated = closed_loop(work, args.clients, args.seconds)
    db = service.url.split(":")[0].split("+")[0]
    print(f"\nmixed workload on {db} (70 % reads, 25 % POST /assessments, 5 % catalogue search), {args.seconds:g} s each, "
          f"{args.workers} server process(es)")
    print("| run | kind | requests | errors | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for line in rows(f"open loop {args.rate:g}/s", *fixed) + rows(f"saturation, {args.clients} clients", *saturated):
        print(line)
    read95 = pct([1000 * t for t, _ in fixed[0]["read"]], .95)
    print(f"\ngoal: read p95 <= 100 ms at {args.rate:g} requests/s: {read95:.0f} ms, "
          f"{'met' if read95 <= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
