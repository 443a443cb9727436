"""The sentence-transformers encoder: batching, and the ONNX Runtime that runs the bundled model."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recognition_engine.encoders.onnx_runtime import supported
from recognition_engine.encoders.sentence_transformer import SentenceTransformerEncoder, bundled_model_path, length_batches


def test_a_long_text_is_not_padded_with_short_ones():
    outcomes = [f"apply method {i} to data" for i in range(8)]
    whole = ". ".join(outcomes)  # a credential's whole text
    batches = length_batches([*outcomes, whole, "Data methods"], batch_size=64)
    assert [i for batch in batches for i in batch if i == 8] == [8]
    assert next(batch for batch in batches if 8 in batch) == [8]
    assert sorted(i for batch in batches for i in batch) == list(range(10))


def test_batches_respect_the_batch_size_and_go_shortest_first():
    texts = [f"text {'x' * (i % 7)}" for i in range(150)]
    batches = length_batches(texts, batch_size=64)
    assert all(len(b) <= 64 for b in batches) and sum(map(len, batches)) == 150
    lengths = [len(texts[i]) for b in batches for i in b]
    assert lengths == sorted(lengths)
    assert length_batches([], 64) == []


def test_a_credentials_outcomes_are_split_for_every_core():
    """A credential's outcomes fit one batch; with two cores they go in two, and no batch is
    split past single texts."""
    outcomes = [f"apply method {i} to data" for i in range(9)]
    batches = length_batches(outcomes, batch_size=64, parts=2)
    assert sorted(map(len, batches)) == [4, 5]
    assert sorted(i for b in batches for i in b) == list(range(9))
    assert length_batches(outcomes[:2], batch_size=64, parts=4) == [[0], [1]]
    assert len(length_batches(outcomes * 20, batch_size=64, parts=2)) == 3  # enough batches already


@pytest.mark.model
def test_onnx_runtime_gives_the_vectors_of_torch(tmp_path, monkeypatch):
    """The bundled model runs on ONNX Runtime, exported from its own weights on first use;
    every text, short, long (truncated at 256 tokens) or empty, gets torch's vector."""
    monkeypatch.setenv("RECOGNITION_CACHE_DIR", str(tmp_path))
    texts = ["Apply linear regression to economic data", "", "Trình bày được các khái niệm cơ bản",
             " ".join(f"analyse dataset {i} with SQL and Python" for i in range(80)), "C++"]
    onnx = SentenceTransformerEncoder()
    fast = onnx.encode(texts)
    assert onnx._onnx is not None and list((tmp_path / "onnx").glob("*.onnx"))
    slow = SentenceTransformerEncoder(runtime="torch").encode(texts)
    assert fast.shape == slow.shape == (5, onnx.dim) and np.abs(fast - slow).max() < 1e-5


@pytest.mark.model
def test_a_process_with_the_exported_model_never_imports_torch(tmp_path):
    code = ("import sys; from recognition_engine.encoders.sentence_transformer import SentenceTransformerEncoder as E; "
            "E().encode(['describe the water cycle']); print('torch' in sys.modules)")
    env = {**os.environ, "RECOGNITION_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(Path(__file__).parents[1])}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True) for _ in range(2)]
    assert [r.stdout.strip() for r in runs] == ["True", "False"]  # the first run exports, the second only loads


@pytest.mark.model
def test_the_int8_model_is_a_model_of_its_own_close_to_float32(tmp_path, monkeypatch):
    """Quantised once beside the float32 export; another model id (so other vectors never mix
    in the cache or meet the float32 model's fitted profile), vectors close to float32's."""
    monkeypatch.setenv("RECOGNITION_CACHE_DIR", str(tmp_path))
    texts = ["Apply linear regression to economic data", "Design a relational database schema", "",
             "Trình bày được các khái niệm cơ bản", " ".join(f"analyse dataset {i} with SQL" for i in range(80))]
    full, int8 = SentenceTransformerEncoder(), SentenceTransformerEncoder(runtime="int8")
    assert int8.model_id == full.model_id + "@onnx-int8"
    near = (full.encode(texts) * int8.encode(texts)).sum(axis=1)
    assert near.min() > 0.97 and near.max() < 1 - 1e-4  # close, but not the same vectors
    assert sorted(p.name.endswith("-int8.onnx") for p in (tmp_path / "onnx").glob("*.onnx")) == [False, True]


def test_the_int8_runtime_needs_a_model_onnx_runs(tmp_path):
    with pytest.raises(ValueError, match="int8"):
        SentenceTransformerEncoder(tmp_path, runtime="int8")


def test_only_a_bert_encoder_with_mean_pooling_runs_on_onnx(tmp_path):
    assert supported(bundled_model_path())
    assert not supported(tmp_path)  # not a sentence-transformers folder


def test_an_unknown_runtime_is_refused():
    with pytest.raises(ValueError, match="runtime"):
        SentenceTransformerEncoder(runtime="tensorflow")


@pytest.mark.model
def test_a_forked_process_encodes_with_its_own_threads(tmp_path, monkeypatch):
    monkeypatch.setenv("RECOGNITION_CACHE_DIR", str(tmp_path))
    encoder = SentenceTransformerEncoder()
    before = encoder.encode(["plan a survey", "an outcome of some length about statistics"])
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's pool threads do not exist here
        signal.alarm(30)  # a child waiting on threads that are not there dies instead of hanging the test
        os.write(write, encoder.encode(["plan a survey", "an outcome of some length about statistics"]).tobytes())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    answer = os.read(read, before.nbytes)
    assert len(answer) == before.nbytes, "the child did not answer"
    assert np.array_equal(np.frombuffer(answer, dtype=np.float32).reshape(before.shape), before)
