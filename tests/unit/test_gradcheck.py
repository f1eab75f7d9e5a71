"""Every backward pass against numerical gradients (float64, relative error < 1e-7)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit import (
    Conv2D,
    Dense,
    Flatten,
    Layer,
    MaxPool2D,
    ReLU,
    Sequential,
    check_layer_gradients,
    numerical_gradient,
    relative_error,
    softmax_cross_entropy,
)

TOL = 1e-7


def test_numerical_gradient_of_a_known_function(rng):
    x = rng.normal(size=(3, 4))
    num = numerical_gradient(lambda v: float(np.sum(np.sin(v))), x)
    assert relative_error(num, np.cos(x)) < 1e-8


def test_numerical_gradient_restores_x(rng):
    x = rng.normal(size=5)
    before = x.copy()
    numerical_gradient(lambda v: float(v @ v), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_needs_a_float_array():
    with pytest.raises(TypeError, match="float ndarray"):
        numerical_gradient(lambda v: 0.0, np.arange(3))


def test_relative_error():
    a = np.array([1.0, 2.0, 4.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, a + np.array([0.0, 0.0, 0.4])) == pytest.approx(0.4 / 4.4)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match=r"same shape.*\(3,\).*\(2,\)"):
        relative_error(a, a[:2])


CONV_VARIANTS = [
    dict(kernel_size=3),
    dict(kernel_size=3, padding=1),
    dict(kernel_size=3, stride=2),
    dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 2)),
    dict(kernel_size=3, dilation=2),
    dict(kernel_size=2, dilation=(1, 2), padding=1, stride=(1, 2)),
    dict(kernel_size=4, padding="same"),
    dict(kernel_size=(2, 3), padding="same", dilation=2),
]


@pytest.mark.parametrize("cfg", CONV_VARIANTS, ids=lambda c: repr(c))
def test_conv2d_layer_gradients(cfg, rng):
    layer = Conv2D(2, 3, rng=0, **cfg)
    layer.params["bias"][:] = rng.normal(size=3)
    x = rng.normal(size=(2, 2, 6, 7))
    errors = check_layer_gradients(layer, x, seed=1)
    assert set(errors) == {"x", "weight", "bias"}
    assert max(errors.values()) < TOL, errors


def test_relu_gradient_away_from_the_kink(rng):
    # |x| >= 0.1, far from 0 compared with the step h = 1e-6, so no value crosses the kink.
    x = rng.uniform(0.1, 1.0, size=(2, 3, 4, 4)) * rng.choice([-1.0, 1.0], size=(2, 3, 4, 4))
    errors = check_layer_gradients(ReLU(), x)
    assert errors["x"] < TOL, errors


@pytest.mark.parametrize("kernel_size, stride", [(2, None), (3, 2), ((2, 3), (1, 2)), (2, 1)])
def test_maxpool_gradient_with_distinct_values(kernel_size, stride, rng):
    # A shuffled ramp: all values distinct and 0.01 apart, so no nudge changes a maximum.
    x = rng.permutation(2 * 2 * 7 * 7).reshape(2, 2, 7, 7) * 0.01
    errors = check_layer_gradients(MaxPool2D(kernel_size, stride), x)
    assert errors["x"] < TOL, errors


def test_flatten_gradient(rng):
    assert check_layer_gradients(Flatten(), rng.normal(size=(2, 3, 2, 2)))["x"] < TOL


def test_dense_gradient(rng):
    layer = Dense(7, 4, rng=0)
    layer.params["bias"][:] = rng.normal(size=4)
    errors = check_layer_gradients(layer, rng.normal(size=(3, 7)))
    assert set(errors) == {"x", "weight", "bias"}
    assert max(errors.values()) < TOL, errors


def test_softmax_cross_entropy_gradient(rng):
    z = rng.normal(size=(5, 6)) * 2
    y = np.array([0, 5, 2, 2, 3])
    _, d = softmax_cross_entropy(z, y)
    num = numerical_gradient(lambda v: softmax_cross_entropy(v, y)[0], z)
    assert relative_error(d, num) < TOL


def test_whole_network_gradient(rng):
    """Loss -> backward through conv, relu, pool, flatten, dense, for every parameter."""
    net = Sequential(
        Conv2D(1, 2, 3, padding=1, rng=0),
        ReLU(),
        MaxPool2D(2),
        Flatten(),
        Dense(2 * 3 * 3, 3, rng=1),
    )
    x = rng.normal(size=(2, 1, 6, 6))
    y = np.array([0, 2])

    def loss(_=None):
        return softmax_cross_entropy(net.forward(x), y)[0]

    _, d = softmax_cross_entropy(net.forward(x), y)
    dx = net.backward(d)
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-6
    for params, grads in net.params():
        for name, p in params.items():
            analytic = grads[name].copy()
            assert relative_error(analytic, numerical_gradient(loss, p)) < 1e-6, name


class _WrongDense(Dense):
    """A Dense layer whose bias gradient is wrong (forgets to sum over the batch)."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.grads["bias"] = dout[0].copy()
        return dx


def test_the_check_catches_a_wrong_gradient(rng):
    layer = _WrongDense(4, 3, rng=0)
    errors = check_layer_gradients(layer, rng.normal(size=(3, 4)))
    assert errors["bias"] > 1e-2
    assert errors["weight"] < TOL
    assert isinstance(layer, Layer)
