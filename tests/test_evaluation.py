"""Evaluation metrics, rankers, gold reading and the `evaluate` subcommand (fake encoder),
plus one check with the real model on the bundled sample data."""

import argparse
import json

import pytest
import yaml

from recognition_engine import Engine, InputError
from recognition_engine.cli.evaluate import add_parser
from recognition_engine.evaluation import evaluate, first_gold_rank, metrics, read_gold, tfidf_ranker
from recognition_engine.loaders import catalogue_from_data, credentials_from_data

from recognition_engine.paths import examples_dir

EXAMPLES = examples_dir()

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
    assert list(result.ranks.columns) == ["credential_id", "ranker", "rank_of_first_gold"]
    ranks = result.ranks.set_index(["ranker", "credential_id"])["rank_of_first_gold"]
    for m in result.metrics:
        assert (ranks[m.ranker, "c-db"], ranks[m.ranker, "c-net"]) == (1, 3)
        assert (m.recall_at_1, m.recall_at_5, m.mrr, m.n) == (0.5, 1.0, pytest.approx(2 / 3), 2)
    assert [m.ranker for m in result.metrics] == ["engine", "tfidf", "embedding"]


def test_tfidf_breaks_ties_by_course_id(catalogue, credentials, make_engine):
    unrelated = credentials_from_data({"id": "x", "title": "Pottery", "learning_outcomes": ["glaze a vase"]}, "x.yaml")[0]
    assert tfidf_ranker(catalogue, make_engine(catalogue))(unrelated) == ["A1", "A2", "A3"]


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
    assert [r["ranker"] for r in out["rankers"]] == ["engine", "tfidf", "embedding"]


def test_cli_prints_an_aligned_table(cli_args, capsys):
    assert _run(cli_args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ranker", "recall@1", "recall@5", "MRR", "n"]
    assert lines[1].split() == ["engine", "0.5000", "1.0000", "0.6667", "2"]
    assert len({len(line) for line in lines[:4]}) == 1
    assert lines[4] == "(1 credential(s) without gold rows skipped)"


@pytest.mark.model
def test_engine_is_at_least_as_good_as_tfidf_on_the_sample_data(sample_catalogue, sample_credentials, tmp_path):
    engine = Engine(sample_catalogue, cache_path=tmp_path / "emb.sqlite")
    result = evaluate(sample_catalogue, list(sample_credentials.values()), read_gold(EXAMPLES / "gold.csv"), engine)
    by_ranker = {m.ranker: m for m in result.metrics}
    assert result.n == len(sample_credentials)
    assert by_ranker["engine"].recall_at_1 >= by_ranker["tfidf"].recall_at_1
