"""POST /assessments reads every credential variant of issue 15 through the formats layer, or
refuses it in one line (422), with no change to the service."""

from __future__ import annotations

import json

import pytest

from apihelpers import AS_OF, FIXTURES

VARIANTS = FIXTURES / "variants"


@pytest.mark.parametrize("name, credential_id", [
    ("edci_two_achievements.xml", "urn:epass:learningAchievement:1"),
    ("elmo2_two_reports.xml", "TIE-205"),
    ("ewp_tor_two_mobilities.xml", "1000-KOM1"),
    ("ob3_degree_with_proof.json", None),
])
def test_every_variant_is_assessed(api, name, credential_id):
    data = {"as_of": AS_OF, **({"credential_id": credential_id} if credential_id else {})}
    r = api.client.post("/assessments", headers=api.h("officer"), data=data,
                        files={"file": (name, (VARIANTS / name).read_bytes())})
    assert r.status_code == 201, r.text
    assert r.json()["assessment"]["notes"]


def test_a_signed_elm_envelope_is_not_taken_for_the_project_format(api):
    cred = json.loads((FIXTURES / "elm_mc_annex1.jsonld").read_text(encoding="utf-8"))
    envelope = json.dumps({"payload": json.dumps(cred), "signatures": [{"protected": "e30", "signature": "c2ln"}]})
    r = api.client.post("/assessments", json={"document": envelope, "as_of": AS_OF}, headers=api.h("officer"))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("document, expected", [
    ("[" * 100_000 + "]" * 100_000, "deeper than the limit"),
    ("%PDF-1.7\n1 0 obj", "PDF document"),
])
def test_hostile_documents_are_refused_in_one_line(api, document, expected):
    r = api.client.post("/assessments", json={"document": document, "as_of": AS_OF}, headers=api.h("officer"))
    assert r.status_code == 422, r.text
    assert expected in json.dumps(r.json())
