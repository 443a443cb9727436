"""The engine's own sentences on the Vietnamese pages (findings, recommendation, feature labels,
zone words, the letter), with their parameters kept; and assessments stored before outcome
zones and messages existed still render."""

from __future__ import annotations

import copy
import json
import re
import uuid

import lxml.html
import pytest
from fastapi.testclient import TestClient

from apihelpers import AS_OF, credential
from recognition_engine.explain import OUTCOME_LABEL, VERDICT_LABEL, ZONE_WORDS
from recognition_engine.matching import FEATURE_LABELS
from recognition_engine.rules.outcomes import clauses


def _officer(api, lang: str) -> TestClient:
    client = TestClient(api.app, base_url="http://127.0.0.1")
    page = client.get("/ui/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert client.post("/ui/sign-in", data={"csrf": csrf, "key": api.keys["officer"], "next": "/ui/"},
                       follow_redirects=False).status_code == 303
    client.get(f"/ui/lang/{lang}?next=/ui/")
    return client


def _text(html: str) -> str:
    """The page's visible text, one line per text node."""
    tree = lxml.html.fromstring(html)
    for hidden in tree.xpath("//script|//style|//head|//textarea|//option"):
        hidden.drop_tree()
    return "\n".join(t.strip() for t in tree.xpath("//main//text()") if t.strip())


def _assess(api, name: str) -> dict:
    response = api.client.post("/assessments", json={"credential": credential(name), "as_of": AS_OF}, headers=api.h("officer"))
    assert response.status_code == 201, response.text
    return response.json()


def _english_engine_texts(a: dict) -> list[str]:
    """Every sentence and label the engine wrote for this assessment, in English."""
    rec = a["recommendation"]
    texts = [rec["summary"], *rec["reasons"], *rec["conditions"], *rec["ask_for"], *rec["not_assessed"]]
    steps = list(rec["working"])
    for f in a["findings"]:
        texts += [f["label"], f["reason"], *f["bridge"], *f["ask_for"]]
        steps += f["evidence"].get("steps", [])
    conversions = {f["evidence"].get("conversion") for f in a["findings"]}  # the credit systems' arithmetic, left as it is
    texts += [t for s in steps for t in (s["quantity"], s["working"], s["rule"]) if t not in conversions]
    texts += [*FEATURE_LABELS.values(), *OUTCOME_LABEL.values(), *VERDICT_LABEL.values()]
    # the pieces engine sentences are built of, and the zone words
    texts += ["essential outcomes covered", "to confirm by the officer", "; not covered:", "probability of covering",
              "Recognise in", "Policy parameters", *(w for w in ZONE_WORDS.values() if len(w) > 3)]
    return [t for t in dict.fromkeys(texts) if t]


# A partial recognition of a Vietnamese credential (two substantial differences), a conditional
# one, and one that asks the applicant for missing elements.
@pytest.mark.parametrize("name", ["mc-hcmut-dsa-2025", "mc-cdetb-oop-2024", "mc-badge-security-2025"])
def test_vietnamese_comparison_page_and_letter_show_no_english_engine_text(api, name):
    answer = _assess(api, name)
    a = answer["assessment"]
    client = _officer(api, "vi")
    for path in (f"/ui/assessments/{answer['id']}", f"/ui/assessments/{answer['id']}/letter"):
        page = _text(client.get(path).text)
        for f in a["findings"]:  # the legal references are cited as published
            page = page.replace(f["reference"], "")
        data = json.dumps(a["credential"], ensure_ascii=False)  # what the credential says is shown as it says it
        english = [t for t in _english_engine_texts(a) if t in page and t not in data]
        assert not english, f"{path}: {english}"
    assert "Khác biệt đáng kể" in page or "Thiếu thông tin" in page or "KHÁC BIỆT ĐÁNG KỂ" in page
    english_page = _text(_officer(api, "en").get(f"/ui/assessments/{answer['id']}").text)
    assert a["recommendation"]["summary"] in english_page  # the English page is unchanged


def test_parameters_survive_translation(api):
    """Course ids and titles, figures and the outcomes named are the same in Vietnamese."""
    answer = _assess(api, "mc-hcmut-dsa-2025")
    a, rec = answer["assessment"], answer["assessment"]["recommendation"]
    assert a["outcome"] == "partial" and rec["missing_outcomes"]
    page = _text(_officer(api, "vi").get(f"/ui/assessments/{answer['id']}").text)
    p = a["purpose"]
    assert f"Công nhận một phần: {rec['credits']:g} trên {p['course_ects']:g} ECTS của học phần {p['course_id']} {p['course_title']}." in page
    lo = next(f for f in a["findings"] if f["check"] == "learning_outcomes")
    ev = lo["evidence"]
    essential = sum(1 for x in ev["pairs"] if x["essential"])
    assert f"{len(ev['covered'])} trên {essential} kết quả học tập thiết yếu được đáp ứng (xác suất đáp ứng >= {ev['threshold']:g}" in page
    # the outcomes, as the course states them (without their full stop inside the sentence)
    assert f"chưa được đáp ứng: {'; '.join(clauses(ev['missing']))}" in page
    workload = next(f for f in a["findings"] if f["check"] == "workload")
    assert f"so với {p['course_ects']:g} ECTS của học phần" in page and workload["evidence"]["conversion"] in page


def _before_zones_and_messages(data: dict) -> dict:
    """An assessment as stored before outcome zones (pairs with only `covered` and the cosine)
    and before messages (English texts only)."""
    old = copy.deepcopy(data)
    for f in old["findings"]:
        f.pop("messages", None)
        if f["check"] == "learning_outcomes":
            f["evidence"].pop("to_confirm", None)
            for pair in f["evidence"]["pairs"]:
                pair.pop("zone")
                pair.pop("probability")
    old["recommendation"].pop("messages", None)
    return old


def test_an_assessment_stored_before_zones_still_renders(api):
    from api import models as m

    fresh = _assess(api, "mc-hcmut-dsa-2025")
    with api.resources.sessions() as db:  # assessments are append-only: the old one is stored beside it
        record = db.get(m.Assessment, fresh["id"])
        columns = {c.name: getattr(record, c.name) for c in m.Assessment.__table__.columns}
        old = m.Assessment(**{**columns, "id": str(uuid.uuid4()), "data": _before_zones_and_messages(record.data)})
        db.add(old)
        db.commit()
        answer = {"id": old.id, "assessment": fresh["assessment"]}
        pairs = next(f for f in old.data["findings"] if f["check"] == "learning_outcomes")["evidence"]["pairs"]
    assert {p["covered"] for p in pairs} == {True, False}
    for lang, covered, not_covered in (("en", "Covered", "Not covered"), ("vi", "Đáp ứng", "Không đáp ứng")):
        client = _officer(api, lang)
        response = client.get(f"/ui/assessments/{answer['id']}")
        assert response.status_code == 200
        rows = lxml.html.fromstring(response.text).xpath("//tr[contains(@class, 'pair')]")
        zones = [row.get("data-zone") for row in rows]
        assert zones == ["covered" if p["covered"] else "not_covered" for p in pairs]
        labels = ["".join(row.xpath(".//span[contains(@class, 'zone ')]//text()")).replace("✓", "").replace("✗", "").strip()
                  for row in rows]
        assert labels == [covered if p["covered"] else not_covered for p in pairs]
        assert not lxml.html.fromstring(response.text).xpath("//tr[contains(@class, 'pair')]//meter")  # no probability made up
        assert client.get(f"/ui/assessments/{answer['id']}/letter").status_code == 200
    # a sentence stored without its message is shown as it was stored (in English)
    assert answer["assessment"]["recommendation"]["summary"] in _text(client.get(f"/ui/assessments/{answer['id']}").text)
    # and the officer can still review a pair and decide
    decided = api.client.post(f"/assessments/{answer['id']}/decisions", headers=api.h("officer"), json={
        "outcome": "partial", "reason": "As recommended.", "pair_reviews": [{"pair": 0, "review": "confirmed"}]})
    assert decided.status_code in (200, 201), decided.text
    assert decided.json()["pair_reviews"][0]["zone"] == ("covered" if pairs[0]["covered"] else "not_covered")
