"""Read catalogues and credentials from YAML, JSON or CSV, collecting every problem.

Every error names the file, the row (CSV, counting the header as row 1) or list entry
(YAML/JSON), and the field, so a registrar can fix the file without reading a traceback.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .catalogue import Catalogue, Course, Institution, Programme, consistency_problems
from .credential import MicroCredential
from .errors import InputError, Problem, problems_from_validation
from .formats.safety import Limits, decode_text, load_json, load_yaml

_LIST_SPLIT = re.compile(r"\s+\|\s+|\n")
CATALOGUE_CSV_COLUMNS = [
    "id", "title", "description", "ects", "eqf_level", "isced_f", "language", "programme_id",
    "programme_title", "programme_eqf_level", "learning_outcomes", "optional_outcomes",
]
_CSV_REQUIRED = ["id", "title", "ects", "learning_outcomes"]


# Catalogues are larger than one credential file, but still limited before they are parsed.
CATALOGUE_LIMITS = Limits(max_bytes=25_000_000, max_depth=32, max_elements=2_000_000)


def read_structured(path: Path, limits: Limits = CATALOGUE_LIMITS) -> Any:
    """Parse a YAML or JSON file; a syntax error becomes a Problem with the line."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise InputError([Problem(path.name, "", "", f"the file is {size:,} bytes, more than the limit of "
                                  f"{limits.max_bytes:,} bytes")])
    return parse_structured(path.read_bytes(), path.name, limits)


def parse_structured(data: bytes, source: str, limits: Limits = CATALOGUE_LIMITS) -> Any:
    """Parse YAML or JSON (JSON when the name ends in .json) with size, depth and node limits
    checked before anything is built; a syntax error names the line."""
    if source.lower().endswith(".json"):
        return load_json(data, source, limits)
    return load_yaml(data, source, limits)


def _validate(model: type[BaseModel], data: Any, source: str, location: str, problems: list[Problem]):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, source, location))
        return None


def _entry_location(section: str, index: int, data: Any) -> str:
    ident = data.get("id") if isinstance(data, dict) else None
    return f"{section}[{index}]" + (f" (id {ident})" if ident is not None else "")


def catalogue_from_data(data: Any, source: str) -> Catalogue:
    """Validate a catalogue given as a mapping; raise InputError with every problem."""
    if not isinstance(data, dict):
        raise InputError([Problem(source, "", "", "a catalogue must be a mapping with 'courses' (and 'programmes')")])
    problems: list[Problem] = []
    unknown = sorted(set(data) - {"institution", "programmes", "courses"})
    problems += [Problem(source, "", key, "unknown top-level key") for key in unknown]
    institution = None
    if data.get("institution") is not None:
        institution = _validate(Institution, data["institution"], source, "institution", problems)
    courses_raw = data.get("courses")
    if not isinstance(courses_raw, list) or not courses_raw:
        problems.append(Problem(source, "", "courses", "must be a non-empty list of courses"))
        courses_raw = []
    courses = [_validate(Course, c, source, _entry_location("courses", i, c), problems) for i, c in enumerate(courses_raw)]
    programmes_raw = data.get("programmes") or []
    programmes = [
        _validate(Programme, p, source, _entry_location("programmes", i, p), problems) for i, p in enumerate(programmes_raw)
    ]
    # One pass: references are checked beside the entries' own problems. A programme that names a
    # course whose entry is invalid is not reported again (the course's own problem says why).
    valid_courses = [(i, c) for i, c in enumerate(courses) if c is not None]
    valid_programmes = [(i, p) for i, p in enumerate(programmes) if p is not None]
    invalid_ids = {str(c.get("id")) for c, v in zip(courses_raw, courses) if v is None and isinstance(c, dict)}
    problems += [Problem(source, where, field, msg) for where, field, msg in consistency_problems(valid_courses, valid_programmes)
                 if not (msg.startswith("unknown course id") and msg.split("'")[1] in invalid_ids)]
    if problems:
        raise InputError(problems)
    return Catalogue(institution=institution, programmes=programmes, courses=courses)


def _catalogue_from_csv(path: Path, limits: Limits = CATALOGUE_LIMITS) -> Catalogue:
    """A catalogue from CSV, every problem found in one pass and named by CSV row (the header is
    row 1) and column: course fields, duplicate ids, and programme columns (a programme title or
    level without a programme id is refused, not dropped)."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise InputError([Problem(path.name, "", "", f"the file is {size:,} bytes, more than the limit of "
                                  f"{limits.max_bytes:,} bytes")])
    text = decode_text(path.read_bytes(), path.name)
    problems: list[Problem] = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    missing = [c for c in _CSV_REQUIRED if c not in columns]
    if missing:
        raise InputError([Problem(path.name, "row 1", c, "required column is missing") for c in missing])
    unknown = [c for c in columns if c not in CATALOGUE_CSV_COLUMNS]
    problems += [Problem(path.name, "row 1", c, f"unknown column (known: {', '.join(CATALOGUE_CSV_COLUMNS)})") for c in unknown]
    courses, programmes, first_row, programme_rows = [], {}, {}, {}
    try:
        rows = list(enumerate(reader, start=2))
    except csv.Error as exc:
        raise InputError([Problem(path.name, f"line {reader.line_num}", "", f"malformed CSV: {exc}")]) from None
    for rownum, row in rows:
        row = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(row.values()):
            continue
        where = f"row {rownum}"
        outcomes = [{"text": t, "essential": True} for t in _split_cell(row.get("learning_outcomes", ""))]
        outcomes += [{"text": t, "essential": False} for t in _split_cell(row.get("optional_outcomes", ""))]
        course = {
            "id": row["id"], "title": row["title"], "description": row.get("description", ""),
            "ects": row["ects"] or None, "learning_outcomes": outcomes,
            "level": {"framework": "EQF", "value": row["eqf_level"]} if row.get("eqf_level") else None,
            "isced_f": row.get("isced_f") or None, "language": row.get("language") or "en",
        }
        before = len(problems)
        validated = _validate(Course, course, path.name, where, problems)
        _rename_csv_fields(problems, before)
        if validated is not None:
            if validated.id in first_row:
                problems.append(Problem(path.name, where, "id", f"duplicate course id {validated.id!r} "
                                        f"(first in row {first_row[validated.id]})"))
            else:
                first_row[validated.id] = rownum
                courses.append(validated)
        pids = _split_cell(row.get("programme_id", ""))
        if not pids:
            for column in ("programme_title", "programme_eqf_level"):
                if row.get(column):
                    problems.append(Problem(path.name, where, column, f"{column.replace('_', ' ')} "
                                            f"{row[column]!r} without a programme_id: give the programme's id, "
                                            "or leave the programme columns empty"))
        for pid in pids:
            prog = programmes.setdefault(pid, {
                "id": pid, "title": row.get("programme_title") or pid, "courses": [],
                "level": {"framework": "EQF", "value": row["programme_eqf_level"]} if row.get("programme_eqf_level") else None,
            })
            programme_rows.setdefault(pid, rownum)
            title = row.get("programme_title")
            if title and title != prog["title"] and len(pids) == 1:
                problems.append(Problem(path.name, where, "programme_title", f"programme {pid!r} is titled "
                                        f"{prog['title']!r} in row {programme_rows[pid]}"))
            if row["id"] not in prog["courses"]:
                prog["courses"].append(row["id"])
    programme_models = []
    for pid, prog in programmes.items():
        prog["courses"] = [cid for cid in prog["courses"] if cid in first_row]
        before = len(problems)
        validated = _validate(Programme, prog, path.name, f"row {programme_rows[pid]} (programme {pid})", problems)
        for k in range(before, len(problems)):
            p = problems[k]
            problems[k] = Problem(p.source, p.location, "programme_eqf_level" if p.field.startswith("level")
                                  else f"programme_{p.field}", p.message)
        if validated is not None:
            programme_models.append(validated)
    if problems:
        raise InputError(problems)
    return Catalogue(courses=courses, programmes=programme_models)


def _rename_csv_fields(problems: list[Problem], start: int) -> None:
    """Report CSV problems under the column names the user wrote, not the model's."""
    for k in range(start, len(problems)):
        p = problems[k]
        column = {"level": "eqf_level", "level.value": "eqf_level"}.get(p.field, p.field)
        if column.startswith("learning_outcomes"):
            column = "learning_outcomes"
        problems[k] = Problem(p.source, p.location, column, p.message)


def read_csv_rows(path: str | Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(row number, stripped values of `columns`) for each data row; the header is row 1.

    A missing file or a missing column is an InputError naming it; checking the values is
    the caller's job, so every bad row can be reported at once.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(str(path), "", "", "file not found")])
    reader = csv.DictReader(io.StringIO(decode_text(path.read_bytes(), path.name), newline=""))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError([Problem(path.name, "row 1", c, "required column is missing") for c in missing])
    return [(n, {c: (row[c] or "").strip() for c in columns}) for n, row in enumerate(reader, start=2)]


def _split_cell(cell: str) -> list[str]:
    return [t.strip() for t in _LIST_SPLIT.split(cell) if t.strip()]


def load_catalogue(path: str | Path) -> Catalogue:
    """Load a catalogue from .yaml/.yml, .json or .csv."""
    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(str(path), "", "", "file not found")])
    if path.suffix.lower() == ".csv":
        return _catalogue_from_csv(path)
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise InputError([Problem(path.name, "", "", "unsupported catalogue format (use .yaml, .yml, .json or .csv)")])
    return catalogue_from_data(read_structured(path), path.name)


def credentials_from_data(data: Any, source: str) -> list[MicroCredential]:
    """Validate one credential mapping, a list of them, or {credentials: [...]}; collect every problem."""
    if isinstance(data, dict) and "credentials" in data:
        data = data["credentials"]
    entries = data if isinstance(data, list) else [data]
    problems: list[Problem] = []
    out = []
    for i, entry in enumerate(entries):
        location = _entry_location("credentials", i, entry) if isinstance(data, list) else ""
        if not isinstance(entry, dict):
            problems.append(Problem(source, location, "", "a credential must be a mapping of Annex I elements"))
            continue
        out.append(_validate(MicroCredential, entry, source, location, problems))
    if problems:
        raise InputError(problems)
    return out


def load_credentials(path: str | Path) -> list[MicroCredential]:
    """Load credentials from a YAML/JSON file or from every such file in a folder (sorted by name).

    Problems in all files are collected before raising, so one run reports them all.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json"))
    elif path.is_file():
        files = [path]
    else:
        raise InputError([Problem(str(path), "", "", "file or folder not found")])
    credentials, problems = [], []
    for f in files:
        try:
            credentials.extend(credentials_from_data(read_structured(f), f.name))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return credentials
