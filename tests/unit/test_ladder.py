"""Every rung of the convolution and pooling ladders gives the same numbers.

Rungs: loops (``*_naive``), one strided view (``conv2d_im2col``, ``*_windows``) and tuned
(``conv2d``, ``conv2d_forward`` + cache, the layers). Values and gradients are compared
over random shapes, strides, paddings and dilations, square and not, float64 (to 1e-12
relative) and float32 (to 1e-5 relative).
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnkit as ck
from cnnkit import conv_output_size, pool_output_size

CONV_FORWARD = [
    ck.conv2d_naive,
    ck.conv2d_im2col,
    ck.conv2d,
    lambda *args: ck.conv2d_forward(*args)[0],
]
CONV_BACKWARD = [ck.conv2d_backward_naive, ck.conv2d_backward_im2col, ck.conv2d_backward]
TOL = {np.float64: 1e-12, np.float32: 1e-5}


def _random_conv_case(seed: int):
    rng = np.random.default_rng(seed)
    kh, kw = rng.integers(1, 5, size=2)
    sh, sw = rng.integers(1, 4, size=2)
    dh, dw = rng.integers(1, 3, size=2)
    if rng.random() < 0.2 and (sh, sw) == (1, 1) or seed % 7 == 0:
        stride, padding = 1, str(rng.choice(["same", "valid"]))
    else:
        stride = (int(sh), int(sw)) if rng.random() < 0.7 else int(sh)
        ph, pw = rng.integers(0, 3, size=2)
        padding = (int(ph), int(pw)) if rng.random() < 0.7 else int(ph)
    dilation = (int(dh), int(dw)) if rng.random() < 0.7 else 1
    n, c, f = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    # an input large enough for at least one window
    h = int(dh * (kh - 1) + 1 + rng.integers(0, 6))
    w = int(dw * (kw - 1) + 1 + rng.integers(0, 6))
    x = rng.normal(size=(n, c, h, w))
    weight = rng.normal(size=(f, c, kh, kw))
    bias = rng.normal(size=f)
    return x, weight, bias, stride, padding, dilation, rng


def _assert_close(got: np.ndarray, expected: np.ndarray, dtype) -> None:
    assert got.shape == expected.shape and got.dtype == dtype
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    assert float(np.abs(got - expected).max(initial=0.0)) / scale < TOL[dtype]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(40))
def test_every_convolution_rung_gives_the_same_values_and_gradients(seed, dtype):
    x, weight, bias, stride, padding, dilation, rng = _random_conv_case(seed)
    x, weight, bias = (a.astype(dtype) for a in (x, weight, bias))
    args = (stride, padding, dilation)
    reference = ck.conv2d_naive(
        x.astype(np.float64), weight.astype(np.float64), bias.astype(np.float64), *args
    )
    for forward in CONV_FORWARD:
        _assert_close(forward(x, weight, bias, *args), reference.astype(dtype), dtype)
    dout = rng.normal(size=reference.shape).astype(dtype)
    grads = ck.conv2d_backward_naive(
        dout.astype(np.float64), x.astype(np.float64), weight.astype(np.float64), *args
    )
    _, cache = ck.conv2d_forward(x, weight, bias, *args)
    results = [backward(dout, x, weight, *args) for backward in CONV_BACKWARD]
    results.append(ck.conv2d_backward(dout, x, weight, *args, cache=cache))
    layer = ck.Conv2D(x.shape[1], weight.shape[0], weight.shape[2:], *args, dtype=dtype)
    layer.params["weight"][...] = weight
    layer.params["bias"][...] = bias
    _assert_close(layer.forward(x), reference.astype(dtype), dtype)
    dx = layer.backward(dout)
    results.append((dx, layer.grads["weight"], layer.grads["bias"]))
    for got in results:
        for g, expected in zip(got, grads):
            _assert_close(g, expected.astype(dtype), dtype)


def test_the_random_cases_cover_what_they_claim():
    """The ladder test above really meets strides, dilations, paddings and odd shapes."""
    seen = set()
    for seed in range(40):
        x, weight, _, stride, padding, dilation, _ = _random_conv_case(seed)
        seen.add("stride" if stride not in (1, (1, 1)) else "stride 1")
        seen.add("dilation" if dilation not in (1, (1, 1)) else "dilation 1")
        seen.add(padding if isinstance(padding, str) else "padding number")
        seen.add("non-square input" if x.shape[2] != x.shape[3] else "square input")
        seen.add("non-square kernel" if weight.shape[2] != weight.shape[3] else "square")
    assert {
        "stride",
        "stride 1",
        "dilation",
        "dilation 1",
        "same",
        "valid",
        "padding number",
        "non-square input",
        "square input",
        "non-square kernel",
    } <= seen


POOL_RUNGS = {
    "max": (
        [
            ck.max_pool2d_naive,
            ck.max_pool2d_windows,
            ck.max_pool2d,
            lambda *a: ck.max_pool2d_forward(*a)[0],
        ],
        [ck.max_pool2d_backward_naive, ck.max_pool2d_backward_windows, ck.max_pool2d_backward],
    ),
    "avg": (
        [ck.avg_pool2d_naive, ck.avg_pool2d_windows, ck.avg_pool2d],
        [ck.avg_pool2d_backward_naive, ck.avg_pool2d_backward_windows, ck.avg_pool2d_backward],
    ),
}


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(25))
def test_every_pooling_rung_gives_the_same_values_and_gradients(seed, dtype, kind):
    rng = np.random.default_rng(seed)
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    stride = None if seed % 3 == 0 else tuple(int(v) for v in rng.integers(1, 4, size=2))
    h, w = kh + int(rng.integers(0, 6)), kw + int(rng.integers(0, 6))
    # seeds with ties: many windows hold their maximum twice (the first must win)
    values = rng.integers(0, 3, size=(2, 3, h, w)) if seed % 2 else rng.normal(size=(2, 3, h, w))
    x = values.astype(dtype)
    kernel = (kh, kw)
    forwards, backwards = POOL_RUNGS[kind]
    reference = forwards[0](x, kernel, stride)
    assert reference.shape == (
        2,
        3,
        pool_output_size(h, kh, (stride or kernel)[0]),
        pool_output_size(w, kw, (stride or kernel)[1]),
    )
    for forward in forwards[1:]:
        _assert_close(forward(x, kernel, stride), reference, dtype)
    dout = rng.normal(size=reference.shape).astype(dtype)
    expected = backwards[0](dout, x, kernel, stride)
    for backward in backwards[1:]:
        _assert_close(backward(dout, x, kernel, stride), expected, dtype)
    if kind == "max":
        _, cache = ck.max_pool2d_forward(x, kernel, stride)
        _assert_close(ck.max_pool2d_backward(dout, x, kernel, stride, cache=cache), expected, dtype)


def test_rungs_accept_2d_and_3d_inputs_alike():
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    expected = ck.conv2d_naive(image, kernel, stride=2, padding=1)
    assert expected.shape == (conv_output_size(6, 3, 2, 1), conv_output_size(7, 2, 2, 1))
    for forward in CONV_FORWARD[1:]:
        _assert_close(forward(image, kernel, None, 2, 1), expected, np.float64)
    dout = rng.normal(size=expected.shape)
    grads = ck.conv2d_backward_naive(dout, image, kernel, 2, 1)
    assert grads[0].shape == image.shape and grads[1].shape == kernel.shape
    for backward in CONV_BACKWARD[1:]:
        for g, e in zip(backward(dout, image, kernel, 2, 1), grads):
            _assert_close(g, e, np.float64)
    x3 = rng.normal(size=(2, 5, 5))
    for forwards, _ in POOL_RUNGS.values():
        outs = [f(x3, 2, 1) for f in forwards]
        assert outs[0].shape == (2, 4, 4)
        for out in outs[1:]:
            _assert_close(out, outs[0], np.float64)


# ----------------------------------------------------------------- the cache objects


def test_conv2d_backward_rejects_a_cache_of_the_wrong_type():
    x, w = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    out, cache = ck.conv2d_forward(x, w)
    for wrong in (cache.cols, "cols", (cache.cols,)):
        with pytest.raises(TypeError, match="cache must be the ConvCache"):
            ck.conv2d_backward(np.ones_like(out), x, w, cache=wrong)


def test_conv2d_backward_rejects_a_cache_of_another_call():
    x, w = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    _, cache = ck.conv2d_forward(x, w, stride=2)
    with pytest.raises(ValueError, match="cache was made by conv2d_forward for other"):
        ck.conv2d_backward(np.ones((1, 1, 3, 3)), x, w, cache=cache)


def test_max_pool2d_backward_rejects_a_wrong_cache():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    _, cache = ck.max_pool2d_forward(x, 2)
    with pytest.raises(TypeError, match="cache must be the PoolCache"):
        ck.max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2, cache=cache.winner)
    with pytest.raises(ValueError, match="cache was made by max_pool2d_forward"):
        ck.max_pool2d_backward(np.ones((1, 1, 3, 3)), x, 2, stride=1, cache=cache)


def test_caches_are_public_honest_types():
    _, conv_cache = ck.conv2d_forward(np.ones((1, 1, 4, 4)), np.ones((2, 1, 3, 3)))
    _, pool_cache = ck.max_pool2d_forward(np.ones((1, 1, 4, 4)), 2)
    assert type(conv_cache) is ck.ConvCache and type(pool_cache) is ck.PoolCache
    assert conv_cache.cols.shape == (1 * 3 * 3, 1 * 2 * 2)  # (C*KH*KW, N*OH*OW)
    assert pool_cache.winner.shape == (1, 1, 2, 2) and pool_cache.args.kernel == (2, 2)
    layer = ck.Conv2D(1, 2, 3, rng=0)
    layer.forward(np.ones((1, 1, 4, 4)))
    assert isinstance(layer._cache, ck.ConvCache)


def test_conv2d_forward_reuses_only_a_cache():
    x, w = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    out, cache = ck.conv2d_forward(x, w)
    with pytest.raises(TypeError, match="reuse must be a ConvCache"):
        ck.conv2d_forward(x, w, reuse=cache.cols)
    x2 = np.arange(25.0).reshape(1, 1, 5, 5)
    out2, cache2 = ck.conv2d_forward(x2, w, reuse=cache)
    assert np.shares_memory(cache2.cols, cache.cols)  # the memory was lent
    np.testing.assert_array_equal(out2, ck.conv2d_naive(x2, w))
    grads = ck.conv2d_backward(np.ones_like(out2), x2, w, cache=cache2)
    for g, e in zip(grads, ck.conv2d_backward_naive(np.ones_like(out2), x2, w)):
        np.testing.assert_allclose(g, e, rtol=1e-12)
