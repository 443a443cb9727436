"""benchmarks/quality.py and its set loaders: development-set folders (set.yaml, splits,
NONE, pairs.csv), the seeded spread sample, and one run with the real models on the
fixture sets (tests/fixtures/devsets), read as JSON."""

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from recognition_engine import InputError

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "devsets"
sys.path.insert(0, str(BENCHMARKS))

import quality  # noqa: E402
import quality_sets as qs  # noqa: E402


def test_devset_splits_gold_and_pairs_follow_the_credential_folders():
    dev, heldout = qs.devset(FIXTURES / "mini-cs")
    assert [(s.name, s.split, s.use) for s in (dev, heldout)] == [("mini-cs", "dev", "dev"), ("mini-cs", "heldout", "held-out")]
    assert dev.gold == {"d-sql": {"DB1"}, "d-reg": {"STAT2"}, "d-nursing": {"NONE"}}
    assert set(heldout.pairs["credential_id"]) == {"h-net", "h-py"}
    assert len(dev.groups[0].catalogue.courses) == 5


def test_set_yaml_names_another_sets_catalogue(tmp_path):
    vi_dev, vi_heldout = qs.devset(FIXTURES / "mini-cs-vi")
    assert qs.devset_catalogue(FIXTURES / "mini-cs-vi") == (FIXTURES / "mini-cs" / "catalogue.yaml").resolve()
    assert vi_dev.pairs is None and [c.id for c in vi_heldout.groups[0].credentials] == ["vi-net"]
    (tmp_path / "set.yaml").write_text("catalog: ../x.yaml\n")
    with pytest.raises(InputError, match="catalogue"):
        qs.devset_catalogue(tmp_path)


def test_devset_folders_are_those_with_a_gold_file():
    assert [f.name for f in qs.devset_folders([FIXTURES, FIXTURES / "absent"])] == ["mini-cs", "mini-cs-vi"]
    assert [f.name for f in qs.devset_folders([FIXTURES / "mini-cs-vi"])] == ["mini-cs-vi"]  # one set named directly


def test_spread_sample_is_seeded_and_spread_over_keys():
    keys = pd.Series(["a"] * 50 + ["b"] * 5 + ["c"] * 2)
    picked = qs.spread_sample(keys, 9, seed=7)
    assert list(picked) == list(qs.spread_sample(keys, 9, seed=7)) and len(set(picked)) == 9
    assert keys.iloc[picked].value_counts().to_dict() == {"a": 4, "b": 3, "c": 2}


def test_titles_of_an_and_set_of_sending_courses():
    assert qs._titles("MATH 1A (Calculus I) + CS 2 (Intro (C++))", "MATH 1A + CS 2") == ["Calculus I", "Intro (C++)"]


@pytest.mark.model
def test_quality_runs_every_ranker_on_the_fixture_sets(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("RECOGNITION_CACHE_DIR", str(tmp_path))
    assert quality.main(["--sets", "devsets", "--devsets", str(FIXTURES), "--resamples", "50", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {(s["set"], s["split"]): s for s in out["sets"]}
    assert list(rows) == [("mini-cs", "dev"), ("mini-cs", "heldout"), ("mini-cs-vi", "dev"), ("mini-cs-vi", "heldout")]
    dev = rows["mini-cs", "dev"]
    assert (dev["n"], dev["credentials"], dev["abstention"]["n_none"]) == (2, 3, 1)
    assert [r["ranker"] for r in dev["rankers"]] == ["engine", "tfidf", "bm25", "embedding"]
    for s in out["sets"]:
        for r in s["rankers"]:
            for metric in ("recall@1", "recall@5", "MRR"):
                low, high = r["intervals"][metric]
                assert 0 <= low <= r[metric] <= high <= 1
    assert dev["coverage"]["n_labelled_covered"] == 3 and dev["coverage"]["n_labelled_not_covered"] == 2
    assert rows["mini-cs-vi", "dev"]["coverage"] is None
    assert "macro_f1" in out["bloom"]
