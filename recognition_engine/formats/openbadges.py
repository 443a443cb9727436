"""1EdTech Open Badges 3.0 (OpenBadgeCredential / AchievementCredential) JSON.

An Open Badge describes an achievement, not a micro-credential: several Annex I elements have no
property in Open Badges 3.0 and, when left empty, are reported per credential under `cannot_carry`:
workload (credits have no unit), level (unless an alignment points to an EQF level), type of
assessment (unless result descriptions stand in for it), form of participation, quality
assurance, supervision, identity verification, prerequisites, integration. The mapping is documented in docs/field-mappings.md.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import InputError, Problem
from . import _common as c
from .result import ImportResult
from .safety import DEFAULT_LIMITS, Limits, load_json

FORMAT = "openbadges"
LABEL = "badge"
CANNOT_CARRY = ("workload", "level", "type_of_assessment", "form_of_participation", "quality_assurance",
                "supervision", "identity_verification", "prerequisites", "integration")
_OB_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
# Alignments that point to a credential or a rubric, not to a competency.
_NOT_OUTCOME_TYPES = {"ctdl", "ceterms:credential", "cfrubric", "cfrubriccriterion", "cfrubriccriterionlevel"}
# Open Badges 3.0 AchievementType values that name a Bologna cycle.
_DEGREE_CYCLES = {"BachelorDegree": "first_cycle", "MasterDegree": "second_cycle", "DoctoralDegree": "third_cycle"}


def types_of(obj: Any) -> set[str]:
    if not isinstance(obj, dict):
        return set()
    return {str(t) for t in c.as_list(obj.get("type")) if isinstance(t, str)}


def _contexts(obj: dict) -> list[str]:
    return [x for x in c.as_list(obj.get("@context")) if isinstance(x, str)]


def looks_like_ob3(doc: Any) -> bool:
    if isinstance(doc, list):
        return bool(doc) and looks_like_ob3(doc[0])
    if not isinstance(doc, dict):
        return False
    return bool(types_of(doc) & _OB_TYPES) or any("spec/ob/v3p0" in x for x in _contexts(doc))


def looks_like_ob2(doc: Any) -> bool:
    return isinstance(doc, dict) and any("openbadges/v2" in x or "w3id.org/openbadges" in x for x in _contexts(doc))


def read(doc: Any, source: str, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    if looks_like_ob2(doc) and not looks_like_ob3(doc):
        raise InputError([Problem(source, "", "@context", "this is an Open Badges 2.0 assertion; "
                                  "only Open Badges 3.0 credentials (OpenBadgeCredential) are read")])
    entries = [(f"[{i}]", x) for i, x in enumerate(doc)] if isinstance(doc, list) else [("", doc)]
    problems: list[Problem] = []
    drafts: list[c.Draft] = []
    for path, cred in entries:
        where = path or "credential"
        if not isinstance(cred, dict):
            problems.append(Problem(source, where, "", "expected a JSON object (an OpenBadgeCredential)"))
            continue
        subject = cred.get("credentialSubject")
        if isinstance(subject, list):
            subject = subject[0] if subject else None
        if not isinstance(subject, dict):
            problems.append(Problem(source, where, "credentialSubject",
                                    "required element is missing: a badge names its learner and achievement here"))
            continue
        achievement = subject.get("achievement")
        if not isinstance(achievement, dict):
            problems.append(Problem(source, where, "credentialSubject.achievement",
                                    "required element is missing: the badge does not say what was achieved"))
            continue
        drafts.append(_badge(cred, subject, achievement, source, where))
    items = c.build_items(drafts, LABEL, CANNOT_CARRY, problems)
    if problems:
        raise InputError(problems)
    return ImportResult(format=FORMAT, source=source, items=tuple(items))


def _badge(cred: dict, subject: dict, ach: dict, source: str, where: str) -> c.Draft:
    d = c.Draft(source, where)
    if not (types_of(cred) & _OB_TYPES):
        d.note(f"type is {sorted(types_of(cred)) or 'missing'}; read as an Open Badges 3.0 credential anyway")
    ident = str(cred.get("id") or ach.get("id") or "").strip()
    if not ident:
        ident = f"{source}#badge"
        d.note("the credential has no id; the file name was used")
    d.set("id", ident, "id")
    d.identify("credential-id", cred.get("id"))
    d.identify("achievement-id", ach.get("id"))
    if ach.get("humanCode"):
        d.identify("humanCode", ach.get("humanCode"))

    # learner: AchievementSubject has no name property; IdentityObjects may carry one unhashed
    name = c.lang_text(subject.get("name"))
    identifier = str(subject["id"]) if subject.get("id") else None
    for obj in c.as_list(subject.get("identifier")):
        if not isinstance(obj, dict) or obj.get("hashed") in (True, "true"):
            continue
        kind, value = str(obj.get("identityType") or ""), obj.get("identityHash")
        if kind == "name" and value and not name:
            name = str(value)
        elif value and not identifier:
            identifier = f"{kind}:{value}" if kind else str(value)
    if name or identifier:
        d.set("learner", {"name": name, "identifier": identifier}, "credentialSubject.id/identifier")

    d.set("title", c.one_line(c.lang_text(ach.get("name")) or c.lang_text(cred.get("name"))), "achievement.name")

    issuer = cred.get("issuer")
    if isinstance(issuer, dict):
        d.set("awarding_body", c.lang_text(issuer.get("name")), "issuer.name")
        address = issuer.get("address") if isinstance(issuer.get("address"), dict) else {}
        raw = address.get("addressCountryCode") or address.get("addressCountry")
        country = c.country_code(raw)
        if raw and not country:
            d.note(f"issuer country {raw!r} could not be mapped to an ISO 3166-1 alpha-2 code; left empty")
        d.set("country", country, "issuer.address.addressCountryCode")
    elif isinstance(issuer, str):
        d.note(f"the issuer is given only as a link ({issuer}); awarding body and country left empty")

    for key in ("awardedDate", "validFrom", "issuanceDate"):
        if cred.get(key):
            d.set("date_of_issue", c.parse_date(d, cred[key], key), key)
            if key != "awardedDate":
                d.note(f"date of issue taken from {key}")
            break

    alignments = [a for a in c.as_list(ach.get("alignment")) if isinstance(a, dict)]
    _level_and_field(d, ach, alignments)
    _outcomes(d, cred, ach, alignments)
    _description_and_type(d, ach)
    proofs = c.as_list(cred.get("proof"))
    if proofs:
        kinds = sorted({str(p.get("type") or p.get("cryptosuite") or "?") for p in proofs if isinstance(p, dict)})
        d.note(f"{len(proofs)} proof(s) ({', '.join(kinds)}); the proof was not verified by this importer")
    _workload(d, subject, ach)
    _results(d, subject, ach)
    lang = ach.get("inLanguage") or cred.get("inLanguage")
    if lang:
        code = c.language_code(lang)
        d.set("language", code, "achievement.inLanguage")
        if not code:
            d.note(f"inLanguage {lang!r} could not be mapped to an ISO 639-1 code")
    endorsers = [c.lang_text((e.get("issuer") or {}).get("name")) for e in
                 c.as_list(ach.get("endorsement")) + c.as_list(cred.get("endorsement"))
                 if isinstance(e, dict) and isinstance(e.get("issuer"), dict)]
    endorsers = sorted({e for e in endorsers if e})
    if endorsers:
        d.note(f"endorsed by {', '.join(endorsers)}; an endorsement is not a quality-assurance type, "
               "so quality assurance is left empty")
    return d


def _level_and_field(d: c.Draft, ach: dict, alignments: list[dict]) -> None:
    for a in alignments:
        url, framework = str(a.get("targetUrl") or ""), str(a.get("targetFramework") or "")
        code = str(a.get("targetCode") or "").strip()
        level = c.eqf_from_uri(url)
        if level is None and ("eqf" in framework.lower() or "european qualifications framework" in framework.lower()):
            m = re.search(r"\d+", code or str(a.get("targetName") or ""))
            level = m.group() if m else None
        if level and not d.has("level"):
            d.set("level", {"framework": "EQF", "value": level}, "achievement.alignment (EQF)")
            d.note("level read from an alignment to the EQF")
        isced = c.isced_code(url) if "/isced-f/" in url else (code if "isced" in framework.lower() else None)
        if isced and not d.has("field_of_education"):
            d.set("field_of_education", isced, "achievement.alignment (ISCED-F)")
    study = ach.get("fieldOfStudy")
    if study and not d.has("field_of_education"):
        code = str(study).strip()
        if code.isdigit() and c.is_known_isced(code):
            d.set("field_of_education", code, "achievement.fieldOfStudy")
        else:
            d.note(f"fieldOfStudy {str(study)[:60]!r} is free text, not an ISCED-F code; field of education left empty")


def _is_level_or_field(a: dict) -> bool:
    url, framework = str(a.get("targetUrl") or ""), str(a.get("targetFramework") or "").lower()
    return bool(c.eqf_from_uri(url)) or "/isced-f/" in url or "isced" in framework or "eqf" in framework


def _self_reference(a: dict, cred: dict, ach: dict) -> bool:
    """An alignment that points back at the credential itself (e.g. the degree's own entry in the
    issuer's catalogue): same URL as the credential, achievement or criteria, or the same name."""
    url = str(a.get("targetUrl") or "").strip().rstrip("/")
    own_urls = {str(v).strip().rstrip("/") for v in (cred.get("id"), ach.get("id"),
                (ach.get("criteria") or {}).get("id") if isinstance(ach.get("criteria"), dict) else None) if v}
    if url and url in own_urls:
        return True
    name = c.fold(c.lang_text(a.get("targetName")))
    return bool(name) and name in {c.fold(c.lang_text(ach.get("name"))), c.fold(c.lang_text(cred.get("name")))}


def _alignment_text(a: dict) -> str | None:
    name = c.one_line(c.lang_text(a.get("targetName")))
    desc = c.one_line(c.lang_text(a.get("targetDescription")))
    if name and desc and not c.fold(desc).startswith(c.fold(name)):
        return f"{name}: {desc}"
    return desc or name


def _outcomes(d: c.Draft, cred: dict, ach: dict, alignments: list[dict]) -> None:
    texts: list[str] = []
    for i, a in enumerate(alignments):
        label = c.lang_text(a.get("targetName")) or a.get("targetUrl") or f"alignment[{i}]"
        if _is_level_or_field(a):
            continue
        if str(a.get("targetType") or "").lower() in _NOT_OUTCOME_TYPES:
            d.note(f"alignment {label!r} points to a {a.get('targetType')} (a credential or rubric), "
                   "not a competency: not a learning outcome")
            continue
        if _self_reference(a, cred, ach):
            d.note(f"alignment {label!r} points to this credential itself (its own catalogue entry): "
                   "not a learning outcome")
            continue
        text = _alignment_text(a)
        if c.placeholder(text):
            d.note(f"alignment {label!r} is a template placeholder ({c.placeholder(text)}): not a learning outcome")
            continue
        if text and text not in texts:
            texts.append(text)
    if texts:
        d.set("learning_outcomes", texts, "achievement.alignment[].targetName/targetDescription")
        d.note("learning outcomes taken from the achievement's alignments (targetName and targetDescription of "
               "each aligned competency); Open Badges has no learning-outcome element")
    criteria = ach.get("criteria") if isinstance(ach.get("criteria"), dict) else {}
    narrative = c.one_line(c.lang_text(criteria.get("narrative")))
    if narrative:
        d.note(f"award criteria (criteria.narrative: {narrative[:200]!r}) say what the learner had to do to earn "
               "the badge; they are not learning outcomes and are not used as such")
    if not texts:
        d.note("no learning outcomes: the badge aligns to no competency; ask the issuer for the learning outcomes")


def _description_and_type(d: c.Draft, ach: dict) -> None:
    description = c.one_line(c.lang_text(ach.get("description")))
    if description:
        d.note(f"achievement.description (no Annex I element; not used as learning outcomes): {description[:300]!r}")
    kind = ach.get("achievementType")
    if kind:
        cycle = _DEGREE_CYCLES.get(str(kind))
        if cycle and not d.has("level"):
            d.set("level", {"framework": "QF-EHEA", "value": cycle}, "achievement.achievementType")
            d.note(f"level read from achievementType {kind!r} as QF-EHEA {cycle}")
        else:
            d.note(f"achievementType {kind!r}" + ("" if cycle else " (no level follows from it)"))


def _workload(d: c.Draft, subject: dict, ach: dict) -> None:
    for key, holder, element in (("creditsEarned", subject, "credentialSubject.creditsEarned"),
                                 ("creditsAvailable", ach, "achievement.creditsAvailable")):
        value = holder.get(key)
        if value is None:
            continue
        amount = c.number(d, value, element)
        if amount is None or amount <= 0:
            return
        d.set("workload", {"text": f"{amount:g} credits ({key}; unit not stated)"}, element)
        d.note(f"workload: {key} {amount:g} has no credit system in Open Badges 3.0 (often US credit hours); "
               "kept as text, cannot be converted to ECTS")
        return


def _results(d: c.Draft, subject: dict, ach: dict) -> None:
    descriptions = {str(r.get("id")): r for r in c.as_list(ach.get("resultDescription")) if isinstance(r, dict)}
    if descriptions:
        kinds = []
        for r in descriptions.values():
            name, rtype = c.lang_text(r.get("name")), r.get("resultType")
            label = f"{name} ({rtype})" if name and rtype else name or rtype
            if label and label not in kinds:
                kinds.append(str(label))
        d.set("type_of_assessment", "; ".join(kinds), "achievement.resultDescription")
        d.note("type of assessment described by the results the badge records (resultDescription); "
               "Open Badges has no assessment-type element")
    levels = {str(lv.get("id")): c.lang_text(lv.get("name")) or lv.get("level")
              for r in descriptions.values() for lv in c.as_list(r.get("rubricCriterionLevel")) if isinstance(lv, dict)}
    grades = []
    for res in c.as_list(subject.get("result")):
        if not isinstance(res, dict):
            continue
        desc = descriptions.get(str(res.get("resultDescription")), {})
        value = res.get("value") or levels.get(str(res.get("achievedLevel"))) or res.get("status")
        if value is None:
            continue
        name = c.lang_text(desc.get("name"))
        grades.append(f"{name}: {value}" if name else str(value))
    d.set("grade", "; ".join(dict.fromkeys(grades)) or None, "credentialSubject.result")


def read_bytes(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    return read(load_json(data, source, limits), source, limits)
