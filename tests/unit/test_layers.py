"""Layers: forward/backward agree with the functions, params/grads, shapes, dtypes."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit import (
    Conv2D,
    Dense,
    Flatten,
    MaxPool2D,
    ReLU,
    conv2d,
    conv2d_backward,
    max_pool2d,
    max_pool2d_backward,
)

CONV_CONFIGS = [
    dict(in_channels=1, out_channels=4, kernel_size=3),
    dict(in_channels=2, out_channels=3, kernel_size=3, padding=1),
    dict(in_channels=3, out_channels=2, kernel_size=(2, 3), stride=(2, 1), padding=(1, 0)),
    dict(in_channels=2, out_channels=2, kernel_size=3, dilation=2, padding=2),
    dict(in_channels=1, out_channels=2, kernel_size=4, padding="same"),
    dict(in_channels=2, out_channels=3, kernel_size=2, stride=2, padding="valid"),
]


@pytest.mark.parametrize("cfg", CONV_CONFIGS)
def test_conv2d_layer_matches_the_functions(cfg, rng):
    layer = Conv2D(**cfg, rng=0)
    layer.params["bias"][:] = rng.normal(size=cfg["out_channels"])
    x = rng.normal(size=(2, cfg["in_channels"], 9, 8))
    extra = {k: cfg[k] for k in ("stride", "padding", "dilation") if k in cfg}
    w, b = layer.params["weight"], layer.params["bias"]
    out = layer.forward(x)
    np.testing.assert_allclose(out, conv2d(x, w, b, **extra), rtol=1e-13, atol=1e-13)
    assert layer.output_shape(x.shape) == out.shape
    assert layer.output_shape(x.shape[1:]) == out.shape[1:]
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    dx_f, dw_f, db_f = conv2d_backward(dout, x, w, **extra)
    np.testing.assert_allclose(dx, dx_f, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(layer.grads["weight"], dw_f, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(layer.grads["bias"], db_f, rtol=1e-13, atol=1e-13)


def test_conv2d_layer_parameters():
    layer = Conv2D(3, 8, (5, 3), rng=1)
    assert layer.params["weight"].shape == (8, 3, 5, 3)
    assert layer.params["bias"].shape == (8,)
    assert np.all(layer.params["bias"] == 0)
    assert layer.n_params == 8 * 3 * 5 * 3 + 8
    assert set(layer.params) == set(layer.grads) == {"weight", "bias"}
    for k in layer.params:
        assert layer.grads[k].shape == layer.params[k].shape
    assert layer.params["weight"].dtype == np.float64


def test_conv2d_init_is_seeded_and_he_scaled():
    a, b, c = Conv2D(64, 64, 3, rng=7), Conv2D(64, 64, 3, rng=7), Conv2D(64, 64, 3, rng=8)
    np.testing.assert_array_equal(a.params["weight"], b.params["weight"])
    assert not np.array_equal(a.params["weight"], c.params["weight"])
    gen = np.random.default_rng(3)
    d = Conv2D(64, 64, 3, rng=gen)
    assert d.params["weight"].shape == (64, 64, 3, 3)
    # He-normal: std sqrt(2 / fan_in) with fan_in = 64*3*3; 36,864 draws, so within 3%.
    assert abs(a.params["weight"].std() / np.sqrt(2 / 576) - 1) < 0.03


def test_dense_layer_forward_backward(rng):
    layer = Dense(6, 4, rng=0)
    layer.params["bias"][:] = rng.normal(size=4)
    x = rng.normal(size=(5, 6))
    w, b = layer.params["weight"], layer.params["bias"]
    assert w.shape == (4, 6)
    out = layer.forward(x)
    expected = np.einsum("ni,oi->no", x, w) + b
    np.testing.assert_allclose(out, expected, rtol=1e-13)
    g = rng.normal(size=(5, 4))
    dx = layer.backward(g)
    np.testing.assert_allclose(dx, np.einsum("no,oi->ni", g, w), rtol=1e-13)
    np.testing.assert_allclose(layer.grads["weight"], np.einsum("no,ni->oi", g, x), rtol=1e-13)
    np.testing.assert_allclose(layer.grads["bias"], g.sum(axis=0), rtol=1e-13)
    assert layer.n_params == 6 * 4 + 4
    assert layer.output_shape((6,)) == (4,)
    assert layer.output_shape((5, 6)) == (5, 4)


def test_dense_init_is_glorot_uniform_and_seeded():
    a, b = Dense(300, 100, rng=5), Dense(300, 100, rng=5)
    np.testing.assert_array_equal(a.params["weight"], b.params["weight"])
    limit = np.sqrt(6 / 400)
    w = a.params["weight"]
    assert np.all(np.abs(w) <= limit) and np.abs(w).max() > 0.95 * limit
    assert np.all(a.params["bias"] == 0)


def test_relu(rng):
    layer = ReLU()
    x = np.array([[-2.0, -0.5, 0.5, 3.0]])
    np.testing.assert_array_equal(layer.forward(x), [[0.0, 0.0, 0.5, 3.0]])
    np.testing.assert_array_equal(
        layer.backward(np.array([[1.0, 2.0, 3.0, 4.0]])), [[0.0, 0.0, 3.0, 4.0]]
    )
    assert layer.params == {} and layer.n_params == 0
    assert layer.output_shape((3, 4, 4)) == (3, 4, 4)


def test_relu_near_and_at_zero(rng):
    # Tiny values keep their sign; at exactly 0 the gradient is 0, as in PyTorch.
    layer = ReLU()
    x = np.array([-1e-6, -0.0, 0.0, 1e-6])
    np.testing.assert_array_equal(layer.forward(x), [0.0, 0.0, 0.0, 1e-6])
    np.testing.assert_array_equal(layer.backward(np.ones(4)), [0.0, 0.0, 0.0, 1.0])
    x = rng.normal(size=(3, 2, 5, 5)) * 1e-3
    np.testing.assert_array_equal(layer.forward(x), np.maximum(x, 0.0))
    g = rng.normal(size=x.shape)
    np.testing.assert_array_equal(layer.backward(g), np.where(x > 0, g, 0.0))


def test_maxpool_layer_matches_the_functions(rng):
    layer = MaxPool2D(3, stride=2)
    x = rng.normal(size=(2, 3, 9, 8))
    out = layer.forward(x)
    np.testing.assert_array_equal(out, max_pool2d(x, 3, 2))
    assert layer.output_shape(x.shape[1:]) == out.shape[1:]
    assert layer.output_shape(x.shape) == out.shape
    g = rng.normal(size=out.shape)
    np.testing.assert_array_equal(layer.backward(g), max_pool2d_backward(g, x, 3, 2))
    assert layer.n_params == 0
    assert MaxPool2D(2).output_shape((4, 7, 8)) == (4, 3, 4)


def test_flatten_round_trip(rng):
    layer = Flatten()
    x = rng.normal(size=(3, 2, 4, 5))
    out = layer.forward(x)
    assert out.shape == (3, 40)
    np.testing.assert_array_equal(out[1], x[1].ravel())
    np.testing.assert_array_equal(layer.backward(out), x)
    assert layer.output_shape((2, 4, 5)) == (40,)
    assert layer.output_shape((3, 2, 4, 5)) == (3, 40)


@pytest.mark.parametrize(
    "make", [lambda: Conv2D(2, 3, 3, padding=1, rng=0), ReLU, lambda: MaxPool2D(2), Flatten]
)
def test_backward_before_forward_is_a_clear_error(make):
    with pytest.raises(RuntimeError, match="before forward"):
        make().backward(np.ones((1, 2, 4, 4)))


def test_dense_backward_before_forward():
    with pytest.raises(RuntimeError, match="before forward"):
        Dense(3, 2).backward(np.ones((1, 2)))


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: Conv2D(2, 3, 3, padding=1, rng=0), (2, 2, 5, 5)),
        (lambda: Dense(4, 3, rng=0), (5, 4)),
    ],
)
def test_backward_overwrites_grads(make, shape, rng):
    layer = make()
    x = rng.normal(size=shape)
    g = rng.normal(size=layer.forward(x).shape)
    layer.backward(g)
    first = {k: v.copy() for k, v in layer.grads.items()}
    layer.backward(g)
    for k in first:
        np.testing.assert_array_equal(layer.grads[k], first[k])


def _float32_cases():
    return [
        (Conv2D(2, 3, 3, padding=1, rng=0, dtype=np.float32), (2, 2, 6, 6)),
        (Conv2D(2, 3, 4, padding="same", dilation=2, rng=0, dtype=np.float32), (2, 2, 8, 8)),
        (Dense(5, 3, rng=0, dtype=np.float32), (4, 5)),
        (ReLU(), (2, 3, 4, 4)),
        (MaxPool2D(2), (2, 3, 4, 4)),
        (Flatten(), (2, 3, 4, 4)),
    ]


@pytest.mark.parametrize("index", range(len(_float32_cases())))
def test_float32_layers_stay_float32(index, rng):
    layer, shape = _float32_cases()[index]
    for p in layer.params.values():
        assert p.dtype == np.float32
    x = rng.normal(size=shape).astype(np.float32)
    out = layer.forward(x)
    assert out.dtype == np.float32
    dx = layer.backward(np.ones_like(out))
    assert dx.dtype == np.float32
    for g in layer.grads.values():
        assert g.dtype == np.float32


def test_layers_have_readable_reprs():
    assert repr(Conv2D(1, 16, 3, padding=1)) == "Conv2D(1, 16, kernel_size=3, padding=1)"
    assert repr(Conv2D(3, 8, (3, 5), stride=2)) == "Conv2D(3, 8, kernel_size=(3, 5), stride=2)"
    assert repr(Dense(128, 10)) == "Dense(128, 10)"
    assert repr(MaxPool2D(2)) == "MaxPool2D(kernel_size=2)"


def test_two_identical_layers_keep_their_own_state(rng):
    """Two layers of the same shape in one network: the second's forward must not change
    what the first kept for its backward (nor the first's output)."""
    a, b = Conv2D(2, 2, 3, padding=1, rng=0), Conv2D(2, 2, 3, padding=1, rng=1)
    pa, pb = MaxPool2D(2), MaxPool2D(2)
    x1, x2 = rng.normal(size=(2, 2, 6, 6)), rng.normal(size=(2, 2, 6, 6))
    g = rng.normal(size=(2, 2, 6, 6))
    out_a = a.forward(x1)
    kept = out_a.copy()
    pooled = pa.forward(x1)
    b.forward(x2)
    pb.forward(x2)
    np.testing.assert_array_equal(out_a, kept)
    dx = a.backward(g)
    expected = conv2d_backward(g, x1, a.params["weight"], padding=1)
    np.testing.assert_allclose(dx, expected[0], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(a.grads["weight"], expected[1], rtol=1e-13, atol=1e-13)
    gp = rng.normal(size=pooled.shape)
    np.testing.assert_array_equal(pa.backward(gp), max_pool2d_backward(gp, x1, 2))


def test_forward_twice_then_backward_uses_the_last_input(rng):
    layer = Conv2D(1, 2, 3, rng=0)
    x1, x2 = rng.normal(size=(1, 1, 5, 5)), rng.normal(size=(1, 1, 5, 5))
    layer.forward(x1)
    out = layer.forward(x2)
    g = np.ones_like(out)
    layer.backward(g)
    _, dw, _ = conv2d_backward(g, x2, layer.params["weight"])
    np.testing.assert_allclose(layer.grads["weight"], dw, rtol=1e-13, atol=1e-13)
