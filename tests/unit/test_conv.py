"""conv2d (vectorised) against conv2d_naive (loops) and an independent reference."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit import conv2d, conv2d_backward, conv2d_backward_naive, conv2d_naive


def reference_conv(x, w, b=None, stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """Cross-correlation written differently from cnnkit: np.pad, a dilated kernel with
    zeros between taps, and a sum over one window at a time (batched with einsum)."""
    f, c, kh, kw = w.shape
    dh, dw = dilation
    wd = np.zeros((f, c, dh * (kh - 1) + 1, dw * (kw - 1) + 1))
    wd[:, :, ::dh, ::dw] = w
    xp = np.pad(x, ((0, 0), (0, 0), pads[0], pads[1]))
    sh, sw = stride
    eh, ew = wd.shape[2:]
    oh = (xp.shape[2] - eh) // sh + 1
    ow = (xp.shape[3] - ew) // sw + 1
    out = np.empty((x.shape[0], f, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * sh : i * sh + eh, j * sw : j * sw + ew]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", patch, wd)
    if b is not None:
        out += b[None, :, None, None]
    return out


def torch_same_pads(k, d):
    """PyTorch's 'same': total d*(k-1), smaller half on the top/left."""
    total = d * (k - 1)
    return total // 2, total - total // 2


CASES = [
    # (N, C, H, W), (F, KH, KW), stride, padding, dilation
    ((2, 3, 7, 7), (4, 3, 3), 1, 0, 1),
    ((1, 1, 8, 8), (2, 3, 3), 1, 1, 1),
    ((2, 2, 9, 7), (3, 3, 2), 2, 1, 1),
    ((1, 3, 10, 11), (2, 4, 3), (2, 3), (1, 2), 1),
    ((2, 2, 9, 9), (2, 3, 3), 1, 2, 2),
    ((1, 2, 12, 10), (3, 2, 3), (3, 1), (0, 1), (2, 3)),
    ((3, 1, 5, 5), (1, 5, 5), 1, 0, 1),
    ((1, 2, 6, 6), (2, 1, 1), 2, 0, 1),
    ((2, 2, 6, 7), (2, 2, 2), 1, "same", 1),
    ((1, 1, 7, 8), (2, 4, 3), 1, "same", 1),
    ((1, 2, 9, 9), (1, 4, 2), 1, "same", (2, 3)),
    ((2, 1, 6, 6), (2, 3, 3), 2, "valid", 1),
]


def _pairs(v):
    return v if isinstance(v, tuple) else (v, v)


def _pads(padding, kernel, dilation):
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        return (torch_same_pads(kernel[0], dilation[0]), torch_same_pads(kernel[1], dilation[1]))
    ph, pw = _pairs(padding)
    return (ph, ph), (pw, pw)


def _make(case, rng, dtype=np.float64):
    xshape, (f, kh, kw), stride, padding, dilation = case
    x = rng.normal(size=xshape).astype(dtype)
    w = rng.normal(size=(f, xshape[1], kh, kw)).astype(dtype)
    b = rng.normal(size=f).astype(dtype)
    return x, w, b, stride, padding, dilation


@pytest.mark.parametrize("case", CASES)
def test_conv2d_matches_independent_reference(case, rng):
    x, w, b, stride, padding, dilation = _make(case, rng)
    pads = _pads(padding, w.shape[2:], _pairs(dilation))
    expected = reference_conv(x, w, b, _pairs(stride), pads, _pairs(dilation))
    got = conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_conv2d_matches_naive(case, rng):
    x, w, b, stride, padding, dilation = _make(case, rng)
    fast = conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    slow = conv2d_naive(x, w, b, stride=stride, padding=padding, dilation=dilation)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_conv2d_backward_matches_naive(case, rng):
    x, w, _, stride, padding, dilation = _make(case, rng)
    out = conv2d(x, w, stride=stride, padding=padding, dilation=dilation)
    dout = rng.normal(size=out.shape)
    fast = conv2d_backward(dout, x, w, stride=stride, padding=padding, dilation=dilation)
    slow = conv2d_backward_naive(dout, x, w, stride=stride, padding=padding, dilation=dilation)
    for name, a, b_, like in zip(("dx", "dweight", "dbias"), fast, slow, (x, w, w[:, 0, 0, 0])):
        assert a.shape == like.shape, name
        np.testing.assert_allclose(a, b_, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("case", CASES)
def test_conv2d_backward_is_the_adjoint(case, rng):
    """A convolution is linear in x and in w, so <conv(x, w), g> = <x, dx> = <w, dw>,
    and dbias is dout summed over every axis but the kernels'."""
    x, w, _, stride, padding, dilation = _make(case, rng)
    out = conv2d(x, w, stride=stride, padding=padding, dilation=dilation)
    g = rng.normal(size=out.shape)
    dx, dw, db = conv2d_backward(g, x, w, stride=stride, padding=padding, dilation=dilation)
    inner = float(np.sum(out * g))
    assert np.isclose(np.sum(x * dx), inner, rtol=1e-10, atol=1e-10)
    assert np.isclose(np.sum(w * dw), inner, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(db, g.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_conv2d_is_cross_correlation_not_flipped():
    x = np.arange(9.0).reshape(3, 3)
    k = np.array([[1.0, 0.0], [0.0, -1.0]])
    # out[i, j] = x[i, j] - x[i+1, j+1] = -4 everywhere (a flipped kernel would give +4).
    np.testing.assert_array_equal(conv2d(x, k), np.full((2, 2), -4.0))
    np.testing.assert_array_equal(conv2d_naive(x, k), np.full((2, 2), -4.0))


def test_conv2d_small_example_by_hand():
    x = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 0.0, 1.0]])
    k = np.array([[1.0, 2.0], [3.0, 4.0]])
    # top-left window [[1,2],[0,1]]: 1 + 4 + 0 + 4 = 9; top-right [[2,0],[1,3]]: 2+0+3+12 = 17
    # bottom-left [[0,1],[2,0]]: 0+2+6+0 = 8; bottom-right [[1,3],[0,1]]: 1+6+0+4 = 11
    expected = np.array([[9.0, 17.0], [8.0, 11.0]])
    np.testing.assert_array_equal(conv2d(x, k), expected)
    np.testing.assert_array_equal(conv2d(x, k, bias=np.array([0.5])), expected + 0.5)


def test_padding_is_zeros_on_each_side():
    x = np.ones((1, 1, 3, 3))
    w = np.ones((1, 1, 3, 3))
    out = conv2d(x, w, padding=1)[0, 0]
    # corners see 4 ones, edges 6, the centre all 9
    np.testing.assert_array_equal(out, [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


def test_same_with_even_kernel_pads_bottom_right():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 0] = 1.0  # a single 1 in the top-left corner
    w = np.zeros((1, 1, 2, 2))
    w[0, 0, 0, 0] = 1.0  # the kernel reads only its own top-left tap
    out = conv2d(x, w, padding="same")
    assert out.shape == x.shape
    # With the extra zero row/column at the bottom/right, node (0, 0)'s window starts at
    # pixel (0, 0) itself; padding at the top/left would shift the 1 to node (1, 1).
    assert out[0, 0, 0, 0] == 1.0 and out.sum() == 1.0


def test_2d_image_with_2d_kernel(rng):
    img, k = rng.normal(size=(9, 8)), rng.normal(size=(3, 2))
    out = conv2d(img, k, stride=2, padding=1)
    full = conv2d(img[None, None], k[None, None], stride=2, padding=1)
    assert out.shape == full.shape[2:]
    np.testing.assert_array_equal(out, full[0, 0])
    np.testing.assert_allclose(conv2d_naive(img, k, stride=2, padding=1), out, rtol=1e-12)
    dx, dw, db = conv2d_backward(np.ones_like(out), img, k, stride=2, padding=1)
    assert dx.shape == img.shape and dw.shape == k.shape and db.shape == (1,)


def test_3d_input_is_one_unbatched_image(rng):
    x, w, b = rng.normal(size=(3, 6, 7)), rng.normal(size=(2, 3, 3, 3)), rng.normal(size=2)
    out = conv2d(x, w, b, padding=1)
    assert out.shape == (2, 6, 7)
    np.testing.assert_array_equal(out, conv2d(x[None], w, b, padding=1)[0])
    np.testing.assert_allclose(conv2d_naive(x, w, b, padding=1), out, rtol=1e-12)
    dx, dw, db = conv2d_backward(np.ones_like(out), x, w, padding=1)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == (2,)


@pytest.mark.parametrize("fn", [conv2d, conv2d_naive])
def test_float32_in_float32_out(fn, rng):
    x = rng.normal(size=(2, 3, 6, 6)).astype(np.float32)
    w = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    b = rng.normal(size=4).astype(np.float32)
    out = fn(x, w, b, stride=2, padding=1)
    assert out.dtype == np.float32
    expected = reference_conv(
        x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), (2, 2), ((1, 1), (1, 1))
    )
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fn", [conv2d_backward, conv2d_backward_naive])
def test_backward_float32_in_float32_out(fn, rng):
    x = rng.normal(size=(2, 3, 6, 6)).astype(np.float32)
    w = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    dout = rng.normal(size=(2, 4, 6, 6)).astype(np.float32)
    grads = fn(dout, x, w, padding="same")
    assert [g.dtype for g in grads] == [np.float32] * 3


def test_float64_and_integer_inputs_give_float64(rng):
    assert conv2d(rng.normal(size=(1, 1, 4, 4)), np.ones((1, 1, 2, 2))).dtype == np.float64
    out = conv2d(np.arange(16).reshape(4, 4), np.ones((2, 2), dtype=int))
    assert out.dtype == np.float64
    assert out[0, 0] == 0 + 1 + 4 + 5


def test_inputs_are_not_modified(rng):
    x, w, b = rng.normal(size=(1, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    copies = [a.copy() for a in (x, w, b)]
    out = conv2d(x, w, b, padding=1)
    conv2d_backward(np.ones_like(out), x, w, padding=1)
    for before, after in zip(copies, (x, w, b)):
        np.testing.assert_array_equal(before, after)


def test_output_does_not_share_memory_with_input(rng):
    x, w = rng.normal(size=(1, 1, 4, 4)), np.ones((1, 1, 1, 1))
    out = conv2d(x, w)
    out += 1.0
    assert not np.shares_memory(out, x)


def test_results_are_not_overwritten_by_later_calls(rng):
    """Each call returns new arrays: a later call (same shapes, other numbers) leaves the
    earlier results as they were, even if temporaries are reused inside."""
    x1, x2 = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(2, 3, 7, 7))
    w1, w2 = rng.normal(size=(4, 3, 3, 3)), rng.normal(size=(4, 3, 3, 3))
    for kw in (dict(padding=1), dict(stride=2), dict(padding="same", dilation=2)):
        out1 = conv2d(x1, w1, **kw)
        grads1 = conv2d_backward(np.ones_like(out1), x1, w1, **kw)
        saved = [a.copy() for a in (out1, *grads1)]
        out2 = conv2d(x2, w2, **kw)
        conv2d_backward(out2, x2, w2, **kw)
        for before, after in zip(saved, (out1, *grads1)):
            np.testing.assert_array_equal(before, after)
