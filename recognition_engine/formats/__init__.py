"""Importers for the credential formats officers and registrars receive.

    >>> from recognition_engine.formats import read_credentials
    >>> result = read_credentials(path.read_bytes(), source=path.name)   # format detected from content
    >>> result.credentials            # list[MicroCredential]
    >>> result.items[0].notes         # what the importer noted (e.g. "learning outcomes taken from ...")
    >>> result.items[0].missing       # mandatory Annex I elements still missing
    >>> result.items[0].cannot_carry  # Annex I elements the format has no element for

Formats (`fmt`), each detected from the content, never from the file name:

- "elm": ELM v3.0-3.2 / EDC JSON-LD credentials and presentations, also inside an upload
  wrapper ({"credential": ...}) or a signed envelope ({"payload": ..., "signatures": [...]});
- "elm-xml": ELM v2 / EDCI XML (<europassCredential>, <verifiablePresentation>);
- "openbadges": Open Badges 3.0 (OpenBadgeCredential / AchievementCredential), with or without proof;
- "elmo": EMREX ELMO 1.x and 2.0 transcripts of records (every report);
- "ewp-tor": EWP Transcript of Records responses (<imobility-tors-get-response>): the
  credentials of every embedded ELMO transcript;
- "ewp": EWP Online Learning Agreements (yields `learning_agreements`, no credentials);
- "csv": the CSV template; "native": the project's own YAML/JSON (docs/formats.md).

Detection: XML by its root element; JSON by its type or @context (the project's own JSON has
neither); a first line with an "id" column is the CSV template; other text is tried as the
project's YAML. Anything else is refused with an InputError naming what was found. Every input
passes the limits in `safety.Limits` (size, nesting depth, element count) BEFORE it is parsed
into objects, and XML is parsed without DTDs, entity expansion or external resources.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError, Problem
from . import csv_template, elm, elm_xml, elmo, ewp, native, openbadges
from .ewp import ComponentCheck, TranscriptCheck, check_transcript
from .result import Credit, ImportedCredential, ImportResult, LAComponent, LearningAgreement
from .safety import DEFAULT_LIMITS, Limits, check_size, decode_text, load_json, local_name, parse_xml

FORMATS = ("elm", "elm-xml", "openbadges", "elmo", "ewp-tor", "ewp", "csv", "native")
ALIASES = {
    "elm": "elm", "edc": "elm", "europass": "elm", "jsonld": "elm",
    "elm-xml": "elm-xml", "edci": "elm-xml", "europass-xml": "elm-xml",
    "openbadges": "openbadges", "ob3": "openbadges", "open-badges": "openbadges", "badge": "openbadges",
    "elmo": "elmo", "emrex": "elmo",
    "ewp-tor": "ewp-tor", "tor": "ewp-tor", "transcript-of-records": "ewp-tor",
    "ewp": "ewp", "ola": "ewp", "learning-agreement": "ewp",
    "csv": "csv", "native": "native", "yaml": "native", "json": "native",
}
_XML_ROOTS = {"elmo": "elmo", ewp.ROOT: "ewp", elmo.TOR_ROOT: "ewp-tor",
              **{root: "elm-xml" for root in elm_xml.ROOTS}}
_XML_FAMILY = {"elm": "elm-xml", "ewp": "ewp-tor", "elmo": "ewp-tor"}  # a forced format given XML of its family


def _normalise_format(fmt: str, source: str) -> str:
    key = str(fmt).strip().lower().replace("_", "-")
    if key not in ALIASES:
        raise InputError([Problem(source, "", "format", f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")])
    return ALIASES[key]


def _xml_format(root: Any, source: str) -> str:
    name = local_name(root.tag)
    if name not in _XML_ROOTS:
        expected = ", ".join(f"<{r}>" for r in _XML_ROOTS)
        raise InputError([Problem(source, "", f"<{name}>", f"unknown XML document: the root element is <{name}>; "
                                  f"expected one of {expected}")])
    return _XML_ROOTS[name]


def _json_format(doc: Any, source: str, limits: Limits) -> str:
    if elm.looks_like_elm(doc, source, limits):
        return "elm"
    if openbadges.looks_like_ob3(doc):
        return "openbadges"
    if openbadges.looks_like_ob2(doc):
        raise InputError([Problem(source, "", "@context", "this is an Open Badges 2.0 assertion; "
                                  "only Open Badges 3.0 credentials are read")])
    if elm.envelope_payload(doc, source, limits) is not None:
        raise InputError([Problem(source, "", "payload", "a signed envelope whose payload is not an ELM credential "
                                  "(no EuropeanDigitalCredential type and no data.europa.eu/snb context)")])
    if native.looks_like_native(doc):
        return "native"
    found = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
    raise InputError([Problem(source, "", "type", f"unknown JSON credential (type {found!r}): expected an ELM/EDC "
                              "credential (EuropeanDigitalCredential), an Open Badges 3.0 credential "
                              "(OpenBadgeCredential) or the project's own format (no @context, no type)")])


def _sniff(data: bytes, source: str, limits: Limits) -> tuple[str, Any]:
    """Detect the format and return it with the parsed document (so it is parsed only once)."""
    check_size(data, source, limits)
    head = bytes(data[:1024]).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        root = parse_xml(data, source, limits)
        return _xml_format(root, source), root
    if head.startswith((b"{", b"[")):
        doc = load_json(data, source, limits)
        return _json_format(doc, source, limits), doc
    text = decode_text(data, source)
    if csv_template.looks_like_csv(text):
        return "csv", text
    try:
        doc = native.parse(data, source, limits)
    except InputError:
        doc = None
    if isinstance(doc, (dict, list)) and native.looks_like_native(doc):
        return "native", doc
    raise InputError([Problem(source, "", "", "unknown format: not XML, not JSON, not a CSV whose header has an "
                              f"'id' column, and not the project's YAML; give one of {', '.join(FORMATS)}")])


def detect_format(data: bytes, source: str = "<input>", limits: Limits = DEFAULT_LIMITS) -> str:
    """The format of `data` (one of FORMATS), read from its content."""
    return _sniff(data, source, limits)[0]


def _parse_forced(data: bytes, source: str, fmt: str, limits: Limits) -> tuple[str, Any]:
    check_size(data, source, limits)
    is_xml = bytes(data[:1024]).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    if fmt in ("elm", "openbadges") and not is_xml:
        return fmt, load_json(data, source, limits)
    if fmt in ("elm", "elm-xml", "elmo", "ewp", "ewp-tor") and is_xml:
        root = parse_xml(data, source, limits)
        detected = _XML_ROOTS.get(local_name(root.tag))
        if detected is not None and detected == _XML_FAMILY.get(fmt):
            fmt = detected
        return fmt, root
    if fmt == "native":
        return fmt, native.parse(data, source, limits)
    if fmt == "csv":
        return fmt, decode_text(data, source)
    raise InputError([Problem(source, "", "format", f"this input is {'XML' if is_xml else 'not XML'}, "
                              f"which the {fmt} format is not")])


def read_credentials(data: bytes, source: str, fmt: str | None = None, *, limits: Limits = DEFAULT_LIMITS,
                     outcomes_catalogue: elmo.OutcomesCatalogue | None = None) -> ImportResult:
    """Read credentials (or, for EWP learning agreements, the agreements) from one input.

    `fmt` forces the format; otherwise it is detected from the content. `outcomes_catalogue`
    maps LOS identifiers or URLs to learning outcomes for ELMO transcripts, which have no
    learning-outcomes element. Raises InputError, with every problem found, for bad input.
    """
    if fmt is None:
        fmt, parsed = _sniff(data, source, limits)
    else:
        fmt, parsed = _parse_forced(data, source, _normalise_format(fmt, source), limits)
    try:
        if fmt == "elm":
            return elm.read(parsed, source, limits)
        if fmt == "elm-xml":
            return elm_xml.read(parsed, source, limits)
        if fmt == "openbadges":
            return openbadges.read(parsed, source, limits)
        if fmt == "elmo":
            return elmo.read(parsed, source, limits, outcomes_catalogue)
        if fmt == "ewp-tor":
            return elmo.read_tors(parsed, source, limits, outcomes_catalogue)
        if fmt == "ewp":
            return ewp.read(parsed, source, limits)
        if fmt == "native":
            return native.read(parsed, source, limits)
        return csv_template.read_text(parsed, source, limits)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError) as exc:
        if isinstance(exc, InputError):
            raise
        # Last resort, so that a structure no importer expected never reaches the user as a traceback.
        raise InputError([Problem(source, "", "", f"could not read this {fmt} input: an element has an unexpected "
                                  f"structure ({type(exc).__name__}); please report the file")]) from None


__all__ = [
    "FORMATS", "detect_format", "read_credentials", "ImportResult", "ImportedCredential", "LearningAgreement",
    "LAComponent", "Credit", "check_transcript", "TranscriptCheck", "ComponentCheck", "Limits", "DEFAULT_LIMITS",
]
