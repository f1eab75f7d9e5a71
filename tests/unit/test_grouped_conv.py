"""Grouped and depthwise convolution: every rung gives the same numbers, and the numbers are
those of separate convolutions, one per group.

Values and gradients of the loops, im2col and tuned rungs, of ``conv2d_forward`` with its
cache (also reusing an earlier cache's memory) and of the ``Conv2D`` layer are compared over
random shapes with groups from 1 to depthwise, strides, paddings, dilations, square and
not; float64 to 1e-12 relative, float32 to 1e-5. PyTorch itself is compared in
tests/oracle/test_modern_conv_oracle.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnkit as ck

FORWARD = [
    ck.conv2d_naive,
    ck.conv2d_im2col,
    ck.conv2d,
    lambda *args, **kw: ck.conv2d_forward(*args, **kw)[0],
]
BACKWARD = [ck.conv2d_backward_naive, ck.conv2d_backward_im2col, ck.conv2d_backward]
TOL = {np.float64: 1e-12, np.float32: 1e-5}


def _close(got, expected, dtype):
    assert got.shape == expected.shape and got.dtype == dtype
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    assert float(np.abs(got - expected).max(initial=0.0)) / scale < TOL[dtype]


def _case(seed):
    rng = np.random.default_rng(seed)
    groups = int(rng.choice([1, 2, 3, 4]))
    depth = int(rng.integers(1, 3))  # channels per group
    per_group = int(rng.integers(1, 3))  # kernels per group
    c, f = groups * depth, groups * per_group
    if seed % 5 == 0:  # depthwise: one kernel per channel
        c = f = groups
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    stride = (int(rng.integers(1, 3)), int(rng.integers(1, 4)))
    padding = (int(rng.integers(0, 3)), int(rng.integers(0, 2)))
    dilation = (int(rng.integers(1, 3)), 1) if seed % 3 else 1
    dh = dilation if isinstance(dilation, int) else dilation[0]
    h = dh * (kh - 1) + 1 + int(rng.integers(0, 5))
    w = kw + int(rng.integers(0, 6))
    x = rng.normal(size=(int(rng.integers(1, 3)), c, h, w))
    weight = rng.normal(size=(f, c // groups, kh, kw))
    bias = rng.normal(size=f)
    return x, weight, bias, (stride, padding, dilation), groups, rng


def _separate_groups(x, weight, bias, args, groups):
    """The definition: cut x's channels and the kernels into groups, convolve each group
    with the plain (groups=1) loops, and put the outputs side by side."""
    cg, fg = x.shape[1] // groups, len(weight) // groups
    outs = [
        ck.conv2d_naive(
            x[:, k * cg : (k + 1) * cg],
            weight[k * fg : (k + 1) * fg],
            bias[k * fg : (k + 1) * fg],
            *args,
        )
        for k in range(groups)
    ]
    return np.concatenate(outs, axis=1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(30))
def test_every_rung_gives_the_same_grouped_convolution(seed, dtype):
    x, weight, bias, args, groups, rng = _case(seed)
    reference = _separate_groups(x, weight, bias, args, groups)
    x, weight, bias = (a.astype(dtype) for a in (x, weight, bias))
    for forward in FORWARD:
        _close(forward(x, weight, bias, *args, groups=groups), reference.astype(dtype), dtype)
    dout = rng.normal(size=reference.shape)
    expected = ck.conv2d_backward_naive(
        dout, x.astype(np.float64), weight.astype(np.float64), *args, groups=groups
    )
    dout = dout.astype(dtype)
    results = [backward(dout, x, weight, *args, groups=groups) for backward in BACKWARD]
    _, cache = ck.conv2d_forward(x, weight, bias, *args, groups=groups)
    results.append(ck.conv2d_backward(dout, x, weight, *args, groups=groups, cache=cache))
    layer = ck.Conv2D(x.shape[1], len(weight), weight.shape[2:], *args, groups, dtype=dtype)
    assert layer.params["weight"].shape == weight.shape
    layer.params["weight"][...] = weight
    layer.params["bias"][...] = bias
    _close(layer.forward(x), reference.astype(dtype), dtype)
    results.append((layer.backward(dout), layer.grads["weight"], layer.grads["bias"]))
    for got in results:
        for g, e in zip(got, expected):
            _close(g, e.astype(dtype), dtype)


def test_the_grouped_loops_agree_with_separate_groups_on_the_gradients():
    """The loop backward (the reference above) is itself checked against the definition."""
    for seed in range(12):
        x, weight, bias, args, groups, rng = _case(seed)
        out = _separate_groups(x, weight, bias, args, groups)
        dout = rng.normal(size=out.shape)
        dx, dw, db = ck.conv2d_backward_naive(dout, x, weight, *args, groups=groups)
        cg, fg = x.shape[1] // groups, len(weight) // groups
        for k in range(groups):
            c, f = slice(k * cg, (k + 1) * cg), slice(k * fg, (k + 1) * fg)
            part = ck.conv2d_backward_naive(dout[:, f], x[:, c], weight[f], *args)
            np.testing.assert_allclose(dx[:, c], part[0], rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(dw[f], part[1], rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(db[f], part[2], rtol=1e-12, atol=1e-12)


def test_the_random_cases_cover_groups_from_one_to_depthwise():
    seen = set()
    for seed in range(30):
        x, weight, _, (stride, padding, dilation), groups, _ = _case(seed)
        seen.add("groups 1" if groups == 1 else "groups > 1")
        if groups > 1 and x.shape[1] == groups == len(weight):
            seen.add("depthwise")
        if groups > 1 and weight.shape[1] > 1:
            seen.add("several channels per group")
        seen.add("stride" if stride != (1, 1) else "stride 1")
        seen.add("dilation" if dilation != 1 else "dilation 1")
        seen.add("padding" if padding != (0, 0) else "no padding")
        seen.add("non-square" if x.shape[2] != x.shape[3] else "square")
    assert seen >= {
        "groups 1",
        "groups > 1",
        "depthwise",
        "several channels per group",
        "stride",
        "dilation",
        "dilation 1",
        "padding",
        "non-square",
    }


def test_a_kernel_reads_only_its_own_group():
    """Changing channel 0 changes only the outputs of group 0's kernels."""
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(1, 6, 5, 5)), rng.normal(size=(6, 2, 3, 3))
    x2 = x.copy()
    x2[0, 0] += 1.0  # a channel of group 0 (channels 0 and 1; kernels 0 and 1)
    for forward in FORWARD:
        diff = forward(x2, w, None, groups=3) - forward(x, w, None, groups=3)
        changed = np.abs(diff).sum(axis=(0, 2, 3)) > 0
        np.testing.assert_array_equal(changed, [True, True, False, False, False, False])


def test_a_depthwise_convolution_is_one_kernel_per_channel():
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(2, 3, 6, 6)), rng.normal(size=(3, 1, 3, 3))
    out = ck.conv2d(x, w, padding=1, groups=3)
    for c in range(3):
        alone = ck.conv2d_naive(x[:, c : c + 1], w[c : c + 1], padding=1)
        np.testing.assert_allclose(out[:, c : c + 1], alone, rtol=1e-12, atol=1e-12)


def test_groups_work_on_one_unbatched_image():
    rng = np.random.default_rng(2)
    x, w, b = rng.normal(size=(4, 5, 5)), rng.normal(size=(2, 2, 3, 3)), rng.normal(size=2)
    expected = ck.conv2d_naive(x[None], w, b, groups=2)[0]
    for forward in FORWARD:
        _close(forward(x, w, b, groups=2), expected, np.float64)
    dout = rng.normal(size=expected.shape)
    grads = ck.conv2d_backward_naive(dout[None], x[None], w, groups=2)
    for backward in BACKWARD:
        dx, dw, db = backward(dout, x, w, groups=2)
        _close(dx, grads[0][0], np.float64)
        _close(dw, grads[1], np.float64)
        _close(db, grads[2], np.float64)


def test_the_grouped_cache_keeps_every_group_and_lends_its_memory():
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(2, 4, 6, 6)), rng.normal(size=(6, 2, 3, 3))
    out, cache = ck.conv2d_forward(x, w, groups=2)
    assert cache.cols.shape == (2, 2 * 3 * 3, 2 * 4 * 4)  # (groups, C/g*KH*KW, N*OH*OW)
    x2 = rng.normal(size=x.shape)
    out2, cache2 = ck.conv2d_forward(x2, w, groups=2, reuse=cache)
    assert np.shares_memory(cache2.cols, cache.cols)
    dout = rng.normal(size=out2.shape)
    expected = ck.conv2d_backward_naive(dout, x2, w, groups=2)
    for g, e in zip(ck.conv2d_backward(dout, x2, w, groups=2, cache=cache2), expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    # a cache of another grouping, or of an ungrouped call, is refused
    _, plain = ck.conv2d_forward(x, np.ones((6, 4, 3, 3)))
    for wrong in (plain, ck.conv2d_forward(x, rng.normal(size=(4, 1, 3, 3)), groups=4)[1]):
        with pytest.raises(ValueError, match="cache was made by conv2d_forward for other"):
            ck.conv2d_backward(dout, x2, w, groups=2, cache=wrong)
    with pytest.raises(ValueError, match="cache was made by conv2d_forward for other"):
        ck.conv2d_backward(np.ones((2, 6, 4, 4)), x, np.ones((6, 4, 3, 3)), cache=cache)


def test_groups_equal_to_a_numpy_one_is_the_plain_convolution():
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(1, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3))
    for forward in FORWARD:
        np.testing.assert_array_equal(forward(x, w, groups=np.int64(1)), forward(x, w))


def test_grouped_layer_counts_its_parameters_and_names_its_groups():
    layer = ck.Conv2D(8, 16, 3, groups=4, rng=0)
    assert layer.params["weight"].shape == (16, 2, 3, 3)
    assert layer.n_params == 16 * 2 * 3 * 3 + 16  # 4 times fewer weights than groups=1
    assert ck.Conv2D(8, 16, 3, rng=0).n_params == 16 * 8 * 3 * 3 + 16
    assert repr(layer) == "Conv2D(8, 16, kernel_size=3, groups=4)"
    summary = ck.Sequential(layer).summary((8, 10, 10))
    assert summary.total_params == 304 and summary.rows[0].output_shape == (16, 8, 8)
    assert "groups=4" in str(summary)
    # He-normal with fan_in = the 2*3*3 inputs of one node
    big = ck.Conv2D(64, 64, 3, groups=32, rng=0).params["weight"]
    assert abs(big.std() - np.sqrt(2 / 18)) < 0.02


@pytest.mark.parametrize(
    "layer",
    [
        ck.Conv2D(4, 6, 3, padding=1, groups=2, rng=0),
        ck.Conv2D(3, 3, 3, stride=2, groups=3, rng=1),  # depthwise
        ck.Conv2D(4, 8, (3, 2), dilation=(2, 1), groups=4, rng=2),  # depthwise multiplier 2
    ],
    ids=repr,
)
def test_grouped_layers_pass_the_gradient_check(layer):
    x = np.random.default_rng(5).normal(size=(2, layer.in_channels, 7, 6))
    errors = ck.check_layer_gradients(layer, x)
    assert set(errors) == {"x", "weight", "bias"}
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: ck.conv2d(np.ones((1, 4, 5, 5)), np.ones((4, 2, 3, 3)), groups=3), "groups=3"),
        (lambda: ck.conv2d(np.ones((1, 4, 5, 5)), np.ones((3, 2, 3, 3)), groups=2), "3 kernels"),
        (lambda: ck.conv2d(np.ones((1, 4, 5, 5)), np.ones((4, 4, 3, 3)), groups=2), "(4, 2, KH"),
        (lambda: ck.conv2d(np.ones((5, 5)), np.ones((3, 3)), groups=2), "use groups=1"),
        (
            lambda: ck.conv2d(np.ones((1, 4, 5, 5)), np.ones((4, 2, 3, 3)), np.ones(3), groups=2),
            "bias must have shape (4,)",
        ),
        (lambda: ck.Conv2D(4, 6, 3, groups=4), "out_channels=6"),
        (lambda: ck.Conv2D(6, 4, 3, groups=4), "in_channels=6"),
        (
            lambda: ck.conv2d_backward(
                np.ones((1, 4, 2, 2)), np.ones((1, 4, 5, 5)), np.ones((4, 2, 3, 3)), groups=2
            ),
            "dout",
        ),
    ],
)
def test_bad_groups_get_a_message_that_names_them(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words in str(info.value)
