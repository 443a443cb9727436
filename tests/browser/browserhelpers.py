"""Helpers for the browser tests (conftest.py starts the server and the browser)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from apihelpers import ROOT, free_port, in_ci, service_env  # noqa: E402,F401  (re-exported for conftest)

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def sign_in(page, server, role: str, next_path: str = "/ui/"):
    page.goto(f"/ui/sign-in?next={next_path}")
    page.fill("#key", server.keys[role])
    page.click("form[action='/ui/sign-in'] button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def screenshot(page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """axe-core (vendored, tests/browser/vendor) on the page: the serious and critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in impacts]
