"""The ANN shortlist: exact below the size threshold, near-exact above it, persisted by model
and updated only for the courses that changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def test_a_large_graph_explores_more_and_a_large_fetch_does_not_stay(monkeypatch):
    rng = np.random.default_rng(4)
    vectors = _unit(rng, 300)
    index = ann.CourseIndex.build([str(i) for i in range(300)], vectors)
    index.search(vectors[0], 10)
    assert index.graph.expansion_search == ann.EXPANSION_SEARCH
    monkeypatch.setattr(ann, "LARGE_GRAPH", 300)
    index.search(vectors[0], 10)
    assert index.graph.expansion_search == 2 * ann.EXPANSION_SEARCH
    index.ef = 64  # set by hand (bench_ann.py): still at least the candidates fetched
    index.search(vectors[0], 10, fetch=200)
    assert index.graph.expansion_search == 200
    index.search(vectors[0], 10)
    assert index.graph.expansion_search == ann.FETCH

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


def test_the_outcome_search_finds_every_outcome_above_the_floor_and_the_graph_agrees():
    rng = np.random.default_rng(3)
    outcomes = _unit(rng, 1200)
    incoming = outcomes[[7, 500]] + 0.05 * _unit(rng, 2)  # near outcomes 7 and 500
    incoming /= np.linalg.norm(incoming, axis=1, keepdims=True)
    rows, sims = ann.nearest_outcomes(outcomes, incoming, np.full(2, 0.5))
    assert rows.tolist() == list(range(1200)) and np.allclose(sims, outcomes @ incoming.T, atol=1e-6)
    floor = np.sort(sims, axis=0)[-150]  # 150 outcomes above each floor: more than FETCH, so the graph fetches more
    graph_rows, graph_sims = ann.nearest_outcomes(outcomes, incoming, floor, min_outcomes=0)
    above = set(np.flatnonzero((sims >= floor).any(axis=1)).tolist())
    assert above <= set(graph_rows.tolist()) and len(above) >= 150
    assert np.allclose(graph_sims, outcomes[graph_rows] @ incoming.T, atol=1e-6)


def test_no_pair_below_the_home_floor_reaches_covered():
    from recognition_engine.engine import load_profiles

    rng = np.random.default_rng(4)
    for profile in load_profiles().values():
        pairs = profile.pairs
        outcome_hub, incoming_hub = rng.uniform(0.1, 0.6, 500), rng.uniform(0.1, 0.6, 8)
        floor = ann.home_floor(pairs, outcome_hub, incoming_hub)
        cos = rng.uniform(-0.2, 1.0, (500, 8))
        logits = pairs.logits(cos, (outcome_hub[:, None] + incoming_hub[None, :]) / 2, rng.integers(0, 2, (500, 8)),
                              rng.uniform(-1, 0, (500, 8)))
        covered = np.round(1 / (1 + np.exp(-logits)), 4) >= pairs.covered
        assert covered.any() and (cos[covered] >= np.broadcast_to(floor, cos.shape)[covered]).all()


def test_opening_a_graph_first_leaves_the_model_runtime_importable():
    """onnxruntime segfaulted when first imported after usearch: a service with its graphs
    loaded from disk crashed on the first credential with new texts."""
    code = "from recognition_engine import ann; ann._new_graph(4); import onnxruntime; print('ok')"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-500:]
