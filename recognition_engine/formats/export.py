"""Exporters: assessment results in the formats registrars' systems take.

    >>> from recognition_engine.formats.export import EXPORTERS, HomeInstitution
    >>> home = HomeInstitution("Universiteit van Voorbeeld", country="NL", schac="voorbeeld.nl")
    >>> EXPORTERS["elmo"](assessments, institution=home)   # bytes: one EMREX ELMO document
    >>> EXPORTERS["ctdl"](assessments, institution=home)   # bytes: CTDL JSON-LD, one TransferValueProfile each
    >>> EXPORTERS["csv"](assessments)                      # bytes: one row per assessment, COLUMNS

Every exporter takes a sequence of `Assessment`s and keyword options, and returns bytes. The
element mappings and their sources are in docs/field-mappings.md ("Exports"). Nothing is
invented: a value the assessment does not hold is left out, never guessed.

- **ELMO 2.0** (`to_elmo2`): the same document, valid against the ELMO 2.0.0 schema, with each
  decision in the report's own `resultOfRecognition` element: status (full -> Positive; partial
  and alternative -> Partially Positive; refused -> Negative), decision date, the incoming
  credential as the recognition basis (a recognitionReport from its awarding body, with the
  original grade), the home course as the recognition result (with the converted grade when there
  is one) and the mapping between them. Conditional and insufficient-information outcomes are
  not decisions: they travel only in the extension, as in 1.7.
- **ELMO 1.7** (`to_elmo`): an EMREX ELMO document in the v1 namespace, valid against the 1.7
  schema. ELMO 1.7 has no element for a recognition decision, so each decision travels in the schema's own extension point
  (`elmo/extension`, which takes any element from another namespace) as a `rec:recognition`
  element (status, basis, mapping from -> to, credits, reasons, appeal, versions). A decision
  that grants credit for a home course also appears as a `learningOpportunitySpecification`
  of the home institution's report, the way ELMO carries credits. One ELMO document describes
  one learner: `to_elmo_archive` writes one document per learner into a zip.
- **CTDL** (`to_ctdl`): Credential Engine's `ceterms:TransferValueProfile`, with
  `ceterms:transferValue` as `ceterms:ValueProfile` (`schema:value`), `transferValueFrom`,
  `transferValueFor`, `startDate`, `ownedBy`, `description`, and the versions in a
  `ceterms:developmentProcess` `ProcessProfile`.
- **CSV** (`to_csv`): one row per assessment with the stable columns in `COLUMNS`.

All XML is built with xml.etree (text and attributes are escaped by the serializer); text that
XML 1.0 cannot carry (control characters) is dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence
from xml.etree import ElementTree as ET

from ..assessment import Assessment
from ..credential import MicroCredential
from ..errors import InputError, Problem
from ..grades import GradeConversion, GradeConversionPolicy, convert
from ..rules import Outcome

ELMO_NS = "https://github.com/emrex-eu/elmo-schemas/tree/v1"
# The namespace of this engine's elements inside ELMO's <extension> (the schema requires
# "##other": any namespace but ELMO's). A URN, so that nobody is sent to a URL that does not exist.
REC_NS = "urn:x-recognition-engine:elmo-recognition:1"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CTDL_CONTEXT = "https://credreg.net/ctdl/schema/context/json"
SOURCE = "<export>"

COLUMNS = ("credential_id", "learner_id", "purpose_course", "outcome", "credits", "alternative_course",
           "conditions", "reasons", "model", "policy_id", "policy_version", "as_of")
LIST_SEPARATOR = " | "
GRANTING = (Outcome.full, Outcome.partial, Outcome.alternative)

ET.register_namespace("rec", REC_NS)  # our own namespace; ELMO's is written as the default one


@dataclass(frozen=True)
class HomeInstitution:
    """The institution that recognises: issuer of the ELMO report, owner of the CTDL profiles."""

    name: str
    country: str | None = None  # ISO 3166-1 alpha-2
    schac: str | None = None  # e.g. "voorbeeld.nl"; ELMO requires an issuer identifier
    url: str | None = None

    @classmethod
    def from_catalogue(cls, catalogue: Any, schac: str | None = None, url: str | None = None) -> "HomeInstitution | None":
        inst = getattr(catalogue, "institution", None)
        if inst is None:
            return None
        return cls(name=inst.name, country=inst.country, schac=schac, url=url)


def _fail(field: str, message: str) -> InputError:
    return InputError([Problem(SOURCE, "", field, message)])


# --- facts read from an assessment, shared by every format ---------------------------------

def assessment_key(a: Assessment) -> str:
    """A stable identifier of one decision: the credential, the course and the date."""
    raw = f"{a.credential.id}|{a.purpose.course_id if a.purpose else ''}|{a.as_of.isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def recognised_course(a: Assessment) -> tuple[str, str | None, float | None] | None:
    """(course id, title, ECTS) of the home course credit is granted for, or None (elective
    credit, or no credit granted)."""
    r = a.recommendation
    if a.outcome in (Outcome.full, Outcome.partial) and a.purpose is not None:
        return a.purpose.course_id, a.purpose.course_title, a.purpose.course_ects
    if a.outcome is Outcome.alternative and r.alternative_course_id:
        cand = next((c for c in a.candidates if c.course_id == r.alternative_course_id), None)
        return r.alternative_course_id, cand.title if cand else None, cand.ects if cand else None
    return None


def recognised_credits(a: Assessment) -> float | None:
    """ECTS granted: the course's ECTS for full recognition (or for an alternative course), the
    recommended credits for partial recognition or elective credit; None when none are granted
    or the amount is not known."""
    r = a.recommendation
    if a.outcome is Outcome.full and a.purpose is not None:
        return a.purpose.course_ects
    if a.outcome is Outcome.partial:
        return r.credits
    if a.outcome is Outcome.alternative:
        if r.alternative_course_id:
            course = recognised_course(a)
            return course[2] if course else None
        return r.credits
    return None


def incoming_ids(a: Assessment) -> list[str]:
    """The incoming credential ids (the parts of a stack, or the credential itself)."""
    return list(a.stacked_from) or [a.credential.id]


def _learner_key(c: MicroCredential) -> tuple[str, str]:
    if c.learner is None:
        return ("", "")
    return (c.learner.identifier or "", c.learner.name or "")


def _fmt_number(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _ects_of(c: MicroCredential) -> float | None:
    w = c.workload
    if w is None or (w.unit or "").lower() != "ects":
        return None
    return w.value


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: Any) -> str:
    """Text as XML 1.0 can carry it (the serializer escapes <, & and quotes)."""
    return _XML_BAD.sub("", str(text))


def _versions_text(a: Assessment) -> list[str]:
    v = a.versions
    lines = [f"engine: recognition-engine {v.engine}"]
    if v.model:
        lines.append(f"model: {v.model}" + (f" (calibration {v.calibration})" if v.calibration else ""))
    lines.append(f"policy: {v.policy_id} {v.policy_version} (sha256 {v.policy_digest}; {', '.join(v.policy_sources)})")
    lines.append(f"reference data: {v.reference_data_version} (sha256 {v.reference_data_digest})")
    return lines


# --- EMREX ELMO ----------------------------------------------------------------------------

def _e(parent: ET.Element | None, tag: str, text: Any = None, ns: str | None = None, **attrs: Any) -> ET.Element:
    # ELMO elements are left unqualified in the tree: the root declares ELMO's namespace as the
    # default one (xmlns=...), so in the document they are in it, as in the schema's examples.
    name = f"{{{ns}}}{tag}" if ns else tag
    el = ET.Element(name) if parent is None else ET.SubElement(parent, name)
    for k, v in attrs.items():
        if v is not None:
            el.set(XML_LANG if k == "lang" else k.rstrip("_"), _clean(v))
    if text is not None:
        el.text = _clean(text)
    return el


def _r(parent: ET.Element | None, tag: str, text: Any = None, **attrs: Any) -> ET.Element:
    return _e(parent, tag, text, ns=REC_NS, **attrs)


def _timestamp(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.isoformat(timespec="seconds").replace("+00:00", "Z")
    return f"{value.isoformat()}T00:00:00Z"


def _rec_credit(parent: ET.Element, value: float | None, scheme: str = "ects") -> None:
    if value is None:
        return
    credit = _r(parent, "credit")
    _r(credit, "scheme", scheme)
    _r(credit, "value", _fmt_number(value))


def _rec_from(mapping: ET.Element, a: Assessment) -> None:
    c = a.credential
    if a.stacked_from:
        # The parts of a stack are assessed as one credential; only their ids travel with it.
        for cid in a.stacked_from:
            _r(_r(mapping, "from", stacked="true"), "identifier", cid, type="credential")
        return
    frm = _r(mapping, "from")
    _r(frm, "identifier", c.id, type="credential")
    if c.title:
        _r(frm, "title", c.title)
    if c.awarding_body or c.country:
        _r(frm, "issuer", c.awarding_body, country=c.country)
    if c.date_of_issue:
        _r(frm, "dateOfIssue", c.date_of_issue.isoformat())
    if c.workload is not None and c.workload.unit and c.workload.value is not None:
        _rec_credit(frm, c.workload.value, c.workload.unit)
    if c.level is not None:
        _r(frm, "level", c.level.value, type=c.level.framework)


def grade_conversion(a: Assessment, grades: GradeConversionPolicy | None) -> GradeConversion:
    """The credential's grade beside its conversion (see recognition_engine.grades)."""
    return convert(a.credential.grading, grades)


def recognition_element(a: Assessment, grade: GradeConversion | None = None) -> ET.Element:
    """One decision as a `rec:recognition` element (the fragment that goes into ELMO's extension)."""
    r, v = a.recommendation, a.versions
    rec = _r(None, "recognition", id=assessment_key(a))
    _r(rec, "status", a.outcome.value)
    _r(rec, "decisionDate", a.as_of.isoformat())
    _r(rec, "summary", r.summary)
    basis = _r(rec, "basis")
    _r(basis, "policy", id=v.policy_id, version=v.policy_version, digest=v.policy_digest)
    for f in a.findings:
        _r(basis, "rule", f.label, check=f.check, verdict=f.verdict.value, reference=f.reference)
    mapping = _r(rec, "mapping")
    _rec_from(mapping, a)
    if a.purpose is not None:
        to = _r(mapping, "to", requested="true" if a.purpose.requested else "false")
        _r(to, "identifier", a.purpose.course_id, type="local")
        _r(to, "title", a.purpose.course_title)
        _rec_credit(to, a.purpose.course_ects)
        if a.purpose.course_eqf_level is not None:
            _r(to, "level", a.purpose.course_eqf_level, type="EQF")
    _rec_credit(rec, recognised_credits(a))
    if r.alternative_course_id:
        _r(rec, "alternative", r.alternative_course_id)
    for text in r.conditions:
        _r(rec, "condition", text)
    for text in r.reasons:
        _r(rec, "reason", text)
    for text in r.ask_for:
        _r(rec, "askFor", text)
    if r.appeal is not None:
        _r(rec, "appeal", r.appeal.route.strip(), deadlineDays=r.appeal.deadline_days, reference=r.appeal.reference)
    if grade is not None and grade.original is not None:
        _r(rec, "grade", original=grade.original, scheme=grade.scheme, source=grade.source, converted=grade.converted,
           toScheme=grade.to_scheme, method=grade.method, basis=grade.basis, reason=grade.reason)
    _r(rec, "versions", engine=v.engine, model=v.model, calibration=v.calibration, policyId=v.policy_id,
       policyVersion=v.policy_version, policyDigest=v.policy_digest, referenceData=v.reference_data_version,
       referenceDataDigest=v.reference_data_digest)
    return rec


def _credited_los(report: ET.Element, a: Assessment, grade: str | None = None) -> ET.Element | None:
    """The home course credit is granted for, as ELMO carries credits (LOS with a passed LOI)."""
    course = recognised_course(a)
    credits = recognised_credits(a)
    if course is None:
        return None
    cid, title, _ = course
    los = _e(report, "learningOpportunitySpecification")
    _e(los, "identifier", cid, type="local")
    _e(los, "title", title or cid, lang="en")
    _e(los, "type", "Course")
    loi = _e(_e(los, "specifies"), "learningOpportunityInstance")
    _e(loi, "identifier", assessment_key(a), type="recognition")
    _e(loi, "date", a.as_of.isoformat())
    _e(loi, "status", "passed")
    if grade is not None:
        _e(loi, "resultLabel", grade)
    if credits is not None:
        credit = _e(loi, "credit")
        _e(credit, "scheme", "ects")
        _e(credit, "value", _fmt_number(credits))
    if a.purpose is not None and cid == a.purpose.course_id and a.purpose.course_eqf_level is not None:
        level = _e(loi, "level")
        _e(level, "type", "EQF")
        _e(level, "value", a.purpose.course_eqf_level)
    return los


# ELMO 2.0 ResultOfRecognition/status for the outcomes that are decisions.
ELMO2_STATUS = {Outcome.full: "Positive", Outcome.partial: "Partially Positive",
                Outcome.alternative: "Partially Positive", Outcome.refused: "Negative"}


def _basis_report(parent: ET.Element, a: Assessment) -> bool:
    """The incoming credential as an ELMO 2.0 recognitionBasis (a report by its awarding body).
    Left out (False) when the credential does not say who awarded it or when: ELMO requires both."""
    c = a.credential
    if a.stacked_from or not c.awarding_body or c.date_of_issue is None:
        return False
    report = _e(_e(parent, "recognitionBasis"), "recognitionReport")
    issuer = _e(report, "issuer")
    if c.country:
        _e(issuer, "country", c.country)
    _e(issuer, "identifier", c.awarding_body, type="name")  # the credential names its issuer, not an id
    _e(issuer, "title", c.awarding_body)
    _e(issuer, "url", "")
    los = _e(report, "learningOpportunitySpecification")
    _e(los, "identifier", c.id, type="local")
    _e(los, "title", c.title or c.id)
    if c.field_of_education:
        _e(los, "iscedCode", c.field_of_education)
    loi = _e(_e(los, "specifies"), "learningOpportunityInstance")
    _e(loi, "date", c.date_of_issue.isoformat())
    _e(loi, "status", "passed")
    if c.grade:
        _e(loi, "resultLabel", c.grade)
    ects = _ects_of(c)
    if ects is not None:
        credit = _e(loi, "credit")
        _e(credit, "scheme", "ects")
        _e(credit, "value", _fmt_number(ects))
    if c.level is not None and c.level.framework == "EQF":
        level = _e(loi, "level")
        _e(level, "type", "EQF")
        _e(level, "value", c.level.value)
    _e(report, "issueDate", _timestamp(c.date_of_issue))
    return True


def result_of_recognition(report: ET.Element, a: Assessment, grade: GradeConversion) -> ET.Element | None:
    """One decision as an ELMO 2.0 `resultOfRecognition` (None for outcomes that are not decisions)."""
    status = ELMO2_STATUS.get(a.outcome)
    if status is None:
        return None
    ror = _e(report, "resultOfRecognition")
    _e(ror, "title", f"Recognition of {a.credential.title or a.credential.id}", lang="en")
    _e(ror, "description", a.recommendation.summary, lang="en")
    _e(ror, "status", status)
    _e(ror, "decisionDate", a.as_of.isoformat())
    with_basis = _basis_report(ror, a)
    result = _e(ror, "recognitionResult")
    course_los = _credited_los(result, a, grade.converted)
    if course_los is None:  # refused: nothing granted, and ELMO wants a LOS here; drop the empty result
        ror.remove(result)
    elif with_basis:
        mapping = _e(_e(ror, "recognitionMapping"), "mapping")
        _e(_e(mapping, "fromMapping"), "ref", a.credential.id)
        _e(_e(mapping, "toMapping"), "ref", recognised_course(a)[0])
    return ror


def _learner(root: ET.Element, assessments: Sequence[Assessment], version: str = "1.7") -> None:
    learner = next((a.credential.learner for a in assessments if a.credential.learner), None)
    el = _e(root, "learner")
    if learner is not None and learner.identifier:
        # The engine keeps the identifier, not its ELMO type: a custom type says so.
        _e(el, "identifier", learner.identifier, type="learner-id")
    # The engine keeps the name as one string; splitting it into given and family names would
    # be a guess, so it goes to givenNames and familyName stays empty (the schema's own advice
    # when a part cannot be given).
    _e(el, "givenNames", (learner.name if learner and learner.name else ""))
    _e(el, "familyName", "")
    if version == "2.0":
        _e(el, "alternativeName", "")  # required by the 2.0 schema; the engine keeps no other name


def elmo_tree(assessments: Sequence[Assessment], institution: HomeInstitution | None,
              generated: dt.date | dt.datetime | None = None, version: str = "1.7",
              grades: GradeConversionPolicy | None = None) -> ET.Element:
    if not assessments:
        raise _fail("assessments", "nothing to export: no assessment")
    learners = {_learner_key(a.credential) for a in assessments}
    if len(learners) > 1:
        raise _fail("learner", f"an ELMO document describes one learner, and these assessments are for {len(learners)}; "
                    "export them one learner at a time, or as a zip archive (to_elmo_archive / an --out file ending in .zip)")
    if institution is None or not institution.name:
        raise _fail("institution", "the ELMO report needs the home institution (its name): give the catalogue's "
                    "institution or HomeInstitution(name=...)")
    if not institution.schac:
        raise _fail("institution.schac", "the ELMO issuer needs at least one identifier: give the home institution's "
                    "SCHAC code (e.g. --home-schac voorbeeld.nl)")
    as_of = max(a.as_of for a in assessments)
    conversions = [grade_conversion(a, grades) for a in assessments]
    root = _e(None, "elmo", xmlns=ELMO_NS)
    _e(root, "generatedDate", _timestamp(generated or as_of))
    _learner(root, assessments, version)
    report = _e(root, "report")
    issuer = _e(report, "issuer")
    if institution.country:
        _e(issuer, "country", institution.country.upper())
    _e(issuer, "identifier", institution.schac, type="schac")
    _e(issuer, "title", institution.name, lang="en")
    _e(issuer, "url", institution.url or "")
    for a, g in zip(assessments, conversions):
        _credited_los(report, a, g.converted)
    if version == "2.0":
        for a, g in zip(assessments, conversions):
            result_of_recognition(report, a, g)
    _e(report, "issueDate", _timestamp(as_of))
    extension = _e(root, "extension")
    container = _r(extension, "recognitions")
    for a, g in zip(assessments, conversions):
        container.append(recognition_element(a, g))
    return root


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def to_elmo(assessments: Sequence[Assessment], *, institution: HomeInstitution | None = None,
            generated: dt.date | dt.datetime | None = None, grades: GradeConversionPolicy | None = None,
            version: str = "1.7", **_: Any) -> bytes:
    """One EMREX ELMO document (UTF-8 XML) for the assessments of one learner (ELMO 1.7, or 2.0)."""
    return _xml_bytes(elmo_tree(list(assessments), institution, generated, version, grades))


def to_elmo2(assessments: Sequence[Assessment], **options: Any) -> bytes:
    """One EMREX ELMO 2.0 document, each decision in its own resultOfRecognition element."""
    return to_elmo(assessments, **{**options, "version": "2.0"})


def group_by_learner(assessments: Iterable[Assessment]) -> dict[tuple[str, str], list[Assessment]]:
    groups: dict[tuple[str, str], list[Assessment]] = {}
    for a in assessments:
        groups.setdefault(_learner_key(a.credential), []).append(a)
    return groups


def to_elmo_archive(assessments: Sequence[Assessment], *, institution: HomeInstitution | None = None,
                    generated: dt.date | dt.datetime | None = None, **options: Any) -> bytes:
    """A zip with one ELMO document per learner (named learner-001.xml, ... in order of first appearance)."""
    buf = io.BytesIO()
    stamp = (2000, 1, 1, 0, 0, 0)  # fixed member dates: the same input gives the same bytes
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, group in enumerate(group_by_learner(assessments).values(), start=1):
            info = zipfile.ZipInfo(f"learner-{n:03d}.xml", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, to_elmo(group, institution=institution, generated=generated, **options))
    return buf.getvalue()


# --- CTDL TransferValueProfile (JSON-LD) ----------------------------------------------------

def _lang(text: str) -> dict[str, str]:
    return {"en": text}


def _value_profile(value: float, what: str = "ECTS credits") -> dict[str, Any]:
    # CTDL's CreditUnit concept scheme has no ECTS concept that could be checked here, so the
    # unit is stated in the description instead of a guessed ceterms:creditUnitType.
    return {"@type": "ceterms:ValueProfile", "schema:value": value, "schema:description": _lang(what)}


def _organisation(name: str | None, country: str | None = None, schac: str | None = None,
                  node_id: str | None = None) -> dict[str, Any]:
    org: dict[str, Any] = {"@type": "ceterms:CredentialOrganization"}
    if node_id:
        org["@id"] = node_id
    if name:
        org["ceterms:name"] = _lang(name)
    if country:
        org["ceterms:address"] = [{"@type": "ceterms:Place", "ceterms:addressCountry": _lang(country)}]
    if schac:
        org["ceterms:identifier"] = [{"@type": "ceterms:IdentifierValue", "ceterms:identifierTypeName": _lang("SCHAC"),
                                      "ceterms:identifierValueCode": schac}]
    return org


def _identifier(code: str, type_name: str) -> dict[str, Any]:
    return {"@type": "ceterms:IdentifierValue", "ceterms:identifierTypeName": _lang(type_name),
            "ceterms:identifierValueCode": code}


def _ctdl_from(a: Assessment) -> list[dict[str, Any]]:
    c = a.credential
    if a.stacked_from:
        return [{"@type": "ceterms:LearningOpportunityProfile",
                 "ceterms:identifier": [_identifier(cid, "incoming credential")]} for cid in a.stacked_from]
    node: dict[str, Any] = {"@type": "ceterms:LearningOpportunityProfile",
                            "ceterms:identifier": [_identifier(c.id, "incoming credential")]}
    if c.title:
        node["ceterms:name"] = _lang(c.title)
    if c.awarding_body or c.country:
        node["ceterms:offeredBy"] = [_organisation(c.awarding_body, c.country)]
    ects = _ects_of(c)
    if ects is not None:
        node["ceterms:creditValue"] = [_value_profile(ects)]
    return [node]


def _ctdl_course(course_id: str, title: str | None, ects: float | None, owner: str | None) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "ceterms:Course", "ceterms:codedNotation": course_id}
    if title:
        node["ceterms:name"] = _lang(title)
    if ects is not None:
        node["ceterms:creditValue"] = [_value_profile(ects)]
    if owner:
        node["ceterms:ownedBy"] = [owner]
    return node


def ctdl_profile(a: Assessment, owner_id: str | None = None) -> dict[str, Any]:
    """One assessment as a ceterms:TransferValueProfile node."""
    r = a.recommendation
    incoming = a.credential.title or a.credential.id
    target = a.purpose.course_id if a.purpose else "no course"
    node: dict[str, Any] = {
        "@id": f"_:tvp-{assessment_key(a)}",
        "@type": "ceterms:TransferValueProfile",
        "ceterms:name": _lang(f"{incoming} for {target}" + (f" {a.purpose.course_title}" if a.purpose else "")),
    }
    lines = [f"Outcome: {a.outcome.value}.", r.summary]
    if a.purpose is not None and not a.purpose.requested:
        lines.append(f"The course {a.purpose.course_id} was chosen by the engine as the best candidate (no course was requested).")
    lines += [f"Reason: {x}" for x in r.reasons] + [f"Condition: {x}" for x in r.conditions]
    lines += [f"Ask the applicant for: {x}" for x in r.ask_for]
    if r.appeal is not None:
        lines.append(f"Appeal within {r.appeal.deadline_days} days: {' '.join(r.appeal.route.split())} ({r.appeal.reference})")
    node["ceterms:description"] = _lang("\n".join(lines))
    node["ceterms:identifier"] = [_identifier(assessment_key(a), "recognition-engine assessment")]
    node["ceterms:startDate"] = a.as_of.isoformat()
    if owner_id:
        node["ceterms:ownedBy"] = [owner_id]
    credits = recognised_credits(a)
    if credits is not None and a.outcome in GRANTING:
        node["ceterms:transferValue"] = [_value_profile(credits)]
    node["ceterms:transferValueFrom"] = _ctdl_from(a)
    course = recognised_course(a)
    if course is not None:  # the course the value is for (an alternative course, when there is one)
        node["ceterms:transferValueFor"] = [_ctdl_course(*course, owner_id)]
    elif a.purpose is not None:
        node["ceterms:transferValueFor"] = [_ctdl_course(a.purpose.course_id, a.purpose.course_title,
                                                         a.purpose.course_ects, owner_id)]
    basis = [f"{f.label}: {f.verdict.value} ({f.reference})" for f in a.findings]
    node["ceterms:developmentProcess"] = [{
        "@type": "ceterms:ProcessProfile",
        "ceterms:description": _lang("\n".join(_versions_text(a) + basis)),
    }]
    return node


def ctdl_document(assessments: Sequence[Assessment], institution: HomeInstitution | None = None) -> dict[str, Any]:
    graph: list[dict[str, Any]] = []
    owner_id = None
    if institution is not None and institution.name:
        owner_id = "_:home-institution"
        graph.append(_organisation(institution.name, institution.country, institution.schac, owner_id))
    graph += [ctdl_profile(a, owner_id) for a in assessments]
    return {"@context": CTDL_CONTEXT, "@graph": graph}


def to_ctdl(assessments: Sequence[Assessment], *, institution: HomeInstitution | None = None, **_: Any) -> bytes:
    """CTDL JSON-LD (UTF-8): the home institution and one TransferValueProfile per assessment."""
    return (json.dumps(ctdl_document(list(assessments), institution), indent=2, ensure_ascii=False) + "\n").encode()


# --- CSV ------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A cell as text; text that a spreadsheet would run as a formula is prefixed with '."""
    if value is None:
        return ""
    if isinstance(value, float):
        return _fmt_number(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_row(a: Assessment) -> dict[str, str]:
    r, v = a.recommendation, a.versions
    learner = a.credential.learner
    values = {
        "credential_id": "+".join(incoming_ids(a)),
        "learner_id": learner.identifier if learner else None,
        "purpose_course": a.purpose.course_id if a.purpose else None,
        "outcome": a.outcome.value,
        "credits": recognised_credits(a),
        "alternative_course": r.alternative_course_id,
        "conditions": LIST_SEPARATOR.join(r.conditions),
        "reasons": LIST_SEPARATOR.join(r.reasons or r.ask_for),
        "model": v.model,
        "policy_id": v.policy_id,
        "policy_version": v.policy_version,
        "as_of": a.as_of.isoformat(),
    }
    return {k: _cell(values[k]) for k in COLUMNS}


def to_csv(assessments: Sequence[Assessment], **_: Any) -> bytes:
    """UTF-8 CSV with a header row: one row per assessment, columns COLUMNS (lists joined by " | ")."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for a in assessments:
        writer.writerow(csv_row(a))
    return buf.getvalue().encode("utf-8")


Exporter = Callable[..., bytes]
EXPORTERS: dict[str, Exporter] = {"elmo": to_elmo, "elmo-2.0": to_elmo2, "ctdl": to_ctdl, "csv": to_csv}
MEDIA_TYPES = {"elmo": "application/xml", "elmo-2.0": "application/xml", "ctdl": "application/ld+json", "csv": "text/csv"}

__all__ = [
    "EXPORTERS", "MEDIA_TYPES", "COLUMNS", "HomeInstitution", "to_elmo", "to_elmo2", "to_elmo_archive",
    "result_of_recognition", "grade_conversion", "to_ctdl", "to_csv",
    "elmo_tree", "recognition_element", "ctdl_document", "ctdl_profile", "csv_row", "recognised_credits",
    "recognised_course", "assessment_key", "group_by_learner", "ELMO_NS", "REC_NS", "CTDL_CONTEXT",
]
