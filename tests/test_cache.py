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


def test_memory_keeps_the_most_recently_used_vectors_and_answers_beyond_its_capacity(tmp_path, bow_encoder):
    cached = CachedEncoder(bow_encoder, None, memory_capacity=3)
    many = cached.encode(["a", "b", "c", "d", "e", "a"])  # more texts than the memory holds: all answered
    assert many.shape[0] == 6 and cached.encoded == 5
    np.testing.assert_array_equal(many[0], many[5])
    assert len(cached.memory) == 3
    cached.encode(["c"])  # a hit: "c" becomes the most recent
    cached.encode(["f"])  # evicts the least recent, "d"
    calls = len(bow_encoder.calls)
    cached.encode(["c", "e", "f"])
    assert len(bow_encoder.calls) == calls  # still in memory
    cached.encode(["d"])
    assert bow_encoder.calls[-1] == ["d"]  # evicted, so encoded again (no disk cache here)


def test_evicted_vectors_come_back_from_disk_not_from_the_model(tmp_path, bow_encoder):
    cached = CachedEncoder(bow_encoder, EmbeddingCache(tmp_path / "emb.sqlite"), memory_capacity=2)
    first = cached.encode(["one", "two", "three"])
    again = cached.encode(["one", "two", "three"])
    assert cached.encoded == 3 and len(bow_encoder.calls) == 1
    np.testing.assert_array_equal(first, again)
