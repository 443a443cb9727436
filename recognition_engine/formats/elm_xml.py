"""ELM v2 / EDCI XML credentials (<europassCredential>, <verifiablePresentation>).

The EDCI XML serialisation of the European Learning Model (before the v3 JSON-LD one): a
credential names its learner and achievements in `credentialSubject`, and most entities are
written once in a `...References` section (learningSpecificationReferences,
learningOutcomeReferences, assessmentSpecificationReferences, organisationReferences or
agentReferences, awardingProcessReferences) and pointed at with an `idref` attribute. Every
element with an `id` is indexed, so a reference and an inline element read the same.

One MicroCredential per `learningAchievement` of `credentialSubject/achievements` (a diploma
supplement with several courses gives several): title, learning outcomes, ECTS or other
credits, volume of learning, EQF level, ISCED-F field, language, mode, entry requirements,
the assessment (type, grade, identity checks) and the awarding body, its country and date.
Element names are compared without case (the XSD writes eCTSCreditPoints, iSCEDFCode).
What an EDCI credential has no element for is reported per credential (`cannot_carry`).
"""

from __future__ import annotations

from typing import Iterable
from xml.etree.ElementTree import Element

from ..errors import InputError, Problem
from . import _common as c
from .result import ImportResult
from .safety import DEFAULT_LIMITS, Limits, local_name

FORMAT = "elm-xml"
LABEL = "ELM/EDCI XML credential"
ROOTS = ("europassCredential", "verifiablePresentation", "europassPresentation")
CANNOT_CARRY = ("integration",)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class _Doc:
    """The document with every element that has an id indexed, for `idref` references."""

    def __init__(self, root: Element):
        self.index = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}

    def resolve(self, el: Element | None) -> Element | None:
        if el is not None and el.get("idref") and el.get("idref") in self.index:
            return self.index[el.get("idref")]
        return el

    def all(self, el: Element | None, *names: str) -> list[Element]:
        if el is None:
            return []
        wanted = {n.lower() for n in names}
        return [self.resolve(ch) for ch in el if isinstance(ch.tag, str) and local_name(ch.tag).lower() in wanted]

    def first(self, el: Element | None, *names: str) -> Element | None:
        found = self.all(el, *names)
        return found[0] if found else None

    def deep(self, el: Element | None, *names: str) -> list[Element]:
        """Elements with these names anywhere below `el`, each resolved (for wrapper elements)."""
        if el is None:
            return []
        wanted = {n.lower() for n in names}
        return [self.resolve(e) for e in el.iter() if e is not el and isinstance(e.tag, str)
                and local_name(e.tag).lower() in wanted]


def text(el: Element | None, preferred: Iterable[str] = ("en",)) -> str | None:
    """Text of a multilingual element (<title><text lang="en">...</text></title>) or a plain one."""
    if el is None:
        return None
    variants = [t for t in el if isinstance(t.tag, str) and local_name(t.tag).lower() in ("text", "notelitteral", "noteliteral")]
    if variants:
        for lang in preferred:
            for t in variants:
                if str(t.get("lang") or t.get(XML_LANG) or "").lower().split("-")[0] == lang:
                    value = "".join(t.itertext()).strip()
                    if value:
                        return value
        for t in variants:
            value = "".join(t.itertext()).strip()
            if value:
                return value
        return None
    value = "".join(el.itertext()).strip()
    return value or None


def concept(el: Element | None) -> tuple[str | None, str | None]:
    """(URI, label) of a controlled-vocabulary element (<eqfLevel uri="..."><targetName>...)."""
    if el is None:
        return None, None
    uri = el.get("uri") or el.get("id")
    label = None
    for ch in el:
        if isinstance(ch.tag, str) and local_name(ch.tag).lower() in ("targetname", "preflabel", "targetnotation"):
            label = text(ch)
            if label:
                break
    if label is None and not len(el):
        label = (el.text or "").strip() or None
    return uri, label


def read(root: Element, source: str, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    name = local_name(root.tag)
    if name not in ROOTS:
        raise InputError([Problem(source, "", f"<{name}>", f"the root element is <{name}>; an ELM/EDCI XML "
                                  f"credential starts with one of {', '.join(f'<{r}>' for r in ROOTS)}")])
    doc = _Doc(root)
    if name == "europassCredential":
        credentials = [("europassCredential", root)]
    else:
        found = [e for e in root.iter() if isinstance(e.tag, str) and e is not root
                 and local_name(e.tag) in ("europassCredential", "verifiableCredential")
                 and doc.first(e, "credentialSubject") is not None]
        credentials = [(f"{name}/{local_name(e.tag)}[{i}]", e) for i, e in enumerate(found, start=1)]
    problems: list[Problem] = []
    drafts: list[c.Draft] = []
    notes: list[str] = []
    if not credentials:
        raise InputError([Problem(source, name, "europassCredential", "the presentation holds no credential")])
    for where, cred in credentials:
        subject = doc.first(cred, "credentialSubject")
        if subject is None:
            problems.append(Problem(source, where, "credentialSubject", "required element is missing: the credential "
                                    "names its learner and achievements here"))
            continue
        holder = doc.first(subject, "achievements")
        achievements = doc.all(holder if holder is not None else subject, "learningAchievement", "achievement")
        if not achievements:
            problems.append(Problem(source, where, "credentialSubject/achievements",
                                    "required element is missing: there is no learning achievement to import"))
            continue
        if doc.first(cred, "proof", "Signature") is not None or any(local_name(e.tag) == "Signature"
                                                                  for e in cred.iter() if isinstance(e.tag, str)):
            notes.append(f"{where}: signed; the signature was not verified by this importer")
        for k, ach in enumerate(achievements, start=1):
            loc = f"{where}/credentialSubject/achievements/learningAchievement[{k}]"
            drafts.append(_achievement(doc, cred, subject, ach, len(achievements) > 1, source, loc))
    items = c.build_items(drafts, LABEL, CANNOT_CARRY, problems)
    if problems:
        raise InputError(problems)
    return ImportResult(format=FORMAT, source=source, items=tuple(items), notes=tuple(notes))


def _achievement(doc: _Doc, cred: Element, subject: Element, ach: Element, several: bool, source: str,
                 loc: str) -> c.Draft:
    d = c.Draft(source, loc)
    cred_id = text(doc.first(cred, "identifier")) or cred.get("id") or ""
    ident = (ach.get("id") if several else None) or cred_id or ach.get("id") or f"{source}#{loc}"
    d.set("id", ident, "learningAchievement/@id")
    d.identify("credential-id", cred_id)
    d.identify("achievement-id", ach.get("id"))
    spec = doc.first(ach, "specifiedBy")
    if spec is not None and spec.get("id"):
        d.identify("specification-id", spec.get("id"))

    name = text(doc.first(subject, "fullName"))
    if not name:
        parts = [text(doc.first(subject, "givenNames", "givenName", "currentGivenName")),
                 text(doc.first(subject, "familyName", "currentFamilyName"))]
        name = " ".join(p for p in parts if p) or None
    national = text(doc.first(subject, "nationalId", "nationalID", "personIdentifier"))
    if name or national:
        d.set("learner", {"name": name, "identifier": national}, "credentialSubject/fullName")

    d.set("title", c.one_line(text(doc.first(ach, "title")) or text(doc.first(spec, "title"))), "learningAchievement/title")
    _awarding(d, doc, cred, ach)
    _outcomes(d, doc, spec)
    _workload(d, doc, spec)
    uri, label = concept(doc.first(spec, "eqfLevel"))
    level = c.eqf_from_uri(uri) or ("".join(ch for ch in label or "" if ch.isdigit()) or None)
    if level:
        d.set("level", {"framework": "EQF", "value": level}, "specifiedBy/eqfLevel")
    for nqf in doc.all(spec, "nqfLevel"):
        d.note(f"NQF level {concept(nqf)[1] or concept(nqf)[0]!r} not used: only EQF levels are read")
    codes = [c.isced_code(concept(e)[0] or concept(e)[1]) for e in doc.all(spec, "iscedfCode", "thematicArea")]
    codes = [x for x in codes if x]
    if codes:
        d.set("field_of_education", codes[0], "specifiedBy/iSCEDFCode")
        if len(codes) > 1:
            d.note(f"several ISCED-F fields given ({', '.join(codes)}); the first was used")
    uri, label = concept(doc.first(spec, "language"))
    if uri or label:
        lang = c.language_code(uri or label)
        d.set("language", lang, "specifiedBy/language")
        if not lang:
            d.note(f"language {label or uri!r} could not be mapped to an ISO 639-1 code")
    uri, label = concept(doc.first(spec, "mode", "learningMode"))
    if uri or label:
        form = c.participation(label or uri)
        d.set("form_of_participation", form, "specifiedBy/mode")
        if not form:
            d.note(f"mode {label or uri!r} is not online, on site or blended; form of participation left empty")
    d.set("prerequisites", c.one_line(text(doc.first(spec, "entryRequirementsNote", "entryRequirement"))),
          "specifiedBy/entryRequirementsNote")
    _assessment(d, doc, ach)
    if doc.first(spec, "hasAccreditation", "accreditation") is not None:
        d.note("an accreditation is given; it is not read by this importer, so quality assurance is left empty")
    parts = doc.all(ach, "hasPart")
    if parts:
        d.note(f"{len(parts)} part(s) of this achievement (hasPart) are not imported separately")
    return d


def _organisation(doc: _Doc, org: Element | None) -> tuple[str | None, str | None, str | None]:
    """(name, ISO alpha-2 country, country as written) of an organisation."""
    if org is None:
        return None, None, None
    name = text(doc.first(org, "legalName")) or text(doc.first(org, "prefLabel")) or text(doc.first(org, "altLabel"))
    for country_el in doc.deep(org, "countryCode", "country"):
        uri, label = concept(country_el)
        written = uri or label
        if written:
            return name, c.country_code(written), written
    return name, None, None


def _awarding(d: c.Draft, doc: _Doc, cred: Element, ach: Element) -> None:
    process = doc.first(ach, "wasAwardedBy", "awardedBy")
    body = doc.first(process, "awardingBody")
    name, country, written = _organisation(doc, body)
    element = "wasAwardedBy/awardingBody"
    if not name:
        name, country, written = _organisation(doc, doc.first(cred, "issuer"))
        element = "issuer"
        if name:
            d.note("awarding body taken from the credential issuer (no awardingBody)")
    d.set("awarding_body", name, element)
    if written and not country:
        d.note(f"country {written!r} could not be mapped to an ISO 3166-1 alpha-2 code; left empty")
    d.set("country", country, f"{element}/location/address/countryCode")
    for el, origin in ((doc.first(process, "awardingDate"), "wasAwardedBy/awardingDate"),
                       (doc.first(cred, "issuanceDate"), "issuanceDate"), (doc.first(cred, "issued"), "issued")):
        if text(el):
            d.set("date_of_issue", c.parse_date(d, text(el), origin), origin)
            break


def _outcomes(d: c.Draft, doc: _Doc, spec: Element | None) -> None:
    texts = []
    for lo in doc.all(spec, "learningOutcome", "learningOutcomes"):
        items = doc.all(lo, "learningOutcome") or [lo]  # a wrapper element, or the outcome itself
        for item in items:
            value = c.one_line(text(doc.first(item, "title", "name")) or text(doc.first(item, "definition")))
            if value and c.placeholder(value):
                d.note(f"learning outcome {value[:40]!r} is a template placeholder; not used")
            elif value and value not in texts:
                texts.append(value)
    if texts:
        d.set("learning_outcomes", texts, "specifiedBy/learningOutcome/title")
        return
    summary = text(doc.first(spec, "learningOutcomeDescription", "learningOutcomeSummary"))
    if summary and not c.placeholder(summary):
        d.set("learning_outcomes", summary, "specifiedBy/learningOutcomeDescription")
        d.note("learning outcomes taken from the learning outcome description (split into statements); check them")


def _workload(d: c.Draft, doc: _Doc, spec: Element | None) -> None:
    ects = text(doc.first(spec, "ectsCreditPoints", "eCTSCreditPoints"))
    if ects:
        d.set("workload", c.workload_from_credit(d, ects, "ECTS", "specifiedBy/eCTSCreditPoints"),
              "specifiedBy/eCTSCreditPoints")
    for credit in doc.all(spec, "creditPoints", "creditPoint"):
        framework = credit.get("framework") or concept(doc.first(credit, "framework"))[1] or credit.get("scheme")
        value = text(doc.first(credit, "point", "value")) or text(credit)
        if d.has("workload"):
            d.note(f"also credit: {value} {framework or '(scheme not stated)'} (not used)")
        else:
            d.set("workload", c.workload_from_credit(d, value, framework, "specifiedBy/creditPoints"),
                  "specifiedBy/creditPoints")
    hours = c.duration_hours(text(doc.first(spec, "volumeOfLearning")))
    if hours and not d.has("workload"):
        d.set("workload", {"value": hours, "unit": "hours"}, "specifiedBy/volumeOfLearning")
        d.note(f"workload read from volumeOfLearning ({hours:g} hours)")


def _assessment(d: c.Draft, doc: _Doc, ach: Element) -> None:
    assessment = doc.first(ach, "wasDerivedFrom", "provenBy")
    if assessment is None:
        return
    aspec = doc.first(assessment, "specifiedBy")
    title = text(doc.first(assessment, "title")) or text(doc.first(aspec, "title"))
    kind = concept(doc.first(aspec, "type", "dcType"))[1]
    mode = concept(doc.first(aspec, "mode"))[1] or concept(doc.first(assessment, "mode"))[1]
    details = [x for x in (kind, mode) if x and (not title or x.lower() not in title.lower())]
    value = f"{title} ({'; '.join(details)})" if title and details else title or kind
    d.set("type_of_assessment", c.one_line(value), "wasDerivedFrom/specifiedBy")
    grade = text(doc.first(assessment, "grade"))
    d.set("grade", c.one_line(grade), "wasDerivedFrom/grade")
    verification = doc.first(assessment, "idVerification") or doc.first(aspec, "idVerification")
    uri, label = concept(verification)
    if uri or label:
        supervision, identity = c.supervision_and_identity(label or uri, c.participation(mode))
        d.set("supervision", supervision, "wasDerivedFrom/idVerification")
        d.set("identity_verification", identity, "wasDerivedFrom/idVerification")
        if supervision is None or identity is None:
            d.note(f"idVerification {label or uri!r} read only in part: supervision={supervision or 'left empty'}, "
                   f"identity verification={identity or 'left empty'}")
