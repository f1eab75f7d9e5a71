"""The conv2d_forward and conv2d_im2col labs. Every function here is written the way a
learner would write it: right ones in several styles, and the classic mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit.labs import check


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def right_loops(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH, OW = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for j in range(OW):  # another loop order: columns outermost, channels innermost
        for i in range(OH):
            for f in range(F):
                for n in range(x.shape[0]):
                    total = bias[f]
                    for c in range(C):
                        total = total + np.sum(
                            xp[n, c, i * sh : i * sh + KH, j * sw : j * sw + KW] * weight[f, c]
                        )
                    out[n, f, i, j] = total
    return out


def right_einsum(x, weight, bias, stride, padding):
    # another style: one einsum per output pixel, over images and kernels at once
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH = (xp.shape[2] - KH) // sh + 1
    OW = (xp.shape[3] - KW) // sw + 1
    out = np.empty((x.shape[0], F, OH, OW), dtype=x.dtype)
    for i in range(OH):
        for j in range(OW):
            win = xp[:, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
            out[:, :, i, j] = np.einsum("nckl,fckl->nf", win, weight) + bias
    return out


def right_as_strided(x, weight, bias, stride, padding):
    # another style: every window as a strided view, then one einsum (no loop at all)
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    N, C, H, W = xp.shape
    F, _, KH, KW = weight.shape
    OH, OW = (H - KH) // sh + 1, (W - KW) // sw + 1
    s = xp.strides
    windows = np.lib.stride_tricks.as_strided(
        xp, (N, C, OH, OW, KH, KW), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3])
    )
    out = np.einsum("ncijkl,fckl->nfij", windows, weight)
    return out + bias[None, :, None, None]


def right_tensordot_im2col(x, weight, bias, stride, padding):
    # another style: window matrix built with a loop over taps, then np.tensordot
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH = (xp.shape[2] - KH) // sh + 1
    OW = (xp.shape[3] - KW) // sw + 1
    taps = [
        xp[:, :, a : a + sh * OH : sh, b : b + sw * OW : sw][:, :, :OH, :OW]
        for a in range(KH)
        for b in range(KW)
    ]
    cols = np.stack(taps, axis=2)  # (N, C, KH*KW, OH, OW)
    out = np.tensordot(cols, weight.reshape(F, C, KH * KW), axes=([1, 2], [1, 2]))
    return out.transpose(0, 3, 1, 2) + bias.reshape(1, F, 1, 1)


@pytest.mark.parametrize(
    "fn", [right_loops, right_einsum, right_as_strided, right_tensordot_im2col]
)
def test_right_convolutions_pass(fn):
    result = check("conv2d_forward", fn)
    assert result.passed, result.message


@pytest.mark.parametrize("fn", [right_as_strided, right_tensordot_im2col])
def test_vectorised_convolutions_pass_im2col(fn):
    result = check("conv2d_im2col", fn)
    assert result.passed, result.message


@pytest.mark.parametrize("fn", [right_loops, right_einsum])
def test_loops_over_pixels_fail_im2col(fn):
    result = check("conv2d_im2col", fn)
    assert not result.passed and result.mistake == "loop_over_pixels", result.message


# --- the classic mistakes, each a whole function as a learner would write it --------------
# Each differs from a right loop convolution in the line marked "# mistake".


def conv_flipped_kernel(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH, OW = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
                    out[n, f, i, j] = np.sum(win * weight[f, :, ::-1, ::-1]) + bias[f]  # mistake
    return out


def conv_stride_ignored(x, weight, bias, stride, padding):
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH, OW = xp.shape[2] - KH + 1, xp.shape[3] - KW + 1  # mistake: no stride anywhere
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    out[n, f, i, j] = np.sum(xp[n, :, i : i + KH, j : j + KW] * weight[f]) + bias[f]
    return out


def conv_stride_only_in_the_size(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH, OW = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i : i + KH, j : j + KW]  # mistake: window at (i, j)
                    out[n, f, i, j] = np.sum(win * weight[f]) + bias[f]
    return out


def conv_padding_ignored(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    F, C, KH, KW = weight.shape
    OH, OW = (x.shape[2] - KH) // sh + 1, (x.shape[3] - KW) // sw + 1  # mistake: no padding
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = x[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
                    out[n, f, i, j] = np.sum(win * weight[f]) + bias[f]
    return out


def conv_padding_top_left(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, 0), (pw, 0)))  # mistake: one side only
    F, C, KH, KW = weight.shape
    OH, OW = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
                    out[n, f, i, j] = np.sum(win * weight[f]) + bias[f]
    return out


def conv_padding_bottom_right(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    H, W = x.shape[2:]
    xp = np.zeros(x.shape[:2] + (H + ph, W + pw), dtype=x.dtype)
    xp[:, :, :H, :W] = x  # mistake: the zeros end up only below and to the right
    F, C, KH, KW = weight.shape
    OH, OW = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
                    out[n, f, i, j] = np.sum(win * weight[f]) + bias[f]
    return out


def conv_bias_missing(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH, OW = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
                    out[n, f, i, j] = np.sum(win * weight[f])  # mistake: no bias
    return out


def conv_bias_in_channel_loop(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH, OW = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    for c in range(C):
                        win = xp[n, c, i * sh : i * sh + KH, j * sw : j * sw + KW]
                        out[n, f, i, j] += np.sum(win * weight[f, c]) + bias[f]  # mistake
    return out


def conv_bias_by_column(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH, OW = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
                    out[n, f, i, j] = np.sum(win * weight[f]) + bias[j]  # mistake: bias[j]
    return out


def conv_last_channel_only(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH, OW = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    for c in range(C):
                        win = xp[n, c, i * sh : i * sh + KH, j * sw : j * sw + KW]
                        out[n, f, i, j] = np.sum(win * weight[f, c]) + bias[f]  # mistake: =
    return out


def conv_first_channel_only(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH, OW = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, 0, i * sh : i * sh + KH, j * sw : j * sw + KW]  # mistake: channel 0
                    out[n, f, i, j] = np.sum(win * weight[f, 0]) + bias[f]
    return out


def conv_pairs_swapped(x, weight, bias, stride, padding):
    sw, sh = _pair(stride)  # mistake: (w, h) instead of (h, w)
    pw, ph = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH, OW = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
                    out[n, f, i, j] = np.sum(win * weight[f]) + bias[f]
    return out


def conv_bias_on_the_width(x, weight, bias, stride, padding):
    out = right_as_strided(x, weight, np.zeros_like(bias), stride, padding)
    return out + bias  # mistake: lines up with the last axis, the width


MISTAKES = [
    (conv_flipped_kernel, "flipped_kernel"),
    (conv_stride_ignored, "stride_ignored"),
    (conv_stride_only_in_the_size, "stride_ignored"),
    (conv_padding_ignored, "padding_ignored"),
    (conv_padding_top_left, "padding_one_side"),
    (conv_padding_bottom_right, "padding_one_side"),
    (conv_bias_missing, "bias_missing"),
    (conv_bias_in_channel_loop, "bias_per_channel"),
    (conv_bias_by_column, "bias_wrong_axis"),
    (conv_bias_on_the_width, "bias_wrong_axis"),
    (conv_last_channel_only, "channels_not_summed"),
    (conv_first_channel_only, "channels_not_summed"),
    (conv_pairs_swapped, "pairs_swapped"),
]


@pytest.mark.parametrize("fn, mistake", MISTAKES, ids=[f.__name__ for f, _ in MISTAKES])
@pytest.mark.parametrize("lab", ["conv2d_forward", "conv2d_im2col"])
def test_each_mistake_is_named(lab, fn, mistake):
    result = check(lab, fn)
    assert not result.passed
    assert result.mistake == mistake, result.message
    assert "Hint:" in result.message and "The first failing case" in result.message


def im2col_loop_over_rows(x, weight, bias, stride, padding):
    # vectorised along each row, but one Python iteration per output row: still a loop
    out = right_as_strided(x, weight, bias, stride, padding)
    rows = [out[:, :, i] for i in range(out.shape[2])]
    return np.stack(rows, axis=2)


def im2col_vectorize_per_pixel(x, weight, bias, stride, padding):
    out = right_as_strided(x, weight, bias, stride, padding)
    return np.vectorize(lambda v: v + 0.0, otypes=[out.dtype])(out)


def im2col_loop_over_images(x, weight, bias, stride, padding):
    # one iteration per image and per kernel tap: allowed, the work per pixel is vectorised
    return np.concatenate(
        [
            right_tensordot_im2col(x[n : n + 1], weight, bias, stride, padding)
            for n in range(x.shape[0])
        ]
    )


@pytest.mark.parametrize("fn", [im2col_loop_over_rows, im2col_vectorize_per_pixel])
def test_hidden_loops_over_pixels_are_found(fn):
    result = check("conv2d_im2col", fn)
    assert result.mistake == "loop_over_pixels", result.message
    assert "the numbers are right" in result.message


def test_a_loop_over_images_is_allowed():
    assert check("conv2d_im2col", im2col_loop_over_images).passed
