"""Property-based tests: random shapes, strides, paddings and dilations (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnkit import (
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_backward_naive,
    avg_pool2d_naive,
    conv2d,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_naive,
    conv_output_size,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_backward_naive,
    max_pool2d_naive,
    pool_output_size,
)


@st.composite
def conv_cases(draw):
    """A random valid convolution: shapes, and stride/padding/dilation as int, pair or word."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    mode = draw(st.sampled_from(["int", "pair", "valid", "same"]))
    if mode == "same":
        stride, sh, sw = draw(st.sampled_from([1, (1, 1)])), 1, 1
    else:
        sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        stride = sh if draw(st.booleans()) and sh == sw else (sh, sw)
    if mode == "int":
        ph = pw = draw(st.integers(0, 3))
        padding = ph
    elif mode == "pair":
        ph, pw = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        padding = (ph, pw)
    else:
        ph = pw = 0
        padding = mode
    dilation = dh if (dh == dw and draw(st.booleans())) else (dh, dw)
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    # the input must be at least as large as the dilated kernel after padding
    h = draw(st.integers(max(1, span_h - 2 * ph), max(1, span_h - 2 * ph) + 6))
    w = draw(st.integers(max(1, span_w - 2 * pw), max(1, span_w - 2 * pw) + 6))
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    return dict(
        n=n,
        c=c,
        f=f,
        h=h,
        w=w,
        kh=kh,
        kw=kw,
        stride=stride,
        padding=padding,
        dilation=dilation,
        seed=seed,
        sh=sh,
        sw=sw,
        ph=ph,
        pw=pw,
        dh=dh,
        dw=dw,
        mode=mode,
    )


def _arrays(case, with_bias=True):
    rng = np.random.default_rng(case["seed"])
    x = rng.normal(size=(case["n"], case["c"], case["h"], case["w"]))
    w = rng.normal(size=(case["f"], case["c"], case["kh"], case["kw"]))
    b = rng.normal(size=case["f"]) if with_bias else None
    return x, w, b


def _kw(case):
    return dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])


@given(conv_cases())
def test_conv2d_equals_naive(case):
    x, w, b = _arrays(case)
    fast, slow = conv2d(x, w, b, **_kw(case)), conv2d_naive(x, w, b, **_kw(case))
    assert fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, rtol=1e-11, atol=1e-11)


@given(conv_cases())
def test_conv2d_output_shape_is_conv_output_size_per_axis(case):
    x, w, _ = _arrays(case, with_bias=False)
    out = conv2d(x, w, **_kw(case))
    if case["mode"] in ("same", "valid"):
        ph = pw = case["mode"]
    else:
        ph, pw = case["ph"], case["pw"]
    oh = conv_output_size(case["h"], case["kh"], case["sh"], ph, case["dh"])
    ow = conv_output_size(case["w"], case["kw"], case["sw"], pw, case["dw"])
    assert out.shape == (case["n"], case["f"], oh, ow)
    if case["mode"] == "same":
        assert (oh, ow) == (case["h"], case["w"])


@given(conv_cases())
def test_conv2d_backward_equals_naive(case):
    x, w, _ = _arrays(case, with_bias=False)
    out = conv2d(x, w, **_kw(case))
    dout = np.random.default_rng(case["seed"] + 1).normal(size=out.shape)
    fast = conv2d_backward(dout, x, w, **_kw(case))
    slow = conv2d_backward_naive(dout, x, w, **_kw(case))
    for a, b in zip(fast, slow):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-11)
    assert fast[0].shape == x.shape and fast[1].shape == w.shape


@given(conv_cases())
def test_conv2d_float32_stays_float32_and_close(case):
    x, w, b = _arrays(case)
    out32 = conv2d(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), **_kw(case))
    assert out32.dtype == np.float32
    out64 = conv2d(x, w, b, **_kw(case))
    scale = max(1.0, float(np.abs(out64).max()))
    assert float(np.abs(out32 - out64).max()) / scale < 1e-5


def count_pool_windows(n, k, s, p, ceil_mode):
    """Walk the window along the padded axis and count the positions PyTorch keeps."""
    padded, count, start = n + 2 * p, 0, 0
    while True:
        full = start + k <= padded
        # ceil_mode keeps one partial last window if the previous one did not reach the
        # end and it does not start in the right padding
        partial = ceil_mode and start < n + p and start - s + k < padded
        if not (full or partial):
            return count
        count += 1
        start += s


@given(
    n=st.integers(1, 30),
    k=st.integers(1, 10),
    s=st.integers(1, 8),
    data=st.data(),
    ceil_mode=st.booleans(),
)
def test_pool_output_size_counts_windows(n, k, s, data, ceil_mode):
    p = data.draw(st.integers(0, k // 2))
    expected = count_pool_windows(n, k, s, p, ceil_mode)
    if expected == 0:  # not even one window: a clear error, as PyTorch refuses it too
        with pytest.raises(ValueError, match=f"kernel_size={k} is larger"):
            pool_output_size(n, k, s, p, ceil_mode)
    else:
        assert pool_output_size(n, k, s, p, ceil_mode) == expected


@st.composite
def pool_cases(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kernel = kh if (kh == kw and draw(st.booleans())) else (kh, kw)
    stride = draw(st.sampled_from([None, (sh, sw)]))
    h, w = draw(st.integers(kh, kh + 7)), draw(st.integers(kw, kw + 7))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    ties = draw(st.booleans())
    rng = np.random.default_rng(seed)
    # with ties, values come from a small set so many windows have several maxima
    x = (
        rng.integers(0, 3, size=(n, c, h, w)).astype(float)
        if ties
        else rng.normal(size=(n, c, h, w))
    )
    kh_, kw_ = (kernel, kernel) if isinstance(kernel, int) else kernel
    sh_, sw_ = (kh_, kw_) if stride is None else stride
    out_hw = (pool_output_size(h, kh_, sh_), pool_output_size(w, kw_, sw_))
    dout = rng.normal(size=(n, c, *out_hw))
    return x, kernel, stride, dout


@given(pool_cases())
def test_max_pool_vectorised_equals_naive(case):
    x, k, s, dout = case
    out = max_pool2d(x, k, s)
    assert out.shape == dout.shape
    np.testing.assert_array_equal(out, max_pool2d_naive(x, k, s))
    np.testing.assert_allclose(
        max_pool2d_backward(dout, x, k, s),
        max_pool2d_backward_naive(dout, x, k, s),
        rtol=1e-13,
        atol=1e-13,
    )


@given(pool_cases())
def test_avg_pool_vectorised_equals_naive(case):
    x, k, s, dout = case
    out = avg_pool2d(x, k, s)
    assert out.shape == dout.shape
    np.testing.assert_allclose(out, avg_pool2d_naive(x, k, s), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(
        avg_pool2d_backward(dout, x, k, s),
        avg_pool2d_backward_naive(dout, x, k, s),
        rtol=1e-13,
        atol=1e-13,
    )
