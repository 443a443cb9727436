"""Evaluation metrics, bootstrap intervals, rankers (TF-IDF, BM25), gold and pair reading,
abstention and coverage error rates, and the `evaluate` subcommand, with the fake encoder.
The real model runs on held-out data in test_real_model.py and in test_quality.py."""

import argparse
import dataclasses
import json
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

from recognition_engine import Engine, InputError
from recognition_engine.cli.evaluate import add_parser
from recognition_engine.evaluation import (
    Ranking, abstention, bm25_ranker, bootstrap_interval, coverage_errors, coverage_rows, engine_ranker, evaluate,
    first_gold_rank, metrics, read_gold, read_pairs, tfidf_ranker,
)
from recognition_engine.loaders import catalogue_from_data, credentials_from_data

COURSES = [
    {"id": "A1", "title": "Databases", "ects": 5, "learning_outcomes": ["write SQL queries", "design relational schemas"]},
    {"id": "A2", "title": "Networks", "ects": 5, "learning_outcomes": ["configure routers and switches", "explain TCP and UDP"]},
    {"id": "A3", "title": "Statistics", "ects": 5, "learning_outcomes": ["compute probabilities", "fit regression models"]},
]
CREDENTIALS = [
    {"id": "c-db", "title": "SQL", "learning_outcomes": ["write SQL queries with joins", "design relational schemas"]},
    {"id": "c-net", "title": "Networking", "learning_outcomes": ["explain TCP and UDP protocols"]},
    {"id": "c-unlabelled", "title": "Statistics", "learning_outcomes": ["compute probabilities"]},
]
# c-net's gold course A3 shares no word with it: every ranker ties A1 and A3 at 0 and
# breaks the tie by course id, so A3 comes third.
GOLD = {"c-db": {"A1", "A3"}, "c-net": {"A3"}}


@pytest.fixture
def catalogue():
    return catalogue_from_data({"courses": COURSES}, "catalogue.yaml")


@pytest.fixture
def credentials():
    return credentials_from_data({"credentials": CREDENTIALS}, "credentials.yaml")


@pytest.fixture
def make_engine(bow_encoder, test_profiles, tmp_path):
    return lambda catalogue, encoder="auto": Engine(
        catalogue, encoder=bow_encoder, cache_path=tmp_path / "e.sqlite", profiles=test_profiles
    )


def test_metrics_arithmetic():
    m = metrics("x", [1, 3, 6])
    assert (m.recall_at_1, m.recall_at_5, m.n) == (pytest.approx(1 / 3), pytest.approx(2 / 3), 3)
    assert m.mrr == pytest.approx((1 + 1 / 3 + 1 / 6) / 3)


def test_an_unranked_gold_course_is_a_miss():
    assert first_gold_rank(["A1", "A2"], {"A9"}) is None
    m = metrics("x", [2, None])
    assert (m.recall_at_1, m.recall_at_5, m.mrr) == (0.0, 0.5, 0.25)


def test_first_gold_rank_takes_the_first_acceptable_course():
    assert first_gold_rank(["A2", "A3", "A1"], {"A1", "A3"}) == 2


def test_evaluate_ranks_every_ranker_on_the_same_credentials(catalogue, credentials, make_engine):
    result = evaluate(catalogue, credentials, GOLD, make_engine(catalogue))
    assert (result.n, result.skipped) == (2, 1)
    assert list(result.ranks.columns) == ["credential_id", "ranker", "rank_of_first_gold", "counterpart", "abstained", "first"]
    ranks = result.ranks.set_index(["ranker", "credential_id"])["rank_of_first_gold"]
    for m in result.metrics:
        assert (ranks[m.ranker, "c-db"], ranks[m.ranker, "c-net"]) == (1, 3)
        assert (m.recall_at_1, m.recall_at_5, m.mrr, m.n) == (0.5, 1.0, pytest.approx(2 / 3), 2)
    assert [m.ranker for m in result.metrics] == ["engine", "tfidf", "bm25", "embedding"]


def test_tfidf_breaks_ties_by_course_id(catalogue, credentials, make_engine):
    unrelated = credentials_from_data({"id": "x", "title": "Pottery", "learning_outcomes": ["glaze a vase"]}, "x.yaml")[0]
    assert tfidf_ranker(catalogue, make_engine(catalogue))(unrelated).course_ids == ["A1", "A2", "A3"]


def test_a_gold_course_missing_from_the_catalogue_is_an_error(catalogue, credentials, make_engine):
    with pytest.raises(InputError) as err:
        evaluate(catalogue, credentials, {"c-db": {"A1", "A9"}, "ghost": {"A1"}}, make_engine(catalogue), gold_source="gold.csv")
    assert [(p.source, p.location, p.field) for p in err.value.problems] == [
        ("gold.csv", "credential c-db", "course_id"), ("gold.csv", "credential ghost", "credential_id"),
    ]
    assert "'A9'" in err.value.problems[0].message


def test_read_gold_groups_rows_by_credential(tmp_path):
    path = tmp_path / "gold.csv"
    path.write_text("credential_id,course_id\nc1,A1\nc1,A2\nc2, A3 \nc1,A1\n")
    assert read_gold(path) == {"c1": {"A1", "A2"}, "c2": {"A3"}}


@pytest.mark.parametrize("text, expected", [
    ("credential_id,course\nc1,A1\n", [("row 1", "course_id", "required column is missing")]),
    ("credential_id,course_id\nc1,A1\n,A2\nc3,\n", [("row 3", "credential_id", "empty id"), ("row 4", "course_id", "empty id")]),
    ("credential_id,course_id\n", [("", "", "no gold rows")]),
])
def test_read_gold_names_file_row_and_field(tmp_path, text, expected):
    path = tmp_path / "gold.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_gold(path)
    assert [(p.source, p.location, p.field, p.message) for p in err.value.problems] == [("gold.csv", *e) for e in expected]


def test_read_gold_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_gold(tmp_path / "nope.csv")


def _run(argv):
    parser = argparse.ArgumentParser(prog="recognise")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def cli_args(tmp_path, make_engine, monkeypatch):
    monkeypatch.setattr("recognition_engine.cli.evaluate.Engine", make_engine)
    (tmp_path / "catalogue.yaml").write_text(yaml.safe_dump({"courses": COURSES}))
    (tmp_path / "credentials.yaml").write_text(yaml.safe_dump({"credentials": CREDENTIALS}))
    (tmp_path / "gold.csv").write_text("credential_id,course_id\nc-db,A1\nc-db,A3\nc-net,A3\n")
    return ["evaluate", "--catalogue", str(tmp_path / "catalogue.yaml"),
            "--credentials", str(tmp_path / "credentials.yaml"), "--gold", str(tmp_path / "gold.csv")]


def test_cli_prints_json(cli_args, capsys):
    assert _run([*cli_args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["n"], out["skipped"]) == (2, 1)
    assert out["rankers"][0] == {"ranker": "engine", "recall@1": 0.5, "recall@5": 1.0, "MRR": 0.6667, "n": 2}
    assert [r["ranker"] for r in out["rankers"]] == ["engine", "tfidf", "bm25", "embedding"]


def test_cli_prints_an_aligned_table(cli_args, capsys):
    assert _run(cli_args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ranker", "recall@1", "recall@5", "MRR", "n"]
    assert lines[1].split() == ["engine", "0.5000", "1.0000", "0.6667", "2"]
    assert len({len(line) for line in lines[:5]}) == 1
    assert lines[5] == "(1 credential(s) without gold rows skipped)"


def test_a_credential_without_counterpart_is_left_out_of_recall_and_counted_for_abstention(catalogue, credentials, make_engine):
    result = evaluate(catalogue, credentials, {"c-db": {"A1"}, "c-net": {"NONE"}}, make_engine(catalogue))
    assert (result.n, result.no_counterpart) == (1, 1)
    assert all((m.n, m.recall_at_1) == (1, 1.0) for m in result.metrics)
    assert abstention(result.ranks) == {
        "n_counterpart": 1, "abstain_counterpart": 0.0, "n_none": 1, "abstain_none": 0.0, "none_top1_reported": 1.0,
    }


def test_read_gold_refuses_none_beside_a_course(tmp_path):
    path = tmp_path / "gold.csv"
    path.write_text("credential_id,course_id\nc1,NONE\nc1,A1\nc2,NONE\n")
    with pytest.raises(InputError, match="NONE"):
        read_gold(path)


def test_the_engine_abstains_below_its_threshold_and_only_the_engine(catalogue, credentials, bow_encoder, test_profiles, tmp_path):
    plain = Engine(catalogue, encoder=bow_encoder, cache_path=tmp_path / "e.sqlite", profiles=test_profiles)
    assert (engine_ranker(catalogue, plain)(credentials[0]).course_ids[0], engine_ranker(catalogue, plain)(credentials[0]).abstained) == ("A1", False)
    strict = {k: dataclasses.replace(p, abstain_below=1.01) for k, p in test_profiles.items()}  # no score reaches it
    engine = Engine(catalogue, encoder=bow_encoder, cache_path=tmp_path / "e.sqlite", profiles=strict)
    ranks = evaluate(catalogue, credentials, {"c-db": {"A1"}, "c-net": {"NONE"}}, engine).ranks
    assert abstention(ranks)["abstain_none"] == 1.0 and abstention(ranks)["none_top1_reported"] == 0.0
    assert ranks.set_index(["ranker", "credential_id"])["abstained"].to_dict() == {
        (r, c): r == "engine" for r in ("engine", "tfidf", "bm25", "embedding") for c in ("c-db", "c-net")
    }


def test_bootstrap_interval_is_seeded_and_brackets_the_mean():
    values = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 1], dtype=float)
    low, high = bootstrap_interval(values, 500, seed=3)
    assert low < values.mean() < high and 0 <= low and high <= 1
    assert bootstrap_interval(values, 500, seed=3) == (low, high)
    assert bootstrap_interval(np.ones(5), 500, seed=3) == (1.0, 1.0)
    m = metrics("x", [1, 2, None, 1, 7], resamples=200, seed=1)
    assert set(m.intervals) == {"recall@1", "recall@5", "MRR"}
    assert all(lo <= v <= hi for v, (lo, hi) in zip((m.recall_at_1, m.recall_at_5, m.mrr), m.intervals.values()))


def test_bm25_weighs_a_rare_shared_word_above_a_common_one(make_engine):
    catalogue = catalogue_from_data({"courses": [
        {"id": "B1", "title": "Data", "ects": 5, "learning_outcomes": ["analyse data with tables", "data data data"]},
        {"id": "B2", "title": "Graphs", "ects": 5, "learning_outcomes": ["analyse data with graph algorithms"]},
        {"id": "B3", "title": "Data tables", "ects": 5, "learning_outcomes": ["store data in tables"]},
    ]}, "c.yaml")
    query = credentials_from_data({"id": "q", "title": "Graph algorithms", "learning_outcomes": ["shortest paths in data"]}, "q.yaml")[0]
    assert bm25_ranker(catalogue, make_engine(catalogue))(query).course_ids[0] == "B2"
    empty = credentials_from_data({"id": "e", "title": "X", "learning_outcomes": ["a"]}, "e.yaml")[0]  # no word of 2+ letters
    assert bm25_ranker(catalogue, make_engine(catalogue))(empty).course_ids == ["B1", "B2", "B3"]


def test_read_pairs_names_a_bad_label(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("credential_id,course_id,local_outcome,incoming_outcome,label\nc,A,x,y,1\nc,A,z,,maybe\n")
    with pytest.raises(InputError) as err:
        read_pairs(path)
    assert [(p.location, p.field) for p in err.value.problems] == [("row 3", "label")]


def _match(local, zone):
    return SimpleNamespace(local_outcome=local, zone=zone)


def test_coverage_error_rates_read_the_zone():
    import pandas as pd

    pairs = pd.DataFrame([
        ("c", "A", "L1", "i1", 1), ("c", "A", "L1", "i2", 0), ("c", "A", "L2", "i1", 1), ("c", "A", "L3", "i3", 1),
        ("c", "A", "L4", "", 0), ("c", "B", "L9", "i1", 1),
    ], columns=["credential_id", "course_id", "local_outcome", "incoming_outcome", "label"])
    candidate = SimpleNamespace(matches=(_match("L1", "not_covered"), _match("L2", "to_confirm"), _match("L3", "covered"),
                                         _match("L4", "covered")))
    rows = coverage_rows(pairs, "c", Ranking(["A"], candidate={"A": candidate}.get))
    assert [(r["local_outcome"], r["covered_label"], r["zone"]) for r in rows] == [
        ("L1", 1, "not_covered"), ("L2", 1, "to_confirm"), ("L3", 1, "covered"), ("L4", 0, "covered"), ("L9", 1, None),
    ]
    errors = coverage_errors(pd.DataFrame(rows))
    assert errors == {"n_labelled_covered": 3, "not_covered_error": pytest.approx(1 / 3), "to_confirm": pytest.approx(1 / 3),
                      "n_labelled_not_covered": 1, "covered_error": 1.0, "not_covered_wrong": 1.0, "no_candidate": 1}
