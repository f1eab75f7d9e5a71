"""The transposed convolution: the loops equal the fast version, the fast version is the input
gradient of a convolution, the sizes follow PyTorch's rule, and the layer keeps the contract.

Random shapes with strides, paddings, output paddings (also >= stride where the dilation
allows it), dilations, groups up to depthwise, square and not; float64 to 1e-12 relative,
float32 to 1e-5. PyTorch itself is compared in tests/oracle/test_modern_conv_oracle.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnkit as ck

TOL = {np.float64: 1e-12, np.float32: 1e-5}


def _close(got, expected, dtype=np.float64):
    assert got.shape == expected.shape and got.dtype == dtype
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    assert float(np.abs(got - expected).max(initial=0.0)) / scale < TOL[dtype]


def _case(seed):
    rng = np.random.default_rng(seed)
    groups = int(rng.choice([1, 1, 2, 3]))
    c_in = groups * int(rng.integers(1, 3))
    c_out = groups * int(rng.integers(1, 3))
    if seed % 6 == 0:  # depthwise
        c_in = c_out = groups
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    sh, sw = (int(v) for v in rng.integers(1, 4, size=2))
    dh, dw = (int(v) for v in rng.integers(1, 3, size=2))
    oph, opw = int(rng.integers(0, max(sh, dh))), int(rng.integers(0, max(sw, dw)))
    h, w = (int(v) for v in rng.integers(1, 5, size=2))
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + oph
    full_w = (w - 1) * sw + dw * (kw - 1) + 1 + opw
    ph, pw = int(rng.integers(0, (full_h + 1) // 2)), int(rng.integers(0, (full_w + 1) // 2))
    x = rng.normal(size=(int(rng.integers(1, 3)), c_in, h, w))
    weight = rng.normal(size=(c_in, c_out // groups, kh, kw))
    bias = rng.normal(size=c_out)
    args = ((sh, sw), (ph, pw), (oph, opw), groups, (dh, dw))
    return x, weight, bias, args, rng


def _stamps(x, weight, bias, stride, padding, output_padding, groups, dilation):
    """The definition, written independently of cnnkit: every input pixel adds value *
    kernel onto the output at (i*s + tap*d - p), for each tap that lands inside."""
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    n, c_in, h, w = x.shape
    _, per_group, kh, kw = weight.shape
    oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    ow = (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    out = np.zeros((n, per_group * groups, oh, ow))
    for c in range(c_in):
        g = c // (c_in // groups)
        for o in range(per_group):
            for i in range(h):
                for j in range(w):
                    for a in range(kh):
                        for b in range(kw):
                            r, s = i * sh + a * dh - ph, j * sw + b * dw - pw
                            if 0 <= r < oh and 0 <= s < ow:
                                out[:, g * per_group + o, r, s] += (
                                    x[:, c, i, j] * weight[c, o, a, b]
                                )
    return out + bias[:, None, None]


@pytest.mark.parametrize("seed", range(12))
def test_the_loops_are_the_stamps_of_the_definition(seed):
    x, weight, bias, args, _ = _case(seed)
    _close(ck.conv_transpose2d_naive(x, weight, bias, *args), _stamps(x, weight, bias, *args))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(40))
def test_the_fast_version_and_the_layer_equal_the_loops(seed, dtype):
    x, weight, bias, args, rng = _case(seed)
    reference = ck.conv_transpose2d_naive(x, weight, bias, *args)
    x, weight, bias = (a.astype(dtype) for a in (x, weight, bias))
    _close(ck.conv_transpose2d(x, weight, bias, *args), reference.astype(dtype), dtype)
    _close(ck.conv_transpose2d_naive(x, weight, bias, *args), reference.astype(dtype), dtype)
    stride, padding, output_padding, groups, dilation = args
    layer = ck.ConvTranspose2D(
        x.shape[1], len(bias), weight.shape[2:], *args, dtype=dtype, rng=seed
    )
    assert layer.params["weight"].shape == weight.shape
    layer.params["weight"][...] = weight
    layer.params["bias"][...] = bias
    _close(layer.forward(x), reference.astype(dtype), dtype)
    assert layer.output_shape(x.shape) == reference.shape
    dout = rng.normal(size=reference.shape)
    x64, w64 = x.astype(np.float64), weight.astype(np.float64)
    expected = ck.conv_transpose2d_backward(dout, x64, w64, *args)  # exact: see the next test
    got = ck.conv_transpose2d_backward(dout.astype(dtype), x, weight, *args)
    layer_dx = layer.backward(dout.astype(dtype))
    for g, e in zip(got, expected):
        _close(g, e.astype(dtype), dtype)
    _close(layer_dx, expected[0].astype(dtype), dtype)
    _close(layer.grads["weight"], expected[1].astype(dtype), dtype)
    _close(layer.grads["bias"], expected[2].astype(dtype), dtype)


@pytest.mark.parametrize("seed", range(10))
def test_the_backward_gives_the_exact_gradients_of_the_loops(seed):
    x, weight, bias, args, rng = _case(seed)
    dout = rng.normal(size=ck.conv_transpose2d_naive(x, weight, bias, *args).shape)
    expected = _linear_gradients(dout, x, weight, args)
    for g, e in zip(ck.conv_transpose2d_backward(dout, x, weight, *args), expected):
        _close(g, e)


def _linear_gradients(dout, x, weight, args):
    """The exact gradients of the loop version, from its linearity: out is linear in x and
    in weight, so d<dout, out>/dx[k] is <dout, out(x = e_k)> with bias 0 (and the same for
    the weight); dbias is dout summed. Independent of the backward code under test."""
    zero_b = np.zeros(dout.shape[1])

    def along(shape, make):
        grad = np.zeros(shape)
        for k in np.ndindex(*shape):
            e = np.zeros(shape)
            e[k] = 1.0
            grad[k] = np.sum(dout * ck.conv_transpose2d_naive(*make(e), zero_b, *args))
        return grad

    dx = along(x.shape, lambda e: (e, weight))
    dweight = along(weight.shape, lambda e: (x, e))
    return dx, dweight, dout.sum(axis=(0, 2, 3))


def test_the_random_cases_cover_what_they_claim():
    seen = set()
    for seed in range(40):
        x, weight, _, (stride, padding, output_padding, groups, dilation), _ = _case(seed)
        seen.add("stride" if stride != (1, 1) else "stride 1")
        seen.add("padding" if padding != (0, 0) else "no padding")
        seen.add("dilation" if dilation != (1, 1) else "dilation 1")
        seen.add("groups" if groups > 1 else "groups 1")
        if groups > 1 and x.shape[1] == groups == weight.shape[1] * groups:
            seen.add("depthwise")
        if output_padding != (0, 0):
            seen.add("output_padding")
        if any(op >= s for op, s in zip(output_padding, stride)):
            seen.add("output_padding >= stride (dilation allows it)")
        seen.add("non-square kernel" if weight.shape[2] != weight.shape[3] else "square kernel")
        seen.add("non-square input" if x.shape[2] != x.shape[3] else "square input")
    assert seen >= {
        "stride",
        "stride 1",
        "padding",
        "dilation",
        "groups",
        "groups 1",
        "depthwise",
        "output_padding",
        "output_padding >= stride (dilation allows it)",
        "non-square kernel",
        "non-square input",
    }, seen


@pytest.mark.parametrize("seed", range(20))
def test_a_transposed_convolution_is_the_input_gradient_of_a_convolution(seed):
    """The identity the notebook teaches: conv_transpose2d(x, w) is the dx that
    conv2d_backward returns for the convolution with that weight, with dout = x."""
    x, weight, _, (stride, padding, output_padding, groups, dilation), rng = _case(seed)
    if any(op >= s for op, s in zip(output_padding, stride)):
        output_padding = (0, 0)  # so that the convolution's output is exactly x's size
    out = ck.conv_transpose2d(x, weight, None, stride, padding, output_padding, groups, dilation)
    conv_input = rng.normal(size=out.shape)  # any input of that shape: dx does not read it
    assert ck.conv2d(conv_input, weight, None, stride, padding, dilation, groups).shape == x.shape
    for backward in (ck.conv2d_backward, ck.conv2d_backward_naive, ck.conv2d_backward_im2col):
        dx, _, _ = backward(x, conv_input, weight, stride, padding, dilation, groups)
        _close(dx, out)
    # and the other way round: the input gradient of a transposed convolution is a convolution
    dout = rng.normal(size=out.shape)
    dx = ck.conv_transpose2d_backward(
        dout, x, weight, stride, padding, output_padding, groups, dilation
    )[0]
    _close(dx, ck.conv2d_naive(dout, weight, None, stride, padding, dilation, groups))


def test_the_sizes_invert_those_of_a_convolution():
    for n in range(1, 9):
        for k in range(1, 5):
            for s in range(1, 4):
                for d in (1, 2):
                    for p in range(0, 3):
                        for op in range(max(s, d)):
                            try:
                                out = ck.conv_transpose_output_size(n, k, s, p, op, d)
                            except ValueError as exc:
                                assert "padding" in str(exc)
                                assert (n - 1) * s + d * (k - 1) + 1 + op - 2 * p < 1
                                continue
                            image = np.ones((1, 1, n, n))
                            kernel = np.ones((1, 1, k, k))
                            made = ck.conv_transpose2d_naive(image, kernel, None, s, p, op, 1, d)
                            assert made.shape[2:] == (out, out)
                            if op < s:  # the convolution maps the output back to n
                                assert ck.conv_output_size(out, k, s, p, d) == n


def test_output_padding_picks_among_the_sizes_a_strided_convolution_confuses():
    # a stride-2 convolution (k=3, p=1) maps both 7 and 8 pixels to 4
    assert ck.conv_output_size(7, 3, 2, 1) == ck.conv_output_size(8, 3, 2, 1) == 4
    assert ck.conv_transpose_output_size(4, 3, 2, 1, output_padding=0) == 7
    assert ck.conv_transpose_output_size(4, 3, 2, 1, output_padding=1) == 8


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (lambda: ck.conv_transpose_output_size(4, 3, 2, 1, 2), ValueError, "output_padding=2"),
        (lambda: ck.conv_transpose_output_size(4, 3, 2, 1, 2), ValueError, "stride=2 or dilation"),
        (lambda: ck.conv_transpose_output_size(1, 1, 1, 1), ValueError, "padding=1"),
        (lambda: ck.conv_transpose_output_size(4, 3, padding="same"), TypeError, "padding="),
        (lambda: ck.ConvTranspose2D(2, 2, 3, stride=2, output_padding=2), ValueError, "smaller"),
        (lambda: ck.ConvTranspose2D(2, 3, 3, groups=2), ValueError, "out_channels=3"),
        (
            lambda: ck.conv_transpose2d(np.ones((1, 2, 3, 3)), np.ones((3, 2, 2, 2))),
            ValueError,
            "FIRST axis",
        ),
        (
            lambda: ck.conv_transpose2d(
                np.ones((1, 2, 3, 3)), np.ones((2, 2, 2, 2)), padding="same"
            ),
            TypeError,
            "no 'same'",
        ),
    ],
)
def test_bad_arguments_are_named_with_a_way_out(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert words in str(info.value)


def test_the_checkerboard_a_stride_larger_than_the_kernel_overlap_leaves():
    """Kernel 3 at stride 2: the stamps overlap on every other pixel, so a constant input
    gives an uneven output (the checkerboard); kernel 4 at stride 2 overlaps evenly."""
    odd = ck.conv_transpose2d(np.ones((6, 6)), np.ones((3, 3)), stride=2, padding=1)
    even = ck.conv_transpose2d(np.ones((6, 6)), np.ones((4, 4)), stride=2, padding=1)
    inner_odd, inner_even = odd[1:-1, 1:-1], even[1:-1, 1:-1]
    assert set(np.unique(inner_odd)) == {1.0, 2.0, 4.0}  # 1, 2 or 4 stamps land there
    assert set(np.unique(inner_even)) == {4.0}  # every inner pixel gets 2 x 2 stamps


def test_the_layer_counts_nodes_and_parameters():
    layer = ck.ConvTranspose2D(8, 4, 4, stride=2, padding=1, groups=2, rng=0)
    assert layer.params["weight"].shape == (8, 2, 4, 4)
    assert layer.n_params == 8 * 2 * 4 * 4 + 4
    summary = ck.Sequential(layer).summary((8, 5, 5))
    assert summary.rows[0].output_shape == (4, 10, 10)
    assert summary.rows[0].nodes == 4 * 10 * 10
    assert repr(layer) == "ConvTranspose2D(8, 4, kernel_size=4, stride=2, padding=1, groups=2)"


@pytest.mark.parametrize(
    "layer",
    [
        ck.ConvTranspose2D(3, 2, 3, rng=0),
        ck.ConvTranspose2D(2, 3, (3, 2), stride=(2, 3), padding=(1, 0), output_padding=1, rng=1),
        ck.ConvTranspose2D(4, 4, 3, stride=2, groups=4, dilation=2, output_padding=(1, 0), rng=2),
    ],
    ids=repr,
)
def test_transposed_layers_pass_the_gradient_check(layer):
    x = np.random.default_rng(6).normal(size=(2, layer.in_channels, 4, 3))
    errors = ck.check_layer_gradients(layer, x)
    assert set(errors) == {"x", "weight", "bias"}
    assert max(errors.values()) < 1e-7, errors


def test_one_image_and_one_2d_kernel_are_accepted():
    rng = np.random.default_rng(7)
    image, kernel = rng.normal(size=(3, 4)), rng.normal(size=(2, 3))
    expected = ck.conv_transpose2d_naive(image[None, None], kernel[None, None], None, 2, 1)[0, 0]
    for fn in (ck.conv_transpose2d, ck.conv_transpose2d_naive):
        _close(fn(image, kernel, None, 2, 1), expected)
    chw = rng.normal(size=(2, 3, 4))
    w = rng.normal(size=(2, 3, 2, 2))
    _close(ck.conv_transpose2d(chw, w), ck.conv_transpose2d_naive(chw[None], w)[0])
    dout = rng.normal(size=expected.shape)
    dx, dw, db = ck.conv_transpose2d_backward(dout, image, kernel, 2, 1)
    full = ck.conv_transpose2d_backward(
        dout[None, None], image[None, None], kernel[None, None], 2, 1
    )
    _close(dx, full[0][0, 0])
    _close(dw, full[1][0, 0])
    _close(db, full[2])
