"""Wrong functions that match no catalogued mistake still fail, and the message shows the
first failing case (input, expected, got). Written as a learner would write them."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit.labs import check, solutions


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# --- conv2d_forward and conv2d_im2col ----------------------------------------------------


def conv_drops_last_row(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = weight.shape
    OH = (xp.shape[2] - KH) // sh  # forgot the + 1
    OW = (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, OH, OW), dtype=x.dtype)
    for i in range(OH):
        for j in range(OW):
            win = xp[:, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
            out[:, :, i, j] = np.einsum("nckl,fckl->nf", win, weight) + bias
    return out


def conv_mean_not_sum(x, weight, bias, stride, padding):
    out = solutions.conv2d_forward(x, weight, np.zeros_like(bias), stride, padding)
    return out / (weight[0].size) + bias[None, :, None, None]


def conv_with_relu(x, weight, bias, stride, padding):
    return np.maximum(solutions.conv2d_forward(x, weight, bias, stride, padding), 0)


def im2col_columns_in_the_wrong_order(x, weight, bias, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    N, C = x.shape[:2]
    F, _, KH, KW = weight.shape
    OH = (xp.shape[2] - KH) // sh + 1
    OW = (xp.shape[3] - KW) // sw + 1
    taps = [
        xp[:, :, a : a + sh * (OH - 1) + 1 : sh, b : b + sw * (OW - 1) + 1 : sw]
        for a in range(KH)
        for b in range(KW)
    ]
    cols = np.stack(taps, axis=1).reshape(N, KH * KW * C, OH * OW)  # taps first: wrong order
    out = weight.reshape(F, -1) @ cols
    return out.reshape(N, F, OH, OW) + bias.reshape(1, F, 1, 1)


# --- pooling ------------------------------------------------------------------------------


def min_pool(x, kernel_size, stride):
    return -solutions.max_pool2d_forward(-x, kernel_size, stride)


def average_pool(x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - kh) // sh + 1, (W - kw) // sw + 1), dtype=x.dtype)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw].mean(axis=(2, 3))
    return out


def pool_backward_ones(dout, x, kernel_size, stride):
    return solutions.max_pool2d_backward(np.ones_like(dout), x, kernel_size, stride)


def pool_backward_window_at_i(dout, x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    dx = np.zeros_like(x)
    N, C, OH, OW = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    win = x[n, c, i : i + kh, j : j + kw]  # stride forgotten here only
                    a, b = np.unravel_index(np.argmax(win), win.shape)
                    dx[n, c, i + a, j + b] += dout[n, c, i, j]
    return dx


# --- conv2d_backward ----------------------------------------------------------------------


def backward_negated(dout, x, weight, stride, padding):
    dx, dw, db = solutions.conv2d_backward(dout, x, weight, stride, padding)
    return -dx, -dw, -db


def backward_dweight_from_unpadded_x(dout, x, weight, stride, padding):
    dx, _, db = solutions.conv2d_backward(dout, x, weight, stride, padding)
    sh, sw = _pair(stride)
    F, C, KH, KW = weight.shape
    dw = np.zeros_like(weight)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            win = x[:, :, i * sh : i * sh + KH, j * sw : j * sw + KW]  # forgot to pad x
            if win.shape[2:] == (KH, KW):
                dw += np.tensordot(dout[:, :, i, j], win, axes=([0], [0]))
    return dx, dw, db


# --- softmax_cross_entropy ------------------------------------------------------------------


def loss_over_classes_too(logits, labels):
    loss, d = solutions.softmax_cross_entropy(logits, labels)
    return loss / logits.shape[1], d


def gradient_sign_flipped(logits, labels):
    loss, d = solutions.softmax_cross_entropy(logits, labels)
    return loss, -d


UNLISTED = [
    ("conv2d_forward", conv_drops_last_row),
    ("conv2d_forward", conv_mean_not_sum),
    ("conv2d_forward", conv_with_relu),
    ("conv2d_im2col", im2col_columns_in_the_wrong_order),
    ("conv2d_im2col", conv_with_relu),
    ("max_pool2d_forward", min_pool),
    ("max_pool2d_forward", average_pool),
    ("max_pool2d_backward", pool_backward_ones),
    ("max_pool2d_backward", pool_backward_window_at_i),
    ("conv2d_backward", backward_negated),
    ("conv2d_backward", backward_dweight_from_unpadded_x),
    ("softmax_cross_entropy", loss_over_classes_too),
    ("softmax_cross_entropy", gradient_sign_flipped),
]


@pytest.mark.parametrize("lab, fn", UNLISTED, ids=[f.__name__ for _, f in UNLISTED])
def test_unlisted_mistakes_fail_with_the_first_failing_case(lab, fn):
    result = check(lab, fn)
    assert not result.passed and result.status == "failed"
    assert result.mistake is None, result.message
    assert "The first failing case" in result.message and "expected" in result.message
    assert result.case is not None and result.case.note in result.message
    assert "differing cells in red" in result._repr_html_()
