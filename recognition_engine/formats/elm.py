"""European Learning Model (ELM v3) / European Digital Credentials (EDC) JSON-LD credentials.

One MicroCredential per `LearningAchievement` claim of `credentialSubject.hasClaim`. The field
mapping is documented in docs/field-mappings.md; in short:

    hasClaim.title                                   -> title
    hasClaim.specifiedBy.learningOutcome[].title     -> learning_outcomes
    hasClaim.creditReceived | specifiedBy.creditPoint (framework, point) -> workload
    specifiedBy.volumeOfLearning (PTnH)              -> workload when no credit points are given
    specifiedBy.eqfLevel (http://data.europa.eu/snb/eqf/N) -> level EQF N
    specifiedBy.thematicArea (ISCED-F URI)           -> field_of_education
    specifiedBy.mode                                 -> form_of_participation
    specifiedBy.language                             -> language (ISO 639-1)
    specifiedBy.entryRequirement                     -> prerequisites
    specifiedBy.accreditation | awardingBody.accreditation -> quality_assurance
    provenBy (LearningAssessment) title/type/mode    -> type_of_assessment; grade; idVerification
    awardedBy.awardingBody legalName / address       -> awarding_body / country
    awardedBy.awardingDate | issuanceDate | issued | validFrom -> date_of_issue
    credentialSubject fullName / nationalID          -> learner
"""

from __future__ import annotations

import base64
from typing import Any

from ..errors import InputError, Problem
from . import _common as c
from .result import ImportResult
from .safety import DEFAULT_LIMITS, Limits, load_json, load_json_text

FORMAT = "elm"
LABEL = "ELM/EDC credential"
CANNOT_CARRY = ("integration",)  # stackability has no element in the ELM v3 EDC profile mapped here


def types_of(obj: Any) -> set[str]:
    if not isinstance(obj, dict):
        return set()
    return {str(t) for t in c.as_list(obj.get("type")) if isinstance(t, str)}


def _context_mentions(obj: dict, fragment: str) -> bool:
    return any(isinstance(x, str) and fragment in x for x in c.as_list(obj.get("@context")))


def envelope_payload(doc: Any, source: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The credential inside a signed envelope ({"payload": ..., "signatures": [...]}, as Europass
    issues them): the payload as an object, as JSON text, or as base64url-encoded JSON (a JWS
    payload). None when `doc` is not such an envelope. The signature is not verified here."""
    if not isinstance(doc, dict) or "payload" not in doc or "credentialSubject" in doc:
        return None
    payload = doc["payload"]
    if isinstance(payload, dict):
        return payload
    if not isinstance(payload, str):
        return None
    text = payload.strip()
    if not text.startswith(("{", "[")):
        try:
            text = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
    return load_json_text(text, source, limits, "payload")


def looks_like_elm(doc: Any, source: str = "<input>", limits: Limits = DEFAULT_LIMITS) -> bool:
    if isinstance(doc, list):
        return bool(doc) and looks_like_elm(doc[0], source, limits)
    if not isinstance(doc, dict):
        return False
    if types_of(doc) & {"EuropeanDigitalCredential", "EuropeanDigitalPresentation"}:
        return True
    if _context_mentions(doc, "data.europa.eu/snb"):
        return True
    inner = doc.get("credential")
    if isinstance(inner, dict):
        return looks_like_elm(inner, source, limits)
    payload = envelope_payload(doc, source, limits)
    return payload is not None and looks_like_elm(payload, source, limits)


def _find_credentials(doc: Any, path: str, source: str, limits: Limits, out: list[tuple[str, dict]],
                      notes: list[str]) -> None:
    if isinstance(doc, list):
        for i, item in enumerate(doc):
            _find_credentials(item, f"{path}[{i}]", source, limits, out, notes)
        return
    if not isinstance(doc, dict):
        raise InputError([Problem(source, path or "", "", "expected a JSON object (an ELM credential)")])
    if "credentialSubject" not in doc and isinstance(doc.get("credential"), dict):  # "uploadable" wrapper
        _find_credentials(doc["credential"], f"{path}.credential".lstrip("."), source, limits, out, notes)
        return
    inner = envelope_payload(doc, source, limits)
    if inner is not None:  # signed envelope
        signatures = c.as_list(doc.get("signatures") or doc.get("signature"))
        notes.append(f"{path + '.' if path else ''}payload: a signed envelope with {len(signatures)} signature(s); "
                     "the signature was not verified by this importer (verify it with the Europass verifier)")
        _find_credentials(inner, f"{path}.payload".lstrip("."), source, limits, out, notes)
        return
    if "verifiableCredential" in doc and "credentialSubject" not in doc:  # a presentation
        for i, item in enumerate(c.as_list(doc["verifiableCredential"])):
            _find_credentials(item, f"{path}.verifiableCredential[{i}]".lstrip("."), source, limits, out, notes)
        return
    out.append((path, doc))


def concept_label(concept: Any) -> str | None:
    if isinstance(concept, str):
        return concept
    if not isinstance(concept, dict):
        return None
    return c.lang_text(concept.get("prefLabel")) or (str(concept["notation"]) if concept.get("notation") else None)


def note_text(note: Any) -> str | None:
    """Text of an ELM Note ({noteLiteral: {en: ...}}) or a plain language map."""
    if isinstance(note, list):
        texts = [t for t in (note_text(n) for n in note) if t]
        return "\n".join(texts) or None
    if isinstance(note, dict) and "noteLiteral" in note:
        return c.lang_text(note["noteLiteral"])
    return c.lang_text(note)


def org_name(org: Any) -> str | None:
    if not isinstance(org, dict):
        return None
    return c.lang_text(org.get("legalName")) or c.lang_text(org.get("prefLabel")) or c.lang_text(org.get("altLabel"))


def org_country(org: Any) -> tuple[str | None, str | None]:
    """(ISO alpha-2 code or None, the country as written) from an organisation's address."""
    if not isinstance(org, dict):
        return None, None
    for loc in c.as_list(org.get("location")):
        if not isinstance(loc, dict):
            continue
        for addr in c.as_list(loc.get("address")):
            if isinstance(addr, dict) and addr.get("countryCode"):
                code = addr["countryCode"]
                raw = (code.get("id") or code.get("notation")) if isinstance(code, dict) else code
                return c.country_code(raw), str(concept_label(code) or raw)
    return None, None


def _first_dict(value: Any) -> dict | None:
    for v in c.as_list(value):
        if isinstance(v, dict):
            return v
    return None


def read(doc: Any, source: str, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    found: list[tuple[str, dict]] = []
    file_notes: list[str] = []
    _find_credentials(doc, "", source, limits, found, file_notes)
    problems: list[Problem] = []
    drafts: list[c.Draft] = []
    for path, cred in found:
        where = path or "credential"
        if not (types_of(cred) & {"EuropeanDigitalCredential", "VerifiableCredential"}):
            file_notes.append(f"{where}: type is {sorted(types_of(cred)) or 'missing'}; read as an ELM credential anyway")
        subject = cred.get("credentialSubject")
        if not isinstance(subject, dict):
            problems.append(Problem(source, where, "credentialSubject",
                                    "required element is missing: an ELM credential names its learner and claims here"))
            continue
        claims = [x for x in c.as_list(subject.get("hasClaim")) if isinstance(x, dict)]
        if not claims:
            problems.append(Problem(source, where, "credentialSubject.hasClaim",
                                    "required element is missing: there is no learning achievement to import"))
            continue
        achievements = [(j, x) for j, x in enumerate(claims) if "LearningAchievement" in types_of(x)]
        for j, x in enumerate(claims):
            if "LearningAchievement" not in types_of(x):
                file_notes.append(f"{where}: hasClaim[{j}] is a {'/'.join(sorted(types_of(x))) or 'claim without type'}; "
                                  "only LearningAchievement claims are imported")
        if not achievements:
            problems.append(Problem(source, where, "credentialSubject.hasClaim",
                                    "no LearningAchievement claim: only learning achievements can be imported"))
            continue
        for j, ach in achievements:
            loc = f"{where}.credentialSubject.hasClaim[{j}]" if len(claims) > 1 else f"{where}.credentialSubject.hasClaim"
            drafts.append(_achievement(cred, subject, ach, j, len(achievements) > 1, source, loc))
    items = c.build_items(drafts, LABEL, CANNOT_CARRY, problems)
    if problems:
        raise InputError(problems)
    return ImportResult(format=FORMAT, source=source, items=tuple(items), notes=tuple(file_notes))


def _achievement(cred: dict, subject: dict, ach: dict, index: int, several: bool, source: str, loc: str) -> c.Draft:
    d = c.Draft(source, loc)
    spec = _first_dict(ach.get("specifiedBy")) or {}
    if len(c.as_list(ach.get("specifiedBy"))) > 1:
        d.note("several specifiedBy entries; the first was read")
    cred_id = str(cred.get("id") or "").strip()
    ident = (str(ach.get("id")) if several and ach.get("id") else None) or cred_id
    if several and not ach.get("id"):
        ident = f"{cred_id or source}#claim{index}"
    if not ident:
        ident = f"{source}#credential"
        d.note("the credential has no id; the file name was used")
    d.set("id", ident, "id")
    d.identify("credential-id", cred_id)
    d.identify("achievement-id", ach.get("id"))
    if spec.get("id"):
        d.identify("specification-id", spec.get("id"))

    # learner
    name = c.lang_text(subject.get("fullName"))
    if not name:
        parts = [c.lang_text(subject.get("givenName")), c.lang_text(subject.get("familyName"))]
        name = " ".join(p for p in parts if p) or None
    national = _first_dict(subject.get("nationalID"))
    identifier = (str(national["notation"]) if national and national.get("notation") else None) or \
        (str(subject["id"]) if subject.get("id") else None)
    if name or identifier:
        d.set("learner", {"name": name, "identifier": identifier}, "credentialSubject.fullName/nationalID")

    d.set("title", c.one_line(c.lang_text(ach.get("title")) or c.lang_text(spec.get("title"))), "hasClaim.title")

    # awarding body and its country
    awarded = _first_dict(ach.get("awardedBy")) or {}
    body = _first_dict(awarded.get("awardingBody"))
    issuer = cred.get("issuer") if isinstance(cred.get("issuer"), dict) else None
    name = org_name(body)
    if name:
        d.set("awarding_body", name, "awardedBy.awardingBody.legalName")
    elif org_name(issuer):
        d.set("awarding_body", org_name(issuer), "issuer.legalName")
        d.note("awarding body taken from the credential issuer (no awardedBy.awardingBody)")
    origin = "awardedBy.awardingBody.location.address.countryCode"
    country, written = org_country(body)
    if written is None:
        country, written = org_country(awarded)
    if written is None:
        country, written = org_country(issuer)
        origin = "issuer.location.address.countryCode"
        if written is not None:
            d.note("country taken from the credential issuer's address")
    if written is not None and country is None:
        d.note(f"country {written!r} is not a code this importer can map to ISO 3166-1 alpha-2; left empty")
    d.set("country", country, origin)

    # date of issue
    for key, element in (("awardingDate", "awardedBy.awardingDate"), ("issuanceDate", "issuanceDate"),
                         ("issued", "issued"), ("validFrom", "validFrom")):
        value = awarded.get(key) if key == "awardingDate" else cred.get(key)
        if value:
            d.set("date_of_issue", c.parse_date(d, value, element), element)
            if key == "validFrom":
                d.note("date of issue taken from validFrom (no awardingDate or issuance date)")
            break

    _outcomes(d, spec)
    _workload(d, ach, spec)

    # level
    eqf = spec.get("eqfLevel")
    if eqf:
        concept = _first_dict(eqf) or {"id": c.as_list(eqf)[0]}
        value = c.eqf_from_uri(concept.get("id")) or (str(concept["notation"]) if concept.get("notation") else None)
        if value is None and concept_label(concept):
            digits = "".join(ch for ch in concept_label(concept) or "" if ch.isdigit())
            value = digits or None
        if value:
            d.set("level", {"framework": "EQF", "value": value}, "specifiedBy.eqfLevel")
        else:
            d.problem("specifiedBy.eqfLevel", f"cannot read an EQF level from {concept.get('id')!r}")
    for nqf in c.as_list(spec.get("nqfLevel")):
        label = concept_label(nqf) or (nqf.get("id") if isinstance(nqf, dict) else nqf)
        d.note(f"NQF level {label!r} not used: national framework levels in ELM point to the QDR vocabulary, "
               "which is not in reference_data/level_frameworks.csv" + ("" if d.has("level") else "; level left empty"))

    # field of education
    codes = [c.isced_code(t.get("id") if isinstance(t, dict) else t) for t in c.as_list(spec.get("thematicArea"))]
    codes = [x for x in codes if x]
    if codes:
        d.set("field_of_education", codes[0], "specifiedBy.thematicArea")
        if len(codes) > 1:
            d.note(f"several ISCED-F fields given ({', '.join(codes)}); the first was used")

    # form of participation
    for mode_src, element in ((spec.get("mode"), "specifiedBy.mode"),
                              (_activity_mode(ach), "influencedBy.specifiedBy.mode")):
        labels = [concept_label(m) for m in c.as_list(mode_src)]
        labels = [x for x in labels if x]
        if labels:
            form = c.participation(labels[0])
            if form:
                d.set("form_of_participation", form, element)
            else:
                d.note(f"mode {labels[0]!r} is not online, on site or blended; form of participation left empty")
            break

    # language
    langs = c.as_list(spec.get("language"))
    if langs:
        first = langs[0]
        raw = first.get("id") or first.get("notation") if isinstance(first, dict) else first
        lang = c.language_code(raw)
        if lang:
            d.set("language", lang, "specifiedBy.language")
        else:
            d.note(f"language {concept_label(first) or raw!r} could not be mapped to an ISO 639-1 code")

    d.set("prerequisites", note_text(spec.get("entryRequirement")), "specifiedBy.entryRequirement")
    _assessment(d, ach)
    _quality(d, spec, body)
    parts = c.as_list(ach.get("hasPart"))
    if parts:
        d.note(f"{len(parts)} part(s) of this achievement (hasPart) are not imported separately")
    return d


def _activity_mode(ach: dict) -> Any:
    activity = _first_dict(ach.get("influencedBy"))
    spec = _first_dict(activity.get("specifiedBy")) if activity else None
    return spec.get("mode") if spec else None


def _outcomes(d: c.Draft, spec: dict) -> None:
    texts = []
    for lo in c.as_list(spec.get("learningOutcome")):
        text = c.lang_text(lo.get("title")) or c.lang_text(lo.get("definition")) if isinstance(lo, dict) else c.lang_text(lo)
        if text and c.placeholder(text):
            d.note(f"learning outcome {c.one_line(text)[:40]!r} is a template placeholder; not used")
        elif text and text.strip():
            texts.append(c.one_line(text))
    if texts:
        d.set("learning_outcomes", texts, "specifiedBy.learningOutcome[].title")
        return
    summary = note_text(spec.get("learningOutcomeSummary"))
    if summary and c.placeholder(summary):
        d.note(f"learningOutcomeSummary is a template placeholder ({c.placeholder(summary)}); not used")
    elif summary:
        d.set("learning_outcomes", summary, "specifiedBy.learningOutcomeSummary")
        d.note("learning outcomes taken from learningOutcomeSummary (split into single outcomes); check them")


def _workload(d: c.Draft, ach: dict, spec: dict) -> None:
    credits = [(x, "hasClaim.creditReceived") for x in c.as_list(ach.get("creditReceived")) if isinstance(x, dict)]
    credits += [(x, "specifiedBy.creditPoint") for x in c.as_list(spec.get("creditPoint")) if isinstance(x, dict)]
    hours = c.duration_hours(spec.get("volumeOfLearning"))

    def scheme_of(cp: dict) -> str:
        fw = cp.get("framework")
        label = concept_label(fw) or (fw.get("id") if isinstance(fw, dict) else fw)
        return label if isinstance(label, str) else ""

    if credits:
        credits.sort(key=lambda pair: c.credit_scheme(scheme_of(pair[0])) != "ects")  # ECTS first
        cp, element = credits[0]
        workload = c.workload_from_credit(d, cp.get("point"), scheme_of(cp), element)
        d.set("workload", workload, f"{element}.point")
        for other, el in credits[1:]:
            d.note(f"also {el}: {other.get('point')} {scheme_of(other)} (not used)")
        if hours and workload:
            d.note(f"volumeOfLearning {spec.get('volumeOfLearning')} ({hours:g} hours) is also given")
        if workload:
            return
    if hours:
        d.set("workload", {"value": hours, "unit": "hours"}, "specifiedBy.volumeOfLearning")
        d.note(f"workload taken from volumeOfLearning {spec.get('volumeOfLearning')} as {hours:g} hours of learning")
    elif spec.get("volumeOfLearning"):
        d.set("workload", {"text": f"volume of learning {spec['volumeOfLearning']}"}, "specifiedBy.volumeOfLearning")
        d.note(f"volumeOfLearning {spec['volumeOfLearning']!r} is calendar time, not hours; kept as text")


def _assessment(d: c.Draft, ach: dict) -> None:
    assessment = _first_dict(ach.get("provenBy"))
    if not assessment:
        return
    aspec = _first_dict(assessment.get("specifiedBy")) or {}
    title = c.lang_text(assessment.get("title")) or c.lang_text(aspec.get("title"))
    kind = concept_label(_first_dict(aspec.get("dcType")))
    mode_label = concept_label(_first_dict(aspec.get("mode")))
    details = [x for x in (kind, mode_label) if x and (not title or x.lower() not in title.lower())]
    text = title or kind
    if text:
        if details and title:
            text = f"{title} ({'; '.join(details)})"
        d.set("type_of_assessment", c.one_line(text), "provenBy.specifiedBy")
    grade = note_text(assessment.get("grade"))
    d.set("grade", c.one_line(grade), "provenBy.grade")
    verification = concept_label(_first_dict(assessment.get("idVerification")))
    if verification:
        supervision, identity = c.supervision_and_identity(verification, c.participation(mode_label))
        d.set("supervision", supervision, "provenBy.idVerification")
        d.set("identity_verification", identity, "provenBy.idVerification")
        if supervision is None or identity is None:
            d.note(f"idVerification {verification!r} read only in part: "
                   f"supervision={supervision or 'left empty'}, identity verification={identity or 'left empty'}")


def _quality(d: c.Draft, spec: dict, body: dict | None) -> None:
    for acc_src, qa_type, element in ((spec.get("accreditation"), "external", "specifiedBy.accreditation"),
                                      (spec.get("hasAccreditation"), "external", "specifiedBy.hasAccreditation"),
                                      ((body or {}).get("accreditation"), "accredited_provider",
                                       "awardedBy.awardingBody.accreditation")):
        acc = _first_dict(acc_src)
        if not acc:
            continue
        parts = [c.lang_text(acc.get("title")), concept_label(_first_dict(acc.get("dcType")))]
        agent = org_name(_first_dict(acc.get("accreditingAgent")))
        if agent:
            parts.append(f"accredited by {agent}")
        if acc.get("expiryDate"):
            parts.append(f"valid until {str(acc['expiryDate'])[:10]}")
        description = "; ".join(p for p in parts if p) or None
        d.set("quality_assurance", {"type": qa_type, "description": description}, element)
        d.note(f"quality assurance read from {element} as {qa_type!r}")
        return


def read_bytes(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    return read(load_json(data, source, limits), source, limits)


__all__ = ["read", "read_bytes", "looks_like_elm", "FORMAT"]
