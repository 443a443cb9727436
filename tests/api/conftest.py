"""API tests: the app in-process with the real engine and bundled model, once per database.

Every test that uses `api` runs against SQLite and against PostgreSQL (see apihelpers.py).
"""

from __future__ import annotations

import pytest

from apihelpers import BACKENDS, Api, fresh_database


@pytest.fixture(scope="session", params=BACKENDS)
def api(request, tmp_path_factory):
    """One app per database for the whole session: real engine, real model, the sample catalogue."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.keys import ROLES, create_key
    from api.settings import Settings

    url, drop = fresh_database(request.param, tmp_path_factory.mktemp(f"db-{request.param}"), "app")
    settings = Settings(_env_file=None, database_url=url, max_request_bytes=1_000_000, worker_poll_seconds=0.1,
                        worker_chunk=4, office_contact="Recognition Office, Universiteit van Voorbeeld")
    app = create_app(settings)
    with TestClient(app) as client:
        keys = {}
        with app.state.resources.sessions() as session:
            for role in ROLES:
                _, keys[role] = create_key(session, role, f"test {role}")
            session.commit()
        yield Api(request.param, url, client, app, keys)
    app.state.resources.db_engine.dispose()
    drop()


