"""Reading free text with the policy's phrase patterns: the first pattern found decides.

Patterns are policy data (one regular expression per language and meaning), so an
institution adds its partners' wording without touching code. A reading reports the
phrase it read; text no pattern matches stays unread, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, field_validator


class Phrase(BaseModel):
    """A pattern (case-insensitive regular expression) and what a match means."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reads_as: str
    language: str
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value


@dataclass(frozen=True)
class Reading:
    reads_as: str
    phrase: str  # the words of the text that matched
    language: str

    def evidence(self) -> dict[str, str]:
        return {"read_as": self.reads_as, "phrase": self.phrase, "phrase_language": self.language}


def check_meanings(phrases: list[Phrase], allowed: tuple[str, ...]) -> list[Phrase]:
    """For a params validator: every phrase means one of `allowed`."""
    unknown = sorted({p.reads_as for p in phrases} - set(allowed))
    if unknown:
        raise ValueError(f"reads_as {unknown} unknown; use one of: {', '.join(allowed)}")
    return phrases


def read(text: str | None, phrases: list) -> Reading | None:
    """The meaning of the first phrase found in `text`, in policy order; None when none is found."""
    if not text:
        return None
    for p in phrases:
        m = re.search(p.pattern, text, re.IGNORECASE)
        if m:
            return Reading(reads_as=p.reads_as, phrase=m.group(0), language=p.language)
    return None
