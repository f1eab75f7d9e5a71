"""SGD with momentum: PyTorch's update rule, written out here by hand."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit import SGD, Dense, Sequential, softmax_cross_entropy


def test_plain_sgd_step():
    p = {"weight": np.array([1.0, -2.0])}
    g = {"weight": np.array([0.5, 0.25])}
    opt = SGD([(p, g)], lr=0.1)
    opt.step()
    np.testing.assert_allclose(p["weight"], [0.95, -2.025], rtol=1e-15)


def test_momentum_matches_the_recurrence(rng):
    p0 = rng.normal(size=5)
    grads_seq = [rng.normal(size=5) for _ in range(4)]
    params, grads = {"w": p0.copy()}, {"w": np.zeros(5)}
    opt = SGD([(params, grads)], lr=0.05, momentum=0.9)
    expected, v = p0.copy(), None
    for g in grads_seq:
        grads["w"] = g  # replaced, as a layer's backward does: step reads the current one
        opt.step()
        v = g.copy() if v is None else 0.9 * v + g
        expected = expected - 0.05 * v
        np.testing.assert_allclose(params["w"], expected, rtol=1e-14)


def test_weight_decay_adds_to_the_gradient():
    p, g = {"w": np.array([2.0])}, {"w": np.array([1.0])}
    SGD([(p, g)], lr=0.1, weight_decay=0.5).step()
    assert p["w"][0] == pytest.approx(2.0 - 0.1 * (1.0 + 0.5 * 2.0), abs=1e-15)


def test_step_updates_the_layer_arrays_in_place(rng):
    net = Sequential(Dense(3, 2, rng=0))
    weight = net.layers[0].params["weight"]
    before = weight.copy()
    opt = SGD(net.params(), lr=0.1)
    x = rng.normal(size=(4, 3))
    _, d = softmax_cross_entropy(net.forward(x), np.array([0, 1, 1, 0]))
    net.backward(d)
    opt.step()
    assert net.layers[0].params["weight"] is weight
    np.testing.assert_allclose(weight, before - 0.1 * net.layers[0].grads["weight"], rtol=1e-14)


def test_step_reads_the_grads_current_at_that_moment(rng):
    net = Sequential(Dense(3, 2, rng=0))
    opt = SGD(net.params(), lr=1.0)  # created before any backward
    x = rng.normal(size=(2, 3))
    before = net.layers[0].params["bias"].copy()
    net.forward(x)
    net.backward(np.ones((2, 2)))
    opt.step()
    np.testing.assert_allclose(net.layers[0].params["bias"], before - 2.0, rtol=1e-14)


def test_float32_params_stay_float32():
    p = {"w": np.ones(3, dtype=np.float32)}
    g = {"w": np.full(3, 0.5, dtype=np.float32)}
    opt = SGD([(p, g)], lr=0.1, momentum=0.9)
    opt.step()
    opt.step()
    assert p["w"].dtype == np.float32


def test_zero_grad():
    p, g = {"w": np.ones(2)}, {"w": np.ones(2)}
    SGD([(p, g)], lr=0.1).zero_grad()
    assert np.all(g["w"] == 0)
