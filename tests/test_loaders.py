import json
import textwrap

import pytest

from recognition_engine import InputError, load_catalogue, load_credentials
from recognition_engine.credential import MicroCredential

from recognition_engine.paths import examples_dir

EXAMPLES = examples_dir()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(exc_info):
    return [(p.source, p.location, p.field) for p in exc_info.value.problems]


def test_sample_catalogue_loads(sample_catalogue):
    assert len(sample_catalogue.courses) >= 40
    levels = {p.level.to_eqf().eqf_level for p in sample_catalogue.programmes}
    assert {6, 7} <= levels
    for course in sample_catalogue.courses:
        assert 4 <= len(course.learning_outcomes) <= 8, course.id


def test_sample_csv_catalogue_loads():
    catalogue = load_catalogue(EXAMPLES / "catalogue_small.csv")
    assert len(catalogue.courses) == 6 and len(catalogue.programmes) == 2
    assert any(not lo.essential for c in catalogue.courses for lo in c.learning_outcomes)


def test_every_problem_is_reported_with_row_and_field(tmp_path):
    path = write(tmp_path, "bad.yaml", """
        programmes:
          - {id: P1, title: Prog, courses: [C1, C9]}
        courses:
          - {id: C1, title: One, ects: 5, learning_outcomes: [Do a thing]}
          - {id: C2, title: Two, ects: -3, learning_outcomes: [Do a thing]}
          - {id: C3, title: Three, ects: 5, learning_outcomes: [], isced_f: "1234"}
        """)
    with pytest.raises(InputError) as exc_info:
        load_catalogue(path)
    found = problems_of(exc_info)
    assert ("bad.yaml", "courses[1] (id C2)", "ects") in found
    assert ("bad.yaml", "courses[2] (id C3)", "learning_outcomes") in found
    assert ("bad.yaml", "courses[2] (id C3)", "isced_f") in found
    assert "greater than 0" in str(exc_info.value)


def test_duplicate_ids_and_unknown_references(tmp_path):
    path = write(tmp_path, "dup.json", json.dumps({
        "programmes": [{"id": "P1", "title": "Prog", "courses": ["C1", "C9"]}],
        "courses": [
            {"id": "C1", "title": "One", "ects": 5, "learning_outcomes": ["x"]},
            {"id": "C1", "title": "Again", "ects": 5, "learning_outcomes": ["y"]},
        ],
    }))
    with pytest.raises(InputError) as exc_info:
        load_catalogue(path)
    found = problems_of(exc_info)
    assert ("dup.json", "courses[1]", "id") in found
    assert ("dup.json", "programmes[0] (id P1)", "courses[1]") in found


def test_csv_errors_name_row_and_column(tmp_path):
    path = write(tmp_path, "cat.csv", """\
        id,title,ects,eqf_level,learning_outcomes
        C1,One,5,6,Explain things | Build things
        C2,Two,lots,6,Explain
        C3,Three,5,11,
        """)
    with pytest.raises(InputError) as exc_info:
        load_catalogue(path)
    found = problems_of(exc_info)
    assert ("cat.csv", "row 3", "ects") in found
    assert ("cat.csv", "row 4", "eqf_level") in found
    assert ("cat.csv", "row 4", "learning_outcomes") in found


def test_csv_missing_column(tmp_path):
    path = write(tmp_path, "cat.csv", "id,title\nC1,One\n")
    with pytest.raises(InputError, match="required column is missing"):
        load_catalogue(path)


def test_yaml_syntax_error_has_line(tmp_path):
    path = write(tmp_path, "broken.yaml", "courses:\n  - id: [unclosed\n")
    with pytest.raises(InputError) as exc_info:
        load_catalogue(path)
    assert exc_info.value.problems[0].location.startswith("line ")


def test_credential_with_missing_elements_parses_and_names_them():
    c = MicroCredential(id="x", title="T", learning_outcomes="describe a; build b")
    assert c.missing_elements() == [
        "learner", "country", "awarding_body", "date_of_issue", "workload", "level",
        "type_of_assessment", "form_of_participation", "quality_assurance",
    ]
    assert c.outcome_texts == ["describe a", "build b"]


def test_credential_errors_name_file_and_field(tmp_path):
    write(tmp_path, "a.yaml", "id: a\ncountry: Finland\nworkload: {value: 5, unit: furlongs}\n")
    write(tmp_path, "b.yaml", "id: b\nform_of_participation: by pigeon\n")
    with pytest.raises(InputError) as exc_info:
        load_credentials(tmp_path)
    found = problems_of(exc_info)
    assert ("a.yaml", "", "country") in found
    assert ("a.yaml", "", "workload") in found
    assert ("b.yaml", "", "form_of_participation") in found


def test_isced_integer_gets_its_leading_zero_back():
    assert MicroCredential(id="x", field_of_education=613).field_of_education == "0613"


def test_sample_credentials_cover_the_hard_cases(sample_credentials):
    creds = list(sample_credentials.values())
    assert len(creds) >= 12
    assert any(c.language == "vi" for c in creds)
    assert any(c.type_of_assessment == "none" for c in creds)
    assert any(c.quality_assurance and c.quality_assurance.type.value == "none" for c in creds)
    assert any(len(c.missing_elements()) >= 2 for c in creds)
    assert any(c.workload and c.workload.unit == "tin_chi" and c.workload.to_ects().high < 5 for c in creds)
    assert any(c.level and c.level.to_eqf().eqf_level < 6 for c in creds)
