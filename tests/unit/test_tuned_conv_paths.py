"""Each path the tuned convolution chooses per shape gives the loop version's numbers.

``_tuned_conv.tuned_backward`` computes dx on the flat padded grid for float32 stride-1
layers with short rows, and with strided col2im otherwise; both must agree with
:func:`cnnkit.conv2d_backward_naive`, also where a weight is NaN or infinite (where the
flat grid would turn the zeros of its padding places into NaN, so it must not be used).
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnkit

CASES = [
    # (N, C, H, W), (F, KH, KW), stride, padding, dilation: which dx path they take
    pytest.param((3, 2, 6, 5), (4, 3, 3), 1, 1, 1, id="flat: stride 1, OW 5"),
    pytest.param((2, 3, 7, 9), (2, 2, 4), 1, (2, 0), 1, id="flat: uneven padding"),
    pytest.param((2, 1, 5, 5), (3, 5, 5), 1, 2, 1, id="flat: kernel as large as x"),
    pytest.param((2, 2, 20, 20), (3, 3, 3), 1, 0, 1, id="strided: OW 18"),
    pytest.param((2, 2, 9, 9), (3, 3, 3), 2, 1, 1, id="strided: stride 2"),
    pytest.param((2, 2, 9, 9), (3, 3, 3), 1, 1, 2, id="strided: dilation 2"),
]


def _inputs(x_shape, w_shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal((w_shape[0], x_shape[1], *w_shape[1:])).astype(dtype)
    return x, w


@pytest.mark.parametrize("dtype, tol", [("float32", 1e-5), ("float64", 1e-10)])
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", CASES)
def test_every_dx_path_matches_the_loops(x_shape, w_shape, stride, padding, dilation, dtype, tol):
    x, w = _inputs(x_shape, w_shape, dtype)
    out, cache = cnnkit.conv2d_forward(x, w, None, stride, padding, dilation)
    dout = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    got = cnnkit.conv2d_backward(dout, x, w, stride, padding, dilation, cache=cache)
    want = cnnkit.conv2d_backward_naive(dout, x, w, stride, padding, dilation)
    for name, g, ref in zip(("dx", "dweight", "dbias"), got, want):
        scale = max(np.abs(ref).max(), 1.0)
        assert g.dtype == np.dtype(dtype), name
        assert np.abs(g - ref).max() <= tol * scale, f"{name} differs from the loop version"


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_weight_reaches_only_the_pixels_its_tap_reads(bad):
    x, w = _inputs((2, 2, 6, 5), (3, 3, 3), "float32")
    w[1, 0, 0, 0] = bad  # tap (0, 0): never reads the last two rows or columns
    dout = np.ones((2, 3, 6, 5), dtype=np.float32)
    with np.errstate(invalid="ignore"):
        dx = cnnkit.conv2d_backward(dout, x, w, 1, 1)[0]
        want = cnnkit.conv2d_backward_naive(dout, x, w, 1, 1)[0]
    assert np.array_equal(np.isnan(dx), np.isnan(want)), "NaN where the loops have none"
    finite = np.isfinite(want)
    assert finite.any() and np.allclose(dx[finite], want[finite], atol=1e-5)
