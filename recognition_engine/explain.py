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
from .policy import Appeal
from .rules import Finding, Outcome, Verdict
from .trace import Step
from .workload import WorkloadError

VERDICT_LABEL = {
    Verdict.meets: "meets",
    Verdict.minor_difference: "minor difference",
    Verdict.substantial_difference: "SUBSTANTIAL DIFFERENCE",
    Verdict.insufficient_information: "insufficient information",
}
OUTCOME_LABEL = {
    Outcome.full: "Full recognition",
    Outcome.partial: "Partial recognition",
    Outcome.alternative: "Alternative recognition",
    Outcome.conditional: "Conditional recognition",
    Outcome.refused: "Recognition refused",
    Outcome.insufficient_information: "Insufficient information",
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


ZONE_WORDS = {"covered": "yes", "to_confirm": "to confirm", "not_covered": "no"}
PARAMETER_WORDS = {"verdicts": "verdict for each type"}


def _plain_key(key: str) -> str:
    key = key.removeprefix("checks.")
    return PARAMETER_WORDS.get(key, key.replace(".", " ").replace("_", " "))


def _plain_value(value: Any) -> str | None:
    """A parameter value in words; None for values too large to be worth printing (pattern lists)."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (int, str)):
        return str(value).replace("_", " ")
    if isinstance(value, dict) and all(isinstance(v, (int, float, str)) for v in value.values()):
        return ", ".join(f"{_plain_key(str(k))} {_plain_value(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list) and all(isinstance(v, (int, float, str)) for v in value):
        return ", ".join(_plain_value(v) or "" for v in value) or "none"
    return None


def _parameters(params: dict[str, Any]) -> str | None:
    shown = [(k, _plain_value(v)) for k, v in params.items()]
    shown = [f"{_plain_key(k)}: {v}" for k, v in shown if v is not None]
    return "Policy parameters: " + "; ".join(shown) if shown else None


def _step(s: Step | dict) -> str:
    s = s if isinstance(s, Step) else Step.model_validate(s)
    params = "; ".join(f"{_plain_key(k)} = {_plain_value(v)}" for k, v in s.parameters.items())
    return f"{s.quantity}: {s.working}" + (f" [{params}]" if params else "") + f" ({s.rule})"


def _finding_section(f: Finding) -> Section:
    kind = "substantial" if f.verdict is Verdict.substantial_difference else "finding"
    section = Section(f"{f.label}: {VERDICT_LABEL[f.verdict]}", [f.reason], kind=kind)
    ev = f.evidence
    if f.check == "learning_outcomes" and ev.get("pairs"):
        rows = [[p["local"] + ("" if p["essential"] else " (optional)"), p["incoming"],
                 f"{p.get('probability', p['similarity']):.2f}", ZONE_WORDS.get(p.get("zone"), "yes" if p["covered"] else "no")]
                for p in ev["pairs"]]
        section.table = (["course outcome", "closest outcome of the credential", "probability it is covered", "covered"], rows)
    elif f.check == "level" and "incoming_eqf" in ev:
        section.bullets.append(f"{ev['incoming']} maps to EQF {ev['incoming_eqf']} ({ev['mapping']} mapping; {ev['mapping_source']}); the course is at EQF {ev['course_eqf']}")
    elif f.check == "workload" and "conversion" in ev and not ev.get("steps"):
        section.bullets.append(f"Conversion: {ev['conversion']} (source: {ev['source']})")
    elif f.check == "cognitive_depth" and ev.get("flagged"):
        section.bullets += [f"{x['local']}: {x['local_level']} ('{x['local_verb']}'), met at {x['incoming_level']} ('{x['incoming_verb']}')"
                            for x in ev["flagged"]]
    # The working and parameters of the findings that made a difference (a finding that meets
    # states its numbers in its reason; its full working stays in the assessment's data).
    if f.verdict is not Verdict.meets:
        section.bullets += [f"Working: {_step(s)}" for s in ev.get("steps", [])]
    if f.check == "assessment" and ev.get("combination"):
        section.bullets.append(f"Why: {ev['combination']['reference']}")
    params = _parameters(f.params) if f.verdict is not Verdict.meets else None
    if params:
        section.bullets.append(params)
    section.bullets.append(f"Reference: {f.reference}")
    return section


def _appeal_section(a: Assessment, letter: LetterContext) -> Section | None:
    appeal = a.recommendation.appeal
    decision = letter.decision
    if decision is not None and decision.outcome is Outcome.full:
        return None
    appeal = appeal or (letter.appeal if decision is not None else None)
    if appeal is None:
        return None
    section = Section("How to appeal", [appeal.route], kind="appeal")
    if decision is not None:
        deadline = decision.decided_at + dt.timedelta(days=appeal.deadline_days)
        section.paragraphs.append(f"Deadline: {deadline.isoformat()} ({appeal.deadline_days} days from the decision of {decision.decided_at.isoformat()}).")
    else:
        section.paragraphs.append(f"Deadline: {appeal.deadline_days} days from the date of the decision.")
    if letter.office_contact:
        section.paragraphs.append(f"Write to: {letter.office_contact}")
    section.paragraphs.append(f"Reference: {appeal.reference}")
    return section


def _decision_section(a: Assessment, d: Decision | None) -> Section:
    r = a.recommendation
    if d is None:
        section = Section(f"Recommendation: {OUTCOME_LABEL[a.outcome]}", [r.summary], kind="decision")
        section.paragraphs.append("This is the engine's recommendation; a recognition officer has not decided yet.")
        return section
    section = Section(f"Decision: {OUTCOME_LABEL[d.outcome]}", kind="decision")
    course = d.course_id or (a.purpose.course_id if a.purpose else "")
    credits = f", {d.credits:g} ECTS" if d.credits is not None else ""
    section.paragraphs.append(f"Decided on {d.decided_at.isoformat()} by {d.decided_by}: {OUTCOME_LABEL[d.outcome].lower()}"
                              + (f" for course {course}" if course else "") + f"{credits}.")
    section.paragraphs.append(f"Reason: {d.reason}")
    section.bullets += [f"Condition: {c}" for c in d.conditions]
    if d.outcome is not a.outcome:
        section.paragraphs.append(f"This differs from the engine's recommendation ({OUTCOME_LABEL[a.outcome].lower()}).")
    return section


def document(a: Assessment, letter: LetterContext | None = None) -> Document:
    letter = letter or LetterContext()
    c, r = a.credential, a.recommendation
    sections = []
    purpose = Section("What was assessed")
    if a.purpose:
        p = a.purpose
        how = "as requested" if p.requested else "chosen by the engine as the best candidate"
        purpose.paragraphs.append(
            f"Credit for course {p.course_id} {p.course_title} ({p.course_ects:g} ECTS"
            + (f", EQF {p.course_eqf_level}" if p.course_eqf_level else "") + ")"
            + (f" in {', '.join(p.programmes)}" if p.programmes else "") + f", {how}."
        )
    else:
        purpose.paragraphs.append("No course could be assessed.")
    issuer = ", ".join(x for x in (c.awarding_body, c.country) if x)
    learner = c.learner.name if c.learner and c.learner.name else None
    purpose.paragraphs.append(f"Credential: {c.title or '(no title)'}" + (f", issued by {issuer}" if issuer else "")
                              + (f" on {c.date_of_issue}" if c.date_of_issue else "") + (f", to {learner}" if learner else "")
                              + f". Assessed as of {a.as_of}.")
    if a.stacked_from:
        purpose.paragraphs.append(f"Assessed together (stacked): {', '.join(a.stacked_from)}.")
    purpose.bullets += [f"Import note: {n}" for n in a.notes]
    purpose.bullets += [f"Not a learning outcome, left out of the comparison: \u201c{x.text}\u201d ({x.reason})" for x in a.set_aside]
    sections.append(purpose)

    sections.append(_decision_section(a, letter.decision))
    why = Section("Why", kind="decision")
    if letter.decision is not None:
        why.paragraphs.append(f"The engine's recommendation: {r.summary}")
    if r.reasons:
        why.bullets += [f"Substantial difference: {x}" for x in r.reasons]
    if a.outcome is Outcome.partial and r.recognised_outcomes:
        why.bullets.append("Outcomes recognised: " + "; ".join(r.recognised_outcomes))
    why.bullets += [f"Condition: {x}" for x in r.conditions]
    why.bullets += [f"Please send us: {x}" for x in r.ask_for]
    why.bullets += [f"Not assessed: {x}" for x in r.not_assessed]
    if why.paragraphs or why.bullets:
        sections.append(why)

    if r.working:
        sections.append(Section("How the credits were computed", bullets=[_step(s) for s in r.working], kind="finding"))

    for part in a.parts:
        part_section = Section(f"Part {part.credential_id}: {part.title or ''}".rstrip(": "), [part.reason], kind="finding")
        part_section.bullets += [f"{f.label}: {VERDICT_LABEL[f.verdict]}: {f.reason}" for f in part.findings]
        sections.append(part_section)

    sections += [_finding_section(f) for f in a.findings]

    chosen = next((x for x in a.candidates if a.purpose and x.course_id == a.purpose.course_id), None)
    if chosen is not None and chosen.contributions:
        ranked = sorted(chosen.contributions.items(), key=lambda kv: -abs(kv[1]))
        sections.append(Section(
            "Why this course matched", [f"Each element's weight for or against {chosen.course_id} (the model's log-odds; "
                                        f"together they give the score {chosen.score:.2f})."],
            table=(["element", "weight"], [[FEATURE_LABELS.get(k, k), f"{v:+.2f}"] for k, v in ranked]), kind="small"))
    others = [x for x in a.candidates if not a.purpose or x.course_id != a.purpose.course_id]
    if others:
        rows = [[x.course_id, x.title, f"{x.ects:g}", f"{x.score:.2f} ({x.score_name})"] for x in others]
        sections.append(Section("Other courses considered", ["How closely each other course matches the credential (higher is closer)."],
                                table=(["course", "title", "ECTS", "score"], rows), kind="small"))
    if letter.precedents:
        rows = [[p.decided_at.isoformat(), OUTCOME_LABEL[p.outcome], p.course_id or "", f"{p.credits:g}" if p.credits is not None else "", p.reason]
                for p in letter.precedents]
        sections.append(Section("Earlier decisions on the same credential", table=(["date", "decision", "course", "ECTS", "reason"], rows),
                                kind="small"))
    appeal = _appeal_section(a, letter)
    if appeal is not None:
        sections.append(appeal)
    v = a.versions
    in_force = [f"{_plain_key(x.key)} {_plain_value(x.value)} (in force from {x.valid_from})" for x in v.policy_in_force]
    sections.append(Section("Versions", bullets=[
        f"engine {v.engine}; model {v.model or 'none'}" + (f" (calibration trained {v.calibration})" if v.calibration else ""),
        f"policy {v.policy_id} {v.policy_version} ({' + '.join(v.policy_sources)}, digest {v.policy_digest})"
        + (f", in force from {v.policy_valid_from}" if v.policy_valid_from else ""),
        *([f"dated policy values applied: {'; '.join(in_force)}"] if in_force else []),
        f"reference data {v.reference_data_version} (digest {v.reference_data_digest})",
    ], kind="small"))
    title = f"Recognition of {c.title or c.id} ({c.id})"
    return Document(title, sections)


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
