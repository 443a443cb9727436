"""The service as the API benchmarks run it: the real server (`python -m api`, uvicorn) on a
free loopback port with a fresh database, a fresh embedding cache and an officer's key,
stopped when the benchmark is done (bench_api.py, bench_mixed.py)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import httpx  # noqa: E402
import yaml  # noqa: E402

AS_OF = "2025-09-01"


@dataclass(frozen=True)
class Service:
    url: str  # the database
    base: str  # the service's address
    key: str  # an officer's API key
    startup: float  # seconds from start to ready (migrate, load the model, encode the catalogue)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sample_credentials() -> list[dict]:
    out = []
    for path in sorted((ROOT / "examples" / "credentials").glob("*.yaml")):
        out.append(json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str)))
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def start_server(database_url: str, port: int, cache: Path, log: Path, workers: int = 1) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOGNITION_")}
    env.update({"RECOGNITION_DATABASE_URL": database_url, "RECOGNITION_PORT": str(port), "RECOGNITION_LOG_LEVEL": "warning",
                "RECOGNITION_EMBEDDING_CACHE": str(cache), "RECOGNITION_WORKER_POLL_SECONDS": "0.1",
                "RECOGNITION_WORKER_CHUNK": "32", "RECOGNITION_WORKERS": str(workers), "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1"})
    proc = subprocess.Popen([sys.executable, "-m", "api"], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}); see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not become healthy in 300 s")


def make_key(database_url: str) -> str:
    from api.db import make_engine, migrate, session_factory
    from api.keys import create_key

    engine = make_engine(database_url)
    migrate(engine)
    with session_factory(engine)() as session:
        _, key = create_key(session, "officer", "benchmark")
        session.commit()
    engine.dispose()
    return key


@contextmanager
def running_service(database_url: str | None = None, workers: int = 1) -> Iterator[Service]:
    """A fresh service (a temporary SQLite file unless `database_url` names an empty database),
    terminated on leaving the block."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        url = database_url or f"sqlite:///{tmp / 'bench.sqlite'}"
        key = make_key(url)
        port = free_port()
        print(f"starting the service on 127.0.0.1:{port} ({url.split(':')[0]}, fresh embedding cache) ...", flush=True)
        t0 = time.perf_counter()
        server = start_server(url, port, tmp / "cache.sqlite", tmp / "server.log", workers)
        try:
            yield Service(url, f"http://127.0.0.1:{port}", key, time.perf_counter() - t0)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
