"""The home catalogue: list, search and read courses and programmes; import a new one (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from recognition_engine.catalogue import Course

from ..deps import MAX_INTEGER, Page, get_page, get_resources, get_session
from ..guards import MAX_FILENAME, check_field
from ..openapi import problem_responses
from ..problems import ApiProblem
from ..models import CatalogueVersion, aware
from ..resources import Resources, read_catalogue_upload
from ..security import MANAGE, READ, Principal, require
from ..audit import audit

router = APIRouter(prefix="/catalogue", tags=["catalogue"])


def _course_summary(res: Resources, c: Course) -> dict:
    return {"id": c.id, "title": c.title, "ects": c.ects, "level": c.level.model_dump(mode="json") if c.level else None,
            "language": c.language, "isced_f": c.isced_f, "programmes": [p.id for p in res.catalogue.programmes_of(c.id)],
            "outcomes": len(c.learning_outcomes)}


def _matches(c: Course, words: list[str]) -> bool:
    haystack = " ".join([c.id, c.title, c.description, *(lo.text for lo in c.learning_outcomes)]).casefold()
    return all(w in haystack for w in words)


@router.get("", summary="The active catalogue: institution, counts, version")
def catalogue_info(res: Resources = Depends(get_resources), _: Principal = require(*READ)):
    c = res.catalogue
    return {"id": res.catalogue_id, "institution": c.institution.model_dump() if c.institution else None,
            "courses": len(c.courses), "programmes": len(c.programmes)}


@router.get("/courses", responses=problem_responses(404), summary="List or search courses (q: words in id, title, description or outcomes)")
def list_courses(q: str | None = Query(None, max_length=200), programme: str | None = None,
                 page: Page = Depends(get_page), res: Resources = Depends(get_resources),
                 _: Principal = require(*READ)):
    courses = res.catalogue.courses
    if programme is not None:
        found = next((p for p in res.catalogue.programmes if p.id == programme), None)
        if found is None:
            raise ApiProblem(404, f"no programme {programme!r} in the catalogue")
        members = set(found.courses)
        courses = [c for c in courses if c.id in members]
    if q:
        words = q.casefold().split()
        courses = [c for c in courses if _matches(c, words)]
    items = [_course_summary(res, c) for c in courses[page.offset:page.offset + page.limit]]
    return page.envelope(items, len(courses), "/catalogue/courses")


@router.get("/courses/{course_id}", summary="One course with its learning outcomes")
def get_course(course_id: str, res: Resources = Depends(get_resources), _: Principal = require(*READ)):
    try:
        course = res.catalogue.course(course_id)
    except KeyError:
        raise ApiProblem(404, f"no course {course_id!r} in the catalogue") from None
    return {**course.model_dump(mode="json"), "programmes": [p.id for p in res.catalogue.programmes_of(course_id)]}


@router.get("/programmes", summary="List programmes")
def list_programmes(page: Page = Depends(get_page), res: Resources = Depends(get_resources),
                    _: Principal = require(*READ)):
    programmes = res.catalogue.programmes
    items = [{"id": p.id, "title": p.title, "level": p.level.model_dump(mode="json") if p.level else None,
              "courses": len(p.courses)} for p in programmes[page.offset:page.offset + page.limit]]
    return page.envelope(items, len(programmes), "/catalogue/programmes")


@router.get("/programmes/{programme_id}", summary="One programme with its courses")
def get_programme(programme_id: str, res: Resources = Depends(get_resources), _: Principal = require(*READ)):
    found = next((p for p in res.catalogue.programmes if p.id == programme_id), None)
    if found is None:
        raise ApiProblem(404, f"no programme {programme_id!r} in the catalogue")
    return {**found.model_dump(mode="json"),
            "course_summaries": [_course_summary(res, res.catalogue.course(cid)) for cid in found.courses]}


def import_job(record: CatalogueVersion) -> dict:
    """A catalogue import as its job: what was imported, its state, and why it failed."""
    return {"id": record.id, "state": record.state, "source": record.source, "courses": record.courses,
            "programmes": record.programmes, "digest": record.digest, "imported_at": aware(record.imported_at),
            "finished_at": aware(record.finished_at), "error": record.error,
            "links": {"self": f"/catalogue/imports/{record.id}"}}


@router.post("/import", status_code=202, summary="Replace the catalogue with a file (.yaml, .json or .csv); admin only",
             description="The file is validated at once (422 naming file, row and field). The new catalogue is then "
                         "indexed in the background while assessments go on with the current one, and switched to "
                         "atomically: poll the job (`Location`) until `state` is `active` (or `failed`).")
async def import_catalogue(file: UploadFile = File(..., description="catalogue file: .yaml, .yml, .json or .csv"),
                           res: Resources = Depends(get_resources), who: Principal = require(*MANAGE)):
    data = await file.read()
    body = await run_in_threadpool(import_catalogue_file, res, data, file.filename, who)
    return JSONResponse(jsonable_encoder(body), status_code=202, headers={"Location": body["links"]["self"]})


def import_catalogue_file(res: Resources, data: bytes, name: str | None, who: Principal) -> dict:
    """Validate an uploaded catalogue and start its import (API and admin page): the job.
    InputError lists every problem (file, row and field); the indexing runs in the background."""
    name = name or "catalogue.yaml"
    check_field(name, "file", MAX_FILENAME)
    catalogue = read_catalogue_upload(data, name)
    record = res.import_catalogue(catalogue, name, who.key_id)
    with res.sessions() as session:
        audit(session, who.key_id, "catalogue.imported", "catalogue", str(record.id), source=name,
              courses=record.courses, programmes=record.programmes)
        session.commit()
    return import_job(record)


@router.get("/imports/{import_id}", summary="A catalogue import: indexing, active, superseded or failed")
def get_import(import_id: int = Path(ge=1, le=MAX_INTEGER), session: Session = Depends(get_session),
               _: Principal = require(*READ)):
    record = session.get(CatalogueVersion, import_id)
    if record is None:
        raise ApiProblem(404, f"no catalogue import {import_id}")
    return import_job(record)
