"""The recommendation an assessment ends with (the bag-of-words encoder: what is tested is how
zones become a recommendation, not how well outcomes match)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from recognition_engine import Engine
from recognition_engine.assessment import Assessor
from recognition_engine.frames import assessments_frame
from recognition_engine.rules import Outcome
from test_explain import _credential, essential

AS_OF = dt.date(2026, 11, 1)
REWORDED = ["Explain the kernel and system calls.", "Describe threads and CPU scheduling."]


@pytest.fixture
def assessor(sample_catalogue, bow_encoder, test_profiles, tmp_path):
    # Only a text identical to a local outcome is covered; any shared word puts a pair "to confirm".
    profiles = {k: dataclasses.replace(p, pairs=dataclasses.replace(p.pairs, covered=0.99, to_confirm=0.01))
                for k, p in test_profiles.items()}
    return Assessor(Engine(sample_catalogue, encoder=bow_encoder, cache_path=tmp_path / "cache.sqlite", profiles=profiles))


def test_outcomes_to_confirm_are_counted_and_said_in_the_recommendation(assessor, sample_catalogue):
    """An outcome the engine cannot settle is no substantial difference (the burden of proof is
    the institution's), so the recognition stands, but it lists the outcomes the officer settles first."""
    outcomes = [*REWORDED, *essential(sample_catalogue, "CS204")[2:]]
    a = assessor.assess(_credential(sample_catalogue, "CS204", 6, learning_outcomes=outcomes), "CS204", AS_OF)
    r = a.recommendation
    assert a.outcome is Outcome.full
    assert r.to_confirm == essential(sample_catalogue, "CS204")[:2]
    assert set(r.to_confirm) <= set(r.recognised_outcomes) and not r.missing_outcomes
    assert assessments_frame([a]).loc[0, "n_to_confirm"] == 2


def test_a_recognition_resting_on_covered_outcomes_alone_has_none_to_confirm(assessor, sample_catalogue):
    a = assessor.assess(_credential(sample_catalogue, "CS204", 6), "CS204", AS_OF)
    assert a.outcome is Outcome.full and a.recommendation.to_confirm == []
    assert assessments_frame([a]).loc[0, "n_to_confirm"] == 0


def test_a_refusal_does_not_rest_on_outcomes_to_confirm(assessor, sample_catalogue):
    outcomes = [*REWORDED, *essential(sample_catalogue, "CS204")[2:]]
    cred = _credential(sample_catalogue, "CS204", 6, learning_outcomes=outcomes, level={"framework": "EQF", "value": 4})
    a = assessor.assess(cred, "CS204", AS_OF)
    assert a.outcome is Outcome.refused
    assert a.finding("learning_outcomes").evidence["to_confirm"] and a.recommendation.to_confirm == []
