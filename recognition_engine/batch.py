"""The batch kernel: rows of mobility returns in, one result per row out.

One function, `assess_batch(frame, assessor, ...)`, is used by the API's worker (a few
claimed rows at a time, each result committed as it finishes) and by `recognise batch`
(the whole file, with a progress bar). It imports neither fastapi nor SQLAlchemy.

A batch file is CSV or JSON Lines; each row is one learner's credential(s) and the purpose:

JSON Lines (one object per line; row numbers count lines from 1)::

    {"learner": "S-1042", "purpose": "CS302", "as_of": "2025-09-01", "credential": {...project format...}}
    {"learner": "S-1043", "programme": "BSC-CS", "credentials": [{...}, {...}], "stack": true, "purpose": "CS205"}
    {"learner": "S-1044", "document": "<elmo ...>...</elmo>", "format": "elmo"}

CSV (one transcript line per row; the header is row 1): the columns of the credential CSV
template (examples/credentials_template.csv: id, title, learning_outcomes, workload, level, ...)
plus `learner`, `purpose` (a course id), `programme` (a programme id) and `as_of`.

A zip archive of EMREX ELMO transcripts (or EWP transcripts of records) with their EWP
learning agreements (format `transcripts`, `recognition_engine/transcripts.py`) becomes one
row per component to be recognised at home, with the studied components that count for it,
numbered from 1; every file or component that cannot be assessed becomes a failed row after
them, with the reason.

Without a purpose, a row with a programme is assessed for the programme's best-ranked course,
and a row with neither for the engine's best candidates. One bad row fails alone, with its
row number and the reason; the others go on.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .assessment import Assessment, Assessor
from .catalogue import Catalogue
from .credential import Learner, MicroCredential
from .engine import credential_texts
from .errors import InputError, Problem
from .formats.csv_template import COLUMNS as CREDENTIAL_COLUMNS
from .formats.export import LIST_SEPARATOR, recognised_credits
from .formats.safety import DEFAULT_LIMITS, bad_byte_problem, binary_kind, detect_encoding, load_json_text
from .grades import GradeConversionPolicy, convert, describe, from_policy
from .intake import read_credential_bytes
from .loaders import credentials_from_data
from .transcripts import AssessmentPair, TranscriptBatch, read_archive_batch

log = logging.getLogger("api.batch")

ROW_COLUMNS = ["learner", "purpose", "programme", "as_of"]
CSV_COLUMNS = [*CREDENTIAL_COLUMNS, *ROW_COLUMNS]
JSON_KEYS = {"learner", "purpose", "programme", "as_of", "credential", "credentials", "document", "format", "stack", "notes"}
# credits: ECTS granted, one number (also for full recognition: the course's ECTS); ask_for: what
# to ask the applicant for (" | " between items); to_confirm: the essential outcomes the recommendation
# counts as covered that the officer confirms first (" | " between them); grade*: the original grade beside the converted one;
# candidates: the ranked courses with their scores ("CS302 0.9120 | CS205 0.4410"), what the officer reviews.
RESULT_COLUMNS = ["row", "learner", "credential_id", "purpose", "outcome", "summary", "credits",
                  "alternative_course_id", "status", "error", "ask_for", "to_confirm", "grade", "grade_scheme", "grade_converted",
                  "grade_conversion", "candidates"]
BATCH_FORMATS = ("csv", "jsonl", "transcripts")
MAX_TEXT_BYTES = 100_000_000  # a CSV or JSON Lines batch file; each JSON line also passes the import limits
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class BatchRow:
    row: int  # as the user counts: CSV header is row 1; JSON Lines count lines from 1
    payload: dict[str, Any]

    @property
    def learner(self) -> str | None:
        """The row's learner: its `learner` field, else the credential's learner identifier or name."""
        p = self.payload
        value = p.get("learner") or p.get("learner_identifier") or p.get("learner_name")
        if not value and isinstance(p.get("credential"), dict) and isinstance(p["credential"].get("learner"), dict):
            value = p["credential"]["learner"].get("identifier") or p["credential"]["learner"].get("name")
        return str(value) if value not in (None, "") else None


@dataclass
class RowResult:
    row: int
    learner: str | None
    assessments: list[Assessment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    grades: GradeConversionPolicy | None = None  # the policy's grade conversion, when it has one

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def error(self) -> str | None:
        return "; ".join(_problem_text(p) for p in self.problems) or None

    def items(self) -> list[dict[str, Any]]:
        """One flat record per assessment (or one for the error): the results file's lines."""
        if not self.ok:
            return [{**dict.fromkeys(RESULT_COLUMNS), "row": self.row, "learner": self.learner, "status": "error",
                     "error": self.error}]
        out = []
        for a in self.assessments:
            grade = convert(a.credential.grading, self.grades) if a.credential.grading else None
            credits = recognised_credits(a)
            out.append({
                "row": self.row, "learner": self.learner, "credential_id": a.credential.id,
                "purpose": a.purpose.course_id if a.purpose else None, "outcome": a.outcome.value,
                "summary": a.recommendation.summary, "credits": None if credits is None else float(credits),
                "alternative_course_id": a.recommendation.alternative_course_id, "status": "done", "error": None,
                "ask_for": LIST_SEPARATOR.join(a.recommendation.ask_for) or None,
                "to_confirm": LIST_SEPARATOR.join(a.recommendation.to_confirm) or None,
                "grade": grade.original if grade else a.credential.grade,
                "grade_scheme": grade.scheme if grade else None,
                "grade_converted": grade.converted if grade else None,
                "grade_conversion": describe(grade) if grade else None,
                "candidates": LIST_SEPARATOR.join(f"{c.course_id} {c.score:.4f}" for c in a.candidates) or None,
            })
        return out


def _problem_text(p: Problem) -> str:
    where = ", ".join(x for x in (p.location, p.field and f"field '{p.field}'") if x)
    return f"{where}: {p.message}" if where else p.message


# ---------------------------------------------------------------- reading a batch file

def detect_batch_format(data: bytes, source: str) -> str:
    name = source.lower()
    if data.startswith(_ZIP_MAGIC) or name.endswith(".zip"):
        return "transcripts"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "jsonl" if head == b"{" else "csv"


@dataclass(frozen=True)
class BatchFile:
    """A batch file split into rows, with the text encoding it was read in (None for a zip)."""

    format: str
    rows: list[BatchRow]
    encoding: str | None = None


def read_batch(data: bytes, source: str, fmt: str | None = None, max_rows: int | None = None, *,
               catalogue: Catalogue | None = None, outcomes: Any = None) -> tuple[str, list[BatchRow]]:
    """(format, rows) of a batch file; see `read_batch_file`."""
    batch = read_batch_file(data, source, fmt, max_rows, catalogue=catalogue, outcomes=outcomes)
    return batch.format, batch.rows


def read_batch_file(data: bytes, source: str, fmt: str | None = None, max_rows: int | None = None, *,
                    catalogue: Catalogue | None = None, outcomes: Any = None) -> BatchFile:
    """Split a batch file into rows. Only whole-file problems raise (a file that is not text,
    such as a PDF or a spreadsheet, a CSV header, a refused archive, no rows, too many rows); a bad
    row becomes a row that fails when it is assessed, bad bytes included: the text is read as
    UTF-8 (with or without BOM) or, when it is not UTF-8 at all, as Windows-1252/Latin-1, and the
    encoding used is returned (and noted on every row when it is not UTF-8). A zip of
    transcripts needs the catalogue (the learning agreements name home courses) and may take
    `outcomes`, learning outcomes by LOS identifier or URL."""
    fmt = (fmt or detect_batch_format(data, source)).lower()
    if fmt not in BATCH_FORMATS:
        raise InputError([Problem(source, "", "format", f"unknown batch format {fmt!r}; use {', '.join(BATCH_FORMATS)}")])
    kind = binary_kind(data)
    if kind and not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise InputError([Problem(source, "", "", f"the batch file has no rows ({kind})")])
    if kind and not (fmt == "transcripts" and kind.startswith("this is a zip archive")):
        raise InputError([Problem(source, "", "", kind)])
    encoding = None
    if fmt == "transcripts":
        if catalogue is None:
            raise ValueError("reading a zip of transcripts needs the catalogue")
        rows = transcript_rows(read_archive_batch(data, source, catalogue, outcomes_catalogue=outcomes))
    else:
        if len(data) > MAX_TEXT_BYTES:
            raise InputError([Problem(source, "", "", f"the batch file is {len(data):,} bytes, more than the limit of "
                                      f"{MAX_TEXT_BYTES:,}; split it")])
        decoded = detect_encoding(data)
        encoding = decoded.encoding
        rows = _read_jsonl(decoded.text) if fmt == "jsonl" else _read_csv(decoded.text, source)
        if not encoding.startswith("UTF-8"):
            note = f"the batch file was read as {encoding}: it is not UTF-8"
            rows = [BatchRow(r.row, {**r.payload, "notes": [*(r.payload.get("notes") or []), note]})
                    if isinstance(r.payload.get("notes") or [], list) else r for r in rows]
    if not rows:
        raise InputError([Problem(source, "", "", "the batch file has no rows")])
    if max_rows is not None and len(rows) > max_rows:
        raise InputError([Problem(source, "", "", f"{len(rows):,} rows: a batch may have at most {max_rows:,}")])
    return BatchFile(fmt, rows, encoding)


def transcript_rows(batch: TranscriptBatch, with_errors: bool = True) -> list[BatchRow]:
    """What a batch of transcripts asks to assess, as rows: one per pair (learner, purpose,
    credentials, stack, notes), numbered from 1; then, with_errors, one failing row per error,
    so that the results list every file and component that could not be assessed, and why."""
    rows = [BatchRow(i, _pair_payload(pair, batch.notes)) for i, pair in enumerate(batch.pairs, start=1)]
    if with_errors:
        rows += [BatchRow(len(rows) + i, _error_payload(str(p), batch.learners)) for i, p in enumerate(batch.errors, start=1)]
    return rows


def _error_payload(message: str, learners: tuple[str, ...]) -> dict[str, Any]:
    """A failed row; its learner is the first the message names, so that it is treated as theirs
    (pseudonymised for analysts, purged with the rest of their data)."""
    named = next((name for name in learners if name in message), None)
    return {"_invalid": message, **({"learner": named} if named else {})}


def _pair_payload(pair: AssessmentPair, notes: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    learner = pair.credentials[0].learner
    return {
        "learner": (learner.identifier or learner.name) if learner else None,
        "purpose": pair.purpose,
        "credentials": [c.model_dump(mode="json", exclude_none=True) for c in pair.credentials],
        "stack": pair.stacked,
        "notes": [n for c in pair.credentials for n in notes.get(c.id, ())] + list(pair.notes),
    }


def _read_jsonl(text: str) -> list[BatchRow]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        bad = bad_byte_problem(line)
        if bad:
            rows.append(BatchRow(number, {"_invalid": bad}))
            continue
        try:  # the same size and depth limits as any input, so one line cannot exhaust the parser
            payload = load_json_text(line, "", DEFAULT_LIMITS)
        except InputError as exc:
            rows.append(BatchRow(number, {"_invalid": _problem_text(exc.problems[0])}))
            continue
        if not isinstance(payload, dict):
            payload = {"_invalid": "each line must be a JSON object"}
        rows.append(BatchRow(number, payload))
    return rows


def _read_csv(text: str, source: str) -> list[BatchRow]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = [c.strip() for c in (reader.fieldnames or []) if c]
    reader.fieldnames = columns
    problems = [Problem(source, "row 1", c, f"unknown column (known: {', '.join(CSV_COLUMNS)})")
                for c in columns if c not in CSV_COLUMNS]
    if "id" not in columns:
        problems.append(Problem(source, "row 1", "id", "required column is missing"))
    if problems:
        raise InputError(problems)
    rows = []
    try:
        for number, cells in enumerate(reader, start=2):
            payload = {k: v.strip() for k, v in cells.items() if k and isinstance(v, str) and v.strip()}
            if None in cells:
                payload["_invalid"] = f"{len(cells[None])} more cell(s) than the header has columns"
            bad = next(((k, bad_byte_problem(v)) for k, v in payload.items() if bad_byte_problem(v)), None)
            if bad:
                payload = {"_invalid": f"column '{bad[0]}': {bad[1]}"}
            if payload:
                rows.append(BatchRow(number, payload))
    except csv.Error as exc:
        raise InputError([Problem(source, f"line {reader.line_num}", "", f"malformed CSV: {exc}")]) from None
    return rows


def batch_frame(rows: Iterable[BatchRow]) -> pd.DataFrame:
    """The kernel's input: one row per batch row, with its number and payload."""
    rows = list(rows)
    return pd.DataFrame({"row": [r.row for r in rows], "payload": [r.payload for r in rows]})


# ---------------------------------------------------------------- one row

@dataclass(frozen=True)
class RowRequest:
    credentials: list[MicroCredential]
    notes: dict[str, tuple[str, ...]]
    purpose: str | None
    programme: str | None
    as_of: dt.date
    stack: bool
    row_notes: tuple[str, ...] = ()  # for every assessment of the row (e.g. how a transcript was paired)


def relocate(problems: list[Problem], source: str, location: str = "", prefix: str = "") -> list[Problem]:
    """Problems found inside one part of a request, reported under the request's own source,
    location (a batch row, "row 7") and field (prefixed with the key the part came in)."""
    out = []
    for p in problems:
        inner = p.location if p.location and not re.fullmatch(r"row \d+", p.location) else ""
        where = ", ".join(x for x in (location, inner) if x)
        fieldname = f"{prefix}.{p.field}" if prefix and p.field else (p.field or prefix)
        out.append(Problem(source, where, fieldname, p.message))
    return out


def parse_row(row: BatchRow, source: str, as_of: dt.date, purpose: str | None = None,
              programme: str | None = None) -> RowRequest:
    """The credentials and purpose one batch row asks for; InputError naming the row and field."""
    return request_from_payload(row.payload, source, f"row {row.row}", as_of, purpose, programme)


def request_from_payload(p: dict[str, Any], source: str, location: str, as_of: dt.date, purpose: str | None = None,
                         programme: str | None = None, extra_keys: frozenset[str] = frozenset()) -> RowRequest:
    """A batch row's payload (or an API request body of the same shape) as a RowRequest.

    `document` may be text or bytes; `source` names it (a file name ending in .yaml marks the
    project's own format, as in `recognise assess`)."""
    if "_invalid" in p:
        raise InputError([Problem(source, location, "", p["_invalid"])])
    if "id" in p:  # a CSV transcript line: the credential CSV template plus the row columns
        cells = {k: v for k, v in p.items() if k in CREDENTIAL_COLUMNS}
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(cells))
        writer.writeheader()
        writer.writerow(cells)
        try:
            credentials, notes = read_credential_bytes(buffer.getvalue().encode(), source, "csv")
        except InputError as exc:
            raise InputError(relocate(exc.problems, source, location)) from None
    else:
        known = JSON_KEYS | extra_keys
        problems = [Problem(source, location, k, f"unknown key (known: {', '.join(sorted(known))})")
                    for k in sorted(set(p) - known)]
        given = [k for k in ("credential", "credentials", "document") if p.get(k) is not None]
        if len(given) != 1:
            problems.append(Problem(source, location, "credential",
                                    "give exactly one of 'credential', 'credentials' or 'document'"
                                    + (f" (found {', '.join(given)})" if given else "")))
        if problems:
            raise InputError(problems)
        key = given[0]
        value = p[key]
        if key == "document" and not isinstance(value, (str, bytes)):
            raise InputError([Problem(source, location, "document", "must be the document's text")])
        if key == "credentials" and not (isinstance(value, list) and value):
            raise InputError([Problem(source, location, key, "must be a non-empty list of credentials")])
        if key == "credential" and not isinstance(value, dict):
            raise InputError([Problem(source, location, key, "must be one credential (a JSON object)")])
        try:
            if key == "document":
                data = value.encode("utf-8") if isinstance(value, str) else value
                credentials, notes = read_credential_bytes(data, source, p.get("format") or None)
            else:
                credentials, notes = credentials_from_data(value, source), {}
        except InputError as exc:
            raise InputError(relocate(exc.problems, source, location, "" if key == "document" else key)) from None
    learner = p.get("learner")
    if learner:  # the return names the learner; a credential that does not is completed with it
        learner = str(learner)
        credentials = [c if c.learner else c.model_copy(update={"learner": Learner(identifier=learner)}) for c in credentials]
    row_as_of = as_of
    if p.get("as_of"):
        try:
            row_as_of = p["as_of"] if isinstance(p["as_of"], dt.date) else dt.date.fromisoformat(str(p["as_of"]))
        except ValueError:
            raise InputError([Problem(source, location, "as_of", f"expected a date as YYYY-MM-DD, got {p['as_of']!r}")]) from None
    row_notes = p.get("notes") or []
    if not (isinstance(row_notes, list) and all(isinstance(n, str) for n in row_notes)):
        raise InputError([Problem(source, location, "notes", "must be a list of texts")])
    stacked = p.get("stack") in (True, "true", "yes", "1")
    row_purpose = p.get("purpose") or purpose
    if stacked and not row_purpose:
        raise InputError([Problem(source, location, "purpose", "stacking needs a purpose (the course the credentials count toward)")])
    if stacked and len(credentials) < 2:
        raise InputError([Problem(source, location, "stack", "stacking needs at least two credentials")])
    return RowRequest(credentials, notes, row_purpose, p.get("programme") or programme, row_as_of, stacked,
                      tuple(row_notes))


def assess_request(assessor: Assessor, req: RowRequest) -> list[Assessment]:
    """Assess what one row (or one API request) asks for. Unknown purposes raise InputError."""
    catalogue = assessor.engine.catalogue
    if req.purpose is not None:
        try:
            catalogue.position(req.purpose)
        except KeyError:
            raise InputError([Problem("<request>", "", "purpose", f"no course {req.purpose!r} in the catalogue")]) from None
    def noted(assessment: Assessment, credentials: list[MicroCredential]) -> Assessment:
        notes = [n for c in credentials for n in req.notes.get(c.id, ())] + list(req.row_notes)
        return assessment.model_copy(update={"notes": notes}) if notes else assessment

    if req.stack:
        return [noted(assessor.assess_stack(req.credentials, req.purpose, req.as_of), req.credentials)]
    if req.programme is not None and req.purpose is None and req.programme not in {p.id for p in catalogue.programmes}:
        known = ", ".join(p.id for p in catalogue.programmes)
        raise InputError([Problem("<request>", "", "programme", f"no programme {req.programme!r} in the catalogue; known: {known}")])
    return [noted(assessor.assess(c, req.purpose, req.as_of, programme=req.programme), [c]) for c in req.credentials]


def _texts_by_encoder(assessor: Assessor, requests: list[RowRequest]) -> dict[Any, list[str]]:
    groups: dict[Any, dict[str, None]] = {}
    for req in requests:
        for c in req.credentials:
            if c.learning_outcomes:
                texts = groups.setdefault(assessor.engine.encoder_for(c), {})
                texts.update(dict.fromkeys(credential_texts(c)))
    return {enc: list(texts) for enc, texts in groups.items()}


# ---------------------------------------------------------------- the kernel

def assess_batch(
    frame: pd.DataFrame,
    assessor: Assessor,
    *,
    as_of: dt.date,
    purpose: str | None = None,
    programme: str | None = None,
    source: str = "batch",
    on_result: Callable[[RowResult], None] | None = None,
    chunk_size: int = 64,
    before_row: Callable[[int], None] | None = None,
) -> list[RowResult]:
    """Assess every row of `frame` (columns `row`, `payload`), in order.

    Rows are taken `chunk_size` at a time: the chunk's unseen texts are encoded in one call
    per model (much faster than one row at a time), then each row is assessed and handed to
    `on_result` as soon as it is done. `as_of`, `purpose` and `programme` are defaults that a
    row's own values override. The engine is thread-safe, so threads may share it.
    A row that fails, for bad input or anything else, fails alone.
    """
    results: list[RowResult] = []
    grades = from_policy(assessor.policy)
    records = frame[["row", "payload"]].to_dict("records")
    for start in range(0, len(records), chunk_size):
        chunk = [BatchRow(int(r["row"]), r["payload"]) for r in records[start:start + chunk_size]]
        parsed: list[tuple[BatchRow, RowRequest | None, list[Problem]]] = []
        for row in chunk:
            try:
                parsed.append((row, parse_row(row, source, as_of, purpose, programme), []))
            except InputError as exc:
                parsed.append((row, None, exc.problems))
        for encoder, texts in _texts_by_encoder(assessor, [req for _, req, _ in parsed if req]).items():
            encoder.encode(texts)  # fills the cache; each row's own encode is then a lookup
        for row, req, problems in parsed:
            if before_row is not None:
                before_row(row.row)
            result = RowResult(row.row, row.learner, problems=list(problems), grades=grades)
            if req is not None:
                try:
                    result.assessments = assess_request(assessor, req)
                except InputError as exc:
                    result.problems = relocate(exc.problems, source, f"row {row.row}")
                except Exception as exc:  # noqa: BLE001 - one row's failure must not stop the batch
                    log.exception("batch row %s failed", row.row)
                    result.problems = [Problem(source, f"row {row.row}", "", f"internal error ({type(exc).__name__}); "
                                               "the row was not assessed")]
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results


def _result_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):  # one format for every number: 6, 7.5 (never 6.0)
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return value


class ResultsWriter:
    """The results file as CSV, written line by line as results come (the header first)."""

    def __init__(self, fh, extra_columns: tuple[str, ...] = ()):
        self._writer = csv.DictWriter(fh, fieldnames=[*RESULT_COLUMNS, *extra_columns], extrasaction="ignore")
        self._writer.writeheader()

    def write(self, items: Iterable[dict[str, Any]]) -> None:
        for item in items:
            self._writer.writerow({k: _result_cell(v) for k, v in item.items()})
