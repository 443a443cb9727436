import numpy as np

from recognition_engine.products import pair_cosines


def _unit(rng, n, d=384):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_pair_cosines_is_the_matrix_product():
    rng = np.random.default_rng(0)
    local, incoming = _unit(rng, 1000), _unit(rng, 7)
    got = pair_cosines(local, incoming)
    assert got.shape == (1000, 7) and got.dtype == np.float32
    np.testing.assert_allclose(got, local @ incoming.T, atol=1e-6)


def test_pair_cosines_takes_views_and_float64():
    rng = np.random.default_rng(1)
    local, incoming = _unit(rng, 50), _unit(rng, 3)
    expected = local[::2] @ incoming.T
    np.testing.assert_allclose(pair_cosines(local[::2], incoming.astype(np.float64)), expected, atol=1e-6)


def test_pair_cosines_of_nothing_is_empty():
    rng = np.random.default_rng(2)
    assert pair_cosines(np.zeros((0, 384), np.float32), _unit(rng, 4)).shape == (0, 4)
    assert pair_cosines(_unit(rng, 5), np.zeros((0, 384), np.float32)).shape == (5, 0)
