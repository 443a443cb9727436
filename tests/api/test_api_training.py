"""Officers' decisions exported as training data, and the calibration retrained on them."""

from __future__ import annotations

import csv
import json

from apihelpers import AS_OF, credential, run_cli

from api.training import decision_labels

# (credential, purpose, decisions in order, as (outcome, course_id or None))
CASES = [
    ("mc-asu-cloud-2025", "CS302", [("full", None)]),
    ("mc-ou-os-2024", "CS204", [("refused", None), ("full", None)]),  # an appeal: the latest answer counts
    ("mc-cdetb-oop-2024", "CS105", [("partial", None)]),
    ("mc-helsinki-ml-2025", "CS301", [("full", None)]),
    ("mc-um-stats-2024", "CS302", [("refused", None)]),
    ("mc-aalto-hci-2025", "CS204", [("conditional", None)]),
    ("mc-codeforge-webdev-2025", "CS202", [("alternative", "CS206")]),
    ("mc-upv-mooc-ai-2024", "CS105", [("insufficient_information", None)]),
]


def test_labels_read_from_each_outcome():
    assert decision_labels("full", "CS1", "CS1") == [("CS1", True)]
    assert decision_labels("partial", None, "CS1") == [("CS1", True)]
    assert decision_labels("alternative", "CS2", "CS1") == [("CS1", False), ("CS2", True)]
    assert decision_labels("alternative", "CS1", "CS1") == [("CS1", False)]  # elective credit: no course named
    assert decision_labels("refused", "CS1", "CS1") == decision_labels("conditional", None, "CS1") == [("CS1", False)]
    assert decision_labels("insufficient_information", "CS1", "CS1") == []


def test_decisions_export_as_training_data_and_retrain_the_calibration(api, tmp_path):
    from recognition_engine.cli.calibrate import calibrate_files
    from recognition_engine.paths import examples_dir

    ids = {}
    for name, purpose, decisions in CASES:
        body = {"credential": {**credential(name), "learner": {"identifier": f"T-{name}"}}, "purpose": purpose, "as_of": AS_OF}
        r = api.client.post("/assessments", json=body, headers=api.h("officer"))
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]
        for outcome, course_id in decisions:
            decision = {"outcome": outcome, "reason": "test", **({"course_id": course_id} if course_id else {})}
            d = api.client.post(f"/assessments/{ids[name]}/decisions", json=decision, headers=api.h("officer"))
            assert d.status_code == 201, d.text

    run = run_cli(["decisions", "--out", str(tmp_path)], api.url)
    assert run.returncode == 0, run.stderr
    assert "retrain: recognise calibrate --decisions" in run.stdout
    rows = list(csv.DictReader((tmp_path / "decisions.csv").open(encoding="utf-8")))
    name_of = {aid: name for name, aid in ids.items()}
    mine = {(name_of[r["assessment_id"]], r["course_id"]): r for r in rows if r["assessment_id"] in name_of}
    got = {pair: r["decision"] for pair, r in mine.items()}
    assert got == {
        ("mc-asu-cloud-2025", "CS302"): "equivalent",
        ("mc-ou-os-2024", "CS204"): "equivalent",
        ("mc-cdetb-oop-2024", "CS105"): "equivalent",
        ("mc-helsinki-ml-2025", "CS301"): "equivalent",
        ("mc-um-stats-2024", "CS302"): "not_equivalent",
        ("mc-aalto-hci-2025", "CS204"): "not_equivalent",
        ("mc-codeforge-webdev-2025", "CS202"): "not_equivalent",
        ("mc-codeforge-webdev-2025", "CS206"): "equivalent",
    }
    exported = json.loads((tmp_path / "credentials" / f"{mine[('mc-asu-cloud-2025', 'CS302')]['credential']}.json")
                          .read_text(encoding="utf-8"))
    assert "learner" not in exported and exported["title"] == credential("mc-asu-cloud-2025")["title"]

    calibration, _ = calibrate_files(tmp_path / "decisions.csv", tmp_path / "credentials",
                                     examples_dir() / "catalogue.yaml", "minilm", tmp_path / "cal.json")
    assert calibration.n_positive >= 5 and calibration.n_negative >= 3
    assert calibration.trained_on.startswith("decisions.csv")
