import csv
import dataclasses
from pathlib import Path

import pytest

from recognition_engine.errors import ReferenceDataError
from recognition_engine.reference import default_reference
from recognition_engine.statements import PATTERNS_FILE, Screened, Statement, read_statement, screen_outcomes

LABELLED = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "statements_labelled.csv"


@pytest.mark.parametrize("text, kind", [
    ("Module 3: OLAP", "heading"),
    ("Tuần 3 - Ngôn ngữ truy vấn SQL", "heading"),
    ("Poglavlje 2: Relacijska algebra", "heading"),
    ("Learning outcomes:", "heading"),
    ("Conoscenza e capacità di comprensione", "heading"),
    ("On successful completion of this module, students will be able to:", "heading"),
    ("DATABASE SYSTEMS", "heading"),
    ("Topics: joins, indexes, transactions", "topic_list"),
    ("Linked lists, stacks, queues", "topic_list"),
    ("Spojové seznamy, zásobníky a fronty", "topic_list"),
    ("Design, testing, deployment", "topic_list"),
    ("Introduction aux bases de données", "topic"),
    ("This can contain a multiline description", "placeholder"),
    ("TBD", "placeholder"),
    ("Lorem ipsum dolor sit amet", "placeholder"),
    ("Đang cập nhật", "placeholder"),
    ("   ", "placeholder"),
    ("Complete all quizzes with 80%", "award_criteria"),
    ("Attend 4 of 5 sessions", "award_criteria"),
    ("Earners must pass the final assessment", "award_criteria"),
    ("Superare l'esame finale", "award_criteria"),
    ("Složit závěrečnou zkoušku", "award_criteria"),
    ("See the course page", "reference"),
    ("Voir la fiche du cours", "reference"),
    ("https://example.edu/cs205", "reference"),
])
def test_lines_that_are_not_outcomes(text, kind):
    statement = read_statement(text)
    assert (statement.is_outcome, statement.kind) == (False, kind)
    assert statement.text == text and statement.reason


@pytest.mark.parametrize("text", [
    "Explain the difference between OLTP and OLAP",
    "An understanding of the ethical issues raised by machine learning",
    "Knowledge of joins, indexes and transactions",
    "Ability to write efficient SQL queries",
    "Be able to deploy a web application",
    "Trình bày được các khái niệm cơ bản về cơ sở dữ liệu",
    "Saper progettare una base di dati",
    "Objasniti pojam normalizacije",
    "Student umí navrhnout relační databázi",
    "Être capable de concevoir une base de données",
    "Week 2: Design a normalised schema",  # a heading prefix before a real outcome
    "Complete a risk assessment for a construction site",  # 'complete' without a course-admin object
    "Consult stakeholders when designing a public service",  # 'consult' without a document
    "Analyse, design and implement databases",
    "Web development",  # unsure: kept
])
def test_outcomes_and_unsure_lines_are_kept(text):
    statement = read_statement(text)
    assert statement.is_outcome and statement.kind == "outcome"


def test_reasons_name_the_evidence():
    assert read_statement("Explain OLAP").reason == "reads as an outcome: 'explain' (understand)"
    assert "Italian outcome" in read_statement("Saper progettare una base di dati").reason
    assert read_statement("Linked lists, stacks, queues").reason == (
        "a list of 3 short items with no verb of doing or knowing")
    assert "unsure lines are kept" in read_statement("Web development").reason


def test_screen_outcomes_keeps_order_and_says_why():
    lines = ["Module 3: OLAP", "Explain OLAP cubes", "TBD", "- Design a star schema", "See the course page"]
    screened = screen_outcomes(lines)
    assert isinstance(screened, Screened)
    assert screened.kept == ("Explain OLAP cubes", "- Design a star schema")
    assert [s.kind for s in screened.set_aside] == ["heading", "placeholder", "reference"]
    assert all(isinstance(s, Statement) and not s.is_outcome for s in screened.set_aside)
    assert screen_outcomes([]) == Screened((), ())


def _reference_with(tmp_path, text):
    (tmp_path / PATTERNS_FILE).write_text(text, encoding="utf-8")
    return dataclasses.replace(default_reference(), path=tmp_path, digest=f"test-{abs(hash(text))}")


def test_bad_pattern_file_names_the_entry_and_field(tmp_path):
    source = (default_reference().path / PATTERNS_FILE).read_text(encoding="utf-8")
    broken = source.replace("pattern: 'lorem ipsum", "pattern: '(lorem ipsum", 1)
    with pytest.raises(ReferenceDataError) as info:
        read_statement("x", _reference_with(tmp_path, broken))
    assert "placeholder[2]" in str(info.value) and "not a regular expression" in str(info.value)
    with pytest.raises(ReferenceDataError, match="unknown group"):
        read_statement("x", _reference_with(tmp_path, source + "\nheadings: []\n"))


def test_patterns_are_data(tmp_path):
    source = (default_reference().path / PATTERNS_FILE).read_text(encoding="utf-8")
    extra = source.replace("placeholder:\n", "placeholder:\n  - {lang: en, pattern: '^frobnicate$', why: test}\n", 1)
    reference = _reference_with(tmp_path, extra)
    assert read_statement("Frobnicate", reference).kind == "placeholder"
    assert read_statement("Frobnicate").is_outcome


def test_labelled_set_floors():
    with LABELLED.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 300
    held = [r for r in rows if r["split"] == "heldout"]
    set_aside = [r for r in held if not read_statement(r["text"]).is_outcome]
    non_outcomes = [r for r in held if r["is_outcome"] == "no"]
    # Measured (benchmarks/statements_accuracy.py): held-out precision 1.00, recall 0.855
    # of 'not an outcome'; no real outcome dropped. Floors sit a little below.
    assert sum(r["is_outcome"] == "no" for r in set_aside) / len(set_aside) >= 0.97
    assert sum(r["is_outcome"] == "no" for r in set_aside) / len(non_outcomes) >= 0.80
