"""The conv2d_forward and conv2d_im2col labs. Every function here is written the way a
learner would write it: right ones in several styles, and the classic mistakes."""
from __future__ import annotations

import numpy as np
import pytest

from cnnkit.labs import check


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def loops(x, weight, bias, stride, padding, *, flip=False, use_stride=True, pad_mode="both",
          bias_mode="right", channels="all", swap=False, stride_in_window=True):
    """A learner's loop convolution, with one switch per classic mistake."""
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    if swap:
        sh, sw, ph, pw = sw, sh, pw, ph
    if not use_stride:
        sh, sw = 1, 1
    top, bottom = {"both": (ph, ph), "none": (0, 0), "top": (ph, 0), "bottom": (0, ph)}[pad_mode]
    left, right = {"both": (pw, pw), "none": (0, 0), "top": (pw, 0), "bottom": (0, pw)}[pad_mode]
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    N, C, H, W = xp.shape
    F, _, KH, KW = weight.shape
    OH, OW = (H - KH) // sh + 1, (W - KW) // sw + 1
    out = np.zeros((N, F, OH, OW), dtype=x.dtype)
    ker = weight[:, :, ::-1, ::-1] if flip else weight
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    r, c = (i * sh, j * sw) if stride_in_window else (i, j)
                    total = 0.0
                    for ch in range(C):
                        part = np.sum(xp[n, ch, r:r + KH, c:c + KW] * ker[f, ch])
                        if channels == "last":
                            total = part
                        elif channels == "first":
                            total = part if ch == 0 else total
                        else:
                            total += part
                        if bias_mode == "per_channel":
                            total += bias[f]
                    if bias_mode == "right":
                        total += bias[f]
                    elif bias_mode == "column":
                        total += bias[j]
                    out[n, f, i, j] = total
    return out


def right_loops(x, weight, bias, stride, padding):
    return loops(x, weight, bias, stride, padding)


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
            win = xp[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
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
        xp, (N, C, OH, OW, KH, KW), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3]))
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
    taps = [xp[:, :, a:a + sh * OH:sh, b:b + sw * OW:sw][:, :, :OH, :OW]
            for a in range(KH) for b in range(KW)]
    cols = np.stack(taps, axis=2)  # (N, C, KH*KW, OH, OW)
    out = np.tensordot(cols, weight.reshape(F, C, KH * KW), axes=([1, 2], [1, 2]))
    return out.transpose(0, 3, 1, 2) + bias.reshape(1, F, 1, 1)


@pytest.mark.parametrize("fn", [right_loops, right_einsum, right_as_strided,
                                right_tensordot_im2col])
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


MISTAKES = [
    (dict(flip=True), "flipped_kernel"),
    (dict(use_stride=False), "stride_ignored"),
    (dict(stride_in_window=False), "stride_ignored"),
    (dict(pad_mode="none"), "padding_ignored"),
    (dict(pad_mode="top"), "padding_one_side"),
    (dict(pad_mode="bottom"), "padding_one_side"),
    (dict(bias_mode="none"), "bias_missing"),
    (dict(bias_mode="per_channel"), "bias_per_channel"),
    (dict(bias_mode="column"), "bias_wrong_axis"),
    (dict(channels="last"), "channels_not_summed"),
    (dict(channels="first"), "channels_not_summed"),
    (dict(swap=True), "pairs_swapped"),
]


@pytest.mark.parametrize("switch, mistake", MISTAKES, ids=[m for _, m in MISTAKES])
@pytest.mark.parametrize("lab", ["conv2d_forward", "conv2d_im2col"])
def test_each_mistake_is_named(lab, switch, mistake):
    def learner(x, weight, bias, stride, padding):
        return loops(x, weight, bias, stride, padding, **switch)

    result = check(lab, learner)
    assert not result.passed
    assert result.mistake == mistake, result.message
    assert "Hint:" in result.message and "The first failing case" in result.message


def bias_broadcast_on_width(x, weight, bias, stride, padding):
    out = right_as_strided(x, weight, np.zeros_like(bias), stride, padding)
    return out + bias  # lines up with the last axis, the width


def test_bias_broadcast_on_the_width_is_named_though_it_raises_on_most_cases():
    result = check("conv2d_forward", bias_broadcast_on_width)
    assert result.mistake == "bias_wrong_axis", result.message


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
    return np.concatenate([right_tensordot_im2col(x[n:n + 1], weight, bias, stride, padding)
                           for n in range(x.shape[0])])


@pytest.mark.parametrize("fn", [im2col_loop_over_rows, im2col_vectorize_per_pixel])
def test_hidden_loops_over_pixels_are_found(fn):
    result = check("conv2d_im2col", fn)
    assert result.mistake == "loop_over_pixels", result.message
    assert "the numbers are right" in result.message


def test_a_loop_over_images_is_allowed():
    assert check("conv2d_im2col", im2col_loop_over_images).passed
