"""Browser tests: Debian's chromium driven by Playwright against a real uvicorn process.

One server (SQLite, the sample catalogue, the bundled English model) and one browser serve
the whole session; each test opens its own browser context (its own cookies). Chromium is
installed by scripts/browser.sh (`.ci/run` calls it); Playwright never downloads a browser.
Without /usr/bin/chromium the tests are skipped, except under CI=true, where they fail.
Screenshots go to tests/browser/screenshots/ (git-ignored; the best are copied to docs/).
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

import pytest

from browserhelpers import CHROMIUM, FLAGS, ROOT, free_port, in_ci, service_env

ROLES = ("officer", "registrar", "analyst", "admin")


@dataclass
class Server:
    url: str
    keys: dict[str, str]
    names: dict[str, str]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run scripts/browser.sh"
        pytest.fail(message, pytrace=False) if in_ci() else pytest.skip(message)
    from api.db import make_engine, migrate, session_factory
    from api.keys import create_key

    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'web.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    names = {"officer": "Olga Officer", "registrar": "Rui Registrar", "analyst": "Ana Analyst", "admin": "Adam Admin"}
    keys = {}
    with session_factory(engine)() as session:
        for role in ROLES:
            _, keys[role] = create_key(session, role, names[role])
        session.commit()
    engine.dispose()
    port = free_port()
    log = open(tmp_path_factory.mktemp("log") / "uvicorn.log", "w+")
    env = service_env(url, RECOGNITION_ENCODER="minilm-int8", RECOGNITION_HOME_SCHAC="voorbeeld.nl",
                      RECOGNITION_WORKER_ROW_DELAY="0.4", RECOGNITION_WORKER_POLL_SECONDS="0.2",
                      RECOGNITION_WORKER_CHUNK="1")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            log.seek(0)
            pytest.fail(f"the server did not start:\n{log.read()[-3000:]}")
        time.sleep(0.5)
    yield Server(base, keys, names)
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture(scope="session")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, server):
    """new_page(locale="en-GB") -> a page in a fresh context; CSP violations fail the test."""
    contexts, violations = [], []

    def make(locale: str = "en-GB", **options):
        context = browser.new_context(locale=locale, base_url=server.url, viewport={"width": 1280, "height": 900},
                                      accept_downloads=True, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"
