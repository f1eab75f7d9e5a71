"""Each path the tuned convolution chooses per shape gives the loop version's numbers.

``_tuned_conv.tuned_forward`` gathers the columns by place for outputs 4 or fewer wide and
copies them through a strided view otherwise. ``tuned_backward`` gathers dx from the
columns' gradient for outputs 8 or fewer wide, adds it on the flat padded grid for float32
stride-1 layers up to 15 wide, and uses strided col2im otherwise. Every path must agree with
the loop versions, also where a weight or a pixel is NaN or infinite (the flat grid's zero
places would turn into NaN with a non-finite weight, so it must not be used then).
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnkit
from cnnkit import _tuned_conv

CASES = [
    # (N, C, H, W), (F, KH, KW), stride, padding, dilation: the id names the paths taken
    pytest.param((3, 2, 10, 10), (4, 3, 3), 1, 1, 1, id="flat: stride 1, OW 10"),
    pytest.param((2, 3, 9, 12), (2, 2, 4), 1, (2, 0), 1, id="flat: uneven padding"),
    pytest.param((2, 1, 11, 11), (3, 5, 5), 1, 2, 1, id="flat: kernel as large as x"),
    pytest.param((3, 2, 6, 5), (4, 3, 3), 1, 1, 1, id="gather dx: OW 5"),
    pytest.param((2, 2, 9, 9), (3, 3, 3), 1, 1, 2, id="gather dx: dilation 2"),
    pytest.param((2, 3, 7, 7), (2, 2, 4), 1, (2, 0), 1, id="gather + gather dx: uneven pads"),
    pytest.param((3, 4, 4, 4), (5, 3, 3), 1, 1, 1, id="gather + gather dx: OW 4"),
    pytest.param((2, 2, 9, 7), (3, 3, 2), 2, (1, 0), 1, id="gather + gather dx: stride 2"),
    pytest.param((2, 2, 5, 5), (3, 5, 5), 1, 2, 1, id="gather dx: kernel as large as x"),
    pytest.param((2, 2, 20, 20), (3, 3, 3), 1, 0, 1, id="strided: OW 18"),
    pytest.param((2, 2, 20, 20), (3, 3, 3), 2, 1, 1, id="strided: stride 2"),
    pytest.param((2, 2, 20, 20), (3, 3, 3), 1, 1, 2, id="strided: dilation 2"),
    pytest.param((2, 3, 8, 8), (4, 3, 3), 1, 1, 1, id="gather dx: OW 8"),
    pytest.param((3, 2, 7, 10), (2, 2, 3), 1, 0, 1, id="gather dx: OW 8, no padding"),
]
#: cases whose float32 paths differ from the id's (which names the float64 paths): the
#: row grid takes float32 stride-1 outputs 5 to 8 wide, forward and backward
FLOAT32_PATHS = {
    "gather dx: OW 5": ["row grid", "row grid dx"],
    "gather dx: kernel as large as x": ["row grid", "row grid dx"],
    "gather dx: OW 8": ["row grid", "row grid dx"],
    "gather dx: OW 8, no padding": ["row grid", "row grid dx"],
}


def _path_spy(monkeypatch):
    """Names of the paths each call took: 'gather', 'gather dx', 'flat'."""
    taken = []

    def spy(name, f):
        def wrapped(*args):
            taken.append(name)
            return f(*args)

        return wrapped

    for name, attr in (
        ("gather", "_window_places"),
        ("gather dx", "_dx_gather"),
        ("row grid", "_row_grid_forward"),
        ("row grid dx", "_row_grid_backward"),
    ):
        monkeypatch.setattr(_tuned_conv, attr, spy(name, getattr(_tuned_conv, attr)))
    monkeypatch.setattr(_tuned_conv, "_dx_flat", spy("flat", _tuned_conv._dx_flat))
    return taken


def _inputs(x_shape, w_shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal((w_shape[0], x_shape[1], *w_shape[1:])).astype(dtype)
    return x, w


@pytest.mark.parametrize("dtype, tol", [("float32", 1e-5), ("float64", 1e-10)])
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", CASES)
def test_every_path_matches_the_loops(
    x_shape, w_shape, stride, padding, dilation, dtype, tol, request, monkeypatch
):
    taken = _path_spy(monkeypatch)
    x, w = _inputs(x_shape, w_shape, dtype)
    out, cache = cnnkit.conv2d_forward(x, w, None, stride, padding, dilation)
    want_out = cnnkit.conv2d_naive(x, w, None, stride, padding, dilation)
    assert np.abs(out - want_out).max() <= tol * max(np.abs(want_out).max(), 1.0)
    dout = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    got = cnnkit.conv2d_backward(dout, x, w, stride, padding, dilation, cache=cache)
    want = cnnkit.conv2d_backward_naive(dout, x, w, stride, padding, dilation)
    # the case's id names the paths it is meant to take (the flat grid in float32 only)
    meant = request.node.callspec.id.split(":")[0].split(" + ")
    meant = [p for p in meant if p in ("gather", "gather dx", "flat")]
    if dtype == "float64":
        meant = [p for p in meant if p != "flat"]
    else:
        meant = FLOAT32_PATHS.get(request.node.callspec.id.split("-")[0], meant)
    assert sorted(taken) == sorted(meant), f"took {taken}, meant {meant}"
    for name, g, ref in zip(("dx", "dweight", "dbias"), got, want):
        scale = max(np.abs(ref).max(), 1.0)
        assert g.dtype == np.dtype(dtype), name
        assert np.abs(g - ref).max() <= tol * scale, f"{name} differs from the loop version"


@pytest.mark.parametrize(
    "size", [(6, 5), (7, 8), (10, 10), (18, 18)], ids=["row grid", "row grid 8", "flat", "strided"]
)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_weight_reaches_only_the_pixels_its_tap_reads(bad, size):
    x, w = _inputs((2, 2, *size), (3, 3, 3), "float32")
    w[1, 0, 0, 0] = bad  # tap (0, 0): never reads the last two rows or columns
    dout = np.ones((2, 3, *size), dtype=np.float32)
    with np.errstate(invalid="ignore"):
        dx = cnnkit.conv2d_backward(dout, x, w, 1, 1)[0]
        want = cnnkit.conv2d_backward_naive(dout, x, w, 1, 1)[0]
    assert np.array_equal(np.isnan(dx), np.isnan(want)), "NaN where the loops have none"
    finite = np.isfinite(want)
    assert finite.any() and np.allclose(dx[finite], want[finite], atol=1e-5)


@pytest.mark.parametrize(
    "size", [4, 6, 8, 10, 18], ids=["gather", "row grid", "row grid 8", "flat", "strided"]
)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_pixel_reaches_the_same_places_as_in_the_loops(bad, size):
    # a pixel next to the padding: read by the windows of the edge only
    x, w = _inputs((2, 2, size, size), (3, 3, 3), "float32")
    x[1, 0, 0, size - 1] = bad
    with np.errstate(invalid="ignore"):
        out, cache = cnnkit.conv2d_forward(x, w, None, 1, 1)
        want = cnnkit.conv2d_naive(x, w, None, 1, 1)
        dout = np.ones_like(out)
        got_grads = cnnkit.conv2d_backward(dout, x, w, 1, 1, cache=cache)
        want_grads = cnnkit.conv2d_backward_naive(dout, x, w, 1, 1)
    pairs = [("out", out, want)] + list(zip(("dx", "dweight", "dbias"), got_grads, want_grads))
    for name, g, ref in pairs:
        assert np.array_equal(np.isnan(g), np.isnan(ref)), f"{name}: NaN in other places"
        assert np.array_equal(np.isinf(g), np.isinf(ref)), f"{name}: inf in other places"
        ok = np.isfinite(ref)
        assert np.allclose(g[ok], ref[ok], atol=1e-4), f"{name} differs where finite"


@pytest.mark.parametrize("dtype, tol", [("float32", 1e-5), ("float64", 1e-10)])
@pytest.mark.parametrize("x_shape", [(4, 2, 10, 10), (2, 3, 20, 20)], ids=["flat", "strided"])
def test_a_layer_reusing_its_padded_columns_follows_the_new_batch(x_shape, dtype, tol):
    """Copied columns live in rows longer than the matrix (so that no two rows are a power
    of two bytes apart); a layer's next batch of the same shape is written into that same
    memory, and must be what the loop version computes for that batch, not the last one."""
    layer = cnnkit.Conv2D(x_shape[1], 3, 3, padding=1, rng=0, dtype=np.dtype(dtype))
    first, second = (_inputs(x_shape, (3, 3, 3), dtype, seed)[0] for seed in (1, 2))
    layer.forward(first)
    cols = layer._cache.cols
    assert cols.strides[0] > cols.shape[1] * cols.itemsize  # rows padded in memory
    out = layer.forward(second)
    assert np.shares_memory(layer._cache.cols, cols)  # the same memory, overwritten
    w, b = layer.params["weight"], layer.params["bias"]
    np.testing.assert_allclose(out, cnnkit.conv2d_naive(second, w, b, 1, 1), atol=tol, rtol=tol)
    dout = np.ones_like(out)
    got = (layer.backward(dout), layer.grads["weight"], layer.grads["bias"])
    want = cnnkit.conv2d_backward_naive(dout, second, w, 1, 1)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, atol=tol * np.abs(e).max(), rtol=tol)
