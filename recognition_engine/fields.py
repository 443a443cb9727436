"""Field types shared by the credential and the catalogue models."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from .outcomes import LearningOutcome, parse_outcomes
from .reference import default_reference


def _id_as_text(value: object) -> object:
    """YAML reads `id: 101` as a number; ids are text."""
    return str(value) if isinstance(value, int) else value


def validate_isced(value: object) -> object:
    """ISCED-F codes are strings with leading zeros; a YAML integer 613 lost one and gets it back."""
    if value is None:
        return None
    code = str(value).strip()
    codes = default_reference().isced_f
    if isinstance(value, int) and code not in codes:
        code = "0" + code
    if code not in codes:
        if code.isdigit() and "0" + code in codes:
            raise ValueError(f"{code!r} is not an ISCED-F 2013 field code; did you mean '0{code}'? A spreadsheet drops "
                             "the leading zero of a number: format the column as text")
        raise ValueError(f"{code!r} is not an ISCED-F 2013 field code")
    return code


Identifier = Annotated[str, BeforeValidator(_id_as_text), Field(min_length=1)]
Outcomes = Annotated[list[LearningOutcome], BeforeValidator(parse_outcomes)]
IscedCode = Annotated[str | None, BeforeValidator(validate_isced)]
