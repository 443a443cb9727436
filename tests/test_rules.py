"""Unit tests for the ten checks, the outcome ladder and stacking.

No model: each check gets a hand-built `Context` (a small similarity matrix, the candidate's
outcome matches derived from it), so every verdict boundary can be placed exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from recognition_engine.catalogue import Course
from recognition_engine.credential import ASK, MicroCredential
from recognition_engine.errors import InputError
from recognition_engine.matching import Candidate, OutcomeMatch
from recognition_engine.paths import reference_data_dir
from recognition_engine.recommend import LADDER, ORDER, blocking, ladder
from recognition_engine.reference import default_reference
from recognition_engine.rules import RULES, Context, Finding, Outcome, Verdict
from recognition_engine.stacking import PART_CHECKS, judge_part, stack

REF = default_reference()
AS_OF = dt.date(2026, 11, 1)
DEFAULT_CHECKS = yaml.safe_load((reference_data_dir() / "policy_default.yaml").read_text(encoding="utf-8"))["checks"]
REQUIRED = DEFAULT_CHECKS["completeness"]["required"]

P, A, C = Outcome.partial, Outcome.alternative, Outcome.conditional

COURSE_OUTCOMES = [
    "Design a software architecture with components and interfaces.",
    "Implement linked lists, stacks and queues.",
    "Explain transactions and the ACID properties.",
    "Write SQL queries with joins and grouping.",
    "Compare sorting algorithms by complexity.",
    {"text": "Use Git to share code.", "essential": False},
]


def make_rule(check: str, **overrides):
    """The check with the default policy's parameters, overridden where a test needs it."""
    cls = RULES[check]
    return cls(cls.Params.model_validate({**DEFAULT_CHECKS[check], **overrides}))


def make_course(**overrides) -> Course:
    data = {"id": "CS999", "title": "Test Course", "ects": 5, "level": {"framework": "EQF", "value": 6},
            "isced_f": "0613", "language": "en", "learning_outcomes": COURSE_OUTCOMES}
    return Course.model_validate({**data, **overrides})


def make_credential(**overrides) -> MicroCredential:
    data = {
        "id": "mc-test", "learner": {"name": "A. Learner", "identifier": "L-1"}, "title": "Test credential",
        "country": "NL", "awarding_body": "Test University", "date_of_issue": "2025-06-30",
        "learning_outcomes": ["Outcome one.", "Outcome two.", "Outcome three."],
        "workload": {"value": 5, "unit": "ects"}, "level": {"framework": "EQF", "value": 6},
        "type_of_assessment": "Written examination", "form_of_participation": "onsite",
        "quality_assurance": {"type": "external"}, "supervision": "onsite", "identity_verification": "onsite",
        "language": "en", "field_of_education": "0613",
    }
    data.update(overrides)
    return MicroCredential.model_validate({k: v for k, v in data.items() if v is not None})


def make_context(credential: MicroCredential | None = None, course: Course | None = None,
                 sims: np.ndarray | None = None, threshold: float = 0.5, as_of: dt.date = AS_OF) -> Context:
    """A context whose candidate matches are derived from `sims` (incoming x course outcomes)
    the way the engine derives them: best incoming outcome per local outcome, covered at the threshold."""
    credential = credential or make_credential()
    course = course or make_course()
    m, n = len(credential.learning_outcomes), len(course.learning_outcomes)
    sims = np.zeros((m, n)) if sims is None else np.asarray(sims, dtype=float)
    assert sims.shape == (m, n)
    matches = tuple(
        OutcomeMatch(local_outcome=lo.text, essential=lo.essential,
                     incoming_outcome=credential.outcome_texts[int(sims[:, j].argmax())] if m else "",
                     incoming_index=int(sims[:, j].argmax()) if m else 0,
                     similarity=float(sims[:, j].max()) if m else 0.0,
                     covered=bool(m and sims[:, j].max() >= threshold),
                     probability=float(sims[:, j].max()) if m else 0.0,
                     zone="covered" if m and sims[:, j].max() >= threshold else "not_covered")
        for j, lo in enumerate(course.learning_outcomes)
    )
    candidate = Candidate(course_id=course.id, title=course.title, ects=course.ects, score=0.0, score_name="coverage",
                          features={}, matches=matches)
    return Context(credential=credential, course=course, course_level=course.level.to_eqf(REF) if course.level else None,
                   candidate=candidate, similarities=sims, threshold=threshold, as_of=as_of, reference=REF)


def coverage_sims(covered: list[int], n_incoming: int = 3, n_local: int = 6) -> np.ndarray:
    """Incoming outcome 0 covers the listed local outcomes (0.9); everything else is at 0.1."""
    sims = np.full((n_incoming, n_local), 0.1)
    for j in covered:
        sims[0, j] = 0.9
    return sims


def finding(verdict: Verdict, check: str = "x", element: str = "x", remedies=()) -> Finding:
    return Finding(check=check, label=check, element=element, verdict=verdict, reason="", reference="",
                   remedies=list(remedies))


# ----------------------------------------------------------------------------- completeness

class TestCompleteness:
    def test_all_elements_present_meets(self):
        f = make_rule("completeness").evaluate(make_context())
        assert f.verdict is Verdict.meets and f.evidence["missing"] == []

    def test_missing_element_the_policy_does_not_require_is_minor(self):
        f = make_rule("completeness").evaluate(make_context(make_credential(form_of_participation=None)))
        assert f.verdict is Verdict.minor_difference
        assert "form of participation" in f.reason and f.ask_for == []

    def test_missing_required_elements_are_asked_for_by_name(self):
        cred = make_credential(level=None, workload=None, awarding_body=None)
        f = make_rule("completeness").evaluate(make_context(cred))
        assert f.verdict is Verdict.insufficient_information
        asked = " ".join(f.ask_for)
        for element, words in (("level", "level"), ("workload", "workload"), ("awarding_body", "awarding body")):
            assert words in f.reason and words in asked
        assert "_" not in asked + f.reason  # plain words, no internal names

    def test_learner_without_name_or_identifier_is_missing(self):
        cred = make_credential(learner={})
        assert "learner" in cred.missing_elements()
        f = make_rule("completeness", required=["learner"]).evaluate(make_context(cred))
        assert f.verdict is Verdict.insufficient_information

    def test_unknown_required_element_is_rejected(self):
        with pytest.raises(ValidationError, match="unknown element"):
            make_rule("completeness", required=["shoe_size"])


# ----------------------------------------------------------------------------- level

class TestLevel:
    @pytest.mark.parametrize("value", [6, 7, 8])
    def test_same_or_higher_level_meets(self, value):
        f = make_rule("level").evaluate(make_context(make_credential(level={"framework": "EQF", "value": value})))
        assert f.verdict is Verdict.meets and f.remedies == []

    def test_one_level_below_is_bridgeable_by_an_assessment(self):
        f = make_rule("level").evaluate(make_context(make_credential(level={"framework": "EQF", "value": 5})))
        assert f.verdict is Verdict.substantial_difference
        assert f.remedies == [C]
        assert any("EQF level 6" in b for b in f.bridge)

    def test_two_levels_below_has_no_remedy(self):
        f = make_rule("level").evaluate(make_context(make_credential(level={"framework": "EQF", "value": 4})))
        assert f.verdict is Verdict.substantial_difference and f.remedies == []
        assert "2 level(s) below" in f.reason

    def test_tolerated_levels_below_are_minor(self):
        f = make_rule("level", minor_levels_below=1).evaluate(make_context(make_credential(level={"framework": "EQF", "value": 5})))
        assert f.verdict is Verdict.minor_difference

    def test_assumed_mapping_is_said(self):
        ctx = make_context(make_credential(level={"framework": "VQF", "value": 5}))
        f = make_rule("level").evaluate(ctx)
        assert f.evidence["mapping"] == "assumed" and f.evidence["incoming_eqf"] == 5
        assert "assumed" in f.reason and "check the credential's level with its issuer" in f.reason

    def test_official_mapping_of_a_cycle(self):
        f = make_rule("level").evaluate(make_context(make_credential(level={"framework": "QF-EHEA", "value": "first_cycle"})))
        assert f.verdict is Verdict.meets and f.evidence["mapping"] == "official" and f.evidence["incoming_eqf"] == 6

    def test_below_eqf_1_is_substantial_without_remedy(self):
        f = make_rule("level").evaluate(make_context(make_credential(level={"framework": "NL-NLQF", "value": "entry"})))
        assert f.verdict is Verdict.substantial_difference and f.remedies == []

    def test_missing_level_is_asked_for(self):
        f = make_rule("level").evaluate(make_context(make_credential(level=None)))
        assert f.verdict is Verdict.insufficient_information and any("level" in a for a in f.ask_for)

    def test_course_without_level_is_insufficient(self):
        ctx = make_context(course=make_course(level=None))
        f = make_rule("level").evaluate(ctx)
        assert f.verdict is Verdict.insufficient_information

    def test_minor_above_bridgeable_is_rejected(self):
        with pytest.raises(ValidationError, match="bridgeable_levels_below"):
            make_rule("level", minor_levels_below=2, bridgeable_levels_below=1)


# ----------------------------------------------------------------------------- workload

class TestWorkload:
    def _eval(self, workload, course_ects=5, **params):
        return make_rule("workload", **params).evaluate(
            make_context(make_credential(workload=workload), make_course(ects=course_ects)))

    def test_equal_or_more_meets(self):
        assert self._eval({"value": 5, "unit": "ects"}).verdict is Verdict.meets
        assert self._eval({"value": 10, "unit": "ects"}).verdict is Verdict.meets

    def test_within_tolerance_is_minor(self):
        f = self._eval({"value": 4, "unit": "ects"})
        assert f.verdict is Verdict.minor_difference and f.evidence["share"] == 0.8

    def test_just_below_tolerance_is_substantial_but_partial(self):
        f = self._eval({"value": 3.95, "unit": "ects"})
        assert f.verdict is Verdict.substantial_difference
        assert f.remedies == [P, A, C] and f.bridge

    def test_below_partial_share_only_allows_elective_credit(self):
        f = self._eval({"value": 2, "unit": "ects"})
        assert f.verdict is Verdict.substantial_difference and f.remedies == [A]

    def test_tighter_tolerance_makes_the_same_shortfall_substantial(self):
        assert self._eval({"value": 4, "unit": "ects"}, tolerance=0.1).verdict is Verdict.substantial_difference

    def test_upper_end_of_a_range_counts(self):
        # 3-4 ECTS against 5: the assessor must assume the upper end (burden of proof).
        f = self._eval({"min": 3, "max": 4, "unit": "ects"})
        assert f.verdict is Verdict.minor_difference and f.evidence["incoming_ects"] == [3.0, 4.0]

    def test_conversion_is_shown(self):
        f = self._eval({"value": 2, "unit": "tin_chi"}, course_ects=7.5)
        assert "100 h" in f.reason and f.evidence["conversion"] and f.evidence["source"]
        assert "53%" in f.reason

    def test_missing_workload_is_asked_for(self):
        f = make_rule("workload").evaluate(make_context(make_credential(workload=None)))
        assert f.verdict is Verdict.insufficient_information and f.ask_for

    def test_unreadable_workload_text_is_asked_for_not_scored(self):
        f = self._eval("a few intensive weekends")
        assert f.verdict is Verdict.insufficient_information and f.remedies == []
        assert any("workload" in a for a in f.ask_for)

    def test_every_number_is_traced_with_its_parameter_and_rule(self):
        f = self._eval({"value": 2, "unit": "tin_chi"}, course_ects=7.5)
        conversion, share = f.evidence["steps"]
        assert conversion["value"] == f.evidence["incoming_ects"] and "50 h" in conversion["working"]
        assert share["value"] == f.evidence["share"] and share["parameters"] == {"tolerance": 0.2, "partial_min_share": 0.5}
        assert "÷ 7.5 ECTS" in share["working"] and "Workload" in share["rule"]

    def test_an_implausible_workload_for_the_duration_is_asked_about(self):
        cred = make_credential(workload={"value": 25, "unit": "ects"}, duration_weeks=4, form_of_participation="online")
        f = make_rule("workload").evaluate(make_context(cred))
        assert f.verdict is Verdict.insufficient_information and "implausible" in f.reason
        assert "156.2 hours of work a week" in f.ask_for[0]
        assert f.evidence["steps"][-1]["parameters"] == {"max_hours_per_week (online)": 45}

    def test_a_plausible_workload_for_the_duration_is_compared_as_usual(self):
        cred = make_credential(workload={"value": 5, "unit": "ects"}, duration_weeks=6)
        assert make_rule("workload").evaluate(make_context(cred)).verdict is Verdict.meets

    @pytest.mark.parametrize("params", [{"tolerance": 1.0}, {"tolerance": -0.1}, {"partial_min_share": 0}])
    def test_out_of_range_parameters_are_rejected(self, params):
        with pytest.raises(ValidationError):
            make_rule("workload", **params)


# ----------------------------------------------------------------------------- learning outcomes

class TestLearningOutcomes:
    def _eval(self, covered, **params):
        return make_rule("learning_outcomes", **params).evaluate(make_context(sims=coverage_sims(covered)))

    def test_every_essential_outcome_covered_meets(self):
        f = self._eval([0, 1, 2, 3, 4])
        assert f.verdict is Verdict.meets and f.evidence["covered_share"] == 1.0

    def test_optional_outcomes_do_not_count(self):
        # Local outcome 5 is optional: not covering it changes nothing; covering only it does not help.
        assert self._eval([0, 1, 2, 3, 4]).evidence["missing"] == []
        assert self._eval([5]).evidence["covered_share"] == 0.0

    def test_four_of_five_is_a_minor_difference(self):
        f = self._eval([0, 1, 2, 3])
        assert f.verdict is Verdict.minor_difference and f.evidence["missing"] == [COURSE_OUTCOMES[4]]

    def test_up_to_two_missing_can_be_bridged(self):
        f = self._eval([0, 1, 2])
        assert f.verdict is Verdict.substantial_difference and f.remedies == [P, A, C]
        assert len(f.bridge) == 2 and all(b.startswith("the outcome: ") for b in f.bridge)

    def test_more_missing_than_bridgeable_allows_partial_or_alternative(self):
        f = self._eval([0, 1, 2], max_bridgeable_outcomes=1)
        assert f.remedies == [P, A] and f.bridge == []

    def test_below_partial_share_is_a_different_course(self):
        f = self._eval([0, 1])
        assert f.verdict is Verdict.substantial_difference and f.remedies == [A]

    def test_evidence_lists_every_pair_with_its_similarity(self):
        f = self._eval([0])
        pairs = f.evidence["pairs"]
        assert len(pairs) == len(COURSE_OUTCOMES)
        assert pairs[0] == {"local": COURSE_OUTCOMES[0], "incoming": "Outcome one.", "similarity": 0.9,
                            "probability": 0.9, "zone": "covered", "essential": True, "covered": True}
        assert pairs[1]["similarity"] == 0.1 and not pairs[1]["covered"]

    def test_the_share_is_traced_with_the_threshold_and_parameters(self):
        [step] = self._eval([0, 1, 2]).evidence["steps"]
        assert step["value"] == 0.6 and step["working"] == "(5 essential - 2 not covered) ÷ 5 = 60%"
        assert step["parameters"]["probability at which a pair counts as covered (fitted per model)"] == 0.5 and step["parameters"]["minor"] == 0.8

    def test_an_outcome_to_confirm_never_grounds_a_substantial_difference_alone(self):
        ctx = make_context(sims=coverage_sims([0, 1, 2]))
        zoned = tuple(dataclasses.replace(m, zone="to_confirm") if i in (3, 4) else m for i, m in enumerate(ctx.candidate.matches))
        ctx = dataclasses.replace(ctx, candidate=dataclasses.replace(ctx.candidate, matches=zoned))
        f = make_rule("learning_outcomes").evaluate(ctx)
        assert f.verdict is Verdict.meets and f.evidence["to_confirm"] == COURSE_OUTCOMES[3:5] and f.evidence["missing"] == []
        assert "2 to confirm by the officer" in f.reason

    def test_threshold_is_inclusive(self):
        sims = coverage_sims([])
        sims[0, :5] = 0.5
        f = make_rule("learning_outcomes").evaluate(make_context(sims=sims, threshold=0.5))
        assert f.verdict is Verdict.meets

    def test_comparison_across_languages_is_said(self):
        cred = make_credential(language="vi")
        f = make_rule("learning_outcomes").evaluate(make_context(cred, sims=coverage_sims([0, 1, 2, 3, 4])))
        assert "comparing vi with en" in f.reason

    def test_no_outcomes_is_asked_for(self):
        f = make_rule("learning_outcomes").evaluate(make_context(make_credential(learning_outcomes=[])))
        assert f.verdict is Verdict.insufficient_information and f.ask_for

    def test_thresholds_out_of_order_are_rejected(self):
        with pytest.raises(ValidationError, match="partial_min <= minor <= full"):
            make_rule("learning_outcomes", minor=0.9, full=0.8)


# ----------------------------------------------------------------------------- cognitive depth

class TestCognitiveDepth:
    DESIGN = "Design a software architecture with components and interfaces."

    def _ctx(self, incoming: list[str], sims, **course):
        return make_context(make_credential(learning_outcomes=incoming),
                            make_course(learning_outcomes=[self.DESIGN, "Implement linked lists, stacks and queues."], **course),
                            sims=np.asarray(sims, dtype=float))

    def test_outcome_met_at_a_lower_level_is_flagged_as_minor_by_default(self):
        ctx = self._ctx(["Describe a software architecture with components."], [[0.9, 0.1]])
        f = make_rule("cognitive_depth").evaluate(ctx)
        assert f.verdict is Verdict.minor_difference
        assert f.evidence["flagged"][0]["local_level"] == "create"
        assert f.evidence["flagged"][0]["incoming_level"] == "understand"
        assert f.remedies == []

    def test_most_outcomes_too_shallow_at_eqf_7_is_substantial_and_names_the_assessment(self):
        ctx = self._ctx(["Describe a software architecture with components."], [[0.9, 0.1]], level={"framework": "EQF", "value": 7})
        f = make_rule("cognitive_depth").evaluate(ctx)
        assert f.verdict is Verdict.substantial_difference and f.remedies == [C]
        assert f.bridge == [f"an assessment at the create level of: {self.DESIGN.rstrip('.')}"]  # no full stop inside a sentence
        assert "EQF 7" in f.reason and f.params["substantial_from_eqf"] == 7

    def test_the_same_gap_below_eqf_7_stays_minor_and_says_why(self):
        ctx = self._ctx(["Describe a software architecture with components."], [[0.9, 0.1]])
        f = make_rule("cognitive_depth").evaluate(ctx)
        assert f.verdict is Verdict.minor_difference and "substantial only from EQF 7" in f.reason

    def test_an_institution_can_apply_depth_lower_and_allow_partial_credit(self):
        ctx = self._ctx(["Describe a software architecture with components."], [[0.9, 0.1]])
        f = make_rule("cognitive_depth", substantial_from_eqf=6, substantial_remedies=["partial", "conditional"]).evaluate(ctx)
        assert f.verdict is Verdict.substantial_difference and f.remedies == [P, C]

    def test_share_at_the_limit_is_still_minor(self):
        ctx = self._ctx(["Describe a software architecture.", "Implement linked lists and queues."], [[0.9, 0.1], [0.1, 0.9]])
        f = make_rule("cognitive_depth", substantial_share=0.5).evaluate(ctx)
        assert f.evidence["flagged_share"] == 0.5 and f.verdict is Verdict.minor_difference

    def test_one_coverer_at_the_right_level_is_enough(self):
        ctx = self._ctx(["Describe a software architecture.", "Design a layered software architecture."], [[0.9, 0.1], [0.8, 0.1]])
        f = make_rule("cognitive_depth", substantial_share=0.0).evaluate(ctx)
        assert f.verdict is Verdict.meets and f.evidence["compared"] == 1

    def test_unreadable_level_is_not_lower(self):
        ctx = self._ctx(["Software architecture with components."], [[0.9, 0.1]])
        f = make_rule("cognitive_depth", substantial_share=0.0).evaluate(ctx)
        assert f.verdict is Verdict.meets

    def test_uncovered_and_optional_outcomes_are_not_compared(self):
        ctx = self._ctx(["Describe a software architecture."], [[0.3, 0.1]])
        assert make_rule("cognitive_depth").evaluate(ctx).evidence["compared"] == 0
        course = make_course(learning_outcomes=[{"text": self.DESIGN, "essential": False}, "Implement linked lists."])
        ctx = make_context(make_credential(learning_outcomes=["Describe a software architecture."]), course, sims=[[0.9, 0.1]])
        assert make_rule("cognitive_depth").evaluate(ctx).evidence["compared"] == 0


# ----------------------------------------------------------------------------- quality assurance

class TestQualityAssurance:
    @pytest.mark.parametrize("qa, verdict", [("external", Verdict.meets), ("accredited_provider", Verdict.meets),
                                             ("internal", Verdict.minor_difference), ("none", Verdict.substantial_difference)])
    def test_verdict_by_type(self, qa, verdict):
        f = make_rule("quality_assurance").evaluate(make_context(make_credential(quality_assurance={"type": qa})))
        assert f.verdict is verdict
        assert f.remedies == ([C] if verdict is Verdict.substantial_difference else [])

    def test_no_qa_is_bridged_by_an_examination(self):
        f = make_rule("quality_assurance").evaluate(make_context(make_credential(quality_assurance={"type": "none"})))
        assert any("examination" in b for b in f.bridge)

    def test_institution_can_make_internal_qa_substantial(self):
        verdicts = {**DEFAULT_CHECKS["quality_assurance"]["verdicts"], "internal": "substantial_difference"}
        f = make_rule("quality_assurance", verdicts=verdicts).evaluate(
            make_context(make_credential(quality_assurance={"type": "internal", "description": "own board"})))
        assert f.verdict is Verdict.substantial_difference and "own board" in f.reason

    def test_missing_qa_is_asked_for(self):
        f = make_rule("quality_assurance").evaluate(make_context(make_credential(quality_assurance=None)))
        assert f.verdict is Verdict.insufficient_information and f.ask_for

    def test_every_qa_type_needs_a_verdict(self):
        with pytest.raises(ValidationError, match="none"):
            make_rule("quality_assurance", verdicts={"external": "meets", "accredited_provider": "meets", "internal": "meets"})


# ----------------------------------------------------------------------------- assessment

class TestAssessment:
    def _eval(self, **cred):
        return make_rule("assessment").evaluate(make_context(make_credential(**cred)))

    def test_supervised_assessment_meets(self):
        f = self._eval(supervision="online_proctored", identity_verification="online")
        assert f.verdict is Verdict.meets and "online proctored" in f.reason
        assert f.evidence["read_as"] == "assessed" and f.evidence["phrase"] == "Written"

    @pytest.mark.parametrize("text", ["none", "Participation only", "attendance only"])
    def test_no_assessment_is_bridged_by_an_examination(self, text):
        f = self._eval(type_of_assessment=text)
        assert f.verdict is Verdict.substantial_difference and f.remedies == [C]
        assert any("examination" in b for b in f.bridge)

    def test_unsupervised_and_unverified_is_minor_by_default(self):
        f = self._eval(supervision="online_unsupervised", identity_verification="self_declared")
        assert f.verdict is Verdict.minor_difference

    def test_unsupervised_but_verified_meets(self):
        assert self._eval(supervision="none", identity_verification="online").verdict is Verdict.meets

    def test_institution_can_make_unverified_substantial(self):
        f = make_rule("assessment", unverified="substantial_difference").evaluate(
            make_context(make_credential(supervision="none", identity_verification="none")))
        assert f.verdict is Verdict.substantial_difference and f.remedies == [C]

    def test_unstated_supervision_is_noted(self):
        f = self._eval(supervision=None, identity_verification=None)
        assert f.verdict is Verdict.meets and "not stated" in f.reason

    def test_missing_type_of_assessment_is_asked_for(self):
        f = self._eval(type_of_assessment=None)
        assert f.verdict is Verdict.insufficient_information and f.ask_for


class TestAssessmentEvidence:
    """The type of assessment is read from free text in the partners' languages (policy data)."""

    @pytest.mark.parametrize("text, meaning, phrase", [
        ("Certificate of attendance", "none", "Certificate of attendance"),
        ("No exam; participation certificate", "none", "No exam"),
        ("Chỉ tham dự, không có bài kiểm tra", "none", "Chỉ tham dự"),
        ("Không có bài kiểm tra", "none", "Không có bài kiểm tra"),
        ("Attestato di partecipazione", "none", "Attestato di partecipazione"),
        ("Potvrda o sudjelovanju", "none", "Potvrda o sudjelovanju"),
        ("Osvědčení o účasti", "none", "Osvědčení o účasti"),
        ("Attestation de présence", "none", "Attestation de présence"),
        ("Automatically graded quizzes", "automated", "Automatically graded"),
        ("Bài thi trắc nghiệm trực tuyến", "automated", "trắc nghiệm"),
        ("QCM en ligne", "automated", "QCM"),
        ("Written exam and class participation", "assessed", "Written"),
        ("Esame scritto e orale", "assessed", "Esame"),
        ("Pismeni ispit", "assessed", "Pismen"),
        ("Ústní zkouška", "assessed", "zkoušk"),
        ("Examen final surveillé", "assessed", "Examen"),
        ("Thi viết cuối kỳ", "assessed", "Thi"),
    ])
    def test_reads_the_phrase_in_each_language(self, text, meaning, phrase):
        f = make_rule("assessment").evaluate(make_context(make_credential(type_of_assessment=text)))
        assert f.evidence["read_as"] == meaning and f.evidence["phrase"].lower() == phrase.lower()
        assert f"\u201c{f.evidence['phrase']}\u201d" in f.reason
        assert (f.verdict is Verdict.substantial_difference) == (meaning == "none")

    @pytest.mark.parametrize("text", ["Certificate", "Zertifikat der Teilnahme", "see brochure"])
    def test_text_no_pattern_reads_stays_unknown_and_is_asked_about(self, text):
        f = make_rule("assessment").evaluate(make_context(make_credential(type_of_assessment=text)))
        assert f.verdict is Verdict.insufficient_information and f.evidence["read_as"] is None
        assert f.ask_for == [str(ASK["type_of_assessment"])]

    def test_an_invalid_pattern_fails_when_the_policy_loads(self):
        with pytest.raises(ValidationError, match="invalid regular expression"):
            make_rule("assessment", evidence=[{"reads_as": "none", "language": "en", "pattern": "(unclosed"}])
        with pytest.raises(ValidationError, match="reads_as"):
            make_rule("assessment", evidence=[{"reads_as": "maybe", "language": "en", "pattern": "x"}])


class TestTrustSignals:
    """Assessment x supervision x identity verification x QA x level declaration, read together."""

    def _eval(self, **cred):
        return make_rule("assessment").evaluate(make_context(make_credential(**cred)))

    def test_machine_graded_unsupervised_unverified_is_not_shown_achieved(self):
        f = self._eval(type_of_assessment="Automated quizzes", supervision="online_unsupervised",
                       identity_verification="none", quality_assurance={"type": "external"})
        assert f.verdict is Verdict.substantial_difference and f.remedies == [C]
        assert "not shown to be achieved" in f.reason and "graded by machine" in f.reason
        assert f.bridge == ["a supervised examination of the course's outcomes, with identity verification"]
        assert "Nuffic" in f.evidence["combination"]["reference"]

    def test_each_signal_alone_is_at_most_minor(self):
        assert self._eval(type_of_assessment="Automated quizzes").verdict is Verdict.meets
        assert self._eval(quality_assurance={"type": "internal"}).verdict is Verdict.meets
        assert self._eval(level={"framework": "EQF", "value": 6, "declared_by": "provider"}).verdict is Verdict.meets

    def test_internal_qa_and_a_self_declared_level_together_ask_for_a_check_of_the_evidence(self):
        f = self._eval(quality_assurance={"type": "internal"}, level={"framework": "EQF", "value": 6, "declared_by": "provider"})
        assert f.verdict is Verdict.substantial_difference and f.remedies == [C]
        assert "check of the evidence of achievement" in f.bridge[0]

    def test_a_level_placed_in_a_framework_is_not_self_declared(self):
        f = self._eval(quality_assurance={"type": "internal"},
                       level={"framework": "EQF", "value": 6, "declared_by": "qualifications_framework"})
        assert f.verdict is Verdict.meets

    def test_a_combination_naming_an_unknown_signal_fails_at_load(self):
        combo = {"name": "x", "when": {"shoe_size": ["large"]}, "verification": "v", "reference": "r"}
        with pytest.raises(ValidationError, match="unknown signal"):
            make_rule("assessment", not_shown_when=[combo])
        combo["when"] = {"supervision": ["sometimes"]}
        with pytest.raises(ValidationError, match="unknown value"):
            make_rule("assessment", not_shown_when=[combo])


class TestResult:
    @pytest.mark.parametrize("grade, meaning", [("Fail", "failed"), ("FX", "failed"), ("Withdrawn", "withdrawn"),
                                                ("Incomplete", "incomplete"), ("Không đạt", "failed"),
                                                ("Non superato", "failed"), ("Ritirato", "withdrawn"), ("Nije položio", "failed"),
                                                ("Neprospěl", "failed"), ("Ajourné", "failed"), ("Abandon", "withdrawn")])
    def test_a_result_not_achieved_is_not_recognised(self, grade, meaning):
        f = make_rule("result").evaluate(make_context(make_credential(grade=grade)))
        assert f.verdict is Verdict.substantial_difference and f.remedies == []
        assert f.evidence["read_as"] == meaning and "not recognised" in f.reason

    @pytest.mark.parametrize("grade", [None, "Pass", "8/10", "A", "Excellent (1)", "27/30 e lode"])
    def test_a_pass_or_no_result_meets(self, grade):
        assert make_rule("result").evaluate(make_context(make_credential(grade=grade))).verdict is Verdict.meets


class TestRequirements:
    def _eval(self, requirement: dict, **cred):
        return make_rule("requirements", courses={"CS999": requirement}).evaluate(make_context(make_credential(**cred)))

    def test_no_requirement_for_the_course_meets(self):
        assert make_rule("requirements").evaluate(make_context()).verdict is Verdict.meets

    def test_a_required_practical_component_is_read_from_the_text(self):
        f = self._eval({"practical_component": True}, type_of_assessment="Laboratory report and written exam")
        assert f.verdict is Verdict.meets and f.evidence["practical"]["phrase"] == "Laboratory"
        g = self._eval({"practical_component": True})
        assert g.verdict is Verdict.substantial_difference and g.remedies == [C] and "laboratory" in g.bridge[0]

    def test_minimum_grade(self):
        assert self._eval({"min_grade": {"value": 6, "out_of": 10}}, grade="7/10").verdict is Verdict.meets
        low = self._eval({"min_grade": {"value": 6, "out_of": 10}}, grade="5,5/10")
        assert low.verdict is Verdict.substantial_difference and low.remedies == []
        unknown = self._eval({"min_grade": {"value": 6, "out_of": 10}}, grade="B")
        assert unknown.verdict is Verdict.insufficient_information and unknown.ask_for == [str(ASK["grade"])]
        assert unknown.required and blocking([unknown], REQUIRED) == [unknown]  # the course requires it: asked before deciding

    def test_contact_hours(self):
        assert self._eval({"contact_hours": 30}, contact_hours=36).verdict is Verdict.meets
        short = self._eval({"contact_hours": 30}, contact_hours=12)
        assert short.verdict is Verdict.substantial_difference and short.bridge == ["18 further contact hours (attending the course's sessions)"]
        assert self._eval({"contact_hours": 30}).ask_for == [str(ASK["contact_hours"])]


# ----------------------------------------------------------------------------- participation

class TestParticipation:
    @pytest.mark.parametrize("form", ["online", "onsite", "blended"])
    def test_every_form_meets_by_default(self, form):
        f = make_rule("participation").evaluate(make_context(make_credential(form_of_participation=form)))
        assert f.verdict is Verdict.meets

    def test_institution_can_make_online_substantial_but_not_onsite(self):
        rule = make_rule("participation", online="substantial_difference")
        online = rule.evaluate(make_context(make_credential(form_of_participation="online")))
        assert online.verdict is Verdict.substantial_difference and online.remedies == [C] and online.bridge
        assert rule.evaluate(make_context(make_credential(form_of_participation="blended"))).verdict is Verdict.meets

    def test_missing_form_is_insufficient(self):
        f = make_rule("participation").evaluate(make_context(make_credential(form_of_participation=None)))
        assert f.verdict is Verdict.insufficient_information and f.ask_for


# ----------------------------------------------------------------------------- recency

class TestRecency:
    def _eval(self, issued: str, **params):
        return make_rule("recency", **params).evaluate(make_context(make_credential(date_of_issue=issued)))

    def test_recent_meets(self):
        f = self._eval("2023-11-01")
        assert f.verdict is Verdict.meets and f.evidence["years"] == pytest.approx(3.0, abs=0.01)

    def test_older_than_minor_years_is_minor(self):
        assert self._eval("2020-06-01").verdict is Verdict.minor_difference

    def test_older_than_substantial_years_needs_a_currency_check(self):
        f = self._eval("2014-06-01")
        assert f.verdict is Verdict.substantial_difference and f.remedies == [C]
        assert any("still current" in b for b in f.bridge)

    def test_uses_as_of_not_the_clock(self):
        ctx = make_context(make_credential(date_of_issue="2014-06-01"), as_of=dt.date(2016, 6, 1))
        assert make_rule("recency").evaluate(ctx).verdict is Verdict.meets

    def test_issued_after_the_assessment_date_is_insufficient(self):
        f = self._eval("2027-01-01")
        assert f.verdict is Verdict.insufficient_information and f.ask_for

    def test_missing_date_is_insufficient(self):
        f = make_rule("recency").evaluate(make_context(make_credential(date_of_issue=None)))
        assert f.verdict is Verdict.insufficient_information and f.element == "date_of_issue"

    def test_substantial_before_minor_is_rejected(self):
        with pytest.raises(ValidationError, match="substantial_years"):
            make_rule("recency", minor_years=5, substantial_years=3)


# ----------------------------------------------------------------------------- field of education

class TestField:
    def _eval(self, incoming, local="0613", **params):
        return make_rule("field", **params).evaluate(
            make_context(make_credential(field_of_education=incoming), make_course(isced_f=local)))

    def test_same_narrow_field_meets(self):
        assert self._eval("0612").verdict is Verdict.meets

    def test_same_broad_field_is_minor(self):
        f = self._eval("0511", local="0542")
        assert f.verdict is Verdict.minor_difference and "same broad field" in f.reason

    def test_different_broad_field_is_minor_by_default(self):
        f = self._eval("0714")
        assert f.verdict is Verdict.minor_difference and "different broad field" in f.reason
        assert f.evidence["incoming_label"] and f.evidence["course_label"]

    def test_institution_can_make_a_different_broad_field_substantial(self):
        f = self._eval("0714", different_broad_field="substantial_difference")
        assert f.verdict is Verdict.substantial_difference and f.remedies == [C] and f.bridge

    def test_missing_field_asks_the_applicant_only_for_the_credential_side(self):
        f = self._eval(None)
        assert f.verdict is Verdict.insufficient_information and f.ask_for
        g = self._eval("0613", local=None)
        assert g.verdict is Verdict.insufficient_information and g.ask_for == []


# ----------------------------------------------------------------------------- shared

def test_every_check_reports_its_label_reference_and_parameters():
    ctx = make_context(sims=coverage_sims([0, 1, 2, 3, 4]))
    for check in RULES:
        f = make_rule(check).evaluate(ctx)
        assert f.check == check
        assert f.label == DEFAULT_CHECKS[check]["label"] and f.reference == DEFAULT_CHECKS[check]["reference"]
        assert set(DEFAULT_CHECKS[check]) - {"enabled", "label", "reference"} <= set(f.params)
        assert not {"enabled", "label", "reference"} & set(f.params)


def test_a_complete_matching_credential_meets_or_differs_only_in_minor_ways():
    ctx = make_context(sims=coverage_sims([0, 1, 2, 3, 4]))
    findings = [make_rule(check).evaluate(ctx) for check in RULES]
    assert all(f.verdict in (Verdict.meets, Verdict.minor_difference) for f in findings)
    assert ladder(findings, REQUIRED) is Outcome.full


# ----------------------------------------------------------------------------- the ladder

class TestLadder:
    def test_no_substantial_difference_is_full(self):
        assert ladder([finding(Verdict.meets), finding(Verdict.minor_difference)], REQUIRED) is Outcome.full

    @pytest.mark.parametrize("remedies, outcome", [
        ([P, A, C], Outcome.partial), ([A, C], Outcome.alternative), ([C], Outcome.conditional),
        ([A], Outcome.alternative), ([], Outcome.refused),
    ])
    def test_first_rung_the_difference_allows(self, remedies, outcome):
        assert ladder([finding(Verdict.meets), finding(Verdict.substantial_difference, remedies=remedies)], REQUIRED) is outcome

    @pytest.mark.parametrize("first, second, outcome", [
        ([P, A, C], [C], Outcome.conditional),  # short workload + a level below: bridge both
        ([P, A, C], [P, A], Outcome.partial),
        ([P, A], [A], Outcome.alternative),
        ([A], [C], Outcome.refused),  # elective credit only vs. examination only: no common rung
        ([P, A, C], [], Outcome.refused),
    ])
    def test_the_rung_every_difference_allows(self, first, second, outcome):
        findings = [finding(Verdict.substantial_difference, remedies=first), finding(Verdict.substantial_difference, remedies=second)]
        assert ladder(findings, REQUIRED) is outcome
        assert ladder(list(reversed(findings)), REQUIRED) is outcome

    def test_blocking_missing_information_comes_first(self):
        findings = [finding(Verdict.substantial_difference, remedies=[]),
                    finding(Verdict.insufficient_information, check="completeness", element="information")]
        assert ladder(findings, REQUIRED) is Outcome.insufficient_information
        assert blocking(findings, REQUIRED) == [findings[1]]

    def test_missing_information_on_a_required_element_blocks(self):
        findings = [finding(Verdict.insufficient_information, check="workload", element="workload")]
        assert ladder(findings, REQUIRED) is Outcome.insufficient_information

    def test_missing_information_the_policy_does_not_require_does_not_block(self):
        findings = [finding(Verdict.insufficient_information, check="field", element="field_of_education"),
                    finding(Verdict.insufficient_information, check="recency", element="date_of_issue")]
        assert blocking(findings, REQUIRED) == []
        assert ladder(findings, REQUIRED) is Outcome.full
        assert ladder(findings, [*REQUIRED, "date_of_issue"]) is Outcome.insufficient_information

    def test_order_of_outcomes(self):
        assert LADDER == (Outcome.partial, Outcome.alternative, Outcome.conditional)
        ranked = sorted(ORDER, key=ORDER.get)
        assert ranked == [Outcome.full, Outcome.partial, Outcome.alternative, Outcome.conditional, Outcome.refused]
        assert Outcome.insufficient_information not in ORDER


# ----------------------------------------------------------------------------- stacking

def _part(i: int, **overrides) -> MicroCredential:
    base = {"id": f"part-{i}", "title": f"Part {i}", "learning_outcomes": [f"Outcome {i}a.", f"Outcome {i}b.", "Shared outcome."],
            "date_of_issue": f"202{i}-01-15", "awarding_body": f"Body {i}"}
    return make_credential(**{**base, **overrides})


class TestStacking:
    def test_needs_two_credentials(self):
        with pytest.raises(InputError, match="at least two"):
            stack([_part(1)])

    def test_credentials_of_different_learners_cannot_be_stacked(self):
        with pytest.raises(InputError, match="different learners"):
            stack([_part(1), _part(2, learner={"name": "Someone Else", "identifier": "L-2"})])

    def test_outcomes_are_the_union_in_order(self):
        s = stack([_part(1), _part(2)])
        assert s.outcome_texts == ["Outcome 1a.", "Outcome 1b.", "Shared outcome.", "Outcome 2a.", "Outcome 2b."]
        assert s.id == "part-1+part-2" and s.awarding_body == "Body 1 + Body 2"

    def test_workloads_add_up_as_ects_ranges(self):
        s = stack([_part(1, workload={"value": 2, "unit": "ects"}), _part(2, workload={"value": 100, "unit": "hours"})])
        ects = s.workload.to_ects()
        assert (ects.low, ects.high) == (pytest.approx(2 + 100 / 30, abs=0.01), pytest.approx(2 + 100 / 25, abs=0.01))
        assert "part-1" in s.workload.text and "part-2" in s.workload.text

    def test_a_part_without_workload_leaves_the_stack_without_one(self):
        assert stack([_part(1), _part(2, workload=None)]).workload is None

    def test_the_weakest_part_counts_for_trust_elements(self):
        s = stack([
            _part(1, level={"framework": "EQF", "value": 6}, quality_assurance={"type": "external"},
                  supervision="onsite", identity_verification="onsite"),
            _part(2, level={"framework": "EQF", "value": 5}, quality_assurance={"type": "internal"},
                  supervision="online_unsupervised", identity_verification="self_declared"),
        ])
        assert s.level.to_eqf().eqf_level == 5
        assert s.quality_assurance.type.value == "internal"
        assert s.supervision.value == "online_unsupervised" and s.identity_verification.value == "self_declared"
        assert str(s.date_of_issue) == "2021-01-15"

    def test_the_stack_keeps_each_parts_type_of_assessment(self):
        s = stack([_part(1), _part(2, type_of_assessment="Project"), _part(3)])
        assert s.type_of_assessment == "Written examination; Project"

    def test_a_part_without_assessment_contributes_no_outcomes(self):
        part = _part(2, type_of_assessment="Certificate of attendance")
        findings = [make_rule(c).evaluate(make_context(part)) for c in PART_CHECKS]
        judged = judge_part(part, findings, REQUIRED)
        assert not judged.contributes and "contributes no outcomes" in judged.reason and judged.ask_for == []

    def test_a_part_missing_a_required_element_is_asked_for_by_name(self):
        part = _part(2, level=None)
        judged = judge_part(part, [make_rule(c).evaluate(make_context(part)) for c in PART_CHECKS], REQUIRED)
        assert not judged.contributes and judged.ask_for == [str(ASK["level"])]
        whole = _part(1)
        assert judge_part(whole, [make_rule(c).evaluate(make_context(whole)) for c in PART_CHECKS], REQUIRED).contributes

    def test_a_missing_trust_element_stays_missing(self):
        s = stack([_part(1), _part(2, quality_assurance=None, level=None, date_of_issue=None)])
        assert s.quality_assurance is None and s.level is None and s.date_of_issue is None

    def test_form_field_and_language(self):
        s = stack([_part(1, form_of_participation="online", field_of_education="0613"),
                   _part(2, form_of_participation="onsite", field_of_education="0612", language="vi")])
        assert s.form_of_participation.value == "blended"
        assert s.field_of_education is None
        assert s.language == "vi"
        same = stack([_part(1, form_of_participation="online"), _part(2, form_of_participation="online")])
        assert same.form_of_participation.value == "online" and same.field_of_education == "0613"
