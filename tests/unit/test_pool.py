"""Max and average pooling: vectorised vs loops, forward and backward, and by hand."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit import (
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_backward_naive,
    avg_pool2d_naive,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_backward_naive,
    max_pool2d_naive,
)

CASES = [
    # x shape, kernel_size, stride
    ((2, 3, 8, 8), 2, None),
    ((1, 2, 7, 7), 2, None),  # 7 is odd: the last row/column is dropped
    ((2, 1, 9, 8), 3, 2),  # overlapping windows
    ((1, 2, 6, 9), (2, 3), (1, 2)),
    ((1, 1, 5, 5), 3, 1),
    ((3, 2, 4, 4), 1, None),
    ((1, 1, 6, 6), (3, 1), (3, 2)),
]


def reference_pool(x, k, s, reduce):
    kh, kw = (k, k) if isinstance(k, int) else k
    s = (kh, kw) if s is None else s
    sh, sw = (s, s) if isinstance(s, int) else s
    oh, ow = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    out = np.empty((*x.shape[:2], oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(
                x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw], axis=(2, 3)
            )
    return out


@pytest.mark.parametrize("xshape, k, s", CASES)
@pytest.mark.parametrize("name", ["max", "avg"])
def test_forward_vectorised_matches_naive_and_reference(xshape, k, s, name, rng):
    fast, slow, reduce = {
        "max": (max_pool2d, max_pool2d_naive, np.max),
        "avg": (avg_pool2d, avg_pool2d_naive, np.mean),
    }[name]
    x = rng.normal(size=xshape)
    out = fast(x, k, s)
    np.testing.assert_allclose(out, slow(x, k, s), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(out, reference_pool(x, k, s, reduce), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("xshape, k, s", CASES)
@pytest.mark.parametrize("name", ["max", "avg"])
def test_backward_vectorised_matches_naive(xshape, k, s, name, rng):
    fwd, fast, slow = {
        "max": (max_pool2d, max_pool2d_backward, max_pool2d_backward_naive),
        "avg": (avg_pool2d, avg_pool2d_backward, avg_pool2d_backward_naive),
    }[name]
    x = rng.normal(size=xshape)
    dout = rng.normal(size=fwd(x, k, s).shape)
    dx = fast(dout, x, k, s)
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx, slow(dout, x, k, s), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("xshape, k, s", CASES)
def test_avg_backward_is_the_adjoint(xshape, k, s, rng):
    x = rng.normal(size=xshape)
    out = avg_pool2d(x, k, s)
    g = rng.normal(size=out.shape)
    assert np.isclose(np.sum(out * g), np.sum(x * avg_pool2d_backward(g, x, k, s)), rtol=1e-12)


@pytest.mark.parametrize("xshape, k, s", CASES)
def test_max_backward_routes_each_gradient_to_its_maximum(xshape, k, s, rng):
    x = rng.normal(size=xshape)
    out = max_pool2d(x, k, s)
    g = rng.normal(size=out.shape)
    dx = max_pool2d_backward(g, x, k, s)
    # Nothing is lost or made up, and max pooling is locally linear: <out, g> = <x, dx>.
    assert np.isclose(dx.sum(), g.sum(), rtol=1e-12, atol=1e-12)
    assert np.isclose(np.sum(out * g), np.sum(x * dx), rtol=1e-12, atol=1e-12)
    # Only pixels that are the maximum of some window receive anything.
    winners = np.isin(x, out)
    assert np.all(dx[~winners] == 0)


def test_max_pool_by_hand():
    x = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(max_pool2d(x, 2), [[5.0, 7.0], [13.0, 15.0]])
    np.testing.assert_array_equal(avg_pool2d(x, 2), [[2.5, 4.5], [10.5, 12.5]])
    dx = max_pool2d_backward(np.array([[1.0, 2.0], [3.0, 4.0]]), x, 2)
    expected = np.zeros((4, 4))
    expected[1, 1], expected[1, 3], expected[3, 1], expected[3, 3] = 1.0, 2.0, 3.0, 4.0
    np.testing.assert_array_equal(dx, expected)
    np.testing.assert_array_equal(avg_pool2d_backward(np.ones((2, 2)), x, 2), np.full((4, 4), 0.25))


@pytest.mark.parametrize("backward", [max_pool2d_backward, max_pool2d_backward_naive])
def test_max_ties_send_the_gradient_to_the_first_maximum(backward):
    x = np.ones((1, 1, 2, 2))  # every value equal: the first (top-left) wins
    dx = backward(np.array([[[[5.0]]]]), x, 2)
    np.testing.assert_array_equal(dx[0, 0], [[5.0, 0.0], [0.0, 0.0]])
    x = np.array([[0.0, 3.0], [3.0, 3.0]])  # first in reading order: row 0, column 1
    np.testing.assert_array_equal(backward(np.array([[1.0]]), x, 2), [[0.0, 1.0], [0.0, 0.0]])


def test_overlapping_windows_add_their_gradients():
    x = np.zeros((3, 3))
    x[1, 1] = 9.0  # the maximum of all four 2x2 windows at stride 1
    dx = max_pool2d_backward(np.array([[1.0, 2.0], [3.0, 4.0]]), x, 2, 1)
    assert dx[1, 1] == 10.0 and dx.sum() == 10.0


def test_dropped_rows_get_no_gradient(rng):
    x = rng.normal(size=(1, 1, 5, 5))
    dx = max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2)
    assert np.all(dx[0, 0, 4, :] == 0) and np.all(dx[0, 0, :, 4] == 0)
    dx = avg_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2)
    assert np.all(dx[0, 0, 4, :] == 0) and np.all(dx[0, 0, :4, :4] == 0.25)


@pytest.mark.parametrize("ndim", [2, 3])
def test_unbatched_inputs(ndim, rng):
    x4 = rng.normal(size=(1, 1, 6, 6))
    x = x4.reshape(x4.shape[4 - ndim :])
    for fwd, bwd in [(max_pool2d, max_pool2d_backward), (avg_pool2d, avg_pool2d_backward)]:
        out = fwd(x, 2)
        assert out.ndim == ndim
        np.testing.assert_array_equal(out, fwd(x4, 2).reshape(out.shape))
        dx = bwd(np.ones_like(out), x, 2)
        assert dx.shape == x.shape


@pytest.mark.parametrize("fn", [max_pool2d, avg_pool2d, max_pool2d_naive, avg_pool2d_naive])
def test_float32_in_float32_out(fn, rng):
    x = rng.normal(size=(2, 2, 6, 6)).astype(np.float32)
    assert fn(x, 2).dtype == np.float32


@pytest.mark.parametrize(
    "fn",
    [
        max_pool2d_backward,
        avg_pool2d_backward,
        max_pool2d_backward_naive,
        avg_pool2d_backward_naive,
    ],
)
def test_backward_float32_in_float32_out(fn, rng):
    x = rng.normal(size=(2, 2, 6, 6)).astype(np.float32)
    dout = rng.normal(size=(2, 2, 3, 3)).astype(np.float32)
    assert fn(dout, x, 2).dtype == np.float32
