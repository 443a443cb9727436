"""Explanations rendered from an Assessment (plain text, Markdown and HTML), and the ranked
candidates for a credential (`ranking_text`, for `recognise rank` and `demo`).

The content is built once as a small document (headings, paragraphs, bullet lists,
tables); each format only decides how to print it, so the three never say different things.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from .assessment import Assessment
from .credential import MicroCredential
from .matching import Candidate
from .rules import Finding, Outcome, Verdict
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


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: tuple[list[str], list[list[str]]] | None = None


def _finding_section(f: Finding) -> Section:
    section = Section(f"{f.label}: {VERDICT_LABEL[f.verdict]}", [f.reason, f"Reference: {f.reference}"])
    ev = f.evidence
    if f.check == "learning_outcomes" and ev.get("pairs"):
        rows = [[p["local"] + ("" if p["essential"] else " (optional)"), p["incoming"], f"{p['similarity']:.2f}",
                 "yes" if p["covered"] else "no"] for p in ev["pairs"]]
        section.table = (["local outcome", "best incoming outcome", "similarity", "covered"], rows)
    elif f.check == "level" and "incoming_eqf" in ev:
        section.bullets.append(f"{ev['incoming']} maps to EQF {ev['incoming_eqf']} ({ev['mapping']} mapping; {ev['mapping_source']}); the course is at EQF {ev['course_eqf']}")
    elif f.check == "workload" and "conversion" in ev:
        section.bullets.append(f"Conversion: {ev['conversion']} (source: {ev['source']})")
    elif f.check == "cognitive_depth" and ev.get("flagged"):
        section.bullets += [f"{x['local']}: {x['local_level']} ('{x['local_verb']}'), met at {x['incoming_level']} ('{x['incoming_verb']}')"
                            for x in ev["flagged"]]
    if f.params:
        section.bullets.append("Policy parameters: " + ", ".join(f"{k} = {v}" for k, v in f.params.items()))
    return section


def document(a: Assessment) -> tuple[str, list[Section]]:
    c, r = a.credential, a.recommendation
    title = f"Recognition assessment: {c.title or c.id} ({c.id})"
    sections = []
    purpose = Section("Purpose")
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
    purpose.paragraphs.append(f"Credential: {c.title or '(no title)'}" + (f", issued by {issuer}" if issuer else "")
                              + (f" on {c.date_of_issue}" if c.date_of_issue else "") + f". Assessed as of {a.as_of}.")
    if a.stacked_from:
        purpose.paragraphs.append(f"Assessed together (stacked): {', '.join(a.stacked_from)}.")
    purpose.bullets += [f"Import note: {n}" for n in a.notes]
    sections.append(purpose)

    outcome = Section(f"Outcome: {OUTCOME_LABEL[a.outcome]}", [r.summary])
    if r.reasons:
        outcome.paragraphs.append("Substantial differences:")
        outcome.bullets += r.reasons
    if a.outcome is Outcome.partial and r.recognised_outcomes:
        outcome.bullets.append("Outcomes recognised: " + "; ".join(r.recognised_outcomes))
    outcome.bullets += [f"Condition: {x}" for x in r.conditions]
    outcome.bullets += [f"Ask the applicant for: {x}" for x in r.ask_for]
    outcome.bullets += [f"Not assessed: {x}" for x in r.not_assessed]
    sections.append(outcome)

    sections += [_finding_section(f) for f in a.findings]

    if r.appeal is not None:
        sections.append(Section("How to appeal", [r.appeal.route, f"Deadline: {r.appeal.deadline_days} days from the date of this decision.",
                                                   f"Reference: {r.appeal.reference}"]))
    if a.candidates:
        rows = [[c.course_id, c.title, f"{c.ects:g}", f"{c.score:.3f} ({c.score_name})", f"{c.covered_share:.0%}",
                 c.outcome.value if c.outcome else ""] for c in a.candidates]
        sections.append(Section("Candidate courses", table=(["course", "title", "ECTS", "score", "essential covered", "outcome"], rows)))
    v = a.versions
    sections.append(Section("Versions", bullets=[
        f"engine {v.engine}; model {v.model or 'none'}" + (f" (calibration trained {v.calibration})" if v.calibration else ""),
        f"policy {v.policy_id} {v.policy_version} ({' + '.join(v.policy_sources)}, digest {v.policy_digest})",
        f"reference data {v.reference_data_version} (digest {v.reference_data_digest})",
    ]))
    return title, sections


def ranking_document(credential: MicroCredential, candidates: list[Candidate]) -> tuple[str, list[Section]]:
    """The ranked candidate courses for a credential, each with its outcome pairs (`recognise rank`)."""
    title = f"{credential.id}: {credential.title or '(no title)'}"
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
    for rank, c in enumerate(candidates, start=1):
        f = c.features
        rows = [["+" if m.covered else "-", f"{m.similarity:.2f}", m.local_outcome + ("" if m.essential else " (optional)"),
                 m.incoming_outcome] for m in c.matches]
        sections.append(Section(
            f"{rank}. {c.course_id} {c.title} ({c.ects:g} ECTS)",
            [f"Score {c.score:.3f}; essential outcomes covered {f['covered_share']:.0%}; "
             f"incoming outcomes used {f['incoming_share']:.0%}."],
            table=(["covered", "similarity", "local outcome", "best incoming outcome"], rows) if rows else None))
    return title, sections


def ranking_text(credential: MicroCredential, candidates: list[Candidate]) -> str:
    return _text(*ranking_document(credential, candidates))


def to_text(a: Assessment) -> str:
    return _text(*document(a))


def _text(title: str, sections: list[Section]) -> str:
    out = [title, "=" * len(title)]
    for s in sections:
        out += ["", s.heading, "-" * len(s.heading), *s.paragraphs, *(f"  - {b}" for b in s.bullets)]
        if s.table:
            header, rows = s.table
            out += ["  " + " | ".join(header)] + ["  " + " | ".join(row) for row in rows]
    return "\n".join(out) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(a: Assessment) -> str:
    title, sections = document(a)
    out = [f"# {title}"]
    for s in sections:
        out += ["", f"## {s.heading}", ""]
        out += [f"{p}\n" for p in s.paragraphs]
        out += [f"- {b}" for b in s.bullets]
        if s.table:
            header, rows = s.table
            out += ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            out += ["| " + " | ".join(_md_cell(x) for x in row) + " |" for row in rows]
    return "\n".join(out).rstrip() + "\n"


def to_html(a: Assessment) -> str:
    title, sections = document(a)
    e = html.escape
    body = [f"<h1>{e(title)}</h1>"]
    for s in sections:
        css = "substantial" if "SUBSTANTIAL" in s.heading else ""
        body.append(f'<section class="{css}"><h2>{e(s.heading)}</h2>')
        body += [f"<p>{e(p)}</p>" for p in s.paragraphs]
        if s.bullets:
            body.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in s.bullets) + "</ul>")
        if s.table:
            header, rows = s.table
            body.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr></thead><tbody>"
                        + "".join("<tr>" + "".join(f"<td>{e(x)}</td>" for x in row) + "</tr>" for row in rows) + "</tbody></table>")
        body.append("</section>")
    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;line-height:1.4}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}"
             ".substantial h2{color:#a40000}")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n")


RENDERERS = {"text": to_text, "markdown": to_markdown, "html": to_html}
