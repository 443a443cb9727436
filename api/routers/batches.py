"""Batch jobs: a CSV or JSON Lines file of mobility returns, or a zip of ELMO transcripts with
their EWP learning agreements, assessed row by row by the worker."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from typing import Any, Iterator, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import models as m
from recognition_engine.batch import BATCH_FORMATS, RESULT_COLUMNS, ResultsWriter, read_batch
from recognition_engine.errors import InputError, Problem
from recognition_engine.transcripts import read_outcomes_mapping
from ..deps import MAX_INTEGER, Page, get_or_404, get_page, get_resources, get_session, reader
from ..forms import form_file, form_texts, read_form
from ..idempotency import PARAMETER as IDEMPOTENCY, commit_once, replay, request_key
from ..guards import MAX_FILENAME, MAX_ID, check_field
from ..openapi import problem_responses
from ..privacy import LearnerView
from ..problems import ApiProblem, field_problem
from ..resources import Resources
from ..security import BATCH, Principal, require
from ..services import batch_items, batch_view, batch_views, new_batch

log = logging.getLogger("api.batches")
router = APIRouter(prefix="/batches", tags=["batches"])
OPERATION = "POST /batches"
OPTIONS = ("format", "purpose", "programme", "as_of")  # beside the file: form fields or query parameters

_RAW_TYPES = {"text/csv": "csv", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl",
              "application/x-jsonlines": "jsonl", "application/json-lines": "jsonl",
              "application/zip": "transcripts", "application/x-zip-compressed": "transcripts"}
_MULTIPART_SCHEMA = {
    "type": "object", "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "CSV or JSON Lines of mobility returns, or a zip of ELMO transcripts and EWP learning agreements"},
        "format": {"type": "string", "enum": list(BATCH_FORMATS)},
        "outcomes": {"type": "string", "format": "binary", "description": "with transcripts: YAML or JSON mapping "
                     "from LOS identifier or URL to learning outcomes (ELMO has no learning-outcomes element)"},
        "purpose": {"type": "string", "description": "default course id for rows without one"},
        "programme": {"type": "string", "description": "default programme for rows without a purpose"},
        "as_of": {"type": "string", "format": "date", "description": "default date (default: today)"},
    },
}


def submit_batch(res: Resources, data: bytes, source: str, options: dict[str, str], outcomes: tuple[bytes, str] | None,
                 who: Principal, idem: tuple[str, str] | None = None) -> JSONResponse:
    """Validate a batch file and its options (format, purpose, programme, as_of), queue its rows;
    the 202 answer with the batch view (replayed for a repeated Idempotency-Key). Shared by
    POST /batches and the registrar's page; bad input raises a problem naming the field."""
    check_field(source, "file", MAX_FILENAME)
    for key, value in options.items():
        check_field(value, key, MAX_ID)
    as_of = dt.date.today()
    if options.get("as_of"):
        try:
            as_of = dt.date.fromisoformat(options["as_of"])
        except ValueError:
            raise field_problem(422, "as_of", f"expected a date as YYYY-MM-DD, got {options['as_of']!r}") from None
    if options.get("format") and options["format"] not in BATCH_FORMATS:
        raise field_problem(422, "format", f"use {', '.join(BATCH_FORMATS)}")
    purpose, programme = options.get("purpose"), options.get("programme")
    if purpose and purpose not in {c.id for c in res.catalogue.courses}:
        raise field_problem(422, "purpose", f"no course {purpose!r} in the catalogue")
    if programme and programme not in {p.id for p in res.catalogue.programmes}:
        raise field_problem(422, "programme", f"no programme {programme!r} in the catalogue")
    with res.sessions() as session:
        if (replayed := replay(session, who.key_id, OPERATION, idem)) is not None:
            return replayed
    mapping = read_outcomes_mapping(*outcomes) if outcomes else None
    fmt, rows = read_batch(data, source, options.get("format"), res.settings.max_batch_rows,
                           catalogue=res.catalogue, outcomes=mapping)
    if mapping is not None and fmt != "transcripts":
        raise InputError([Problem(outcomes[1], "", "outcomes", "learning outcomes by LOS are only read with a zip "
                                  "of transcripts")])
    with res.sessions() as session:
        batch = new_batch(session, rows=rows, source=source, fmt=fmt, created_by=who.key_id, purpose=purpose,
                          programme=programme, as_of=as_of)
        session.flush()
        body = batch_view(session, batch, LearnerView.of(who.role, res.pseudonym))
        answer = commit_once(session, who.key_id, OPERATION, idem, 202, body, f"/batches/{batch.id}",
                             lambda: replay(session, who.key_id, OPERATION, idem))
        log.info("batch %s: %d row(s) queued", batch.id[:8], len(rows))
        return answer


@router.post("", status_code=202, responses=problem_responses(415), summary="Submit a batch (CSV, JSON Lines or a zip of transcripts); returns the job id at once",
             description="Send the file as multipart/form-data (field `file`, optional `format`, `purpose`, `programme`, "
                         "`as_of`, and `outcomes` with transcripts), or as the raw body with Content-Type text/csv, "
                         "application/x-ndjson or application/zip (options as query parameters). A zip of ELMO "
                         "transcripts and EWP learning agreements gives one row per component to be recognised, then "
                         "one failed row per file or component that cannot be assessed. Row format: see "
                         "recognition_engine/batch.py and api/README.md.",
             openapi_extra={"parameters": [IDEMPOTENCY], "requestBody": {"required": True, "content": {
                 "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
                 "text/csv": {"schema": {"type": "string"}}, "application/x-ndjson": {"schema": {"type": "string"}},
                 "application/zip": {"schema": {"type": "string", "format": "binary"}}}}})
async def create_batch(request: Request, res: Resources = Depends(get_resources), who: Principal = require(*BATCH)):
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    outcomes: tuple[bytes, str] | None = None
    options: dict[str, str] = {k: v for k, v in request.query_params.items() if k in OPTIONS}
    if ctype == "multipart/form-data":
        form = await read_form(request)
        upload = form_file(form, "file", "the batch (CSV, JSON Lines or zip)")
        data, source = await upload.read(), upload.filename or "batch"
        options.update(form_texts(form, OPTIONS))
        if (extra := form_file(form, "outcomes", "the learning outcomes (YAML or JSON)", required=False)) is not None:
            outcomes = (await extra.read(), extra.filename or "outcomes")
    elif ctype in _RAW_TYPES:
        raw_format = _RAW_TYPES[ctype]
        data, source = await request.body(), f"batch.{'zip' if raw_format == 'transcripts' else raw_format}"
        options.setdefault("format", raw_format)
    else:
        raise ApiProblem(415, "send multipart/form-data (field 'file'), text/csv, application/x-ndjson or application/zip, "
                              f"not {ctype!r}")
    idem = request_key(request, {"file": data, "source": source, "options": options, "outcomes": outcomes})
    return await run_in_threadpool(submit_batch, res, data, source, options, outcomes, who, idem)


@router.get("", summary="List batches, newest first")
def list_batches(page: Page = Depends(get_page), session: Session = Depends(get_session),
                 view: LearnerView = Depends(reader)):
    total = session.execute(select(func.count()).select_from(m.Batch)).scalar_one()
    rows = session.execute(select(m.Batch).order_by(m.Batch.created_at.desc(), m.Batch.id)
                           .limit(page.limit).offset(page.offset)).scalars()
    return page.envelope(batch_views(session, list(rows), view), total, "/batches")


def _get(session: Session, batch_id: str) -> m.Batch:
    return get_or_404(session, m.Batch, batch_id, "batch")


@router.get("/{batch_id}", summary="Progress, and every failed row with its row number and reason")
def get_batch(batch_id: str, errors_limit: int = Query(100, ge=0, le=10_000), session: Session = Depends(get_session),
              view: LearnerView = Depends(reader)):
    return batch_view(session, _get(session, batch_id), view, errors_limit)


@router.get("/{batch_id}/results", summary="Results: one line per assessment, failed rows with their reason",
            responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
def get_results(request: Request, batch_id: str, format: Literal["json", "csv"] | None = None,
                limit: int | None = Query(None, ge=1, le=MAX_INTEGER, description="JSON only: rows per page (default: all)"),
                offset: int = Query(0, ge=0, le=MAX_INTEGER), res: Resources = Depends(get_resources),
                session: Session = Depends(get_session), view: LearnerView = Depends(reader)):
    """Streamed: the lines are read from the database and sent a few hundred rows at a time."""
    batch = _get(session, batch_id)
    if format is None:
        format = "csv" if "text/csv" in request.headers.get("accept", "") else "json"
    status = batch_view(session, batch, view, errors_limit=0)["status"]
    if format == "csv":
        return StreamingResponse(results_csv(stored_items(res, batch_id, view)), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}.csv"',
                                          "X-Batch-Status": status})
    head = json.dumps({"batch_id": batch_id, "status": status, "total_rows": batch.total_rows, "offset": offset,
                       "limit": limit, "columns": [*RESULT_COLUMNS, "assessment_id"]})
    items = stored_items(res, batch_id, view, limit, offset)
    return StreamingResponse(_json_document(head[:-1] + ', "items": [', items, "]}"), media_type="application/json")


def stored_items(res: Resources, batch_id: str, view: LearnerView, limit: int | None = None,
                 offset: int = 0) -> Iterator[dict[str, Any]]:
    """The results' lines from their own session: a request's closes before a streamed body is sent."""
    with res.sessions() as reading:
        yield from batch_items(reading, batch_id, view, limit, offset)


def results_csv(items: Iterator[dict[str, Any]], chunk: int = 64_000) -> Iterator[str]:
    """The results file, written a chunk at a time (API and registrar's page): one line per
    assessment, failed rows with their reason."""
    buffer = io.StringIO()
    writer = ResultsWriter(buffer, extra_columns=("assessment_id",))
    for item in items:
        writer.write([item])
        if buffer.tell() > chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_document(head: str, items: Iterator[dict[str, Any]], tail: str) -> Iterator[str]:
    yield head
    for i, item in enumerate(items):
        yield ("," if i else "") + json.dumps(jsonable_encoder(item), ensure_ascii=False)
    yield tail
