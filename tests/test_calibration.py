import json

import numpy as np
import pytest

from recognition_engine import InputError
from recognition_engine.calibration import Calibration, fit, model_card, read_decisions
from recognition_engine.engine import load_profiles
from recognition_engine.matching import FEATURES


def test_read_decisions_reports_every_bad_row(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("credential,course_id,decision\nc1,A,full\nc1,,refused\nc2,B,maybe\n", encoding="utf-8")
    with pytest.raises(InputError) as exc_info:
        read_decisions(path)
    found = [(p.location, p.field) for p in exc_info.value.problems]
    assert found == [("row 3", "course_id"), ("row 4", "decision")]


def test_read_decisions_needs_both_classes(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("credential,course_id,decision\nc1,A,full\nc2,B,partial\n", encoding="utf-8")
    with pytest.raises(InputError, match="both positive and negative"):
        read_decisions(path)


def _synthetic(n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3 == 0
    x = rng.normal(0.3, 0.05, size=(n, len(FEATURES))) + y[:, None] * 0.4
    return x, y.astype(int), np.repeat(np.arange(n // 3), 3)


def test_fit_separates_and_round_trips(tmp_path):
    import datetime as dt

    x, y, groups = _synthetic()
    cal = fit(x, y, groups, "test/model", "synthetic", dt.date(2026, 1, 1))
    assert cal.metrics["cv_roc_auc"] == 1.0
    p = cal.probability({f: x[:, i] for i, f in enumerate(FEATURES)})
    assert p[y == 1].min() > 0.5 > p[y == 0].max()
    cal.save(tmp_path / "c.json")
    again = Calibration.load(tmp_path / "c.json")
    assert again == cal
    assert "test/model" in model_card(cal) and "cv_roc_auc" in model_card(cal)


def test_the_ranking_learns_the_order_within_credentials_not_the_level_between_them():
    """Feature 0 orders each credential's candidates; feature 1 only tells two kinds of
    credential apart (one kind has more positives). A pooled logistic regression gives
    feature 1 weight; the conditional logit must not, and must rank by feature 0."""
    import datetime as dt

    rng = np.random.default_rng(0)
    rows, labels, groups = [], [], []
    for g in range(40):
        level = 1.0 if g % 2 else 0.0
        order = rng.permutation(5)
        for i in range(5):
            x = np.full(len(FEATURES), 0.5) + rng.normal(0, 0.01, len(FEATURES))
            x[0] = order[i] / 4
            x[1] = level
            rows.append(x)
            labels.append(int(order[i] == 4 and (level == 1.0 or g % 4 == 0)))
            groups.append(g)
    x, y, groups = np.array(rows), np.array(labels), np.array(groups)
    cal = fit(x, y, groups, "test/model", "synthetic", dt.date(2026, 1, 1))
    assert abs(cal.coef[1]) < 0.1 * abs(cal.coef[0])
    assert cal.gate_coef[1] > 0.5  # the gate, an absolute judgement, does use the level
    p = cal.probability({f: x[:, i] for i, f in enumerate(FEATURES)})
    for g in range(40):
        members = np.flatnonzero(groups == g)
        assert x[members[np.argmax(p[members])], 0] == 1.0


def test_unknown_feature_is_rejected(tmp_path):
    data = {"model_id": "m", "features": ["shoe_size"], "mean": [0], "scale": [1], "coef": [1], "intercept": 0,
            "trained_on": "x", "trained": "2026-01-01", "n_positive": 1, "n_negative": 1}
    (tmp_path / "c.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="shoe_size"):
        Calibration.load(tmp_path / "c.json")


def test_shipped_profiles_carry_their_own_calibration():
    for model_id, profile in load_profiles().items():
        assert profile.calibration is not None and profile.calibration.model_id == model_id
        assert profile.score_name == "probability"


@pytest.mark.parametrize("kind, source", [("calibration", "calibration-e5.json"), ("pairs", "pairs-e5.json")])
def test_a_profile_naming_a_file_fitted_for_another_model_fails(tmp_path, kind, source):
    import shutil

    from recognition_engine.paths import models_dir

    shutil.copy(models_dir() / source, tmp_path / "wrong.json")
    shutil.copy(models_dir() / "pairs-minilm.json", tmp_path / "pairs-minilm.json")
    files = {"pairs": "pairs-minilm.json", kind: "wrong.json"}
    (tmp_path / "profiles.yaml").write_text(
        "models:\n  sentence-transformers/all-MiniLM-L6-v2:\n"
        + "".join(f"    {k}: {v}\n" for k, v in files.items()) + "    optional_weight: 0.5\n    source: test\n"
    )
    with pytest.raises(ValueError, match="was fitted for"):
        load_profiles(tmp_path / "profiles.yaml")


@pytest.mark.model
def test_calibrate_command_retrains_from_decisions(tmp_path):
    from recognition_engine.cli import main
    from recognition_engine.paths import models_dir

    out = tmp_path / "cal.json"
    assert main(["calibrate", "--decisions", str(models_dir() / "training" / "sample_decisions_en.csv"),
                 "--encoder", "minilm", "--out", str(out)]) == 0
    cal = Calibration.load(out)
    assert cal.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert cal.n_positive >= 15 and cal.metrics["cv_roc_auc"] > 0.9
    assert out.with_suffix(".md").exists()
