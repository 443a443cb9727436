"""Fuzzing the service from its own OpenAPI document (schemathesis), on SQLite and PostgreSQL:
no server error, no status the document does not list, no response that breaks its schema.

Bounded for CI: FUZZ_EXAMPLES generated requests per operation (default 15), no shrinking.
The app is its own (schemathesis runs its lifespan), on a fresh database, without a worker:
a fuzzed batch is checked when it is submitted; running rows is the batch tests' business.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from apihelpers import BACKENDS, fresh_database

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
KEYS: dict[str, str] = {}


def _document() -> dict:
    from api.app import create_app
    from api.settings import Settings

    return create_app(Settings(_env_file=None, database_url="sqlite://")).openapi()  # no database needed


schema = schemathesis.openapi.from_dict(_document())


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed_app(request, tmp_path_factory):
    from schemathesis.python.asgi import shutdown_lifespans

    from api.app import create_app
    from api.db import make_engine, migrate, session_factory
    from api.keys import create_key
    from api.settings import Settings

    url, drop = fresh_database(request.param, tmp_path_factory.mktemp(f"fuzz-{request.param}"), "fuzz")
    engine = make_engine(url)
    migrate(engine)
    with session_factory(engine)() as session:
        _, KEYS["officer"] = create_key(session, "officer", "fuzzer")
        session.commit()
    engine.dispose()
    app = create_app(Settings(_env_file=None, database_url=url, run_worker=False, max_request_bytes=200_000))
    yield app
    shutdown_lifespans()
    drop()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_only_documented_answers(case, fuzzed_app):
    headers = {} if case.operation.path == "/health" else {"Authorization": f"Bearer {KEYS['officer']}"}
    case.call_and_validate(app=fuzzed_app, headers=headers, checks=[not_a_server_error, status_code_conformance,
                                                    content_type_conformance, response_schema_conformance])
