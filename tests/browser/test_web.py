"""The web pages in a real browser (chromium) against a real uvicorn process: the officer's
and the registrar's whole paths, a role refused, a forged form refused, the Vietnamese
interface, and axe-core's accessibility check on the main pages."""

from __future__ import annotations

import csv
import io
import zipfile

from browserhelpers import ROOT, axe_violations, screenshot, sign_in

CREDENTIAL = ROOT / "examples" / "credentials" / "mc-asu-cloud-2025.yaml"


def _assess(page, server, path=CREDENTIAL, purpose: str = ""):
    page.goto("/ui/assess")
    page.set_input_files("#file", str(path))
    if purpose:
        page.fill("#u-purpose", purpose)
    page.fill("#u-as_of", "2025-09-01")
    page.click("#upload button[type=submit]")
    page.wait_for_url("**/ui/assessments/*")


def test_officer_assesses_confirms_a_pair_decides_and_prints_the_letter(new_page, server):
    page = new_page()
    sign_in(page, server, "officer", "/ui/assess")
    assert axe_violations(page) == []
    screenshot(page, "assess")

    # the purpose is found by searching the catalogue
    page.fill("#u-purpose", "cloud")
    page.wait_for_function("() => document.querySelectorAll('#course-options option').length > 0")
    assert "CS302" in page.eval_on_selector_all("#course-options option", "os => os.map(o => o.value)")
    _assess(page, server, purpose="CS302")

    # the outcome and its one-line reason on top; pairs with similarity and zone in words
    assert "Full recognition" in page.inner_text(".verdict h1")
    assert "CS302" in page.inner_text(".verdict .summary")
    rows = page.locator("tr.pair")
    assert rows.count() >= 6  # one row per local outcome of CS302
    first = rows.nth(0)
    assert first.locator(".zone").inner_text().strip().endswith(("Covered", "To confirm", "Not covered"))
    assert 0 <= float(first.locator("td.num").inner_text().split()[0]) <= 1  # the probability it covers
    assert page.locator(".finding").count() >= 5
    assert any("US semester credit hour" in t for t in page.locator(".conversion").all_inner_texts())
    assert "ranked first" in page.inner_text("#candidates-title + p")
    screenshot(page, "comparison")
    assert axe_violations(page) == []

    # confirm a pair (one "to confirm" when the engine gives zones, else the first) and decide
    to_confirm = page.locator("tr.pair[data-zone=to_confirm]")
    pair = to_confirm.nth(0) if to_confirm.count() else rows.nth(0)
    n = pair.get_attribute("data-pair")
    pair.locator("input[value=confirmed]").check()
    page.select_option("#d-outcome", "partial")
    page.fill("#d-credits", "4")
    page.click("#decision-form button[type=submit]")  # no reason: refused next to the field
    assert page.locator("#d-reason:invalid").count() == 1  # the browser's own check first
    page.fill("#d-reason", "x")
    page.click("#decision-form button[type=submit]")
    assert "at least 3 characters" in page.inner_text("#decision .field-error")
    assert page.locator(f"tr.pair[data-pair='{n}'] input[value=confirmed]").is_checked()  # the review is kept
    page.fill("#d-reason", "Lab work on Kubernetes is not evidenced; 4 of 5 ECTS recognised.")
    page.click("#decision-form button[type=submit]")
    page.wait_for_url("**decided=1**")
    assert "Decision recorded" in page.inner_text("[role=status]")
    history = page.inner_text("#history-title + .timeline")
    assert "Olga Officer" in history and "confirmed" in history and "Partial recognition" in history

    # the letter, as printed
    page.click("text=Decision letter")
    page.wait_for_url("**/letter")
    page.emulate_media(media="print")
    letter = page.inner_text(".letter")
    assert "Decision: Partial recognition" in letter and "4 ECTS" in letter and "Olga Officer" in letter
    assert "Maya Rodriguez" in letter and "How to appeal" in letter
    assert not page.is_visible(".topbar") and not page.is_visible("[data-print]")
    screenshot(page, "letter")
    page.emulate_media(media="screen")
    assert axe_violations(page) == []


def test_outcomes_a_recognition_counts_but_could_not_settle_are_listed_above_the_pairs(new_page, server):
    page = new_page()
    sign_in(page, server, "officer", "/ui/assess")
    _assess(page, server, ROOT / "examples" / "credentials" / "mc-porto-webdb-2024.yaml", purpose="CS206")
    assert page.inner_text(".verdict h1").strip().endswith(("Full recognition", "Partial recognition"))
    pending = [r.locator("td").nth(0).inner_text().strip() for r in page.locator("tr.pair[data-zone=to_confirm]").all()
               if not r.locator(".tag").count()]
    assert pending and page.locator("#to-confirm li").all_inner_texts() == pending
    card = page.locator("section.card").filter(has=page.locator("#to-confirm"))
    assert f"these {len(pending)} essential outcomes" in card.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "comparison-to-confirm", full_page=False)
    page.click("#to-confirm li a")
    assert page.url.endswith("#outcomes")
    vi = new_page(locale="vi-VN")
    sign_in(vi, server, "officer", "/ui/assess")
    _assess(vi, server, ROOT / "examples" / "credentials" / "mc-porto-webdb-2024.yaml", purpose="CS206")
    assert "cần xác nhận trước khi quyết định" in vi.locator("section.card").filter(has=vi.locator("#to-confirm")).inner_text()
    assert axe_violations(vi) == []
    screenshot(vi, "comparison-to-confirm-vi", full_page=False)


def test_annex_form_shows_field_named_errors_next_to_the_fields(new_page, server):
    page = new_page()
    sign_in(page, server, "officer", "/ui/assess")
    page.click("text=Fill in the Annex I elements")
    page.fill("#c-title", "Cloud basics")
    page.fill("#c-country", "USA")
    page.select_option("#c-framework", "EQF")
    page.fill("#c-level", "12")
    page.fill("#c-los", "Deploy containers on Kubernetes.")
    page.click("#annex button[type=submit]")
    assert "two-letter" in page.inner_text("#c-country ~ .field-error")
    assert "EQF has no level '12'" in page.inner_text("#c-level ~ .field-error")
    assert page.input_value("#c-title") == "Cloud basics"  # what was typed stays


def test_registrar_runs_a_batch_watches_progress_and_downloads(new_page, server, tmp_path):
    rows = list(csv.reader(io.StringIO((ROOT / "examples" / "credentials_template.csv").read_text(encoding="utf-8"))))
    bad = list(rows[1])
    bad[0], bad[4] = "mc-bad-country", "Neverland"
    batch = tmp_path / "returns.csv"
    with batch.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([rows[0], *rows[1:], bad, *rows[1:]])
    page = new_page()
    sign_in(page, server, "registrar", "/ui/batches")
    page.set_input_files("#b-file", str(batch))
    page.fill("#b-as_of", "2025-09-01")
    page.click("form[action='/ui/batches'] button[type=submit]")
    page.wait_for_url("**/ui/batches/*")
    start = float(page.get_attribute("#batch-progress", "value"))
    assert start < 1  # 7 rows at 0.4 s each (RECOGNITION_WORKER_ROW_DELAY): still running
    page.evaluate("() => { window.notReloaded = true; }")
    page.wait_for_function(  # the bar moves in place (the marker is lost on a reload) ...
        "start => window.notReloaded && Number(document.getElementById('batch-progress').value) > start",
        arg=start, timeout=60_000)
    page.wait_for_selector("table.results", timeout=120_000)  # ... and the page reloads itself when done
    assert page.get_attribute("#batch-progress", "value") == "1.0"
    failed = page.inner_text(".failed-row")
    assert failed.startswith(str(len(rows) + 1)) and "country" in failed  # header is row 1
    screenshot(page, "batch")
    assert axe_violations(page) == []

    page.select_option("#outcome", "full")
    page.wait_for_url("**outcome=full**")
    outcomes = page.locator("table.results tbody tr .badge").all_inner_texts()
    assert outcomes and all(o.strip() == "Full recognition" for o in outcomes)

    with page.expect_download() as csv_download:
        page.click("text=Download CSV")
    lines = list(csv.DictReader(open(csv_download.value.path(), encoding="utf-8")))
    assert len(lines) == 2 * (len(rows) - 1) + 1 and any(line["error"] for line in lines)
    with page.expect_download() as elmo_download:
        page.click("text=Download ELMO")
    with zipfile.ZipFile(elmo_download.value.path()) as archive:
        assert archive.namelist() and b"<elmo" in archive.read(archive.namelist()[0])


def test_roles_are_the_apis(new_page, server):
    page = new_page()
    sign_in(page, server, "analyst")
    screenshot(page, "home-analyst")
    response = page.goto("/ui/assess")
    assert response.status == 403 and "may not open this page" in page.inner_text("main")
    assert page.locator("text=New assessment").count() == 0  # not offered in the menu either
    page = new_page()
    sign_in(page, server, "registrar")
    _assess(page, server)  # a registrar may assess, as in the API ...
    assert page.locator("#decision-form").count() == 0  # ... but never decide
    assert "Only an officer records decisions" in page.inner_text("#decision")
    response = page.goto("/ui/catalogue")
    assert response.status == 403


def test_a_forged_form_is_refused(new_page, server):
    page = new_page()
    sign_in(page, server, "officer", "/ui/assess")
    _assess(page, server)
    page.fill("#d-reason", "Recorded by a forged form.")
    page.eval_on_selector("#decision-form input[name=csrf]", "e => e.value = 'forged'")
    page.click("#decision-form button[type=submit]")
    assert "did not come from this site" in page.inner_text("main")
    page.go_back()
    page.reload()
    assert "forged" not in page.inner_text("#history-title + .timeline")


def test_sign_out_ends_the_session(new_page, server):
    page = new_page()
    sign_in(page, server, "officer")
    cookie = next(c for c in page.context.cookies() if c["name"] == "rs_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] > 0
    page.click("text=Sign out")
    page.wait_for_url("**/ui/sign-in")
    page.context.add_cookies([cookie])  # the old cookie no longer opens anything
    page.goto("/ui/assessments")
    assert "/ui/sign-in" in page.url


def test_vietnamese_interface(new_page, server):
    page = new_page(locale="vi-VN")
    page.goto("/ui/sign-in")
    assert page.get_attribute("html", "lang") == "vi"
    assert "Đăng nhập" in page.inner_text("h1")
    assert axe_violations(page) == []
    sign_in(page, server, "officer", "/ui/assess")
    _assess(page, server)
    assert "Công nhận toàn phần" in page.inner_text(".verdict h1")
    assert page.inner_text(".verdict .summary").startswith("Công nhận toàn phần tương đương học phần CS302 ")  # the engine's sentence too
    assert "Kết quả học tập" in page.inner_text("#outcomes-title")
    assert "Bậc trình độ" in page.inner_text(".finding h3 >> nth=1") and "học phần ở EQF" in page.inner_text(".finding >> nth=1")
    assert axe_violations(page) == []
    screenshot(page, "comparison-vi")
    page.click("a[lang=en]")  # the switch
    assert page.get_attribute("html", "lang") == "en" and "Full recognition" in page.inner_text(".verdict h1")


def test_docs_work_offline(new_page, server):
    page = new_page()
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "Recognition engine" in page.inner_text(".swagger-ui .info .title")
    assert page.locator(".opblock").count() > 5
