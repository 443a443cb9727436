"""Erasmus Without Paper Online Learning Agreements (omobility-las get response, stable-v1).

A learning agreement is a plan, not an achievement: it yields no MicroCredential. It yields the
agreed components (to be studied at the receiving institution, and to be recognised at the
sending one) so that a registrar can check a transcript of records against it with
`check_transcript`.

The schema's `approved-changes` holds "the latest approved list of changes to the
`first-version`" (tables A2, B2, C2 of the template), not a whole agreement: the agreed
components are those of `first-version`, with each change applied (a component with
status="inserted" is added; one with status="deleted" marks the first-version component with the
same los-id, los-code or title as deleted). Deleted components are kept in the list, with their
reason, but left out of `studied`/`recognized`. A `changes-proposal` is not agreed: alone it is
read and marked as not agreed; beside an agreed version it is only noted.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable
from xml.etree.ElementTree import Element

from ..errors import InputError, Problem
from . import _xml as x
from .result import Credit, ImportedCredential, ImportResult, LAComponent, LearningAgreement
from .safety import DEFAULT_LIMITS, Limits, local_name, parse_xml

FORMAT = "ewp"
ROOT = "omobility-las-get-response"
TABLES = {
    "components-studied": "studied",
    "components-recognized": "recognized",
    "virtual-components": "virtual",
    "blended-mobility-components": "blended",
    "short-term-doctoral-components": "short-term-doctoral",
}


def read(root: Element, source: str, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    name = local_name(root.tag)
    if name != ROOT:
        raise InputError([Problem(source, "", f"<{name}>",
                                  f"the root element is <{name}>; an EWP learning agreement response starts with <{ROOT}>")])
    las = x.children(root, "la")
    if not las:
        raise InputError([Problem(source, ROOT, "la", "required element is missing: the response holds no learning agreement")])
    problems: list[Problem] = []
    agreements = []
    for i, la in enumerate(las, start=1):
        agreement = _agreement(la, f"{ROOT}/la[{i}]", source, problems)
        if agreement:
            agreements.append(agreement)
    if problems:
        raise InputError(problems)
    return ImportResult(format=FORMAT, source=source, learning_agreements=tuple(agreements))


def _agreement(la: Element, where: str, source: str, problems: list[Problem]) -> LearningAgreement | None:
    omobility = x.child_text(la, "omobility-id")
    if not omobility:
        problems.append(Problem(source, where, "omobility-id", "required element is missing"))
    student = x.child(la, "student")
    student_name = " ".join(p for p in (x.child_text(student, "given-names"), x.child_text(student, "family-name")) if p)
    notes: list[str] = []
    first = x.child(la, "first-version")
    changes = x.child(la, "approved-changes")
    if changes is None:
        changes = x.child(la, "latest-approved")  # the earlier draft layout's name
    proposal = next((v for v in (x.child(la, "changes-proposal"), x.child(la, "latest-proposal")) if v is not None), None)
    if first is None and changes is None and proposal is None:
        problems.append(Problem(source, where, "first-version",
                                "required element is missing: no first-version, approved-changes or changes-proposal"))
        return None
    if first is not None:
        element, agreed, signing = "first-version", True, changes if changes is not None else first
        components = _components(first, f"{where}/first-version", source, problems)
        if changes is not None:
            element = "first-version+approved-changes"
            components = _apply_changes(components, _components(changes, f"{where}/approved-changes", source, problems),
                                        notes)
        if proposal is not None:
            notes.append("a changes-proposal is pending (not agreed); the agreed components were read from "
                         + ("first-version with approved-changes" if changes is not None else "first-version"))
    elif changes is not None:
        element, agreed, signing = "approved-changes", True, changes
        components = _components(changes, f"{where}/approved-changes", source, problems)
        notes.append("approved-changes without first-version: only the changes are known, not the whole agreement; "
                     "ask the sending institution for the first version")
    else:
        element, agreed, signing = "changes-proposal", False, proposal
        components = _components(proposal, f"{where}/changes-proposal", source, problems)
        notes.append("only an unapproved changes-proposal exists: the components are a proposal, not an agreement")
    signed_by = tuple(party for party in ("student", "sending-hei", "receiving-hei")
                      if x.child(signing, f"{party}-signature") is not None
                      or x.child_text(signing, f"{party}-approval-timestamp"))
    if agreed and "receiving-hei" not in signed_by:
        notes.append(f"{'approved-changes' if signing is changes else element} is not signed by the receiving institution")
    if not components:
        notes.append(f"{element} lists no components")
    if not omobility:
        return None
    return LearningAgreement(
        omobility_id=omobility,
        sending_hei=x.path_text(la, "sending-hei", "hei-id"),
        receiving_hei=x.path_text(la, "receiving-hei", "hei-id"),
        receiving_academic_year=x.child_text(la, "receiving-academic-year-id"),
        student_name=student_name or None,
        version=element, agreed=agreed, signed_by=signed_by,
        components=tuple(components), location=where, notes=tuple(notes),
    )


def _components(version: Element, where: str, source: str, problems: list[Problem]) -> list[LAComponent]:
    out = []
    for table_el, table in TABLES.items():
        for k, comp in enumerate(x.children(x.child(version, table_el), "component"), start=1):
            c = _component(comp, table, f"{where}/{table_el}/component[{k}]", source, problems)
            if c:
                out.append(c)
    return out


def _same(a: LAComponent, b: LAComponent) -> bool:
    if a.table != b.table:
        return False
    for key in ("los_id", "loi_id", "los_code"):
        if getattr(a, key) and getattr(b, key):
            return getattr(a, key) == getattr(b, key)
    return _norm(a.title) == _norm(b.title)


def _apply_changes(first: list[LAComponent], changes: list[LAComponent], notes: list[str]) -> list[LAComponent]:
    """The first version with the approved changes applied (see the module docstring)."""
    merged = list(first)
    for change in changes:
        if change.status == "deleted":
            k = next((i for i, c in enumerate(merged) if c.status != "deleted" and _same(c, change)), None)
            if k is None:
                notes.append(f"approved-changes deletes {change.title!r} ({change.table}), which the first version "
                             "does not list; kept as a deleted component")
                merged.append(change)
            else:
                merged[k] = dataclasses.replace(merged[k], status="deleted", reason=change.reason or merged[k].reason)
        elif change.status == "inserted":
            merged.append(change)
        elif not any(_same(c, change) for c in merged):
            notes.append(f"approved-changes lists {change.title!r} ({change.table}) without status inserted or deleted, "
                         "and the first version does not; read as inserted")
            merged.append(dataclasses.replace(change, status="inserted"))
        # else: a first-version component repeated without a status is no change
    return merged


def _component(el: Element, table: str, where: str, source: str, problems: list[Problem]) -> LAComponent | None:
    title = x.child_text(el, "title")
    if not title:
        problems.append(Problem(source, where, "title", "required element is missing: every component has a title"))
        return None
    credits = []
    for k, credit in enumerate(x.children(el, "credit"), start=1):
        scheme, value = x.child_text(credit, "scheme"), x.child_text(credit, "value")
        try:
            amount = float(str(value).replace(",", "."))
        except ValueError:
            problems.append(Problem(source, where, f"credit[{k}]/value", f"{value!r} is not a number"))
            continue
        credits.append(Credit(scheme=scheme or "", value=amount))
    term_el = x.child(el, "term-id")
    term = x.child_text(el, "academic-term-display-name")
    if term is None and term_el is not None:
        year, number, total = (x.child_text(term_el, n) for n in ("academic-year-id", "term-number", "total-terms"))
        term = f"{year} term {number} of {total}" if number and total else year
    reason = " ".join(p for p in (el.get("reason-code"), el.get("reason-text")) if p) or None
    return LAComponent(
        table=table, title=" ".join(title.split()), los_id=x.child_text(el, "los-id"),
        los_code=x.child_text(el, "los-code"), loi_id=x.child_text(el, "loi-id"), term=term,
        credits=tuple(credits), recognition_conditions=x.child_text(el, "recognition-conditions"),
        short_description=x.child_text(el, "short-description"), status=el.get("status"), reason=reason,
    )


# --- checking a transcript against the agreement ---------------------------------------------

@dataclass(frozen=True)
class ComponentCheck:
    component: LAComponent
    credential_id: str | None  # the transcript entry that matches, or None
    matched_by: str | None  # los-id | loi-id | los-code | title
    agreed_ects: float | None
    earned_ects: float | None
    finding: str  # "on the transcript" | "not on the transcript" | "credits differ"


@dataclass(frozen=True)
class TranscriptCheck:
    agreement: LearningAgreement
    components: tuple[ComponentCheck, ...]
    not_in_agreement: tuple[str, ...]  # transcript credential ids that match no agreed component

    @property
    def complete(self) -> bool:
        return all(c.finding == "on the transcript" for c in self.components)


def _norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def check_transcript(agreement: LearningAgreement,
                     transcript: ImportResult | Iterable[ImportedCredential]) -> TranscriptCheck:
    """Match each component to be studied abroad with a transcript entry (by EWP LOS/LOI id,
    LOS code, then title) and compare ECTS credits. Identifiers are compared exactly; titles
    after folding case, accents and punctuation."""
    items = list(transcript.items if isinstance(transcript, ImportResult) else transcript)
    used: set[str] = set()
    checks = []
    for comp in agreement.studied:
        match, how = _find(comp, items, used)
        earned = None
        if match is not None:
            used.add(match.id)
            w = match.credential.workload
            if w is not None and w.unit == "ects" and w.value is not None:
                earned = w.value
        agreed = comp.ects
        if match is None:
            finding = "not on the transcript"
        elif agreed is not None and earned is not None and abs(agreed - earned) > 1e-9:
            finding = "credits differ"
        else:
            finding = "on the transcript"
        checks.append(ComponentCheck(comp, match.id if match else None, how, agreed, earned, finding))
    extra = tuple(it.id for it in items if it.id not in used)
    return TranscriptCheck(agreement, tuple(checks), extra)


def _find(comp: LAComponent, items: list[ImportedCredential], used: set[str]):
    free = [it for it in items if it.id not in used]
    for key, schemes, value in (("los-id", ("ewp-los-id", "los-id"), comp.los_id),
                                ("loi-id", ("ewp-loi-id", "loi-id"), comp.loi_id),
                                ("los-code", ("local", "los-code"), comp.los_code)):
        if not value:
            continue
        for it in free:
            if any(scheme in schemes and v == value for scheme, v in it.identifiers):
                return it, key
    title = _norm(comp.title)
    for it in free:
        if title and _norm(it.credential.title) == title:
            return it, "title"
    return None, None


def read_bytes(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    return read(parse_xml(data, source, limits), source, limits)
