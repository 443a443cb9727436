"""The web pages without a browser (tests/browser drives them in chromium): security headers,
sign-in and its limits, sessions, roles, CSRF, redirects, the message catalogues, and the
officer's pair reviews as the API records them."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from apihelpers import AS_OF, ROOT, credential

I18N = ROOT / "api" / "web" / "i18n"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _browser(api) -> TestClient:
    """A client with its own cookies, on the session's app."""
    return TestClient(api.app, base_url="http://127.0.0.1")


def _signed_in(api, role: str) -> tuple[TestClient, str]:
    client = _browser(api)
    page = client.get("/ui/sign-in")
    response = client.post("/ui/sign-in", data={"csrf": _csrf(page.text), "key": api.keys[role], "next": "/ui/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client, _csrf(client.get("/ui/").text)


def test_security_headers_on_pages_api_static_and_errors(api):
    client = _browser(api)
    for path in ("/ui/sign-in", "/docs", "/static/css/app.css", "/health", "/assessments", "/no/such/page"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, path
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer", path


def test_docs_and_every_page_asset_are_served_locally(api):
    client = _browser(api)
    html = client.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r'(?:src|href)="([^"]+)"', client.get("/ui/sign-in").text)
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    for asset in {a for a in assets if a.startswith("/static/")}:
        assert client.get(asset).status_code == 200, asset
    assert client.get("/openapi.json").json()["info"]["title"] == "Recognition engine"


def test_sign_in_cookie_and_sign_out_ends_the_session(api):
    client, csrf = _signed_in(api, "officer")
    assert client.get("/ui/").headers["cache-control"] == "no-store"
    cookie = next(c for c in client.cookies.jar if c.name == "rs_session")
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.expires is not None
    token = cookie.value
    assert client.post("/ui/sign-out", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    stale = _browser(api)
    stale.cookies.set("rs_session", token)
    assert stale.get("/ui/assessments", follow_redirects=False).headers["location"].startswith("/ui/sign-in")


def test_failed_sign_ins_share_the_apis_throttle(api):
    from api.throttle import FailedAuthThrottle

    usual, api.app.state.throttle = api.app.state.throttle, FailedAuthThrottle(max_failures=3, window=60)
    try:
        client = _browser(api)
        statuses = []
        for _ in range(4):
            page = client.get("/ui/sign-in")
            statuses.append(client.post("/ui/sign-in", data={"csrf": _csrf(page.text), "key": "rk_nope_nope"}).status_code)
        assert statuses == [401, 401, 401, 429]
        page = client.get("/ui/sign-in")
        refused = client.post("/ui/sign-in", data={"csrf": _csrf(page.text), "key": api.keys["officer"]})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0  # even a good key, until it ages out
        assert api.client.get("/catalogue", headers=api.h("officer")).status_code == 429  # the API too: one address
    finally:
        api.app.state.throttle = usual


def test_sign_in_without_its_form_token_is_refused(api):
    client = _browser(api)
    client.get("/ui/sign-in")
    response = client.post("/ui/sign-in", data={"csrf": "guess", "key": api.keys["officer"]})
    assert response.status_code == 403 and not any(c.name == "rs_session" for c in client.cookies.jar)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_no_open_redirect_after_sign_in(api, target):
    client = _browser(api)
    page = client.get("/ui/sign-in")
    response = client.post("/ui/sign-in", data={"csrf": _csrf(page.text), "key": api.keys["analyst"], "next": target},
                           follow_redirects=False)
    assert response.headers["location"] == "/ui/"


def test_pages_keep_the_apis_roles(api):
    client, csrf = _signed_in(api, "analyst")
    assert client.get("/ui/assessments").status_code == 200  # READ
    assert client.get("/ui/assess").status_code == 403  # ASSESS
    assert client.get("/ui/catalogue").status_code == 403  # MANAGE
    response = client.post("/ui/batches", data={"csrf": csrf}, files={"file": ("x.csv", b"id\n")})
    assert response.status_code == 403  # BATCH


def test_a_revoked_key_ends_its_sessions(api):
    from api.keys import create_key, revoke_key

    with api.resources.sessions() as session:
        row, key = create_key(session, "officer", "Short-lived Officer")
        session.commit()
    client = _browser(api)
    page = client.get("/ui/sign-in")
    client.post("/ui/sign-in", data={"csrf": _csrf(page.text), "key": key})
    assert client.get("/ui/assessments").status_code == 200
    with api.resources.sessions() as session:
        revoke_key(session, row.id)
        session.commit()
    assert client.get("/ui/assessments", follow_redirects=False).status_code == 303


def test_decision_records_the_reviewed_pairs(api):
    cloud = {**credential("mc-asu-cloud-2025"), "title": "Cloud Computing (pair reviews)"}  # its own precedents
    body = {"credential": cloud, "purpose": "CS302", "as_of": AS_OF}
    assessment = api.client.post("/assessments", json=body, headers=api.h("officer")).json()
    pairs = next(f for f in assessment["assessment"]["findings"] if f["check"] == "learning_outcomes")["evidence"]["pairs"]
    bad = api.client.post(f"/assessments/{assessment['id']}/decisions", headers=api.h("officer"), json={
        "outcome": "full", "reason": "All outcomes shown.", "pair_reviews": [{"pair": len(pairs), "review": "struck"}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "pair_reviews[0].pair"
    decided = api.client.post(f"/assessments/{assessment['id']}/decisions", headers=api.h("officer"), json={
        "outcome": "partial", "credits": 4, "reason": "Cost control not shown.",
        "pair_reviews": [{"pair": 1, "review": "struck"}, {"pair": 0, "review": "confirmed"}]})
    assert decided.status_code == 201
    reviews = decided.json()["pair_reviews"]
    assert [(r["pair"], r["review"]) for r in reviews] == [(0, "confirmed"), (1, "struck")]
    assert reviews[1]["local"] == pairs[1]["local"] and reviews[1]["zone"] == pairs[1]["zone"]
    assert reviews[1]["probability"] == pairs[1]["probability"]
    history = api.client.get(f"/assessments/{assessment['id']}/history", headers=api.h("analyst")).json()
    assert history["decisions"][-1]["pair_reviews"] == reviews


def test_the_interface_follows_the_browser_language_and_the_switch(api):
    client = _browser(api)
    assert 'lang="vi"' in client.get("/ui/sign-in", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}).text
    assert 'lang="en"' in client.get("/ui/sign-in", headers={"Accept-Language": "de-DE,fr;q=0.8"}).text
    client.get("/ui/lang/vi?next=/ui/sign-in")
    assert "Đăng nhập" in client.get("/ui/sign-in", headers={"Accept-Language": "en"}).text


def test_every_interface_string_is_in_the_catalogues_and_translated():
    """The .pot matches the strings in the code and templates, Vietnamese translates them all,
    and the committed .mo is compiled from the .po (scripts/i18n.sh does all three)."""
    with (I18N / "babel.cfg").open() as cfg:  # what scripts/i18n.sh extracts: the web, the engine, the default policy
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {message for _file, _line, message, *_ in extract_from_dir(str(ROOT), method_map, options_map, keywords={
        "_": None, "N_": None, "tr": (2,), "msg": None}) if isinstance(message, str)}
    pot = {m.id for m in read_po((I18N / "messages.pot").open("rb")) if m.id}
    assert found == pot, f"run scripts/i18n.sh: new {sorted(found - pot)[:5]}, gone {sorted(pot - found)[:5]}"
    po = read_po((I18N / "vi" / "LC_MESSAGES" / "messages.po").open("rb"))
    untranslated = [m.id for m in po if m.id and not m.string]
    assert not untranslated, f"translate in vi/messages.po: {untranslated[:5]}"
    mo = read_mo((I18N / "vi" / "LC_MESSAGES" / "messages.mo").open("rb"))
    assert {m.id: m.string for m in mo if m.id} == {m.id: m.string for m in po if m.id}
    for m in po:  # the same %(name)s placeholders in both languages
        if m.id:
            assert set(re.findall(r"%\(\w+\)", m.id)) == set(re.findall(r"%\(\w+\)", m.string)), m.id


def test_catalogue_import_lists_every_problem(api):
    client, csrf = _signed_in(api, "admin")
    bad = (b"institution: {name: Test}\nprogrammes: []\ncourses:\n"
           b"  - {id: A1, title: One, ects: -5, learning_outcomes: [x]}\n"
           b"  - {id: A2, ects: 5, learning_outcomes: [y]}\n")
    response = client.post("/ui/catalogue", data={"csrf": csrf}, files={"file": ("bad.yaml", bad)})
    assert response.status_code == 422
    rows = re.findall(r"<tr><td>[^<]*</td><td><code>([^<]*)</code></td>", response.text)
    assert len(rows) >= 2 and any("ects" in r for r in rows) and any("title" in r for r in rows), rows
    assert api.resources.catalogue.courses[0].id != "A1"  # the active catalogue is unchanged


def test_catalogue_import_from_the_page_follows_the_job(api):
    import time

    from apihelpers import EXAMPLES

    client, csrf = _signed_in(api, "admin")
    response = client.post("/ui/catalogue", data={"csrf": csrf}, follow_redirects=False,
                           files={"file": ("catalogue.yaml", (EXAMPLES / "catalogue.yaml").read_bytes())})
    assert response.status_code == 303 and response.headers["location"].startswith("/ui/catalogue/imports/")
    job_page = response.headers["location"]
    job = api.client.get(job_page.removeprefix("/ui"), headers=api.h("admin")).json()  # the API's view of the same job
    assert job["source"] == "catalogue.yaml" and job["state"] in ("indexing", "active")
    assert "catalogue.yaml" in client.get(job_page).text
    deadline = time.time() + 120
    while (state := client.get(f"{job_page}/state").json()["state"]) == "indexing":
        assert time.time() < deadline
        time.sleep(0.2)
    assert state == "active"
    page = client.get(job_page).text
    assert 'data-state="active"' in page and "This catalogue is now in service." in page
    assert client.get("/ui/catalogue/imports/999999").status_code == 404


def test_errors_under_the_pages_are_pages(api):
    client, _ = _signed_in(api, "officer")
    for path in ("/ui/no-such-page", "/ui/assessments/no-such-id", "/ui/batches/no-such-id"):
        response = client.get(path)
        assert response.status_code == 404 and response.headers["content-type"].startswith("text/html"), path
    assert client.get("/no-such-endpoint").headers["content-type"] == "application/problem+json"


def test_bad_query_parameters_on_a_page_get_a_page(api):
    client, _ = _signed_in(api, "officer")
    response = client.get("/ui/assessments?page=zero")
    assert response.status_code == 422 and "page" in response.text and response.headers["content-type"].startswith("text/html")


def test_why_first_reads_the_engines_contributions():
    from api.web.core import contributions

    labelled = contributions({"contributions": {"title_similarity": 0.2, "text_similarity": -0.9, "baseline": 0.1}})
    assert labelled == [("the two descriptions as a whole", -0.9), ("the titles", 0.2), ("starting point of the model", 0.1)]
    assert contributions({"score": 0.9}) == []
