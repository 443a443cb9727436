"""Is a line of a credential's learning outcomes an outcome statement at all?

Outcome fields carry headings ("Module 3: OLAP"), topic lists ("Linked lists, stacks,
queues"), placeholders ("TBD", "Lorem ipsum"), a badge's award criteria ("Complete all
quizzes with 80%") and pointers ("See the course page"). Matched against a course, such a
line is noise; counted as an outcome, it is an outcome the learner never had.

`read_statement` sorts one line; `screen_outcomes` splits a credential's outcomes into kept
outcomes and set-aside lines. Deterministic and pure: the patterns are data
(`reference_data/statement_patterns.yaml`, each with the reason it gives), the evidence of
an outcome comes from the Bloom reader (English, Vietnamese) and from the file's outcome
markers (Italian, French, Croatian, Czech and English modal constructions).

Conservative by design, because a wrongly dropped outcome costs more than a kept heading:
placeholders, award criteria, pointers and section labels are set aside on a narrow pattern;
numbered headings, topic titles, colon-ended labels, all-capital titles and lists of short
items are set aside only when nothing in the line reads as an outcome; anything else is kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

from .bloom import classify
from .errors import Problem, ReferenceDataError
from .reference import ReferenceData, built_once

PATTERNS_FILE = "statement_patterns.yaml"
SET_ASIDE_KINDS = ("placeholder", "award_criteria", "reference", "heading", "topic_list", "topic")
_STRONG = (("placeholder", "placeholder"), ("award_criteria", "award_criteria"), ("reference", "reference"),
           ("heading_label", "heading"), ("topic_label", "topic_list"))
_GROUPS = ("placeholder", "award_criteria", "reference", "heading_label", "heading_prefix", "topic_label",
           "topic_title", "outcome_markers")
_LANGUAGES = {"any", "en", "vi", "it", "hr", "cs", "fr"}

_BULLET = re.compile(r"^(?:[-*•·▪–]|\(?(?:\d{1,2}|[a-h])[.)])\s+", re.IGNORECASE)
# Items of an unlabelled topic list: separated by commas, semicolons or slashes, the last
# one often by a conjunction ("Linked lists, stacks and queues", "Grafi, alberi e heap").
_ITEM_SEPARATORS = re.compile(r"\s*[,;/|]\s*")
_LAST_CONJUNCTION = re.compile(r"\s+(?:and|or|&|e|ed|et|ou|i|a|và|hoặc)\s+", re.IGNORECASE)
_LIST_MIN_ITEMS = 3
_LIST_MAX_ITEM_WORDS = 3  # "Lay out responsive, accessible pages with semantic HTML5 ..." is an outcome
_CAPITALS_MAX_WORDS = 8


@dataclass(frozen=True)
class Statement:
    """One line and what it is: `kind` is 'outcome' or one of SET_ASIDE_KINDS."""

    text: str
    is_outcome: bool
    kind: str
    reason: str


@dataclass(frozen=True)
class Screened:
    """A credential's outcomes split into the lines kept and the lines set aside (with why)."""

    kept: tuple[str, ...]
    set_aside: tuple[Statement, ...]


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    lang: str
    why: str


class StatementReader:
    """The patterns of one reference-data directory, compiled once."""

    def __init__(self, reference: ReferenceData):
        self.reference = reference
        self.groups = _load_patterns(reference.path / PATTERNS_FILE)

    def read(self, text: str) -> Statement:
        line = _BULLET.sub("", " ".join(unicodedata.normalize("NFC", text).split()))
        if not line.strip(" .;:,"):
            return Statement(text, False, "placeholder", "an empty line")
        for group, kind in _STRONG:
            hit = self._first(group, line)
            if hit:
                return Statement(text, False, kind, hit.why)
        evidence = self._evidence(line)
        if evidence:
            return Statement(text, True, "outcome", f"reads as an outcome: {evidence}")
        weak = self._weak(line)
        if weak:
            return Statement(text, False, *weak)
        return Statement(text, True, "outcome", "no pattern of a non-outcome line matched (unsure lines are kept)")

    def _first(self, group: str, line: str) -> _Pattern | None:
        return next((p for p in self.groups[group] if p.regex.search(line)), None)

    def _evidence(self, line: str) -> str:
        """What in the line reads as an outcome ('' for nothing), after any heading prefix."""
        prefix = self._first("heading_prefix", line)
        rest = prefix.regex.sub("", line, count=1) if prefix else line
        level = classify(rest, self.reference)
        if level is not None and not _only_a_listed_noun(rest, level.verb):
            return f"'{level.verb}' ({level.name})"
        if line.endswith(":"):  # "Students will be able to:" introduces outcomes, it is not one
            return ""
        marker = self._first("outcome_markers", rest)
        if marker:
            found = marker.regex.search(rest).group(0)  # type: ignore[union-attr]
            return f"'{found}' ({marker.why.split(' (')[0]})"
        return ""

    def _weak(self, line: str) -> tuple[str, str] | None:
        """The kind and reason of a line with no outcome evidence that still looks like a non-outcome."""
        prefix = self._first("heading_prefix", line)
        if prefix:
            return "heading", prefix.why
        title = self._first("topic_title", line)
        if title and len(line.split()) <= 10 and not line.endswith("."):
            return "topic", title.why
        if line.endswith(":"):
            return "heading", "a lead-in or label ending with a colon, with no outcome verb in it"
        letters = [c for c in line if c.isalpha()]
        if len(letters) > 3 and all(c.isupper() for c in letters) and len(line.split()) <= _CAPITALS_MAX_WORDS:
            return "heading", "a title in capital letters"
        items = _list_items(line)
        if _is_short_list(items):
            return "topic_list", f"a list of {len(items)} short items with no verb of doing or knowing"
        return None


def _list_items(line: str) -> list[str]:
    """The items of a comma-separated list, the last one split at its conjunction; [] if no list."""
    items = [i.strip() for i in _ITEM_SEPARATORS.split(line.rstrip(".")) if i.strip()]
    if len(items) < 2:
        return []
    return items[:-1] + [i for i in _LAST_CONJUNCTION.split(items[-1], maxsplit=1) if i.strip()]


def _is_short_list(items: list[str]) -> bool:
    return len(items) >= _LIST_MIN_ITEMS and all(len(i.split()) <= _LIST_MAX_ITEM_WORDS for i in items)


def _only_a_listed_noun(line: str, verb: str) -> bool:
    """A verb read in what is a list of nouns ("Design, testing, deployment"): not evidence.

    The Bloom reader reads a list's first word as a verb at the start of a line; in a list
    of three or more short items whose first item is that one word, it is a topic.
    """
    items = _list_items(line)
    return _is_short_list(items) and items[0].lower() == verb


def _load_patterns(path: Path) -> dict[str, list[_Pattern]]:
    """The pattern groups of the YAML file; every problem is named by group, entry and field."""
    problems: list[Problem] = []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError([Problem(path.name, "", "", f"cannot be read: {exc}")]) from None
    if not isinstance(data, dict):
        raise ReferenceDataError([Problem(path.name, "", "", "expected a mapping of pattern groups")])
    groups: dict[str, list[_Pattern]] = {}
    for group in _GROUPS:
        entries = data.get(group)
        if not isinstance(entries, list) or not entries:
            problems.append(Problem(path.name, group, "", "missing or empty list of patterns"))
            continue
        groups[group] = []
        for n, entry in enumerate(entries, start=1):
            where = f"{group}[{n}]"
            if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("pattern", "lang", "why")):
                problems.append(Problem(path.name, where, "pattern/lang/why", "each entry needs three strings"))
                continue
            if entry["lang"] not in _LANGUAGES:
                problems.append(Problem(path.name, where, "lang", f"must be one of {sorted(_LANGUAGES)}"))
                continue
            try:
                regex = re.compile(entry["pattern"], re.IGNORECASE)
            except re.error as exc:
                problems.append(Problem(path.name, where, "pattern", f"not a regular expression: {exc}"))
                continue
            groups[group].append(_Pattern(regex, entry["lang"], entry["why"]))
    unknown = sorted(set(data) - set(_GROUPS))
    if unknown:
        problems.append(Problem(path.name, ", ".join(unknown), "", f"unknown group(s); known: {', '.join(_GROUPS)}"))
    if problems:
        raise ReferenceDataError(problems)
    return groups


_READERS: dict[str, StatementReader] = {}


def statement_reader(reference: ReferenceData | None = None) -> StatementReader:
    """The reader for a set of reference data, built once per data digest."""
    return built_once(_READERS, reference, StatementReader)


def read_statement(text: str, reference: ReferenceData | None = None) -> Statement:
    """Whether one line of a learning-outcome field is an outcome statement, its kind and why.

    >>> read_statement("Module 3: OLAP").kind
    'heading'
    >>> read_statement("An understanding of OLAP cubes").is_outcome
    True
    """
    return statement_reader(reference).read(text)


def screen_outcomes(texts: Iterable[str], reference: ReferenceData | None = None) -> Screened:
    """Split a credential's outcome lines into kept outcomes and set-aside lines, in order."""
    reader = statement_reader(reference)
    read = [reader.read(t) for t in texts]
    return Screened(tuple(s.text for s in read if s.is_outcome), tuple(s for s in read if not s.is_outcome))
