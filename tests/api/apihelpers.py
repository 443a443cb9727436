"""Helpers for the API tests (conftest.py builds the apps): the app in-process with the real engine and bundled model, once per database.

Every test that uses `api` runs against SQLite and against PostgreSQL. PostgreSQL comes from
RECOGNITION_TEST_POSTGRES_URL (scripts/postgres.sh start prints one); each test session
works in a fresh database created on that server and dropped afterwards. Without the
variable the PostgreSQL tests are skipped, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures" / "formats"
PG_ENV = "RECOGNITION_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]
AS_OF = "2025-09-01"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def credential(name: str) -> dict:
    """An example credential as the JSON an API client would send."""
    import json

    data = yaml.safe_load((EXAMPLES / "credentials" / f"{name}.yaml").read_text(encoding="utf-8"))
    return json.loads(json.dumps(data, default=str))


def multipart(boundary: str, *parts: tuple[str, str | None, bytes]) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body built by hand, (body, headers): `parts` are (field, file name
    or None for a text field, content). A fixed boundary makes two sends differ exactly there."""
    body = b""
    for field, filename, content in parts:
        disposition = f'form-data; name="{field}"' + (f'; filename="{filename}"' if filename is not None else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def _postgres_server_url() -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return url
    if in_ci():
        pytest.fail(f"CI=true but {PG_ENV} is unset: start PostgreSQL with "
                    f'`export {PG_ENV}="$(scripts/postgres.sh start)"` before the tests', pytrace=False)
    pytest.skip(f"PostgreSQL tests need {PG_ENV} (run: export {PG_ENV}=\"$(scripts/postgres.sh start)\")")


def _admin(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                           dbname="postgres", autocommit=True)


def fresh_database(backend: str, tmp_dir: Path, label: str):
    """A new empty database; returns (url, cleanup)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / f'{label}.sqlite'}", lambda: None
    from sqlalchemy.engine import make_url

    server = make_url(_postgres_server_url())
    name = f"recognition_test_{label}_{uuid.uuid4().hex[:8]}"
    with _admin(server.render_as_string(hide_password=False)) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with _admin(server.render_as_string(hide_password=False)) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return server.set(database=name).render_as_string(hide_password=False), drop


@dataclass
class Api:
    backend: str
    url: str
    client: object
    app: object
    keys: dict[str, str]

    @property
    def resources(self):
        return self.app.state.resources

    def h(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def wait_batch(self, batch_id: str, timeout: float = 120.0) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            body = self.client.get(f"/batches/{batch_id}", headers=self.h("analyst")).json()
            if body["status"] == "done":
                return body
            time.sleep(0.2)
        raise AssertionError(f"batch {batch_id} did not finish in {timeout} s: {body}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOGNITION_")}
    env.update({"RECOGNITION_DATABASE_URL": url, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def run_cli(args: list[str], url: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=service_env(url),
                          capture_output=True, text=True, timeout=timeout)
