"""Explanations: text, Markdown and HTML say the same things, rendered from the Assessment.

Uses the deterministic bag-of-words encoder (no model): what is tested is what the renderers
print, not how well outcomes match.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from recognition_engine import Engine, __version__
from recognition_engine.assessment import Assessor
from recognition_engine.explain import (OUTCOME_LABEL, RENDERERS, VERDICT_LABEL, Decision, LetterContext, Precedent, to_html,
                                        to_markdown, to_text)
from recognition_engine.loaders import credentials_from_data
from recognition_engine.rules import RULES, Outcome

AS_OF = dt.date(2026, 11, 1)
SCRIPT = "<script>alert('x')</script>"


def essential(catalogue, course_id: str) -> list[str]:
    return [lo.text for lo in catalogue.course(course_id).learning_outcomes if lo.essential]


def _credential(catalogue, course_id: str, n_outcomes: int, **overrides):
    course = catalogue.course(course_id)
    data = {
        "id": "mc-explain", "learner": {"name": "Test Learner", "identifier": "T-1"},
        "title": f"Operating Systems {SCRIPT}", "country": "NL", "awarding_body": "Test University",
        "date_of_issue": "2025-06-30",
        "learning_outcomes": essential(catalogue, course_id)[:n_outcomes],
        "workload": {"value": course.ects, "unit": "ects"}, "level": {"framework": "EQF", "value": 6},
        "type_of_assessment": "Written examination", "form_of_participation": "onsite",
        "quality_assurance": {"type": "external", "description": "NVAO"}, "supervision": "onsite",
        "identity_verification": "onsite", "language": "en", "field_of_education": "0613",
    }
    data.update(overrides)
    return credentials_from_data(data, "test")[0]


@pytest.fixture
def assessor(sample_catalogue, bow_encoder, test_profiles, tmp_path):
    engine = Engine(sample_catalogue, encoder=bow_encoder, cache_path=tmp_path / "cache.sqlite", profiles=test_profiles)
    return Assessor(engine)


@pytest.fixture
def full(assessor, sample_catalogue):
    a = assessor.assess(_credential(sample_catalogue, "CS204", 6), "CS204", AS_OF)
    assert a.outcome is Outcome.full
    return a


@pytest.fixture
def partial(assessor, sample_catalogue):
    # Three of CS201's six essential outcomes, 2 tín chỉ at VQF 6 (an assumed mapping).
    cred = _credential(sample_catalogue, "CS201", 3, title="Data structures (short module)",
                       workload={"value": 2, "unit": "tin_chi"}, level={"framework": "VQF", "value": 6})
    a = assessor.assess(cred, "CS201", AS_OF)
    assert a.outcome is Outcome.partial
    return a


def _as(fmt: str, text: str) -> str:
    """A string as the renderer prints it: HTML escapes, Markdown escapes pipes in table cells."""
    return html.escape(text) if fmt == "html" else text


@pytest.fixture(params=sorted(RENDERERS))
def fmt(request):
    return request.param


def test_renderers_are_the_three_formats():
    assert RENDERERS == {"text": to_text, "markdown": to_markdown, "html": to_html}


def test_purpose_and_outcome_are_stated(fmt, full, partial):
    for a in (full, partial):
        out = RENDERERS[fmt](a)
        p = a.purpose
        assert _as(fmt, f"Credit for course {p.course_id} {p.course_title} ({p.course_ects:g} ECTS, EQF {p.course_eqf_level})") in out
        assert "as requested" in out and _as(fmt, "BSC-CS") in out
        assert _as(fmt, OUTCOME_LABEL[a.outcome]) in out
        assert _as(fmt, a.recommendation.summary) in out
        assert str(a.as_of) in out


def test_each_finding_gives_label_verdict_reason_and_reference(fmt, full, partial):
    for a in (full, partial):
        out = RENDERERS[fmt](a)
        assert len(a.findings) == len(RULES)
        for f in a.findings:
            assert _as(fmt, f"{f.label}: {VERDICT_LABEL[f.verdict]}") in out
            assert _as(fmt, f.reason) in out
            assert _as(fmt, f"Reference: {f.reference}") in out


def test_outcome_pairs_are_listed_with_their_probability(fmt, partial):
    out = RENDERERS[fmt](partial)
    pairs = partial.finding("learning_outcomes").evidence["pairs"]
    assert any(not p["covered"] for p in pairs) and any(p["covered"] for p in pairs)
    for p in pairs:
        assert _as(fmt, p["local"]) in out
        assert _as(fmt, p["incoming"]) in out
        assert f"{p['probability']:.2f}" in out
    assert "probability it is covered" in out and "covered" in out


def test_level_and_workload_conversions_are_shown(fmt, partial):
    out = RENDERERS[fmt](partial)
    level = partial.finding("level").evidence
    assert level["mapping"] == "assumed"
    assert _as(fmt, f"VQF 6 maps to EQF 6 (assumed mapping; {level['mapping_source']}); the course is at EQF 6") in out
    workload = partial.finding("workload").evidence
    assert "tín chỉ" in workload["conversion"]
    assert _as(fmt, f"incoming workload in ECTS: {workload['conversion']} [hours per ECTS credit = 25–30] (workload conversion ({workload['source']}))") in out


def test_policy_parameters_are_shown(fmt, partial):
    out = RENDERERS[fmt](partial)
    assert "tolerance: 0.2" in out and "partial min share: 0.5" in out


def test_anything_short_of_full_gives_reasons_and_the_appeal_route(fmt, partial):
    out = RENDERERS[fmt](partial)
    r = partial.recommendation
    assert r.appeal is not None
    assert "How to appeal" in out
    assert _as(fmt, r.appeal.route) in out
    assert f"Deadline: {r.appeal.deadline_days} days" in out
    assert _as(fmt, f"Reference: {r.appeal.reference}") in out
    assert r.reasons and all(_as(fmt, reason) in out for reason in r.reasons)
    assert _as(fmt, "Outcomes recognised: " + "; ".join(r.recognised_outcomes)) in out


def test_full_recognition_has_no_appeal_section(fmt, full):
    out = RENDERERS[fmt](full)
    assert full.recommendation.appeal is None and "How to appeal" not in out
    assert "Substantial difference:" not in out


def test_versions_are_recorded(fmt, full):
    out = RENDERERS[fmt](full)
    v = full.versions
    assert v.engine == __version__ and v.model == "test/bag-of-words"
    assert f"engine {__version__}; model test/bag-of-words" in out
    assert f"digest {v.policy_digest}" in out and v.policy_id in out and v.policy_version in out
    assert f"digest {v.reference_data_digest}" in out and v.reference_data_version in out


def test_other_courses_are_listed_with_their_score_only(fmt, partial):
    out = RENDERERS[fmt](partial)
    section = out[out.index("Other courses considered"):]
    others = [c for c in partial.candidates if c.course_id != partial.purpose.course_id]
    assert others
    for c in others:
        assert c.course_id in section and f"{c.score:.2f} ({c.score_name})" in section
    assert partial.purpose.course_id not in section.split("How to appeal")[0]
    assert "outcome" not in section.split("How to appeal")[0].lower()  # never an outcome, as if recommended


def test_conditions_and_what_to_ask_for_are_listed(fmt, assessor, sample_catalogue):
    conditional = assessor.assess(_credential(sample_catalogue, "CS204", 6, type_of_assessment="none"), "CS204", AS_OF)
    assert conditional.outcome is Outcome.conditional
    out = RENDERERS[fmt](conditional)
    assert all(_as(fmt, f"Condition: {c}") in out for c in conditional.recommendation.conditions)

    missing = assessor.assess(_credential(sample_catalogue, "CS204", 6, level=None, workload=None), "CS204", AS_OF)
    assert missing.outcome is Outcome.insufficient_information
    out = RENDERERS[fmt](missing)
    assert missing.recommendation.ask_for
    assert all(_as(fmt, f"Please send us: {x}") in out for x in missing.recommendation.ask_for)
    # once per element, even though completeness and the level and workload checks all miss them
    assert len(missing.recommendation.ask_for) == 2


def test_html_escapes_credential_text(full, assessor, sample_catalogue):
    cred = _credential(sample_catalogue, "CS204", 6, awarding_body=f"Evil {SCRIPT} Academy",
                       learning_outcomes=[*essential(sample_catalogue, "CS204"),
                                          f"Run {SCRIPT} in the browser & escape <b>tags</b>."])
    for a in (full, assessor.assess(cred, "CS204", AS_OF)):
        out = to_html(a)
        assert "<script>" not in out and "</script>" not in out and "<b>" not in out
        assert html.escape(SCRIPT) in out
        assert out.startswith("<!doctype html>") and out.rstrip().endswith("</html>")


def test_markdown_escapes_pipes_in_table_cells(assessor, sample_catalogue):
    outcomes = essential(sample_catalogue, "CS204")
    outcomes[-1] = outcomes[-1].replace(" and ", " | ")
    out = to_markdown(assessor.assess(_credential(sample_catalogue, "CS204", 6, learning_outcomes=outcomes), "CS204", AS_OF))
    header = next(line for line in out.splitlines() if line.startswith("| course outcome"))
    row = next(line for line in out.splitlines() if "\\|" in line)
    assert outcomes[-1].replace("|", "\\|") in row
    assert row.replace("\\|", "").count(" | ") == header.count(" | ")


def test_the_three_formats_say_the_same_things(partial):
    text, md, page = to_text(partial), to_markdown(partial), to_html(partial)
    r = partial.recommendation
    for s in (r.summary, *r.reasons, partial.versions.policy_digest):
        assert s in text and s in md and html.escape(s) in page


DECISION = Decision(outcome=Outcome.partial, reason="Three of six outcomes are shown; the rest need the course.",
                    decided_at=dt.date(2026, 11, 3), decided_by="M. de Vries", credits=2.5, course_id="CS201")
LETTER = LetterContext(
    decision=DECISION, office_contact="Recognition Office, Universiteit van Voorbeeld, recognition@voorbeeld.example",
    precedents=(Precedent(outcome=Outcome.partial, decided_at=dt.date(2026, 2, 1), reason="Same module, same gaps.",
                          course_id="CS201", credits=2.5),))


def test_the_letter_gives_the_officers_decision_precedents_appeal_deadline_and_office(fmt, partial):
    out = RENDERERS[fmt](partial, LETTER)
    assert "Decision: Partial recognition" in out and "Decided on 2026-11-03 by M. de Vries" in out
    assert _as(fmt, DECISION.reason) in out and "2.5 ECTS" in out
    assert "Deadline: 2026-12-15 (42 days from the decision of 2026-11-03)" in out  # 42 days after the decision
    assert _as(fmt, LETTER.office_contact) in out
    assert "Earlier decisions on the same credential" in out and _as(fmt, "Same module, same gaps.") in out
    assert RENDERERS[fmt](partial).count("has not decided yet") == 1


def test_an_officer_below_a_recommended_full_gets_the_appeal_route(fmt, full):
    refused = Decision(outcome=Outcome.refused, reason="Fraudulent certificate.", decided_at=dt.date(2026, 11, 5), decided_by="A. B.")
    assert "How to appeal" not in RENDERERS[fmt](full, LetterContext(decision=refused))  # no route known: none invented
    out = RENDERERS[fmt](full, LetterContext(decision=refused, appeal=full_policy_appeal()))
    assert "How to appeal" in out and "Deadline: 2026-12-17" in out


def full_policy_appeal():
    from recognition_engine.policy import load_policy

    return load_policy().header.appeal


INTERNAL = re.compile(r"\b[a-z]+_[a-z_]+\b|\bNone\b|\bTrue\b|\bFalse\b|[{}]|\bverdicts\b|Verdict\.|Outcome\.")


def test_nothing_internal_shows(partial, assessor, sample_catalogue):
    conditional = assessor.assess(_credential(sample_catalogue, "CS204", 6, type_of_assessment="Automated quizzes",
                                              supervision="none", identity_verification="none"), "CS204", AS_OF)
    missing = assessor.assess(_credential(sample_catalogue, "CS204", 6, level=None, workload=None), "CS204", AS_OF)
    for a in (partial, conditional, missing):
        text = to_text(a, LETTER).replace("policy_default.yaml", "")  # the policy file's name, in the versions
        assert not INTERNAL.findall(text), INTERNAL.findall(text)


def test_dated_policy_values_are_recorded_in_the_versions(sample_catalogue, bow_encoder, test_profiles, tmp_path):
    from recognition_engine.policy import load_policy

    engine = Engine(sample_catalogue, encoder=bow_encoder, cache_path=tmp_path / "cache.sqlite", profiles=test_profiles)
    dated = {"checks": {"workload": {"tolerance": {"values": {"2026-01-01": 0.2, "2027-01-01": 0.1}}}}}
    a = Assessor(engine, load_policy(dated)).assess(_credential(sample_catalogue, "CS204", 6), "CS204", AS_OF)
    assert [(x.key, x.value) for x in a.versions.policy_in_force] == [("checks.workload.tolerance", 0.2)]
    assert a.finding("workload").params["tolerance"] == 0.2
    assert "workload tolerance 0.2 (in force from 2026-01-01)" in to_text(a)


def test_the_letter_in_another_language_keeps_every_figure_and_name(partial):
    """The engine's sentences are messages: a catalogue translates their templates and the
    parameters (course ids, outcomes, figures) come through unchanged. Stored as JSON and read
    back, an assessment still has them."""
    from recognition_engine.assessment import Assessment
    from recognition_engine.explain import document

    def gettext(template: str) -> str:  # a "language" that marks every sentence
        return "«" + template + "»"

    stored = Assessment.model_validate_json(partial.model_dump_json())
    english, other = document(stored), document(stored, gettext=gettext)
    assert [s.heading for s in english.sections] == [s.heading for s in document(partial).sections]
    summary = next(s for s in other.sections if s.kind == "decision").paragraphs[0]
    rec = partial.recommendation
    assert summary == "«" + rec.messages["summary"].id % {k: v for k, v in rec.messages["summary"].params.items()} + "»"
    assert f"{rec.credits:g}" in summary and partial.purpose.course_id in summary
    lo = next(s for s in other.sections if s.table and len(s.table[0]) == 4)  # the outcome pairs' finding
    assert lo.paragraphs[0].startswith("«") and all(m.rstrip(".") in lo.paragraphs[0] for m in partial.finding("learning_outcomes").evidence["missing"])
    assert "%(" not in to_text(partial) and "«" not in to_text(partial)  # English, as before
