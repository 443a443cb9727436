"""Above `shortlist_above` courses the engine aligns a short list (recognition_engine/ann.py):
on real credentials and the real model it must give the same top-5, the same scores and the
same outcome pairs as aligning every course, with the exact short list and with the graph."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from recognition_engine import Engine, ann, load_catalogue, load_credentials

DEVSET = Path(__file__).resolve().parent.parent / "benchmarks" / "devsets" / "uni-hard"  # 101 courses, real credentials


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    catalogue = load_catalogue(DEVSET / "catalogue.yaml")
    cache = tmp_path_factory.mktemp("shortlist") / "embeddings.sqlite"
    exact = Engine(catalogue, encoder="minilm", cache_path=cache, shortlist_above=None)
    short = Engine(catalogue, encoder="minilm", cache_path=cache, shortlist_above=50, shortlist=8)
    return exact, short


@pytest.fixture(scope="module")
def credentials():
    return [c for c in load_credentials(DEVSET / "credentials" / "dev") if c.learning_outcomes]


def _same(exact, short, credential):
    """The same top-5, scores, features and outcome pairs. Courses scoring 0 (to 4 decimals) are
    left out: they tie, and the tie is broken by course id over every course aligned."""
    a = [c for c in exact.rank(credential, 5) if c.score > 0]
    b = [c for c in short.rank(credential, 5) if c.score > 0]
    assert [c.course_id for c in a] == [c.course_id for c in b], credential.id
    assert [(c.score, c.features, c.matches) for c in a] == [(c.score, c.features, c.matches) for c in b]


def test_the_short_list_gives_the_exact_top_5_and_scores(engines, credentials):
    exact, short = engines
    sizes = []
    for credential in credentials:
        _same(exact, short, credential)
        sizes.append(len(short.align(credential)[1].course_ids))
    n = len(exact.catalogue.courses)
    assert len(sizes) == len(credentials) >= 20 and np.mean(sizes) < 0.8 * n  # the short list really is short


def test_the_graph_short_list_gives_the_exact_top_5_and_scores(engines, credentials, monkeypatch):
    pytest.importorskip("usearch", reason="the ANN graph is an optional extra: pip install -e '.[ann]'")
    exact, short = engines
    monkeypatch.setattr(ann, "ANN_MIN_COURSES", 0)  # the graph over the outcome vectors, whatever the size
    for credential in credentials[:10]:
        _same(exact, short, credential)
    assert (short._cache_path.parent / "ann").is_dir()  # persisted beside the embedding cache


def test_an_assessment_toward_a_course_off_the_short_list_is_the_exact_one(engines, credentials):
    from recognition_engine.assessment import Assessor

    exact, short = engines
    credential = credentials[0]
    aligned = short.align(credential)[1]
    outside = next(c.id for c in exact.catalogue.courses if c.id not in set(aligned.course_ids))
    when = dt.date(2026, 1, 15)
    a, b = (Assessor(e).assess(credential, outside, when).model_dump() for e in (exact, short))
    for dump in (a, b):  # courses scoring 0 tie (see _same)
        dump["candidates"] = [c for c in dump["candidates"] if c["score"] > 0]
    assert a["purpose"]["course_id"] == outside and a == b
