"""softmax, log_softmax and softmax_cross_entropy."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit import log_softmax, softmax, softmax_cross_entropy


def test_softmax_rows_are_probabilities(rng):
    z = rng.normal(size=(5, 7)) * 3
    p = softmax(z)
    assert p.shape == z.shape
    assert np.all(p > 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)
    # independent formula
    e = np.exp(z)
    np.testing.assert_allclose(p, e / e.sum(axis=1, keepdims=True), rtol=1e-12)


def test_softmax_ignores_a_shift_and_does_not_overflow(rng):
    z = rng.normal(size=(3, 4))
    np.testing.assert_allclose(softmax(z + 1000.0), softmax(z), rtol=1e-12)
    p = softmax(np.array([[1000.0, 0.0], [-1000.0, 0.0]]))
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p, [[1.0, 0.0], [0.0, 1.0]], atol=1e-300)


def test_softmax_of_one_vector_and_log_softmax(rng):
    v = rng.normal(size=6)
    assert softmax(v).shape == (6,)
    np.testing.assert_allclose(np.log(softmax(v)), log_softmax(v), rtol=1e-12)
    assert np.isfinite(log_softmax(np.array([0.0, -2000.0]))).all()


def test_cross_entropy_value_and_gradient(rng):
    z = rng.normal(size=(6, 4))
    y = np.array([0, 3, 1, 1, 2, 0])
    loss, d = softmax_cross_entropy(z, y)
    assert isinstance(loss, float)
    # written out: -mean(z_y - log sum_k exp z_k)
    expected = -np.mean(z[np.arange(6), y] - np.log(np.exp(z).sum(axis=1)))
    assert abs(loss - expected) < 1e-13
    onehot = np.eye(4)[y]
    e = np.exp(z)
    np.testing.assert_allclose(d, (e / e.sum(axis=1, keepdims=True) - onehot) / 6, rtol=1e-12)
    np.testing.assert_allclose(d.sum(axis=1), 0.0, atol=1e-15)


def test_cross_entropy_of_uniform_scores_is_log_k():
    loss, _ = softmax_cross_entropy(np.zeros((3, 10)), np.array([0, 5, 9]))
    assert abs(loss - np.log(10)) < 1e-14


def test_cross_entropy_is_near_zero_when_confident_and_right():
    z = np.array([[50.0, 0.0, 0.0]])
    loss, d = softmax_cross_entropy(z, np.array([0]))
    assert 0 <= loss < 1e-20
    assert np.abs(d).max() < 1e-20


def test_cross_entropy_accepts_whole_float_labels():
    z = np.zeros((2, 3))
    assert (
        softmax_cross_entropy(z, np.array([0.0, 2.0]))[0]
        == softmax_cross_entropy(z, np.array([0, 2]))[0]
    )


def test_cross_entropy_float32(rng):
    z = rng.normal(size=(4, 5)).astype(np.float32)
    loss, d = softmax_cross_entropy(z, np.array([0, 1, 2, 4]))
    assert d.dtype == np.float32
    assert softmax(z).dtype == np.float32 and log_softmax(z).dtype == np.float32
    ref, dref = softmax_cross_entropy(z.astype(np.float64), np.array([0, 1, 2, 4]))
    assert abs(loss - ref) < 1e-5
    np.testing.assert_allclose(d, dref, atol=1e-6)


def test_cross_entropy_needs_two_dimensional_logits():
    with pytest.raises(ValueError, match=r"logits must have shape \(N, K\)"):
        softmax_cross_entropy(np.zeros(3), np.array([0]))
