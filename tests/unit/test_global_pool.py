"""Global average pooling: loops and vectorised agree, the means and gradients by hand,
the layer in a model (its summary and a Dense layer after it).

The same numbers are compared with PyTorch in tests/oracle/test_modern_blocks_oracle.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnkit as ck


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 1, 1, 1), (3, 2, 1, 7), (0, 2, 3, 3)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_loops_and_vectorised_give_the_same_numbers(shape, dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape).astype(dtype)
    out = ck.global_avg_pool2d(x)
    np.testing.assert_allclose(out, ck.global_avg_pool2d_naive(x), rtol=1e-6)
    assert out.shape == shape[:2] and out.dtype == dtype
    dout = rng.normal(size=shape[:2]).astype(dtype)
    dx = ck.global_avg_pool2d_backward(dout, x)
    np.testing.assert_allclose(dx, ck.global_avg_pool2d_backward_naive(dout, x), rtol=1e-6)
    assert dx.shape == shape and dx.dtype == dtype


def test_by_hand():
    x = np.array([[[[1.0, 2.0], [3.0, 6.0]], [[0.0, 0.0], [0.0, 8.0]]]])  # (1, 2, 2, 2)
    np.testing.assert_array_equal(ck.global_avg_pool2d(x), [[3.0, 2.0]])
    dx = ck.global_avg_pool2d_backward(np.array([[4.0, -8.0]]), x)
    np.testing.assert_array_equal(dx[0, 0], np.full((2, 2), 1.0))  # 4 shared by 4 pixels
    np.testing.assert_array_equal(dx[0, 1], np.full((2, 2), -2.0))


def test_gradient_matches_finite_differences():
    x = np.random.default_rng(1).normal(size=(2, 3, 3, 2))
    g = np.random.default_rng(2).normal(size=(2, 3))
    numeric = ck.numerical_gradient(lambda v: float(np.sum(ck.global_avg_pool2d(v) * g)), x)
    assert ck.relative_error(ck.global_avg_pool2d_backward(g, x), numeric) < 1e-8


def test_the_layer_in_a_model_replaces_flatten():
    net = ck.Sequential(
        ck.Conv2D(1, 8, 3, padding=1, rng=0),
        ck.ReLU(),
        ck.GlobalAvgPool2D(),
        ck.Dense(8, 10, rng=1),
    )
    rows = net.summary((1, 8, 8)).rows
    assert [r.output_shape for r in rows] == [(8, 8, 8), (8, 8, 8), (8,), (10,)]
    assert rows[2].params == 0 and rows[2].nodes == 0 and rows[2].name == "GlobalAvgPool2D()"
    assert rows[3].params == 8 * 10 + 10  # against 8 * 64 * 10 + 10 after Flatten
    x = np.random.default_rng(3).normal(size=(4, 1, 8, 8))
    assert net.forward(x).shape == (4, 10)
    assert net.backward(np.ones((4, 10))).shape == x.shape
    assert ck.GlobalAvgPool2D().output_shape((2, 8, 5, 5)) == (2, 8)


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (
            lambda: ck.global_avg_pool2d(np.ones((3, 4, 4))),
            ValueError,
            ("x must have shape", "x[None]"),
        ),
        (lambda: ck.global_avg_pool2d(np.ones((2, 0, 4, 4))), ValueError, ("empty channel",)),
        (lambda: ck.global_avg_pool2d(np.full((1, 1, 2, 2), "a")), TypeError, ("x must be",)),
        (
            lambda: ck.global_avg_pool2d_backward(np.ones((2, 3, 1, 1)), np.ones((2, 3, 4, 4))),
            ValueError,
            ("dout", "(2, 3)", "(2, 3, 1, 1)"),
        ),
        (lambda: ck.GlobalAvgPool2D().backward(np.ones((2, 3))), RuntimeError, ("before forward",)),
        (lambda: ck.GlobalAvgPool2D().output_shape((4, 4)), ValueError, ("(4, 4)",)),
    ],
)
def test_bad_inputs_are_named(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value)
