from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import onnxruntime  # noqa: F401  before any test imports usearch: the other order crashes (recognition_engine/ann.py, _new_graph)
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


class BagOfWordsEncoder:
    """A small deterministic encoder for unit tests: hashed bag of lower-cased words.

    Integration tests use the real bundled model; this one only makes the arithmetic of
    alignment and ranking checkable without loading torch.
    """

    model_id = "test/bag-of-words"
    dim = 256

    def __init__(self):
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def bow_encoder():
    return BagOfWordsEncoder()


@pytest.fixture
def test_profiles():
    from recognition_engine.engine import ModelProfile
    from recognition_engine.matching import PairModel

    # P(covers) = 0.5 at cosine 0.5, 0.3 at about 0.415
    pairs = PairModel("test/bag-of-words", cosine=10.0, hubness=0.0, cross_lingual=0.0, margin=0.0, intercept=-5.0,
                      covered=0.5, to_confirm=0.3, source="unit tests")
    return {"test/bag-of-words": ModelProfile("test/bag-of-words", pairs, 0.5, "unit tests")}


@pytest.fixture(scope="session")
def sample_catalogue():
    from recognition_engine import load_catalogue

    return load_catalogue(EXAMPLES / "catalogue.yaml")


@pytest.fixture(scope="session")
def sample_credentials():
    from recognition_engine import load_credentials

    return {c.id: c for c in load_credentials(EXAMPLES / "credentials")}


# CI keeps the XML schemas beside the repository (<repo>/../shared/data/standards);
# RECOGNITION_STANDARDS points elsewhere (e.g. from a git worktree).
STANDARDS = Path(os.environ.get("RECOGNITION_STANDARDS") or ROOT.parent / "shared" / "data" / "standards")


@pytest.fixture(scope="session")
def xsd():
    """A function: schema name ("elmo-1.7.0", "elmo-2.0.0", "ewp-imobility-tors", ...) -> lxml XMLSchema,
    loaded offline through the folder's catalogue. Skips, saying why, when the schemas or lxml are absent."""
    if not (STANDARDS / "load_schemas.py").is_file():
        pytest.skip(f"the XML schemas are not at {STANDARDS} (CI has them at <repo>/../shared/data/standards; "
                    "set RECOGNITION_STANDARDS to use another copy)")
    pytest.importorskip("lxml", reason="validating against the XSDs needs lxml (the dev extra)")
    import importlib.util

    spec = importlib.util.spec_from_file_location("load_schemas", STANDARDS / "load_schemas.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.schema
