"""The decision letter, rendered from an Assessment as plain text, Markdown and HTML, and the
ranked candidates for a credential (`ranking_text`, for `recognise rank` and `demo`).

The content is built once as a small document model (`Document`: sections of paragraphs,
bullets and tables, all plain strings); each format only decides how to print it, so the
three never say different things, and a web template can render the same model. The
letter speaks to the learner: plain words, no internal names, the officer's decision when
there is one, the appeal route with its deadline date and the office to write to.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from typing import Any

from .assessment import Assessment
from .credential import MicroCredential
from .matching import FEATURE_LABELS, Candidate
from .messages import N_, Gettext, Say
from .policy import Appeal
from .rules import Finding, Outcome, Verdict
from .trace import Step
from .workload import WorkloadError

VERDICT_LABEL = {
    Verdict.meets: N_("meets"),
    Verdict.minor_difference: N_("minor difference"),
    Verdict.substantial_difference: N_("SUBSTANTIAL DIFFERENCE"),
    Verdict.insufficient_information: N_("insufficient information"),
}
OUTCOME_LABEL = {
    Outcome.full: N_("Full recognition"),
    Outcome.partial: N_("Partial recognition"),
    Outcome.alternative: N_("Alternative recognition"),
    Outcome.conditional: N_("Conditional recognition"),
    Outcome.refused: N_("Recognition refused"),
    Outcome.insufficient_information: N_("Insufficient information"),
}


@dataclass(frozen=True)
class Decision:
    """An officer's decision as the letter reports it (the latest one counts)."""

    outcome: Outcome
    reason: str
    decided_at: dt.date
    decided_by: str
    credits: float | None = None
    course_id: str | None = None
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Precedent:
    """An earlier decision on the same credential (same awarding body, title and outcomes)."""

    outcome: Outcome
    decided_at: dt.date
    reason: str
    course_id: str | None = None
    credits: float | None = None


@dataclass(frozen=True)
class LetterContext:
    """What the letter needs beyond the assessment: the decision, precedents, the office."""

    decision: Decision | None = None
    precedents: tuple[Precedent, ...] = ()
    office_contact: str | None = None
    appeal: Appeal | None = None  # the policy's appeal route, for a decision below a recommended full recognition


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: tuple[list[str], list[list[str]]] | None = None
    kind: str = ""  # what the section is (decision, finding, substantial, appeal, small), for styling


@dataclass
class Document:
    title: str
    sections: list[Section]


ZONE_WORDS = {"covered": N_("yes"), "to_confirm": N_("to confirm"), "not_covered": N_("no")}
PARAMETER_WORDS = {"verdicts": N_("verdict for each type")}


def _plain_key(key: str, _: Say) -> str:
    """A policy parameter's name in words (the default policy's names are in the catalogue)."""
    key = key.removeprefix("checks.")
    return _(PARAMETER_WORDS.get(key, key.replace(".", " ").replace("_", " ")))


def _plain_value(value: Any, _: Say) -> str | None:
    """A parameter value in words; None for values too large to be worth printing (pattern lists)."""
    if value is None:
        return _("not set")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _(value.replace("_", " "))
    if isinstance(value, dict) and all(isinstance(v, (int, float, str)) for v in value.values()):
        return ", ".join(f"{_plain_key(str(k), _)} {_plain_value(v, _)}" for k, v in value.items()) or _("none")
    if isinstance(value, list) and all(isinstance(v, (int, float, str)) for v in value):
        return ", ".join(_plain_value(v, _) or "" for v in value) or _("none")
    return None


def _parameters(params: dict[str, Any], _: Say) -> str | None:
    shown = [(k, _plain_value(v, _)) for k, v in params.items()]
    shown = [f"{_plain_key(k, _)}: {v}" for k, v in shown if v is not None]
    return "; ".join(shown) if shown else None


def _step(s: Step | dict, _: Say) -> str:
    s = s if isinstance(s, Step) else Step.model_validate(s)
    params = "; ".join(f"{_plain_key(k, _)} = {_plain_value(v, _)}" for k, v in s.parameters.items())
    return (f"{_.text(s, 'quantity')}: {_.text(s, 'working')}" + (f" [{params}]" if params else "")
            + f" ({_.text(s, 'rule')})")


def _finding_section(f: Finding, _: Say) -> Section:
    kind = "substantial" if f.verdict is Verdict.substantial_difference else "finding"
    section = Section(_("%(check)s: %(verdict)s", check=_(f.label), verdict=_(VERDICT_LABEL[f.verdict])), [_.text(f, "reason")],
                      kind=kind)
    ev = f.evidence
    if f.check == "learning_outcomes" and ev.get("pairs"):
        rows = [[p["local"] + ("" if p["essential"] else " " + _("(optional)")), p["incoming"],
                 f"{p['probability']:.2f}" if p.get("probability") is not None else "\u2014", _(ZONE_WORDS.get(p.get("zone")) or ("yes" if p["covered"] else "no"))]
                for p in ev["pairs"]]
        section.table = ([_("course outcome"), _("closest outcome of the credential"), _("probability it is covered"), _("covered")],
                         rows)
    elif f.check == "level" and "incoming_eqf" in ev:
        section.bullets.append(_("%(incoming)s maps to EQF %(eqf)s (%(mapping)s mapping; %(source)s); the course is at EQF %(course)s",
                                 incoming=ev["incoming"], eqf=ev["incoming_eqf"], mapping=_(ev["mapping"]),
                                 source=ev["mapping_source"], course=ev["course_eqf"]))
    elif f.check == "workload" and "conversion" in ev and not ev.get("steps"):
        section.bullets.append(_("Conversion: %(conversion)s (source: %(source)s)", conversion=ev["conversion"], source=ev["source"]))
    elif f.check == "cognitive_depth" and ev.get("flagged"):
        section.bullets += [_("%(outcome)s: %(level)s ('%(verb)s'), met at %(met)s ('%(met_verb)s')", outcome=x["local"],
                              level=_(x["local_level"]), verb=x["local_verb"], met=_(x["incoming_level"]), met_verb=x["incoming_verb"])
                            for x in ev["flagged"]]
    # The working and parameters of the findings that made a difference (a finding that meets
    # states its numbers in its reason; its full working stays in the assessment's data).
    if f.verdict is not Verdict.meets:
        section.bullets += [_("Working: %(step)s", step=_step(s, _)) for s in ev.get("steps", [])]
    if f.check == "assessment" and ev.get("combination"):
        section.bullets.append(_("Why: %(reference)s", reference=ev["combination"]["reference"]))
    params = _parameters(f.params, _) if f.verdict is not Verdict.meets else None
    if params:
        section.bullets.append(_("Policy parameters: %(parameters)s", parameters=params))
    section.bullets.append(_("Reference: %(reference)s", reference=f.reference))
    return section


def _appeal_section(a: Assessment, letter: LetterContext, _: Say) -> Section | None:
    appeal = a.recommendation.appeal
    decision = letter.decision
    if decision is not None and decision.outcome is Outcome.full:
        return None
    appeal = appeal or (letter.appeal if decision is not None else None)
    if appeal is None:
        return None
    section = Section(_("How to appeal"), [_(appeal.route)], kind="appeal")  # the default route is in the catalogue
    if decision is not None:
        deadline = decision.decided_at + dt.timedelta(days=appeal.deadline_days)
        section.paragraphs.append(_("Deadline: %(deadline)s (%(days)d days from the decision of %(decided)s).",
                                    deadline=deadline.isoformat(), days=appeal.deadline_days, decided=decision.decided_at.isoformat()))
    else:
        section.paragraphs.append(_("Deadline: %(days)d days from the date of the decision.", days=appeal.deadline_days))
    if letter.office_contact:
        section.paragraphs.append(_("Write to: %(office)s", office=letter.office_contact))
    section.paragraphs.append(_("Reference: %(reference)s", reference=appeal.reference))
    return section


def _decision_section(a: Assessment, d: Decision | None, _: Say) -> Section:
    r = a.recommendation
    if d is None:
        section = Section(_("Recommendation: %(outcome)s", outcome=_(OUTCOME_LABEL[a.outcome])), [_.text(r, "summary")],
                          kind="decision")
        section.paragraphs.append(_("This is the engine's recommendation; a recognition officer has not decided yet."))
        return section
    section = Section(_("Decision: %(outcome)s", outcome=_(OUTCOME_LABEL[d.outcome])), kind="decision")
    course = d.course_id or (a.purpose.course_id if a.purpose else "")
    decided = dict(date=d.decided_at.isoformat(), officer=d.decided_by, outcome=_(OUTCOME_LABEL[d.outcome]).lower())
    if course and d.credits is not None:
        line = _("Decided on %(date)s by %(officer)s: %(outcome)s for course %(course)s, %(credits)g ECTS.", course=course,
                 credits=d.credits, **decided)
    elif course:
        line = _("Decided on %(date)s by %(officer)s: %(outcome)s for course %(course)s.", course=course, **decided)
    elif d.credits is not None:
        line = _("Decided on %(date)s by %(officer)s: %(outcome)s, %(credits)g ECTS.", credits=d.credits, **decided)
    else:
        line = _("Decided on %(date)s by %(officer)s: %(outcome)s.", **decided)
    section.paragraphs.append(line)
    section.paragraphs.append(_("Reason: %(reason)s", reason=d.reason))
    section.bullets += [_("Condition: %(condition)s", condition=c) for c in d.conditions]
    if d.outcome is not a.outcome:
        section.paragraphs.append(_("This differs from the engine's recommendation (%(outcome)s).",
                                    outcome=_(OUTCOME_LABEL[a.outcome]).lower()))
    return section


def _purpose_section(a: Assessment, _: Say) -> Section:
    c = a.credential
    purpose = Section(_("What was assessed"))
    if a.purpose:
        p = a.purpose
        course = dict(course=p.course_id, title=p.course_title, ects=p.course_ects,
                      how=_("as requested") if p.requested else _("chosen by the engine as the best candidate"))
        if p.course_eqf_level:
            course["ects"] = _("%(ects)g ECTS, EQF %(eqf)d", ects=p.course_ects, eqf=p.course_eqf_level)
        else:
            course["ects"] = _("%(ects)g ECTS", ects=p.course_ects)
        if p.programmes:
            purpose.paragraphs.append(_("Credit for course %(course)s %(title)s (%(ects)s) in %(programmes)s, %(how)s.",
                                        programmes=", ".join(p.programmes), **course))
        else:
            purpose.paragraphs.append(_("Credit for course %(course)s %(title)s (%(ects)s), %(how)s.", **course))
    else:
        purpose.paragraphs.append(_("No course could be assessed."))
    issuer = ", ".join(x for x in (c.awarding_body, c.country) if x)
    learner = c.learner.name if c.learner and c.learner.name else None
    said = [_("Credential: %(title)s", title=c.title or _("(no title)"))]
    if issuer:
        said.append(_(", issued by %(issuer)s", issuer=issuer))
    if c.date_of_issue:
        said.append(_(" on %(date)s", date=c.date_of_issue.isoformat()))
    if learner:
        said.append(_(", to %(learner)s", learner=learner))
    purpose.paragraphs.append(_("%(credential)s. Assessed as of %(as_of)s.", credential="".join(said), as_of=a.as_of.isoformat()))
    if a.stacked_from:
        purpose.paragraphs.append(_("Assessed together (stacked): %(parts)s.", parts=", ".join(a.stacked_from)))
    purpose.bullets += [_("Import note: %(note)s", note=n) for n in a.notes]
    purpose.bullets += [_("Not a learning outcome, left out of the comparison: \u201c%(text)s\u201d (%(reason)s)", text=x.text,
                          reason=x.reason) for x in a.set_aside]
    return purpose


def document(a: Assessment, letter: LetterContext | None = None, gettext: Gettext | None = None) -> Document:
    """The letter's content, in the language of `gettext` (English without one): the engine's
    own sentences are messages, translated with the same catalogue as the headings."""
    _ = Say(gettext)
    letter = letter or LetterContext()
    c, r = a.credential, a.recommendation
    sections = [_purpose_section(a, _), _decision_section(a, letter.decision, _)]
    why = Section(_("Why"), kind="decision")
    if letter.decision is not None:
        why.paragraphs.append(_("The engine's recommendation: %(summary)s", summary=_.text(r, "summary")))
    why.bullets += [_("Substantial difference: %(reason)s", reason=x) for x in _.text(r, "reasons")]
    if a.outcome is Outcome.partial and r.recognised_outcomes:
        why.bullets.append(_("Outcomes recognised: %(outcomes)s", outcomes=r.recognised_outcomes))
    why.bullets += [_("Condition: %(condition)s", condition=x) for x in _.text(r, "conditions")]
    why.bullets += [_("Please send us: %(item)s", item=x) for x in _.text(r, "ask_for")]
    why.bullets += [_("Not assessed: %(reason)s", reason=x) for x in _.text(r, "not_assessed")]
    if why.paragraphs or why.bullets:
        sections.append(why)

    if r.working:
        sections.append(Section(_("How the credits were computed"), bullets=[_step(s, _) for s in r.working], kind="finding"))

    for part in a.parts:
        heading = (_("Part %(part)s: %(title)s", part=part.credential_id, title=part.title) if part.title
                   else _("Part %(part)s", part=part.credential_id))
        part_section = Section(heading, [_.text(part, "reason")], kind="finding")
        part_section.bullets += [_("%(check)s: %(verdict)s: %(reason)s", check=_(f.label), verdict=_(VERDICT_LABEL[f.verdict]),
                                   reason=_.text(f, "reason")) for f in part.findings]
        sections.append(part_section)

    sections += [_finding_section(f, _) for f in a.findings]

    chosen = next((x for x in a.candidates if a.purpose and x.course_id == a.purpose.course_id), None)
    if chosen is not None and chosen.contributions:
        ranked = sorted(((k, v) for k, v in chosen.contributions.items() if round(v, 2) != 0), key=lambda kv: -abs(kv[1]))
        sections.append(Section(
            _("Why this course matched"),
            [_("Each element's weight for or against %(course)s (the model's log-odds; together they give the score %(score).2f).",
               course=chosen.course_id, score=chosen.score)],
            table=([_("element"), _("weight")], [[_(FEATURE_LABELS.get(k, k)), f"{v:+.2f}"] for k, v in ranked]), kind="small"))
    others = [x for x in a.candidates if not a.purpose or x.course_id != a.purpose.course_id]
    if others:
        rows = [[x.course_id, x.title, f"{x.ects:g}", f"{x.score:.2f} ({_(x.score_name)})"] for x in others]
        sections.append(Section(_("Other courses considered"), [_("How closely each other course matches the credential (higher is "
                                                                  "closer).")],
                                table=([_("course"), _("title"), "ECTS", _("score")], rows), kind="small"))
    if letter.precedents:
        rows = [[p.decided_at.isoformat(), _(OUTCOME_LABEL[p.outcome]), p.course_id or "", f"{p.credits:g}" if p.credits is not None else "",
                 p.reason] for p in letter.precedents]
        sections.append(Section(_("Earlier decisions on the same credential"),
                                table=([_("date"), _("decision"), _("course"), "ECTS", _("reason")], rows), kind="small"))
    appeal = _appeal_section(a, letter, _)
    if appeal is not None:
        sections.append(appeal)
    sections.append(_versions_section(a, _))
    return Document(_("Recognition of %(credential)s (%(id)s)", credential=c.title or c.id, id=c.id), sections)


def _versions_section(a: Assessment, _: Say) -> Section:
    v = a.versions
    in_force = [_("%(key)s %(value)s (in force from %(date)s)", key=_plain_key(x.key, _), value=_plain_value(x.value, _),
                  date=x.valid_from.isoformat()) for x in v.policy_in_force]
    engine = _("engine %(engine)s; model %(model)s", engine=v.engine, model=v.model or _("none"))
    if v.calibration:
        engine = _("%(engine)s (calibration trained %(date)s)", engine=engine, date=v.calibration)
    policy = _("policy %(id)s %(version)s (%(sources)s, digest %(digest)s)", id=v.policy_id, version=v.policy_version,
               sources=" + ".join(v.policy_sources), digest=v.policy_digest)
    if v.policy_valid_from:
        policy = _("%(policy)s, in force from %(date)s", policy=policy, date=v.policy_valid_from.isoformat())
    return Section(_("Versions"), bullets=[
        engine, policy,
        *([_("dated policy values applied: %(values)s", values="; ".join(in_force))] if in_force else []),
        _("reference data %(version)s (digest %(digest)s)", version=v.reference_data_version, digest=v.reference_data_digest),
    ], kind="small")


def ranking_document(credential: MicroCredential, candidates: list[Candidate]) -> Document:
    """The ranked candidate courses for a credential, each with its outcome pairs (`recognise rank`)."""
    about = Section("Credential")
    issuer = ", ".join(x for x in (credential.awarding_body, credential.country) if x)
    about.bullets.append(f"issued by {issuer or '(awarding body missing)'}; language {credential.language or 'not stated'}")
    if credential.level is not None:
        m = credential.level.to_eqf()
        about.bullets.append(f"level {credential.level} -> EQF {m.eqf_level} ({m.provenance} mapping; {m.source})")
    if credential.workload is not None:
        try:
            ects = credential.workload.to_ects()
            about.bullets.append(f"workload {ects} ECTS ({ects.conversion}; source: {ects.source})")
        except WorkloadError as exc:
            about.bullets.append(f"workload not convertible: {exc}")
    if missing := credential.missing_elements():
        about.bullets.append(f"missing Annex I elements: {', '.join(missing)}")
    sections = [about]
    if not candidates:
        sections.append(Section("Candidates", ["No learning outcomes to match: nothing to rank."]))
    elif not candidates[0].clear:
        sections.append(Section("No clear match", ["No course of the catalogue is clearly what this credential is about: "
                                                   "the officer names the course it should count for."]))
    for rank, c in enumerate(candidates, start=1):
        f = c.features
        rows = [[m.zone.replace("_", " "), f"{m.probability:.2f}", f"{m.similarity:.2f}",
                 m.local_outcome + ("" if m.essential else " (optional)"), m.incoming_outcome] for m in c.matches]
        sections.append(Section(
            f"{rank}. {c.course_id} {c.title} ({c.ects:g} ECTS)",
            [f"Score {c.score:.3f}; essential outcomes covered {f['covered_share']:.0%}; "
             f"incoming outcomes used {f['incoming_share']:.0%}."],
            table=(["zone", "P(covers)", "cosine", "local outcome", "best incoming outcome"], rows) if rows else None))
    return Document(f"{credential.id}: {credential.title or '(no title)'}", sections)


def ranking_text(credential: MicroCredential, candidates: list[Candidate]) -> str:
    return _text(ranking_document(credential, candidates))


def to_text(a: Assessment, letter: LetterContext | None = None) -> str:
    return _text(document(a, letter))


def _text(doc: Document) -> str:
    out = [doc.title, "=" * len(doc.title)]
    for s in doc.sections:
        out += ["", s.heading, "-" * len(s.heading), *s.paragraphs, *(f"  - {b}" for b in s.bullets)]
        if s.table:
            header, rows = s.table
            out += ["  " + " | ".join(header)] + ["  " + " | ".join(row) for row in rows]
    return "\n".join(out) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(a: Assessment, letter: LetterContext | None = None) -> str:
    doc = document(a, letter)
    out = [f"# {doc.title}"]
    for s in doc.sections:
        out += ["", f"## {s.heading}", ""]
        out += [f"{p}\n" for p in s.paragraphs]
        out += [f"- {b}" for b in s.bullets]
        if s.table:
            header, rows = s.table
            out += ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            out += ["| " + " | ".join(_md_cell(x) for x in row) + " |" for row in rows]
    return "\n".join(out).rstrip() + "\n"


# Printable on A4: small type, findings in two columns, nothing breaks inside a section.
STYLE = (
    "@page{size:A4;margin:9mm 11mm}"
    "body{font-family:system-ui,sans-serif;font-size:8.5pt;line-height:1.3;max-width:60rem;margin:1rem auto;color:#111}"
    "h1{font-size:14pt;margin:0 0 .4rem}h2{font-size:10.5pt;margin:.5rem 0 .2rem}p{margin:.15rem 0}"
    "ul{margin:.1rem 0 .1rem 1rem;padding:0}li{margin:0}"
    "table{border-collapse:collapse;width:100%;font-size:8pt}td,th{border:1px solid #ccc;padding:.1rem .3rem;text-align:left;vertical-align:top}"
    "section{margin-bottom:.3rem}.findings section,.decision,.appeal{break-inside:avoid}tr{break-inside:avoid}"
    ".decision{border:2px solid #333;padding:.3rem .5rem}.appeal{border:1px solid #333;padding:.3rem .5rem}"
    ".findings{columns:2;column-gap:1rem}.findings section{font-size:7.5pt}.findings li{color:#444}"
    ".substantial h2{color:#a40000}.small{font-size:8pt;color:#333}"
    "@media print{body{margin:0;max-width:none}}"
)


def _html_section(s: Section) -> str:
    e = html.escape
    body = [f'<section class="{s.kind}"><h2>{e(s.heading)}</h2>']
    body += [f"<p>{e(p)}</p>" for p in s.paragraphs]
    if s.bullets:
        body.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in s.bullets) + "</ul>")
    if s.table:
        header, rows = s.table
        body.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr></thead><tbody>"
                    + "".join("<tr>" + "".join(f"<td>{e(x)}</td>" for x in row) + "</tr>" for row in rows) + "</tbody></table>")
    body.append("</section>")
    return "".join(body)


def to_html(a: Assessment, letter: LetterContext | None = None) -> str:
    doc = document(a, letter)
    e = html.escape
    body, findings = [f"<h1>{e(doc.title)}</h1>"], []
    for s in doc.sections:
        if s.kind in ("finding", "substantial") and not s.table:
            findings.append(_html_section(s))
            continue
        if findings:
            body.append(f'<div class="findings">{"".join(findings)}</div>')
            findings = []
        body.append(_html_section(s))
    if findings:
        body.append(f'<div class="findings">{"".join(findings)}</div>')
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(doc.title)}</title>'
            f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n")


RENDERERS = {"text": to_text, "markdown": to_markdown, "html": to_html}
