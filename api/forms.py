"""Multipart uploads as the API routes read them: an unreadable body, or a field sent as a
file where text is expected (or the reverse), is a problem naming it, never a field
silently ignored."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from .problems import ApiProblem, field_problem


async def read_form(request: Request) -> FormData:
    """The parsed form; a body python-multipart cannot read is a 400 saying why."""
    try:
        return await request.form()
    except HTTPException as exc:
        if exc.status_code != 400:  # 413 from the size limit, raised while the body is read
            raise
        message = f"not readable as multipart/form-data: {exc.detail}"
        raise ApiProblem(400, f"the body is {message}", type_="invalid-input", title="Invalid input",
                         errors=[{"field": "", "location": "body", "message": message}]) from None


def form_file(form: FormData, field: str, what: str, required: bool = True) -> UploadFile | None:
    """The file uploaded as `field` (None if absent and not required); a text value there, or
    a required file missing, is a 422 naming the field and what belongs there."""
    value = form.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, UploadFile):
        raise field_problem(422, field, f"upload {what} as a file in the form field '{field}'")
    return value


def form_texts(form: FormData, fields: tuple[str, ...]) -> dict[str, str]:
    """The given text fields, stripped, the empty ones left out; a file sent for one is a 422."""
    texts = {}
    for field in fields:
        value = form.get(field)
        if isinstance(value, UploadFile):
            raise field_problem(422, field, "send it as a text field, not as a file")
        if value is not None and value.strip():
            texts[field] = value.strip()
    return texts
