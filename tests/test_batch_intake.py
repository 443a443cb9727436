"""Batches a registrar can run unattended: a row with bad bytes fails alone, the encoding used is
reported, files are named for what they are, and every result line says what to ask for and the
credits as one number."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from recognition_engine.assessment import Assessor
from recognition_engine.batch import (
    RESULT_COLUMNS,
    assess_batch,
    batch_frame,
    read_batch,
    read_batch_file,
    ResultsWriter,
)
from recognition_engine.errors import InputError
from recognition_engine.formats.export import recognised_credits
from recognition_engine.rules import Outcome

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "examples" / "credentials_template.csv"
AS_OF = dt.date(2026, 1, 15)


def _csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["id", "title", "learning_outcomes", "workload", "learner", "purpose"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


ROWS = [{"id": f"c{i}", "title": f"Course {i}", "learning_outcomes": "Explain the basics of databases",
         "workload": "5 ECTS", "learner": f"S-{i}", "purpose": ""} for i in range(1, 21)]


def test_a_latin1_byte_in_a_utf8_csv_fails_that_row_alone():
    text = _csv(ROWS).replace("Course 7", "Caf\x00").replace("Course 2", "Zürich")
    data = text.encode("utf-8").replace(b"Caf\x00", b"Caf\xe9")  # one Windows-1252 byte in row 8
    batch = read_batch_file(data, "returns.csv")
    assert batch.encoding == "UTF-8" and len(batch.rows) == 20
    bad = [r for r in batch.rows if "_invalid" in r.payload]
    assert [r.row for r in bad] == [8]
    assert "byte 0xE9" in bad[0].payload["_invalid"] and "'é'" in bad[0].payload["_invalid"]
    assert "column 'title'" in bad[0].payload["_invalid"]


def test_a_windows_1252_file_is_read_and_the_encoding_reported():
    rows = [{**ROWS[0], "title": "Gestión de Datos – Café"}, ROWS[1]]
    batch = read_batch_file(_csv(rows).encode("cp1252"), "returns.csv")
    assert batch.encoding == "Windows-1252"
    assert batch.rows[0].payload["title"] == "Gestión de Datos – Café"
    assert "read as Windows-1252" in batch.rows[0].payload["notes"][0]


def test_utf8_with_bom_is_reported_as_such():
    batch = read_batch_file(b"\xef\xbb\xbf" + _csv(ROWS[:2]).encode(), "returns.csv")
    assert batch.encoding == "UTF-8 with BOM" and "id" in batch.rows[0].payload
    assert read_batch(b"\xef\xbb\xbf" + _csv(ROWS[:2]).encode(), "returns.csv")[0] == "csv"


def test_a_deeply_nested_json_line_fails_alone():
    lines = [json.dumps({"learner": "S-1", "credential": {"id": "a", "title": "A"}}),
             '{"credential": ' + "[" * 100_000 + "]" * 100_000 + "}",
             json.dumps({"learner": "S-3", "credential": {"id": "c", "title": "C"}})]
    rows = read_batch_file("\n".join(lines).encode(), "returns.jsonl").rows
    assert [("_invalid" in r.payload) for r in rows] == [False, True, False]
    assert "deeper than the limit" in rows[1].payload["_invalid"]


@pytest.mark.parametrize("data, expected", [
    (b"%PDF-1.4\n1 0 obj", "PDF document"),
    (b"", "empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Microsoft Office"),
])
def test_files_are_named_for_what_they_are(data, expected):
    with pytest.raises(InputError) as err:
        read_batch(data, "returns.csv")
    assert expected in err.value.problems[0].message


def test_a_spreadsheet_is_not_taken_for_a_zip_of_transcripts(tmp_path):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InputError) as err:
        read_batch(buffer.getvalue(), "returns.xlsx")
    assert "spreadsheet" in err.value.problems[0].message


def test_results_say_what_to_ask_for_and_give_credits_as_one_number(sample_catalogue, bow_encoder, test_profiles,
                                                                      tmp_path):
    from recognition_engine import Engine

    engine = Engine(sample_catalogue, encoder=bow_encoder, cache_path=tmp_path / "emb.sqlite", profiles=test_profiles)
    course = sample_catalogue.courses[0]
    rows = [
        {"learner": "S-1", "purpose": course.id, "credential": {"id": "thin", "title": "Something"}},
        {"learner": "S-2", "purpose": course.id, "credential": {
            "id": "full", "title": course.title, "learner": {"name": "A"}, "country": "NL", "awarding_body": "U",
            "date_of_issue": "2025-06-01", "learning_outcomes": [o.text for o in course.learning_outcomes],
            "workload": {"value": float(course.ects), "unit": "ects"}, "level": {"framework": "EQF", "value": "6"},
            "type_of_assessment": "written exam", "form_of_participation": "onsite",
            "quality_assurance": {"type": "external", "description": "accredited"}, "grade": "8"}},
    ]
    frame = batch_frame(read_batch("\n".join(json.dumps(r) for r in rows).encode(), "r.jsonl")[1])
    results = assess_batch(frame, Assessor(engine), as_of=AS_OF)
    items = [item for r in results for item in r.items()]
    assert set(RESULT_COLUMNS) <= set(items[0])
    thin = items[0]
    assert thin["outcome"] == Outcome.insufficient_information.value and thin["ask_for"]
    for result, item in zip(results, items):
        expected = recognised_credits(result.assessments[0])
        assert item["credits"] == (None if expected is None else float(expected))
        if item["outcome"] == Outcome.full.value:
            assert item["credits"] == float(course.ects)
    assert items[1]["grade"] == "8"
    buffer = io.StringIO()
    ResultsWriter(buffer).write(items)
    written = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert all(r["credits"] == "" or "." not in r["credits"] or not r["credits"].endswith(".0") for r in written)
