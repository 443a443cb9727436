"""The ANN shortlist: exact below the size threshold, near-exact above it, persisted by model
and updated only for the courses that changed."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("usearch", reason="the ANN shortlist is an optional extra: pip install -e '.[ann]'")

from recognition_engine import ann  # noqa: E402


def _unit(rng, n, d=64):
    centres = rng.standard_normal((20, d))  # clustered, as course texts are
    v = centres[rng.integers(0, 20, n)] + 0.6 * rng.standard_normal((n, d))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def test_below_the_threshold_the_shortlist_is_the_exact_top_k():
    rng = np.random.default_rng(0)
    vectors, query = _unit(rng, 500), _unit(rng, 1)[0]
    exact = np.argsort(-(vectors @ query), kind="stable")[:10]
    assert ann.shortlist(vectors, query, 10).tolist() == exact.tolist()


def test_above_the_threshold_the_graph_finds_the_exact_top_10():
    rng = np.random.default_rng(1)
    vectors, queries = _unit(rng, 3000), _unit(rng, 50)
    found = [set(ann.shortlist(vectors, q, 10, min_courses=0).tolist()) for q in queries]
    truth = [set(ann.exact_top(vectors, q, 10).tolist()) for q in queries]
    # noisy 64-d clusters are harder than course texts; bench_ann.py measures the real recall
    assert np.mean([len(f & t) / 10 for f, t in zip(found, truth)]) >= 0.95
    ranked = ann.shortlist(vectors, queries[0], 10, min_courses=0)
    sims = vectors[ranked] @ queries[0]
    assert (np.diff(sims) <= 0).all()  # best first, re-scored exactly


def test_the_graph_is_persisted_per_model_and_updated_only_for_changed_courses(tmp_path):
    rng = np.random.default_rng(2)
    vectors = _unit(rng, 1000)
    ids = [f"C{i:04d}" for i in range(1000)]
    first = ann.CourseIndex.open(tmp_path, "org/model-a", ids, vectors)
    assert first.rebuilt == 1000 and (tmp_path / "org_model-a" / "courses.usearch").exists()
    again = ann.CourseIndex.open(tmp_path, "org/model-a", ids, vectors)
    assert again.rebuilt == 0 and again.digest == first.digest
    other_model = ann.CourseIndex.open(tmp_path, "org/model-b", ids, vectors)
    assert other_model.rebuilt == 1000

    changed = vectors.copy()
    changed[5] = _unit(rng, 1)[0]  # one course rewritten
    new_ids = ids[2:] + ["N1"]  # two courses gone, one new
    new_vectors = np.concatenate([changed[2:], _unit(rng, 1)])
    updated = ann.CourseIndex.open(tmp_path, "org/model-a", new_ids, new_vectors)
    assert updated.rebuilt == 2 and len(updated.graph) == 999
    for position in (3, 998):  # the rewritten course and the new one are found at their new positions
        assert updated.search(new_vectors[position], 1).tolist() == [position]
    assert set(updated.search(vectors[0], 5).tolist()) <= set(range(999))


def test_the_outcome_shortlist_ranks_courses_by_their_best_outcome_and_the_graph_agrees():
    rng = np.random.default_rng(3)
    outcomes = _unit(rng, 1200)
    outcome_course = np.repeat(np.arange(200), 6)  # 200 courses of 6 outcomes
    incoming = outcomes[[7, 500]] + 0.05 * _unit(rng, 2)  # near outcomes of courses 1 and 83
    exact = ann.shortlist_by_outcomes(outcomes, outcome_course, incoming, 10)
    best = (outcomes @ incoming.T).max(axis=1)
    per_course = np.array([best[outcome_course == c].max() for c in range(200)])
    assert exact.tolist() == np.argsort(-per_course, kind="stable")[:10].tolist()
    assert set(exact[:2].tolist()) == {1, 83}
    graph = ann.shortlist_by_outcomes(outcomes, outcome_course, incoming, 10, min_outcomes=0)
    assert graph[:2].tolist() == exact[:2].tolist() and len(set(graph) & set(exact)) >= 9
