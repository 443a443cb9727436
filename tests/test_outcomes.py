from recognition_engine.outcomes import LearningOutcome, parse_outcomes, split_outcomes

import pytest


def test_lead_in_and_semicolons():
    text = "Students will be able to: describe the relational model; analyse query plans; and design a schema."
    assert split_outcomes(text) == ["describe the relational model", "analyse query plans", "design a schema"]


def test_sentences_bullets_and_enumerations():
    assert split_outcomes("Explain supervised learning. Train a classifier, e.g. with scikit-learn. Evaluate models.") == [
        "Explain supervised learning", "Train a classifier, e.g. with scikit-learn", "Evaluate models",
    ]
    assert split_outcomes("- write SQL\n- design schemas (3NF)\n1. build APIs\nb) test them") == [
        "write SQL", "design schemas (3NF)", "build APIs", "test them",
    ]
    assert split_outcomes("(1) describe x (2) build y") == ["describe x", "build y"]


def test_vietnamese_lead_in():
    text = "Sau khi hoàn thành học phần, sinh viên có khả năng: Trình bày các khái niệm; Phân tích dữ liệu."
    assert split_outcomes(text) == ["Trình bày các khái niệm", "Phân tích dữ liệu"]


def test_colon_inside_an_outcome_is_kept():
    assert split_outcomes("Python: write programs; test them") == ["Python: write programs", "test them"]


def test_parse_outcomes_forms():
    assert parse_outcomes(["a", {"text": "b", "essential": False}]) == [{"text": "a"}, {"text": "b", "essential": False}]
    assert parse_outcomes("describe x; build y") == [{"text": "describe x"}, {"text": "build y"}]


def test_empty_outcome_rejected():
    with pytest.raises(ValueError, match="cannot be empty"):
        LearningOutcome(text="   ")


def test_wrapped_lines_inside_an_outcome_are_joined():
    text = "Participants will be able to: separate a series into its trend,\nseasonality and remainder; build\nforecasting models;\nCompare methods"
    assert split_outcomes(text) == ["separate a series into its trend, seasonality and remainder", "build forecasting models", "Compare methods"]


def test_wrapped_paragraph_sample(sample_credentials):
    outcomes = sample_credentials["mc-tartu-forecast-2025"].outcome_texts
    assert len(outcomes) == 5 and outcomes[0] == "separate a time series into its trend, seasonality and remainder"
