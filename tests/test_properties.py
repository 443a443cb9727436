"""Property tests (hypothesis) with the real bundled models on the sample catalogue.

New credentials are derived from the sample ones with `model_copy(update=...)`, so every
example stays a plausible credential and almost every text is already in the embedding
cache. Outcomes are compared on the ladder order of `recommend.ORDER` (full best, refused
worst); `insufficient_information` is not on that scale, so a pair with it is not compared.
"""

from __future__ import annotations

import csv
import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recognition_engine import Catalogue, Engine, LearningOutcome, Level, Workload, load_catalogue, load_credentials
from recognition_engine.assessment import Assessor
from recognition_engine.paths import cache_dir, examples_dir
from recognition_engine.recommend import ORDER

pytestmark = pytest.mark.model

AS_OF = dt.date(2026, 11, 1)
CACHE = cache_dir() / "embeddings.sqlite"  # one cache file for every engine here: nothing is encoded twice
# Derandomized: the same examples every run, so CI is reproducible and, once their new texts
# (reordered or extended credentials) are in the embedding cache, a run encodes nothing.
# No example database is written (database=None).
PROPERTY = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

with (examples_dir() / "gold.csv").open(newline="", encoding="utf-8") as fh:
    GOLD = [(row["credential_id"], row["course_id"]) for row in csv.DictReader(fh)]
CREDENTIAL_IDS = sorted({cid for cid, _ in GOLD})

# A credential with the course it is meant for, or with no purpose (the engine picks the course).
pairs = st.sampled_from(GOLD)
pairs_or_no_purpose = st.one_of(pairs, st.sampled_from(CREDENTIAL_IDS).map(lambda cid: (cid, None)))


class World(dict):
    """The sample catalogue, its assessor and the sample credentials (short repr in failure reports)."""

    def __repr__(self) -> str:
        return "<sample catalogue and credentials>"


@pytest.fixture(scope="module")
def world():
    catalogue = load_catalogue(examples_dir() / "catalogue.yaml")
    engine = Engine(catalogue, cache_path=CACHE)
    credentials = {c.id: c for c in load_credentials(examples_dir() / "credentials")}
    return World(catalogue=catalogue, assessor=Assessor(engine), credentials=credentials)


@pytest.fixture(scope="module")
def shuffled_assessors(world):
    """Assessors over the same catalogue with its courses in other orders (same cache file)."""
    catalogue = world["catalogue"]
    orders = [list(catalogue.courses)[::-1]]
    rng = random.Random(20261101)
    for _ in range(2):
        courses = list(catalogue.courses)
        rng.shuffle(courses)
        orders.append(courses)
    out = []
    for courses in orders:
        assert [c.id for c in courses] != [c.id for c in catalogue.courses]
        shuffled = Catalogue(institution=catalogue.institution, programmes=catalogue.programmes, courses=courses)
        out.append(Assessor(Engine(shuffled, cache_path=CACHE)))
    return ShortList(out)


class ShortList(list):
    def __repr__(self) -> str:
        return f"<{len(self)} assessors over reordered catalogues>"


def rank(assessment) -> int | None:
    return ORDER.get(assessment.outcome)


def not_worse(better, worse) -> bool:
    """`better` is at least as good as `worse` on the ladder (vacuous off the ladder)."""
    a, b = rank(better), rank(worse)
    return a is None or b is None or a <= b


def decision(a) -> dict:
    """What an officer acts on: the outcome, the course, each check's verdict, credits, the other course."""
    r = a.recommendation
    return {"outcome": a.outcome, "purpose": a.purpose.course_id if a.purpose else None,
            "verdicts": [(f.check, f.verdict) for f in a.findings], "credits": r.credits,
            "alternative": r.alternative_course_id, "conditions": r.conditions, "ask_for": r.ask_for}


def explain(*assessments) -> str:
    return "\n".join(f"{a.credential.id} -> {a.purpose.course_id if a.purpose else None}: {a.outcome.value}: "
                     f"{a.recommendation.summary}" for a in assessments)


# ----------------------------------------------------------------------------- monotonicity

@PROPERTY
@given(pair=pairs_or_no_purpose, ects=st.lists(st.integers(1, 30).map(lambda x: x / 2), min_size=2, max_size=2, unique=True))
def test_more_workload_never_worsens_the_outcome(world, pair, ects):
    cid, purpose = pair
    low, high = sorted(ects)
    base = world["credentials"][cid]
    assess = world["assessor"].assess
    smaller = assess(base.model_copy(update={"workload": Workload(value=low, unit="ects")}), purpose, AS_OF)
    larger = assess(base.model_copy(update={"workload": Workload(value=high, unit="ects")}), purpose, AS_OF)
    assert not_worse(larger, smaller), explain(smaller, larger)


@PROPERTY
@given(pair=pairs_or_no_purpose, levels=st.lists(st.integers(1, 8), min_size=2, max_size=2, unique=True))
def test_a_higher_level_never_worsens_the_outcome(world, pair, levels):
    cid, purpose = pair
    low, high = sorted(levels)
    base = world["credentials"][cid]
    assess = world["assessor"].assess
    lower = assess(base.model_copy(update={"level": Level(framework="EQF", value=str(low))}), purpose, AS_OF)
    higher = assess(base.model_copy(update={"level": Level(framework="EQF", value=str(high))}), purpose, AS_OF)
    assert not_worse(higher, lower), explain(lower, higher)


@PROPERTY
@given(pair=pairs, pick=st.integers(0, 100))
def test_adding_one_of_the_courses_own_essential_outcomes_never_worsens_it(world, pair, pick):
    cid, purpose = pair
    base = world["credentials"][cid]
    essential = [lo for lo in world["catalogue"].course(purpose).learning_outcomes if lo.essential]
    added = LearningOutcome(text=essential[pick % len(essential)].text)
    assess = world["assessor"].assess
    before = assess(base, purpose, AS_OF)
    after = assess(base.model_copy(update={"learning_outcomes": [*base.learning_outcomes, added]}), purpose, AS_OF)
    assert not_worse(after, before), explain(before, after)
    lo_before, lo_after = before.finding("learning_outcomes"), after.finding("learning_outcomes")
    if lo_before is not None and lo_after is not None:
        assert lo_after.evidence["covered_share"] >= lo_before.evidence["covered_share"]


# ----------------------------------------------------------------------------- order independence

@PROPERTY
@given(pair=pairs_or_no_purpose, rnd=st.randoms(use_true_random=False))
def test_the_decision_does_not_depend_on_the_order_of_the_outcomes(world, pair, rnd):
    cid, purpose = pair
    base = world["credentials"][cid]
    outcomes = list(base.learning_outcomes)
    rnd.shuffle(outcomes)
    assess = world["assessor"].assess
    original = assess(base, purpose, AS_OF)
    reordered = assess(base.model_copy(update={"learning_outcomes": outcomes}), purpose, AS_OF)
    assert decision(reordered) == decision(original), explain(original, reordered)


@PROPERTY
@given(pair=pairs_or_no_purpose, which=st.integers(0, 2))
def test_the_decision_does_not_depend_on_the_order_of_the_catalogue(world, shuffled_assessors, pair, which):
    cid, purpose = pair
    credential = world["credentials"][cid]
    original = world["assessor"].assess(credential, purpose, AS_OF)
    shuffled = shuffled_assessors[which].assess(credential, purpose, AS_OF)
    assert decision(shuffled) == decision(original), explain(original, shuffled)
    assert [(c.course_id, c.score, c.outcome) for c in shuffled.candidates] == \
           [(c.course_id, c.score, c.outcome) for c in original.candidates]
    assert shuffled.findings == original.findings


# ----------------------------------------------------------------------------- determinism

@PROPERTY
@given(pair=pairs_or_no_purpose, ects=st.integers(1, 20).map(lambda x: x / 2))
def test_repeated_runs_give_identical_assessments(world, pair, ects):
    cid, purpose = pair
    credential = world["credentials"][cid].model_copy(update={"workload": Workload(value=ects, unit="ects")})
    assess = world["assessor"].assess
    first, second = assess(credential, purpose, AS_OF), assess(credential, purpose, AS_OF)
    assert first.model_dump(mode="json") == second.model_dump(mode="json")


def test_a_fresh_engine_gives_the_identical_assessment(world):
    """Across engine instances (a new model load, the cache re-read) nothing changes either."""
    fresh = Assessor(Engine(world["catalogue"], cache_path=CACHE))
    for cid, purpose in [*GOLD, *((cid, None) for cid in CREDENTIAL_IDS)]:
        credential = world["credentials"][cid]
        assert fresh.assess(credential, purpose, AS_OF).model_dump(mode="json") == \
               world["assessor"].assess(credential, purpose, AS_OF).model_dump(mode="json"), (cid, purpose)
