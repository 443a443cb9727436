"""The pair-model fit's own logic (benchmarks/fit_pairs.py): zones, folds, negatives."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import fit_pairs  # noqa: E402

from recognition_engine import Catalogue  # noqa: E402


def test_zones_meet_their_precision_and_error_bounds():
    rng = np.random.default_rng(0)
    truth = rng.random(2000) < 0.65
    p = np.clip(np.where(truth, rng.beta(5, 2, 2000), rng.beta(2, 5, 2000)), 0, 1)
    covered, to_confirm = fit_pairs.choose_zones(p, truth.astype(int))
    assert 0 < to_confirm < covered < 1
    assert truth[p >= covered].mean() >= fit_pairs.MIN_PRECISION
    assert truth[p < to_confirm].mean() <= fit_pairs.MAX_WRONG
    assert truth[p < to_confirm].sum() / truth.sum() <= fit_pairs.MAX_MISSED
    # the zones are as wide as the bounds allow: one grid step further breaks a bound
    assert truth[p >= covered - 0.005].mean() < fit_pairs.MIN_PRECISION
    below = p < to_confirm + 0.005
    assert truth[below].mean() > fit_pairs.MAX_WRONG or truth[below].sum() / truth.sum() > fit_pairs.MAX_MISSED


def test_a_translation_is_in_the_fold_of_its_original():
    assert fit_pairs.original_id("vn-uit-oop-2025-vi") == fit_pairs.original_id("vn-uit-oop-2025") == "vn-uit-oop-2025"
    assert fit_pairs.original_id("uh-kit-circuits-2024-it") == "uh-kit-circuits-2024"
    assert fit_pairs.original_id("plain") == "plain"


def test_unrelated_courses_share_no_programme_with_the_gold_course():
    courses = [{"id": c, "title": c, "ects": 5, "learning_outcomes": [{"text": f"outcome of {c}"}]} for c in "ABCD"]
    programmes = [{"id": "P1", "title": "one", "courses": ["A", "B"]}, {"id": "P2", "title": "two", "courses": ["B", "C"]},
                  {"id": "P3", "title": "three", "courses": ["D"]}]
    catalogue = Catalogue(courses=courses, programmes=programmes)
    assert [c.id for c in fit_pairs.unrelated_courses(catalogue, {"A"})] == ["C", "D"]
    assert [c.id for c in fit_pairs.unrelated_courses(catalogue, {"B"})] == ["D"]
