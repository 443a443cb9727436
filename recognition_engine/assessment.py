"""Assess a credential for a purpose: run every check, climb the ladder, keep the evidence.

An `Assessment` is data: the purpose, the findings in order with their evidence, the
outcome with its reasons, and the versions of everything used. Explanations (text,
Markdown, HTML) are rendered from it, never the other way round.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from . import __version__
from .catalogue import Course
from .credential import ASK, MicroCredential
from .engine import Engine, matching_view, set_aside
from .matching import Candidate, top_k
from .messages import N_, Texts, msg, unique
from .policy import Appeal, InForce, Policy, load_policy
from .recommend import blocking, ladder
from .reference import FrameworkLevel, default_reference
from .rules import Context, Finding, Outcome, Verdict
from .stacking import PART_CHECKS, StackPart, judge_part, stack
from .trace import Step

CANDIDATES = 5  # candidates listed, and searched for an alternative course
AUTO_PURPOSES = 3  # without a purpose, the best candidates assessed as possible purposes
# Without a purpose, the course to assess for is the candidate with the best outcome in this
# order (ties to the better-ranked candidate). Elective credit (alternative) is open to almost
# any course, so it says nothing about which course the credential fits: it comes after
# conditional recognition for the course whose content matches.
PURPOSE_PREFERENCE = {o: i for i, o in enumerate((Outcome.full, Outcome.partial, Outcome.conditional, Outcome.alternative,
                                                  Outcome.refused, Outcome.insufficient_information))}


class Purpose(BaseModel):
    model_config = ConfigDict(frozen=True)

    course_id: str
    course_title: str
    course_ects: float
    course_eqf_level: int | None
    programmes: list[str]
    requested: bool  # False when the engine chose the course as the best candidate


class CandidateSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    course_id: str
    title: str
    ects: float
    score: float
    score_name: str
    covered_share: float
    outcome: Outcome | None = None  # when the candidate was assessed too
    # each ranking feature's share of the score's log-odds ("baseline": the intercept)
    contributions: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def of(cls, c: Candidate, outcome: Outcome | None = None) -> "CandidateSummary":
        return cls(course_id=c.course_id, title=c.title, ects=c.ects, score=c.score, score_name=c.score_name,
                   covered_share=c.features["covered_share"], outcome=outcome, contributions=c.contributions)


class Recommendation(Texts):
    """The outcome and what it rests on; its texts are given as messages (recognition_engine.messages)."""

    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    summary: str
    reasons: list[str] = Field(default_factory=list)  # the substantial differences (or what is missing)
    recognised_outcomes: list[str] = Field(default_factory=list)
    missing_outcomes: list[str] = Field(default_factory=list)
    # Essential outcomes counted as recognised although the engine could show them neither
    # covered nor missing ("to confirm"): the officer confirms or strikes them before deciding.
    to_confirm: list[str] = Field(default_factory=list)
    credits: float | None = None  # ECTS recognised (partial) or offered as elective credit (alternative)
    alternative_course_id: str | None = None
    conditions: list[str] = Field(default_factory=list)  # what a bridging module or exam must cover
    ask_for: list[str] = Field(default_factory=list)  # in plain words, once per element
    not_assessed: list[str] = Field(default_factory=list)  # checks that lacked information the policy does not require
    appeal: Appeal | None = None
    working: list[Step] = Field(default_factory=list)  # how the credits were computed, step by step


class SetAside(BaseModel):
    """A line of the credential's learning outcomes that is not an outcome statement."""

    model_config = ConfigDict(frozen=True)

    text: str
    kind: str  # heading, topic_list, topic, placeholder, award_criteria, reference
    reason: str


class Versions(BaseModel):
    model_config = ConfigDict(frozen=True)

    engine: str
    model: str | None
    calibration: str | None
    policy_id: str
    policy_version: str
    policy_digest: str
    policy_sources: list[str]
    policy_valid_from: dt.date | None = None  # undated policy values are in force from this date
    policy_in_force: list[InForce] = Field(default_factory=list)  # dated values applied on as_of, with their dates
    reference_data_version: str
    reference_data_digest: str


class Assessment(BaseModel):
    model_config = ConfigDict(frozen=True)

    credential: MicroCredential
    stacked_from: list[str] = Field(default_factory=list)
    parts: list[StackPart] = Field(default_factory=list)  # a stack's parts, each with its own findings
    purpose: Purpose | None
    as_of: dt.date
    outcome: Outcome
    recommendation: Recommendation
    findings: list[Finding]
    candidates: list[CandidateSummary]
    versions: Versions
    notes: list[str] = Field(default_factory=list)  # what the importer said about the input
    set_aside: list[SetAside] = Field(default_factory=list)  # outcome lines that are not outcome statements

    def finding(self, check: str) -> Finding | None:
        return next((f for f in self.findings if f.check == check), None)


def round_credits(x: float, step: float) -> float:
    """Credits are awarded in multiples of `step`, to the nearest (halves round up)."""
    return round(math.floor(x / step + 0.5) * step, 4)


class Assessor:
    """Runs the policy's checks for an engine's catalogue."""

    def __init__(self, engine: Engine, policy: Policy | None = None):
        self.engine = engine
        self.policy = policy or load_policy()
        self.reference = default_reference()

    def assess(self, credential: MicroCredential, purpose: str | None = None, as_of: dt.date | None = None,
               stacked_from: list[str] | None = None, programme: str | None = None) -> Assessment:
        """Assess for the course `purpose`, or, without one, for the best of the top candidates
        (within `programme` when one is given). Lines of the outcomes that are not outcome
        statements are left out of matching and listed in `set_aside`."""
        assessment = self._assess(credential, purpose, as_of, stacked_from, programme)
        lines = [SetAside(text=s.text, kind=s.kind, reason=s.reason) for s in set_aside(credential)]
        return assessment.model_copy(update={"set_aside": lines}) if lines else assessment

    def _assess(self, credential, purpose, as_of, stacked_from, programme) -> Assessment:
        if as_of is None:
            raise ValueError("as_of is required: pass the date the assessment speaks for")
        policy = self.policy.on(as_of)  # the values in force on that date
        catalogue = self.engine.catalogue
        if purpose is not None:
            catalogue.position(purpose)  # a KeyError naming the course, before any work
        members = self._programme_members(programme) if programme is not None and purpose is None else None
        if len(set_aside(credential)) == len(credential.learning_outcomes):  # none, or none is an outcome statement
            return self._without_outcomes(policy, credential, purpose, as_of, stacked_from or [])
        member_ids = [catalogue.courses[i].id for i in members] if members is not None else []
        aligned = self.engine.align(credential, include=[purpose] if purpose is not None else member_ids)
        profile, index, alignment = aligned
        catalogue = index.catalogue  # the courses aligned (a short list of a large catalogue), in the index's order
        if members is not None:
            members = np.array([catalogue.position(c) for c in member_ids], dtype=np.int64)
        ranked = [self.engine.candidate(credential, aligned, int(i)) for i in top_k(alignment["score"], index.course_ids, CANDIDATES)]
        if purpose is not None:
            targets = [purpose]
        else:
            pool = ranked if members is None else [
                self.engine.candidate(credential, aligned, int(members[i]))
                for i in top_k(alignment["score"][members], index.course_ids[members], AUTO_PURPOSES)]
            # Only a course the credential is clearly about can be chosen as its purpose.
            targets = [c.course_id for c in pool[:AUTO_PURPOSES] if c.clear]
            if not targets:
                return self._abstain(policy, credential, ranked, as_of, stacked_from or [], profile)
        results = {
            cid: self._evaluate(policy, matching_view(credential), self.engine.candidate(credential, aligned, catalogue.position(cid)),
                                index, alignment, as_of)
            for cid in dict.fromkeys(targets + [c.course_id for c in ranked])
        }
        results = self._settle_alternatives(policy, credential, results)
        chosen = purpose if purpose is not None else min(targets, key=lambda cid: (PURPOSE_PREFERENCE[results[cid][1]], targets.index(cid)))
        findings, outcome = results[chosen]
        recommendation = self._recommend(policy, credential, chosen, findings, outcome, results)
        return Assessment(
            credential=credential, stacked_from=stacked_from or [], purpose=self._purpose(chosen, purpose is not None),
            as_of=as_of, outcome=outcome, recommendation=recommendation, findings=findings,
            # an unclear candidate gets no outcome: it is listed as considered, not as recommendable
            candidates=[CandidateSummary.of(c, results[c.course_id][1] if c.clear else None) for c in ranked],
            versions=self._versions(policy, profile.model_id, profile.calibration.trained if profile.calibration else None),
        )

    def _programme_members(self, programme: str) -> np.ndarray:
        """Catalogue positions of a programme's courses; KeyError naming an unknown programme."""
        catalogue = self.engine.catalogue
        found = next((p for p in catalogue.programmes if p.id == programme), None)
        if found is None or not found.courses:
            known = ", ".join(p.id for p in catalogue.programmes)
            raise KeyError(f"no programme {programme!r} with courses in the catalogue; known: {known}")
        return np.array([catalogue.position(c) for c in found.courses], dtype=np.int64)

    def assess_stack(self, credentials: list[MicroCredential], purpose: str, as_of: dt.date) -> Assessment:
        """Several credentials together toward one course. Each part is judged on its own first
        (is it complete, are its outcomes shown to be achieved); only the parts that pass add
        their outcomes and workloads, and what one part lacks is asked for by name."""
        stack(credentials)  # the stack's own input errors (one part, different learners) first
        policy = self.policy.on(as_of)
        parts = [judge_part(c, [rule.evaluate(_empty_context(self, c, purpose, as_of)) for rule in policy.rules
                                if rule.id in PART_CHECKS], policy.required_elements) for c in credentials]
        proven = [c for c, part in zip(credentials, parts) if part.contributes] or credentials
        whole = stack(proven) if len(proven) > 1 else proven[0]
        result = self.assess(whole, purpose, as_of, stacked_from=[c.id for c in credentials])
        if result.outcome is Outcome.full:
            return result.model_copy(update={"parts": parts})
        asks = [msg("for %(part)s: %(ask)s", part=part.title or part.credential_id, ask=a)
                for part in parts if not part.contributes for a in part.message("ask_for")]
        rec = Recommendation.model_validate({**dict(result.recommendation), "messages": result.recommendation.messages,
                                             "ask_for": unique([*result.recommendation.message("ask_for"), *asks])})
        return result.model_copy(update={"parts": parts, "recommendation": rec})

    def _evaluate(self, policy: Policy, credential, candidate: Candidate, index, alignment, as_of) -> tuple[list[Finding], Outcome]:
        position = index.catalogue.position(candidate.course_id)
        course = index.catalogue.courses[position]
        ctx = Context(
            credential=credential, course=course, course_level=self._course_level(course), candidate=candidate,
            similarities=index.course_probabilities(position, alignment["incoming"], alignment), threshold=index.pairs.covered,
            as_of=as_of, reference=self.reference,
        )
        findings = [rule.evaluate(ctx) for rule in policy.rules]
        return findings, ladder(findings, policy.required_elements)

    def _settle_alternatives(self, policy: Policy, credential, results: dict) -> dict:
        """An `alternative` stands when another assessed course is recognised in full or in part;
        otherwise only as elective credit the course's programme takes, else it is refused."""
        recognised = {cid for cid, (_, o) in results.items() if o in (Outcome.full, Outcome.partial)}
        settled = {}
        for cid, (findings, outcome) in results.items():
            if outcome is Outcome.alternative and not recognised - {cid}:
                findings = [*findings, elective_finding(policy, self.engine.catalogue.programmes_of(cid), credential, findings)]
                outcome = ladder(findings, policy.required_elements)
            settled[cid] = (findings, outcome)
        return settled

    def _course_level(self, course: Course) -> FrameworkLevel | None:
        if course.level is not None:
            return course.level.to_eqf(self.reference)
        programme = next((p for p in self.engine.catalogue.programmes_of(course.id) if p.level is not None), None)
        return programme.level.to_eqf(self.reference) if programme else None

    def _purpose(self, course_id: str, requested: bool) -> Purpose:
        course = self.engine.catalogue.course(course_id)
        level = self._course_level(course)
        return Purpose(
            course_id=course.id, course_title=course.title, course_ects=course.ects,
            course_eqf_level=level.eqf_level if level else None,
            programmes=[p.id for p in self.engine.catalogue.programmes_of(course.id)], requested=requested,
        )

    def _recommend(self, policy: Policy, credential, course_id, findings, outcome, results) -> Recommendation:
        course = self.engine.catalogue.course(course_id)
        named = dict(course=course.id, title=course.title, ects=course.ects)
        by_check = {f.check: f for f in findings}
        lo = by_check.get("learning_outcomes")
        substantial = [f for f in findings if f.verdict is Verdict.substantial_difference]
        not_assessed = [f.labelled() for f in findings
                        if f.verdict is Verdict.insufficient_information and f not in blocking(findings, policy.required_elements)]
        recognised, missing = _recognised_outcomes(lo, by_check.get("cognitive_depth"))
        # Outcomes "to confirm" are no substantial difference (the burden of proof is ours), but
        # nor has the engine shown them covered: a recognition counting them says which they are.
        # A refusal or elective credit does not rest on them.
        counted = outcome in (Outcome.full, Outcome.partial, Outcome.conditional)
        to_confirm = [o for o in lo.evidence.get("to_confirm", []) if o in recognised] if lo and counted else []
        common: dict[str, Any] = {
            "reasons": [f.labelled() for f in substantial], "not_assessed": not_assessed,
            "recognised_outcomes": recognised, "missing_outcomes": missing, "to_confirm": to_confirm,
            "appeal": None if outcome is Outcome.full else policy.header.appeal,
        }
        incoming = _incoming_ects(by_check.get("workload"))
        if outcome is Outcome.insufficient_information:
            asks = unique([a for f in blocking(findings, policy.required_elements) for a in f.message("ask_for")])
            return Recommendation(outcome=outcome, summary=msg("Cannot assess yet: ask the applicant for %(n)d item(s).", n=len(asks)),
                                  ask_for=asks, **{**common, "reasons": []})
        if outcome is Outcome.full:
            return Recommendation(outcome=outcome, **common, summary=msg(
                "Recognise in full as %(course)s %(title)s (%(ects)g ECTS): no substantial difference.", **named))
        if outcome is Outcome.partial:
            credits, working = _partial_credits(policy, course, len(recognised), len(recognised) + len(missing), incoming)
            return Recommendation(outcome=outcome, credits=credits, working=working, **common, summary=msg(
                "Recognise in part: %(credits)g of %(ects)g ECTS of %(course)s %(title)s.", credits=credits, **named))
        if outcome is Outcome.alternative:
            alt = next((cid for cid, (_, o) in results.items() if cid != course_id and o in (Outcome.full, Outcome.partial)), None)
            if alt is not None:
                other = self.engine.catalogue.course(alt)
                how = msg("in full") if results[alt][1] is Outcome.full else msg("in part")
                return Recommendation(outcome=outcome, alternative_course_id=alt, **common, summary=msg(
                    "Not equivalent to %(course)s, but to %(other)s %(other_title)s: recognise it %(how)s for that course instead.",
                    course=course.id, other=alt, other_title=other.title, how=how))
            elective = by_check["elective_credit"].evidence
            credits, working = _elective_credits(policy, incoming, elective)
            where = dict(course=course.id, credits=credits, programme=elective["programme"])
            summary = (msg("Not equivalent to %(course)s: recognise as %(credits)g ECTS of elective credit in %(programme)s at EQF "
                           "level %(eqf)d.", eqf=elective["incoming_eqf"], **where) if elective.get("incoming_eqf") else
                       msg("Not equivalent to %(course)s: recognise as %(credits)g ECTS of elective credit in %(programme)s.", **where))
            return Recommendation(outcome=outcome, credits=credits, working=working, **common, summary=summary)
        if outcome is Outcome.conditional:
            conditions = unique([b for f in substantial for b in f.message("bridge")])
            return Recommendation(outcome=outcome, conditions=conditions, **common, summary=msg(
                "Recognise as %(course)s %(title)s once bridged by: %(conditions)s.", conditions=conditions, **named))
        return Recommendation(outcome=outcome, **common, summary=msg(
            "Refuse recognition as %(course)s %(title)s: a substantial difference no other form of recognition can bridge.", **named))

    def _abstain(self, policy: Policy, credential, ranked: list[Candidate], as_of, stacked_from, profile) -> Assessment:
        """No course is clearly what the credential is about: rather than recommend the best of
        bad candidates, ask the officer which course it should count for."""
        closest = [f"{c.course_id} {c.title}" for c in ranked[:3]]
        recommendation = Recommendation(
            outcome=Outcome.insufficient_information,
            summary=msg("No course of the catalogue clearly corresponds to this credential (closest: %(closest)s): "
                        "name the course it should count for.", closest=", ".join(closest)),
            ask_for=[msg("the home course this credential should count for: no course of the catalogue clearly corresponds to it")],
        )
        return Assessment(
            credential=credential, stacked_from=stacked_from, purpose=None, as_of=as_of,
            outcome=Outcome.insufficient_information, recommendation=recommendation, findings=[],
            candidates=[CandidateSummary.of(c) for c in ranked],
            versions=self._versions(policy, profile.model_id, profile.calibration.trained if profile.calibration else None),
        )

    def _without_outcomes(self, policy: Policy, credential, purpose, as_of, stacked_from) -> Assessment:
        """No outcomes, nothing to match: ask for them (and for whatever else is missing)."""
        findings = [rule.evaluate(_empty_context(self, credential, purpose, as_of)) for rule in policy.rules] if purpose else []
        asks = [ASK["learning_outcomes"]]
        asks += [a for f in blocking(findings, policy.required_elements) for a in f.message("ask_for")]
        recommendation = Recommendation(
            outcome=Outcome.insufficient_information,
            summary=msg("Cannot assess: the credential states no learning outcomes.") if not credential.learning_outcomes else
                    msg("Cannot assess: none of the lines given as learning outcomes states what the learner can do."),
            ask_for=unique(asks), appeal=policy.header.appeal,
        )
        return Assessment(
            credential=credential, stacked_from=stacked_from, purpose=self._purpose(purpose, True) if purpose else None,
            as_of=as_of, outcome=Outcome.insufficient_information, recommendation=recommendation, findings=findings,
            candidates=[], versions=self._versions(policy, None, None),
        )

    def _versions(self, policy: Policy, model_id: str | None, calibration: str | None) -> Versions:
        return Versions(
            engine=__version__, model=model_id, calibration=calibration, policy_id=policy.id,
            policy_version=policy.version, policy_digest=policy.digest, policy_sources=list(policy.sources),
            policy_valid_from=policy.header.valid_from, policy_in_force=list(policy.in_force),
            reference_data_version=self.reference.version, reference_data_digest=self.reference.digest,
        )


def _empty_context(assessor: Assessor, credential: MicroCredential, purpose: str, as_of: dt.date) -> Context:
    course = assessor.engine.catalogue.course(purpose)
    empty = Candidate(course_id=course.id, title=course.title, ects=course.ects, score=0.0, score_name="none", features={}, matches=())
    return Context(credential=credential, course=course, course_level=assessor._course_level(course), candidate=empty,
                   similarities=np.zeros((0, len(course.learning_outcomes))), threshold=1.0, as_of=as_of,
                   reference=assessor.reference)


def _partial_credits(policy: Policy, course: Course, recognised: int, essential: int, incoming: float | None) -> tuple[float, list[Step]]:
    """Credits for the essential outcomes recognised, capped by the incoming workload, rounded by policy."""
    share = recognised / essential if essential else 1.0
    by_outcomes = course.ects * share
    rule = msg("partial recognition: credits for the outcomes recognised (LRC Article VI.1; EAR-HEI manual, partial recognition)")
    working = [Step(quantity=msg("credits for the outcomes recognised"), value=round(by_outcomes, 4),
                    working=msg("%(ects)g ECTS × %(recognised)d/%(essential)d essential outcomes = %(credits).4g ECTS", ects=course.ects,
                                recognised=recognised, essential=essential, credits=by_outcomes), rule=rule)]
    raw = by_outcomes
    if incoming is not None and incoming < by_outcomes:
        raw = incoming
        working.append(Step(quantity=msg("capped by the incoming workload"), value=round(incoming, 4),
                            working=msg("the middle of the converted workload, %(incoming).4g ECTS, is less than %(credits).4g ECTS",
                                        incoming=incoming, credits=by_outcomes),
                            rule=msg("workload: credits awarded from the middle of the converted range")))
    credits = round_credits(min(raw, course.ects), policy.header.credits.step)
    working.append(_rounding_step(policy, raw, credits))
    return credits, working


def _elective_credits(policy: Policy, incoming: float | None, elective: dict) -> tuple[float, list[Step]]:
    raw = incoming if incoming is not None else 0.0
    working = [Step(quantity=msg("incoming workload"), value=round(raw, 4),
                    working=msg("the middle of the converted workload: %(ects).4g ECTS", ects=raw),
                    rule=msg("workload: credits awarded from the middle of the converted range"))]
    cap = elective["max_ects"]
    if raw > cap:
        working.append(Step(quantity=msg("capped by the programme's elective space"), value=cap,
                            working=msg("%(ects).4g ECTS > %(cap)g ECTS", ects=raw, cap=cap),
                            parameters={f"elective_credit.programmes.{elective['programme']}.max_ects": cap},
                            rule=msg("elective credit (%(reference)s)", reference=policy.header.elective_credit.reference)))
        raw = cap
    credits = round_credits(raw, policy.header.credits.step)
    working.append(_rounding_step(policy, raw, credits))
    return credits, working


def _rounding_step(policy: Policy, raw: float, credits: float) -> Step:
    step = policy.header.credits.step
    return Step(quantity=msg("credits awarded"), value=credits,
                working=msg("%(ects).4g ECTS to the nearest %(step)g = %(credits)g ECTS", ects=raw, step=step, credits=credits),
                parameters={"credits.step": step}, rule=msg("rounding of credits (%(reference)s)", reference=policy.header.credits.reference))


ELECTIVE = N_("Elective credit")  # the label of the elective-credit finding


def elective_finding(policy: Policy, programmes: list, credential: MicroCredential, findings: list[Finding]) -> Finding:
    """Whether a programme of the course takes this credential as elective credit (its policy's
    ISCED-F fields, EQF level and elective space); a refusal names every reason."""
    conf = policy.header.elective_credit
    level = next((f for f in findings if f.check == "level"), None)
    eqf = level.evidence.get("incoming_eqf") if level else None
    field = credential.field_of_education
    incoming = _incoming_ects(next((f for f in findings if f.check == "workload"), None))
    reasons = []
    for programme in programmes:
        rules = conf.programmes.get(programme.id)
        named = f"{programme.title} ({programme.id})"
        if rules is None:
            reasons.append(msg("%(programme)s takes no elective credit under this policy", programme=named))
            continue
        problems = []
        if field is None:
            problems.append(msg("the credential states no field of education"))
        elif not any(field.startswith(code) for code in rules.fields):
            problems.append(msg("its field %(field)s is not among the fields the programme takes (%(fields)s)", field=field,
                                fields=", ".join(rules.fields)))
        if rules.min_eqf is not None and (eqf is None or eqf < rules.min_eqf):
            problems.append(msg("its level (EQF %(eqf)s) is below EQF %(min_eqf)d", eqf=msg("unknown") if eqf is None else str(eqf),
                                min_eqf=rules.min_eqf))
        if incoming is None:
            problems.append(msg("its workload cannot be converted to ECTS"))
        if not problems:
            return Finding(check="elective_credit", label=ELECTIVE, element="purpose", verdict=Verdict.meets,
                           reason=msg("%(programme)s takes elective credit from field(s) %(fields)s, up to %(max_ects)g ECTS",
                                      programme=named, fields=", ".join(rules.fields), max_ects=rules.max_ects),
                           reference=conf.reference,
                           evidence={"programme": programme.id, "max_ects": rules.max_ects, "incoming_eqf": eqf, "field": field})
        reasons.append(msg("%(programme)s: %(problems)s", programme=named, problems=problems))
    if not programmes:
        reasons.append(msg("the course belongs to no programme, so there is no programme to take elective credit"))
    return Finding(check="elective_credit", label=ELECTIVE, element="purpose", verdict=Verdict.substantial_difference,
                   reason=msg("not equivalent to the course, and no elective credit: %(reasons)s", reasons=reasons),
                   reference=conf.reference, evidence={"programmes": [p.id for p in programmes], "field": field, "incoming_eqf": eqf})


def _incoming_ects(workload: Finding | None) -> float | None:
    """The credits an incoming workload is worth when awarding them: the middle of the
    converted range (its upper end decides whether there is a difference at all)."""
    if workload is None or "incoming_ects" not in workload.evidence:
        return None
    low, high = workload.evidence["incoming_ects"]
    return (float(low) + float(high)) / 2


def _recognised_outcomes(lo: Finding | None, depth: Finding | None) -> tuple[list[str], list[str]]:
    """Essential outcomes covered, and missing; an outcome met only at a lower cognitive level
    counts as missing when the depth check found that substantial."""
    if lo is None:
        return [], []
    # Outcomes "to confirm" are not missing (the burden of proof is the institution's).
    covered = [*lo.evidence.get("covered", []), *lo.evidence.get("to_confirm", [])]
    missing = list(lo.evidence.get("missing", []))
    if depth is not None and depth.verdict is Verdict.substantial_difference:
        shallow = {f["local"] for f in depth.evidence.get("flagged", [])}
        covered, missing = [o for o in covered if o not in shallow], missing + [o for o in covered if o in shallow]
    return covered, missing
