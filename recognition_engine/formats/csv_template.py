"""Credentials in the CSV template (examples/credentials_template.csv): one credential per row.

Columns are named after the MicroCredential fields; nested fields are flattened with an
underscore (learner_name, quality_assurance_type). Lists (learning_outcomes) are separated by
" | " or by line breaks inside the quoted cell. `workload` is free text such as "5 ECTS",
"6 tín chỉ" or "3-5 hours per week, 6 weeks"; `level` is "<framework> <level>", e.g. "EQF 6",
"VQF 6" or "QF-EHEA first_cycle". Every problem names the row (the header is row 1) and column.
"""

from __future__ import annotations

import csv
import io
import re

from ..errors import InputError, Problem
from . import _common as c
from .result import ImportResult
from .safety import DEFAULT_LIMITS, Limits, check_size, decode_text

FORMAT = "csv"
COLUMNS = [
    "id", "title", "learner_name", "learner_identifier", "country", "awarding_body", "date_of_issue",
    "learning_outcomes", "workload", "level", "type_of_assessment", "form_of_participation",
    "quality_assurance_type", "quality_assurance_description", "prerequisites", "supervision",
    "identity_verification", "grade", "integration", "language", "field_of_education",
]
REQUIRED = ["id"]
_LIST_SPLIT = re.compile(r"\s+\|\s+|\r?\n")
# model field (first part of a pydantic error location) -> the CSV column to report
_FIELD_TO_COLUMN = {"learner": "learner_name", "quality_assurance": "quality_assurance_type"}


def looks_like_csv(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    cells = [h.strip().strip('"').lower() for h in re.split(r"[,;]", first)]
    return "id" in cells and len(cells) > 1


def read_text(text: str, source: str, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = [col.strip() if col else col for col in (reader.fieldnames or [])]
    reader.fieldnames = columns
    missing = [col for col in REQUIRED if col not in columns]
    if missing:
        raise InputError([Problem(source, "row 1", col, "required column is missing") for col in missing])
    problems: list[Problem] = []
    unknown = [col for col in columns if col and col not in COLUMNS]
    problems += [Problem(source, "row 1", col, f"unknown column (known: {', '.join(COLUMNS)})") for col in unknown]
    drafts: list[c.Draft] = []
    seen: dict[str, int] = {}
    try:
        rows = list(enumerate(reader, start=2))
    except csv.Error as exc:
        raise InputError([Problem(source, f"line {reader.line_num}", "", f"malformed CSV: {exc}")]) from None
    for rownum, row in rows:
        if rownum - 1 > limits.max_elements:
            raise InputError([Problem(source, f"row {rownum}", "", f"more than {limits.max_elements:,} rows")])
        if None in row:  # more cells than header columns
            problems.append(Problem(source, f"row {rownum}", "", "more cells than there are columns in the header"))
        cells = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(cells.values()):
            continue
        d = _row(cells, source, rownum)
        ident = cells.get("id", "")
        if ident and ident in seen:
            d.problem("id", f"duplicate id: already used in row {seen[ident]}")
        seen.setdefault(ident, rownum)
        drafts.append(d)
    items = []
    for d in drafts:
        item = d.build(cite_origin=False)
        for p in d.problems:
            top = re.split(r"[.\[]", p.field, maxsplit=1)[0]
            column = _FIELD_TO_COLUMN.get(top, top)
            if p.field == "learner.identifier":
                column = "learner_identifier"
            elif p.field.startswith("quality_assurance.description"):
                column = "quality_assurance_description"
            problems.append(Problem(p.source, p.location, column, p.message))
        if item:
            items.append(item)
    if problems:
        raise InputError(problems)
    if not items:
        raise InputError([Problem(source, "", "", "the CSV has a header but no credential rows")])
    return ImportResult(format=FORMAT, source=source, items=tuple(items))


def _row(cells: dict[str, str], source: str, rownum: int) -> c.Draft:
    d = c.Draft(source, f"row {rownum}")
    get = cells.get
    d.set("id", get("id"), "id")
    if not get("id"):
        d.problem("id", "required: every credential needs an id")
    d.set("title", get("title"), "title")
    if get("learner_name") or get("learner_identifier"):
        d.set("learner", {"name": get("learner_name") or None, "identifier": get("learner_identifier") or None},
              "learner_name")
    for field in ("country", "awarding_body", "type_of_assessment", "prerequisites", "grade", "integration",
                  "language", "field_of_education"):
        d.set(field, get(field) or None, field)
    for field in ("form_of_participation", "supervision", "identity_verification"):
        d.set(field, (get(field) or "").lower() or None, field)
    if get("date_of_issue"):
        d.set("date_of_issue", c.parse_date(d, get("date_of_issue"), "date_of_issue"), "date_of_issue")
    outcomes = [t.strip() for t in _LIST_SPLIT.split(get("learning_outcomes") or "") if t.strip()]
    if len(outcomes) == 1:
        d.set("learning_outcomes", outcomes[0], "learning_outcomes")  # a paragraph: split by the model
    else:
        d.set("learning_outcomes", outcomes, "learning_outcomes")
    d.set("workload", get("workload") or None, "workload")
    level = get("level")
    if level:
        parts = level.split(None, 1)
        if len(parts) != 2:
            d.problem("level", f"write the framework and the level, e.g. 'EQF 6' or 'VQF 6', got {level!r}")
        else:
            d.set("level", {"framework": parts[0], "value": parts[1]}, "level")
    qa_type, qa_desc = (get("quality_assurance_type") or "").lower(), get("quality_assurance_description")
    if qa_type:
        d.set("quality_assurance", {"type": qa_type, "description": qa_desc or None}, "quality_assurance_type")
    elif qa_desc:
        d.problem("quality_assurance_type", "give the type (external, accredited_provider, internal or none) "
                  "when a quality-assurance description is given")
    return d


def read_bytes(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    check_size(data, source, limits)
    return read_text(decode_text(data, source), source, limits)
