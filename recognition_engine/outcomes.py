"""Learning outcomes: one statement each, split out of the paragraphs course guides use."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, field_validator

# A lead-in such as "Students will be able to:" or "Sau khi hoàn thành, sinh viên có khả năng:"
# ends with a colon and says who will be able to do what. Everything up to it is dropped.
_LEAD_IN = re.compile(
    r"^[^:;\n]{0,200}?\b(able to|will|can|should|shall|expected to|students?|learners?|participants?|"
    r"graduates?|upon|on (successful )?completion|by the end|after (completing|completion)|"
    r"sinh viên|người học|học viên|có khả năng|có thể|ນັກສຶກສາ|ສາມາດ)\b[^:;\n]{0,200}:\s*",
    re.IGNORECASE,
)
# Separators between outcomes: semicolons, line breaks, bullets, inline "(1) ... (2) ...".
_SEPARATORS = re.compile(r";|\n|\r|•|·|▪|\s\(\d{1,2}\)\s")
_BULLET = re.compile(r"^(?:[-*–]|\(?(?:\d{1,2}|[a-h]|[ivx]{1,4})[.)])\s+", re.IGNORECASE)
# A sentence end followed by a capitalised word starts a new outcome ("Explain X. Train Y.").
_SENTENCE_END = re.compile(r"(?<=[a-zà-ỹ0-9)\]])[.!?]\s+(?=[A-ZÀ-Ỹ])")
# A line break inside a sentence (the previous line has no closing punctuation and the next
# starts in lower case) is wrapping, not a new outcome.
_SOFT_WRAP = re.compile(r"(?<![;.:!?])[ \t]*\n[ \t]*(?=[a-zà-ỹ])(?!(?:[a-h]|[ivx]{1,4})[.)]\s)")
_CONJUNCTION = re.compile(r"^(?:and|or|và|hoặc)\s+", re.IGNORECASE)


def split_outcomes(text: str) -> list[str]:
    """Split a paragraph of learning outcomes into single outcomes.

    >>> split_outcomes("Students will be able to: describe X; analyse Y; and design Z.")
    ['describe X', 'analyse Y', 'design Z']
    """
    text = _LEAD_IN.sub("", _SOFT_WRAP.sub(" ", text.strip()), count=1)
    pieces = []
    for chunk in _SEPARATORS.split(text):
        pieces.extend(_SENTENCE_END.split(chunk))
    out = []
    for piece in pieces:
        piece = _BULLET.sub("", " ".join(piece.split()))
        piece = _CONJUNCTION.sub("", piece).strip(" ,.;:")
        if piece:
            out.append(piece)
    return out


class LearningOutcome(BaseModel):
    """A single learning outcome. Only `essential` local outcomes must be matched."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    essential: bool = True

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("a learning outcome cannot be empty")
        return value


def parse_outcomes(value: object) -> object:
    """Accept a paragraph, a list of strings or a list of {text, essential} and return a list."""
    if isinstance(value, str):
        return [{"text": t} for t in split_outcomes(value)]
    if isinstance(value, list):
        return [{"text": item} if isinstance(item, str) else item for item in value]
    return value
