import numpy as np

from recognition_engine.encoders import CachedEncoder, EmbeddingCache


def test_cache_persists_across_processes_and_encodes_each_text_once(tmp_path, bow_encoder):
    path = tmp_path / "emb.sqlite"
    first = CachedEncoder(bow_encoder, EmbeddingCache(path))
    a = first.encode(["alpha beta", "gamma", "alpha beta"])
    assert first.encoded == 2 and bow_encoder.calls == [["alpha beta", "gamma"]]

    again = CachedEncoder(bow_encoder, EmbeddingCache(path))  # a new process, same file
    b = again.encode(["gamma", "alpha beta"])
    assert again.encoded == 0 and len(bow_encoder.calls) == 1
    np.testing.assert_array_equal(b, a[[1, 0]])


def test_cache_is_keyed_by_model(tmp_path, bow_encoder):
    cache = EmbeddingCache(tmp_path / "emb.sqlite")
    CachedEncoder(bow_encoder, cache).encode(["same text"])

    class Other(type(bow_encoder)):
        model_id = "test/other-model"

    other = Other()
    CachedEncoder(other, cache).encode(["same text"])
    assert other.calls == [["same text"]]
