"""EMREX ELMO XML transcripts of records (https://github.com/emrex-eu/elmo-schemas, 1.x and 2.0),
alone or embedded in EWP Transcript of Records responses (`read_tors`).

One MicroCredential per learning opportunity specification (degree programme, module, course;
classes only when they stand alone) whose instance was passed. ELMO has no learning-outcomes
element: outcomes come from a linked catalogue when one is given (`outcomes_catalogue`, keyed by
any LOS identifier or URL), otherwise from the plain-text description, and each credential says
which; a description that is a template placeholder is not taken as outcomes, and a degree
programme's diploma supplement gives the programme's learning outcomes (its section 4.2). The
grade is kept with its scheme and the reference group's distribution (`grading`), for grade
conversion. The mapping is documented in docs/field-mappings.md.
"""

from __future__ import annotations

import html
import re
from typing import Any, Mapping, Sequence
from xml.etree.ElementTree import Element

from ..errors import InputError, Problem
from . import _common as c
from . import _xml as x
from .result import ImportResult
from .safety import DEFAULT_LIMITS, Limits, local_name, parse_xml

FORMAT = "elmo"
LABEL = "ELMO transcript"
CANNOT_CARRY = ("learning_outcomes", "type_of_assessment", "form_of_participation", "quality_assurance", "supervision",
                "identity_verification", "prerequisites", "integration")
OutcomesCatalogue = Mapping[str, "Sequence[str] | str"]
TOR_ROOT = "imobility-tors-get-response"
# Elements only ELMO 2.0 has (1.x has bday, no results of recognition, no external grading schemes).
_V2_ONLY = ("dateOfBirth", "resultOfRecognition", "gradingSchemeExternalId", "alternativeName", "placeOfBirth")


def read(root: Element, source: str, limits: Limits = DEFAULT_LIMITS,
         outcomes_catalogue: OutcomesCatalogue | None = None) -> ImportResult:
    name = local_name(root.tag)
    if name != "elmo":
        raise InputError([Problem(source, "", f"<{name}>",
                                  f"the root element is <{name}>; an EMREX ELMO transcript starts with <elmo>")])
    reader = _Reader(source, outcomes_catalogue or {})
    reader.elmo(root, "elmo")
    return reader.result(FORMAT)


def read_tors(root: Element, source: str, limits: Limits = DEFAULT_LIMITS,
              outcomes_catalogue: OutcomesCatalogue | None = None) -> ImportResult:
    """The credentials of every transcript in an EWP Transcript of Records response."""
    name = local_name(root.tag)
    if name != TOR_ROOT:
        raise InputError([Problem(source, "", f"<{name}>", f"the root element is <{name}>; an EWP transcript of "
                                  f"records response starts with <{TOR_ROOT}>")])
    tors = x.children(root, "tor")
    if not tors:
        raise InputError([Problem(source, TOR_ROOT, "tor", "required element is missing: the response holds no <tor>")])
    reader = _Reader(source, outcomes_catalogue or {})
    for i, tor in enumerate(tors, start=1):
        reader.tor(tor, f"{TOR_ROOT}/tor[{i}]")
    return reader.result("ewp-tor")


def read_tor(tor: Element, where: str, source: str, limits: Limits = DEFAULT_LIMITS,
             outcomes_catalogue: OutcomesCatalogue | None = None) -> ImportResult:
    """The credentials of one <tor> of an EWP Transcript of Records response (with its mobility
    id and grade conversion table), for callers that pair each transcript on its own."""
    reader = _Reader(source, outcomes_catalogue or {})
    reader.tor(tor, where)
    return reader.result("ewp-tor")


def _grade_tables(el: Element | None) -> dict[str, list[dict]]:
    """An EWP ToR gradeConversionTable: per ISCED code, the percentage of students per grade."""
    tables: dict[str, list[dict]] = {}
    for table in x.children(el, "iscedTable"):
        rows = []
        for f in x.children(table, "gradeFrequency"):
            try:
                rows.append({"grade": str(f.get("label") or "").strip(), "share": float(str(f.get("percentage")))})
            except ValueError:
                continue
        tables[str(table.get("iscedCode") or "").strip()] = rows
    return tables


def _learner(el: Element | None) -> dict | None:
    if el is None:
        return None
    name = " ".join(p for p in (x.child_text(el, "givenNames"), x.child_text(el, "familyName")) if p) or None
    ids = {str(i.get("type") or ""): x.text(i) for i in x.children(el, "identifier") if x.text(i)}
    identifier = ids.get("nationalIdentifier") or next(iter(ids.values()), None)
    return {"name": name, "identifier": identifier} if (name or identifier) else None


def _strip_html(value: str) -> str:
    value = re.sub(r"(?i)<\s*(br|/p|/li)\s*/?>", "\n", value)
    return html.unescape(re.sub(r"<[^>]+>", " ", value))


class _Reader:
    def __init__(self, source: str, catalogue: OutcomesCatalogue):
        self.source = source
        self.learner: dict | None = None
        self.catalogue = {str(k).strip(): v for k, v in catalogue.items()}
        self.drafts: list[c.Draft] = []
        self.problems: list[Problem] = []
        self.file_notes: list[str] = []
        self.omobility: str | None = None
        self.tables: dict[str, list[dict]] = {}

    def elmo(self, root: Element, where: str) -> None:
        learner_el = x.child(root, "learner")
        if learner_el is None:
            self.problems.append(Problem(self.source, where, "learner",
                                         "required element is missing: the transcript names no learner"))
        reports = x.children(root, "report")
        if not reports:
            self.problems.append(Problem(self.source, where, "report",
                                         "required element is missing: a transcript has at least one report"))
        if learner_el is None or not reports:
            return
        version = "2.0" if any(isinstance(el.tag, str) and local_name(el.tag) in _V2_ONLY for el in root.iter()) else "1.x"
        self.file_notes.append(f"{where}: EMREX ELMO {version}, {len(reports)} report(s)")
        self.learner = _learner(learner_el)
        for r, report in enumerate(reports, start=1):
            self.report(report, f"{where}/report[{r}]")
            recognitions = x.children(report, "resultOfRecognition")
            if recognitions:
                self.file_notes.append(f"{where}/report[{r}]: {len(recognitions)} earlier result(s) of recognition "
                                       "(ELMO 2.0 resultOfRecognition) not imported: they are decisions, not achievements")
        for a, _ in enumerate(x.children(root, "attachment"), start=1):
            self.file_notes.append(f"{where}/attachment[{a}]: an attachment (e.g. a PDF) is not read")

    def tor(self, tor: Element, where: str) -> None:
        elmo_el = x.child(tor, "elmo")
        if elmo_el is None:
            self.problems.append(Problem(self.source, where, "elmo", "required element is missing: no ELMO document"))
            return
        self.omobility = x.child_text(tor, "omobility-id")
        self.tables = _grade_tables(x.child(tor, "gradeConversionTable"))
        self.elmo(elmo_el, f"{where}/elmo")

    def result(self, fmt: str) -> ImportResult:
        problems = list(self.problems)
        items = c.build_items(self.drafts, LABEL, CANNOT_CARRY, problems) if not problems else []
        if problems:
            raise InputError(problems)
        return ImportResult(format=fmt, source=self.source, items=tuple(items), notes=tuple(self.file_notes))

    def report(self, report: Element, where: str) -> None:
        issuer = x.child(report, "issuer")
        if issuer is None:
            self.file_notes.append(f"{where}: no issuer; awarding body and country are left empty")
        self.issuer = {
            "name": x.lang_pick(x.children(issuer, "title")),
            "country": x.child_text(issuer, "country"),
            "ids": [(str(i.get("type") or ""), x.text(i)) for i in x.children(issuer, "identifier") if x.text(i)],
        }
        self.issue_date = x.child_text(report, "issueDate")
        self.grading = {str(g.get("localId")): x.lang_pick(x.children(g, "description"))
                        for g in x.children(report, "gradingScheme")}
        specs = x.children(report, "learningOpportunitySpecification")
        if not specs:
            self.file_notes.append(f"{where}: the report lists no learning opportunity")
        for i, los in enumerate(specs, start=1):
            self.los(los, f"{where}/learningOpportunitySpecification[{i}]", top=True)

    def los(self, los: Element, where: str, top: bool) -> None:
        kind = x.child_text(los, "type")
        loi = x.child(x.child(los, "specifies"), "learningOpportunityInstance")
        status = (x.child_text(loi, "status") or "passed").lower()
        title = x.lang_pick(x.children(los, "title"))
        parts = [x.child(h, "learningOpportunitySpecification") for h in x.children(los, "hasPart")]
        parts = [p for p in parts if p is not None]
        if status != "passed":
            self.file_notes.append(f"{where} ({title or 'untitled'}): status {status!r}, not imported"
                                   + (f" (nor its {len(parts)} part(s))" if parts else ""))
            return
        if top or (kind or "").lower() != "class":
            self.drafts.append(self.credential(los, loi, where, kind, title, parts))
        for k, part in enumerate(parts, start=1):
            if (x.child_text(part, "type") or "").lower() == "class":
                continue  # classes are parts of a course: their hours are noted on the course
            self.los(part, f"{where}/hasPart[{k}]/learningOpportunitySpecification", top=False)

    def credential(self, los: Element, loi: Element | None, where: str, kind: str | None, title: str | None,
                   parts: list[Element]) -> c.Draft:
        d = c.Draft(self.source, where)
        for i in x.children(los, "identifier"):
            d.identify(str(i.get("type") or "id"), x.text(i))
        los_ids = {scheme: value for scheme, value in reversed(d.identifiers)}  # the first of each type
        for i in x.children(loi, "identifier"):
            scheme = str(i.get("type") or "id")
            d.identify(scheme if scheme.startswith("ewp-") else f"loi-{scheme}", x.text(i))
        url = x.child_text(los, "url")
        d.identify("url", url)
        for scheme, value in self.issuer["ids"]:
            d.identify(f"issuer-{scheme}", value)
        d.identify("ewp-omobility-id", self.omobility)
        ident = los_ids.get("local") or los_ids.get("elmo") or los_ids.get("ewp-los-id") or where
        d.set("id", ident, "identifier")
        d.set("learner", self.learner, "elmo/learner")
        if not title:
            d.problem("title", "required element is missing: every learning opportunity has a title")
        d.set("title", c.one_line(title), "title")
        d.set("awarding_body", self.issuer["name"], "report/issuer/title")
        country = self.issuer["country"]
        if country and not c.country_code(country):
            d.note(f"issuer country {country!r} is not an ISO 3166-1 code; left empty")
        d.set("country", c.country_code(country), "report/issuer/country")
        if self.issue_date:
            d.set("date_of_issue", c.parse_date(d, self.issue_date, "report/issueDate"), "report/issueDate")
        if kind:
            d.note(f"ELMO type: {kind}" + (f", with {len(parts)} part(s)" if parts else ""))
        if loi is None:
            d.note("no learningOpportunityInstance: no result, credits or level are given")
        self._credits(d, loi)
        self._level(d, loi)
        self._result(d, loi)
        lang = x.child_text(loi, "languageOfInstruction")
        if lang:
            d.set("language", c.language_code(lang), "languageOfInstruction")
            if not c.language_code(lang):
                d.note(f"languageOfInstruction {lang!r} is not an ISO 639-1 code; left empty")
        d.set("field_of_education", x.child_text(los, "iscedCode"), "iscedCode")
        area = (x.child_text(los, "subjectArea") or "").strip()
        if area and not d.has("field_of_education"):
            if c.is_known_isced(area):  # Erasmus+ subject areas are ISCED-F 2013 codes
                d.set("field_of_education", area, "subjectArea")
                d.note(f"field of education read from subjectArea {area} (an ISCED-F code; there is no iscedCode)")
            else:
                d.note(f"subjectArea {area!r} is not an ISCED-F code (an older Erasmus subject area?); "
                       "field of education left empty")
        self._hours(d, loi, parts)
        self._grading(d, loi, x.child_text(los, "iscedCode") or area)
        self._outcomes(d, los, loi)
        return d

    def _credits(self, d: c.Draft, loi: Element | None) -> None:
        credits = x.children(loi, "credit")
        if not credits:
            return
        credits.sort(key=lambda el: c.credit_scheme(x.child_text(el, "scheme") or "") != "ects")
        first = credits[0]
        scheme = x.child_text(first, "scheme")
        d.set("workload", c.workload_from_credit(d, x.child_text(first, "value"), scheme, "credit"), "credit/value")
        for other in credits[1:]:
            d.note(f"also credit: {x.child_text(other, 'value')} {x.child_text(other, 'scheme')} (not used)")

    def _level(self, d: c.Draft, loi: Element | None) -> None:
        for level in x.children(loi, "level"):
            ltype = (x.child_text(level, "type") or "").strip()
            value = x.child_text(level, "value")
            if ltype.upper().replace(" ", "") in ("EQF", "EQF-LEVEL", "EQFLEVEL") and value:
                digits = re.findall(r"\b[1-8]\b", value)
                if not d.has("level") and len(digits) == 1:
                    d.set("level", {"framework": "EQF", "value": digits[0]}, "level[type=EQF]/value")
                    if digits[0] != value.strip():
                        d.note(f"EQF level read as {digits[0]} from {value!r}")
                elif not d.has("level"):
                    d.note(f"EQF level {value!r} is not one level from 1 to 8; level left empty")
            elif value:
                desc = x.child_text(level, "description")
                d.note(f"level {ltype or '?'} {value}" + (f" ({desc})" if desc else "") +
                       " not used: only EQF levels are read from ELMO")
        if not d.has("level"):
            for credit in x.children(loi, "credit"):
                degree = (x.child_text(credit, "level") or "").strip()
                cycle = c.QF_EHEA_BY_DEGREE.get(degree.lower())
                if cycle:
                    d.set("level", {"framework": "QF-EHEA", "value": cycle}, "credit/level")
                    d.note(f"level read from credit/level {degree!r} (a deprecated ELMO element) as QF-EHEA {cycle}")
                    break

    def _result(self, d: c.Draft, loi: Element | None) -> None:
        label = x.child_text(loi, "resultLabel")
        if not label:
            return
        scheme_id = x.child_text(loi, "gradingSchemeLocalId")
        scheme = self.grading.get(str(scheme_id)) if scheme_id else None
        d.set("grade", f"{label} ({scheme})" if scheme else label, "resultLabel")

    def _hours(self, d: c.Draft, loi: Element | None, parts: list[Element]) -> None:
        own = c.number(d, x.child_text(loi, "engagementHours"), "engagementHours")
        class_hours = []
        for part in parts:
            if (x.child_text(part, "type") or "").lower() != "class":
                continue
            ploi = x.child(x.child(part, "specifies"), "learningOpportunityInstance")
            h = c.number(d, x.child_text(ploi, "engagementHours"), "hasPart/.../engagementHours")
            if h:
                class_hours.append((x.lang_pick(x.children(part, "title")) or "class", h))
        if own:
            d.note(f"engagementHours {own:g}: hours of attendance, not total workload; not used as the workload")
        if class_hours:
            total = sum(h for _, h in class_hours)
            listed = ", ".join(f"{t} {h:g} h" for t, h in class_hours)
            d.note(f"classes: {listed} (total {total:g} hours of attendance, not used as the workload)")

    def _grading(self, d: c.Draft, loi: Element | None, isced: str | None) -> None:
        label = x.child_text(loi, "resultLabel")
        if not label:
            return
        scheme_id = x.child_text(loi, "gradingSchemeLocalId")
        scheme = (self.grading.get(str(scheme_id)) if scheme_id else None) or x.child_text(loi, "gradingSchemeExternalId")
        grading: dict = {"grade": label, "scheme": scheme or scheme_id, "source": "learningOpportunityInstance/resultLabel"}
        short = x.child(loi, "shortenedGrading")
        if short is not None:
            higher = c.number(d, x.child_text(short, "percentageHigher"), "shortenedGrading/percentageHigher")
            equal = c.number(d, x.child_text(short, "percentageEqual"), "shortenedGrading/percentageEqual")
            if higher is not None and equal is not None:
                grading.update(percent_better=higher, percent_equal=equal)
        table = self.tables.get(str(isced or "").strip())
        categories = x.children(x.child(loi, "resultDistribution"), "category")
        if table:
            grading.update(distribution=table, distribution_ordered=True,
                           distribution_source=f"EWP gradeConversionTable, ISCED {isced}")
        elif categories:
            shares = []
            for cat in categories:
                count = c.number(d, cat.get("count"), "resultDistribution/category/@count")
                if count is not None:
                    shares.append({"grade": str(cat.get("label") or "").strip(), "share": count})
            grading.update(distribution=shares, distribution_source="ELMO resultDistribution")
        d.set("grading", grading, "resultLabel")

    def _outcomes(self, d: c.Draft, los: Element, loi: Element | None) -> None:
        for _, value in d.identifiers:
            if value in self.catalogue:
                d.set("learning_outcomes", _outcomes_value(self.catalogue[value]), "linked catalogue")
                d.note(f"learning outcomes taken from the linked catalogue (entry {value!r}); "
                       "ELMO has no learning-outcomes element")
                return
        description = x.lang_pick(x.children(los, "description"))
        origin = "description"
        if not description:
            html_desc = x.lang_pick(x.children(los, "descriptionHtml"))
            description = _strip_html(html_desc).strip() if html_desc else None
            origin = "descriptionHtml"
        placeholder = c.placeholder(description)
        if placeholder:
            d.note(f"the {origin} is a template placeholder ({placeholder}), not learning outcomes; not used")
            description = None
        supplement = x.child(loi, "diplomaSupplement")
        if supplement is not None:
            section = _ds_section(supplement, "4.2")
            numbers = [s.get("number") for s in supplement.iter() if isinstance(s.tag, str)
                       and local_name(s.tag) == "section" and s.get("number")]
            if section and not description:
                d.set("learning_outcomes", section, "diplomaSupplement/section[4.2]")
                d.note("learning outcomes taken from the diploma supplement, section 4.2 (programme learning "
                       "outcomes); check them")
                return
            d.note(f"a diploma supplement is attached (sections {', '.join(numbers) or 'without numbers'}); only "
                   "section 4.2 (learning outcomes) is read" + ("" if section else ", and it has none"))
        if description:
            d.set("learning_outcomes", description, origin)
            d.note(f"learning outcomes taken from the {origin} (split into statements); ELMO has no "
                   "learning-outcomes element, so check them against the course catalogue")
        else:
            d.note("no learning outcomes: ELMO has no learning-outcomes element and this record has no "
                   "usable description; link a course catalogue or ask the issuer")


def _ds_section(supplement: Element, number: str) -> str | None:
    """The text of the diploma supplement section with this number (e.g. 4.2), HTML stripped."""
    for el in supplement.iter():
        if isinstance(el.tag, str) and local_name(el.tag) == "section" and el.get("number") == number:
            text = x.lang_pick(x.children(el, "content")) or x.text(el)
            text = _strip_html(text).strip() if text else None
            if text and not c.placeholder(text):
                return text
    return None


def _outcomes_value(value: Any) -> Any:
    if isinstance(value, str):
        return value
    return [str(v) for v in value if str(v).strip()]


def read_bytes(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS,
               outcomes_catalogue: OutcomesCatalogue | None = None) -> ImportResult:
    return read(parse_xml(data, source, limits), source, limits, outcomes_catalogue)
