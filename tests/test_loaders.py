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


# --- catalogue validation in one pass (issue 15) ---------------------------------------------------

CSV_HEADER = "id,title,ects,learning_outcomes,isced_f,language,programme_id,programme_title\n"


def _problems(path) -> list[tuple[str, str, str]]:
    with pytest.raises(InputError) as err:
        load_catalogue(path)
    return [(p.location, p.field, p.message) for p in err.value.problems]


def test_csv_catalogue_reports_every_problem_in_one_pass_by_row(tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text(CSV_HEADER
                    + "C1,Databases,5,Design a relational schema,0613,en,P1,BSc Computing\n"
                    + "C1,Databases again,5,Write SQL queries,0613,en,,\n"        # duplicate id
                    + "C3,Networks,abc,Explain routing,613,english,,\n"            # ects, ISCED zero, language
                    + "C4,Security,5,Assess risks,0612,en,,BSc Security\n",        # programme title, no id
                    encoding="utf-8")
    got = _problems(path)
    where = {(loc, field) for loc, field, _ in got}
    assert ("row 3", "id") in where and ("row 4", "ects") in where and ("row 4", "isced_f") in where
    assert ("row 4", "language") in where and ("row 5", "programme_title") in where
    messages = " | ".join(m for _, _, m in got)
    assert "did you mean '0613'" in messages and "'en' for english" in messages
    assert "first in row 2" in messages and "without a programme_id" in messages


def test_yaml_catalogue_checks_references_in_the_same_pass(tmp_path):
    path = tmp_path / "cat.yaml"
    path.write_text("""
courses:
  - {id: C1, title: A, ects: 5, learning_outcomes: [Explain x]}
  - {id: C2, title: B, ects: -1, learning_outcomes: [Explain y], language: French}
programmes:
  - {id: P1, title: P, courses: [C1, C2, C9]}
""", encoding="utf-8")
    got = _problems(path)
    fields = {field for _, field, _ in got}
    assert {"ects", "language"} <= fields
    unknown = [m for _, _, m in got if m.startswith("unknown course id")]
    assert unknown == ["unknown course id 'C9'"]  # C2 exists (its own problems are reported), C9 does not


def test_a_windows_1252_catalogue_csv_is_read(tmp_path):
    path = tmp_path / "cat.csv"
    path.write_bytes((CSV_HEADER + "C1,Gestión,5,Diseñar un esquema,0613,es,,\n").encode("cp1252"))
    assert load_catalogue(path).courses[0].title == "Gestión"
