"""Importers for the credential formats officers and registrars receive.

    >>> from recognition_engine.formats import read_credentials
    >>> result = read_credentials(path.read_bytes(), source=path.name)   # format detected from content
    >>> result.credentials            # list[MicroCredential]
    >>> result.items[0].notes         # what the importer noted (e.g. "learning outcomes taken from ...")
    >>> result.items[0].missing       # mandatory Annex I elements still missing
    >>> result.items[0].cannot_carry  # Annex I elements the format has no element for

Formats (`fmt`): "elm" (ELM v3 / EDC JSON-LD), "openbadges" (Open Badges 3.0), "elmo" (EMREX
ELMO XML), "ewp" (EWP Online Learning Agreement; yields `learning_agreements`, no credentials),
"csv" (the CSV template). Detection looks at the content, never at the file name:

1. text starting with "<" is XML: the root element decides (<elmo> -> elmo,
   <omobility-las-get-response> -> ewp);
2. text starting with "{" or "[" is JSON: a type EuropeanDigitalCredential/-Presentation or an
   @context under data.europa.eu/snb -> elm; a type OpenBadgeCredential/AchievementCredential
   or an @context under purl.imsglobal.org/spec/ob/v3p0 -> openbadges;
3. otherwise a first line with an "id" column -> csv.

Anything else is refused with an InputError naming what was found. Every input passes the
limits in `safety.Limits` (size, nesting depth, element count), and XML is parsed without DTDs,
entity expansion or external resources.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError, Problem
from . import csv_template, elm, elmo, ewp, openbadges
from .ewp import ComponentCheck, TranscriptCheck, check_transcript
from .result import Credit, ImportedCredential, ImportResult, LAComponent, LearningAgreement
from .safety import DEFAULT_LIMITS, Limits, check_size, decode_text, load_json, local_name, parse_xml

FORMATS = ("elm", "openbadges", "elmo", "ewp", "csv")
ALIASES = {
    "elm": "elm", "edc": "elm", "europass": "elm", "jsonld": "elm",
    "openbadges": "openbadges", "ob3": "openbadges", "open-badges": "openbadges", "badge": "openbadges",
    "elmo": "elmo", "emrex": "elmo",
    "ewp": "ewp", "ola": "ewp", "learning-agreement": "ewp",
    "csv": "csv",
}
_XML_ROOTS = {"elmo": "elmo", ewp.ROOT: "ewp"}


def _normalise_format(fmt: str, source: str) -> str:
    key = str(fmt).strip().lower().replace("_", "-")
    if key not in ALIASES:
        raise InputError([Problem(source, "", "format", f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")])
    return ALIASES[key]


def _sniff(data: bytes, source: str, limits: Limits) -> tuple[str, Any]:
    """Detect the format and return it with the parsed document (so it is parsed only once)."""
    check_size(data, source, limits)
    head = bytes(data[:1024]).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        root = parse_xml(data, source, limits)
        name = local_name(root.tag)
        if name not in _XML_ROOTS:
            raise InputError([Problem(source, "", f"<{name}>", f"unknown XML document: the root element is <{name}>; "
                                      "expected <elmo> (EMREX ELMO) or <omobility-las-get-response> (EWP)")])
        return _XML_ROOTS[name], root
    if head.startswith((b"{", b"[")):
        doc = load_json(data, source, limits)
        if elm.looks_like_elm(doc):
            return "elm", doc
        if openbadges.looks_like_ob3(doc):
            return "openbadges", doc
        if openbadges.looks_like_ob2(doc):
            raise InputError([Problem(source, "", "@context", "this is an Open Badges 2.0 assertion; "
                                      "only Open Badges 3.0 credentials are read")])
        found = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise InputError([Problem(source, "", "type", f"unknown JSON credential (type {found!r}): expected an ELM/EDC "
                                  "credential (EuropeanDigitalCredential) or an Open Badges 3.0 credential "
                                  "(OpenBadgeCredential); give the format explicitly if it is one of these")])
    text = decode_text(data, source)
    if csv_template.looks_like_csv(text):
        return "csv", text
    raise InputError([Problem(source, "", "", "unknown format: not XML, not JSON, and not a CSV whose header has an "
                              f"'id' column; give one of {', '.join(FORMATS)}")])


def detect_format(data: bytes, source: str = "<input>", limits: Limits = DEFAULT_LIMITS) -> str:
    """The format of `data` ("elm", "openbadges", "elmo", "ewp" or "csv"), read from its content."""
    return _sniff(data, source, limits)[0]


def read_credentials(data: bytes, source: str, fmt: str | None = None, *, limits: Limits = DEFAULT_LIMITS,
                     outcomes_catalogue: elmo.OutcomesCatalogue | None = None) -> ImportResult:
    """Read credentials (or, for EWP, learning agreements) from one input.

    `fmt` forces the format; otherwise it is detected from the content. `outcomes_catalogue`
    maps LOS identifiers or URLs to learning outcomes for ELMO transcripts, which have no
    learning-outcomes element. Raises InputError, with every problem found, for bad input.
    """
    if fmt is None:
        fmt, parsed = _sniff(data, source, limits)
    else:
        fmt = _normalise_format(fmt, source)
        if fmt in ("elm", "openbadges"):
            parsed = load_json(data, source, limits)
        elif fmt in ("elmo", "ewp"):
            parsed = parse_xml(data, source, limits)
        else:
            check_size(data, source, limits)
            parsed = decode_text(data, source)
    try:
        if fmt == "elm":
            return elm.read(parsed, source, limits)
        if fmt == "openbadges":
            return openbadges.read(parsed, source, limits)
        if fmt == "elmo":
            return elmo.read(parsed, source, limits, outcomes_catalogue)
        if fmt == "ewp":
            return ewp.read(parsed, source, limits)
        return csv_template.read_text(parsed, source, limits)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        # Last resort, so that a structure no importer expected never reaches the user as a traceback.
        raise InputError([Problem(source, "", "", f"could not read this {fmt} input: an element has an unexpected "
                                  f"structure ({type(exc).__name__}: {exc}); please report the file")]) from exc


__all__ = [
    "FORMATS", "detect_format", "read_credentials", "ImportResult", "ImportedCredential", "LearningAgreement",
    "LAComponent", "Credit", "check_transcript", "TranscriptCheck", "ComponentCheck", "Limits", "DEFAULT_LIMITS",
]
