"""Integration tests with the real bundled models (no fakes)."""

import csv

import pytest

from recognition_engine import Engine
from recognition_engine.encoders.sentence_transformer import BUNDLED_ID

from recognition_engine.paths import examples_dir

EXAMPLES = examples_dir()

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def engine(sample_catalogue, tmp_path_factory):
    return Engine(sample_catalogue, cache_path=tmp_path_factory.mktemp("cache") / "emb.sqlite")


@pytest.fixture(scope="module")
def gold():
    out: dict[str, set[str]] = {}
    with (EXAMPLES / "gold.csv").open() as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["credential_id"], set()).add(row["course_id"])
    return out


def test_every_english_sample_ranks_its_gold_course_first(engine, sample_credentials, gold):
    english = [c for c in sample_credentials.values() if c.language == "en" and c.learning_outcomes]
    firsts = {c.id: engine.rank(c, k=1)[0].course_id for c in english}
    hits = [cid for cid, course in firsts.items() if course in gold[cid]]
    assert engine.encoder_for(english[0]).model_id == BUNDLED_ID
    assert len(hits) == len(english), firsts


def test_vietnamese_credential_uses_the_multilingual_model(engine, sample_credentials, gold):
    vi = next(c for c in sample_credentials.values() if c.language == "vi")
    encoder = engine.encoder_for(vi)
    assert encoder.model_id.startswith("intfloat/multilingual-e5-small")
    top = [c.course_id for c in engine.rank(vi, k=3)]
    assert gold[vi.id] & set(top), top
