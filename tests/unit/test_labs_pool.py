"""The max-pooling labs. Every function here is written as a learner would write it."""
from __future__ import annotations

import numpy as np
import pytest

from cnnkit.labs import check


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def pool_loops(x, kernel_size, stride, *, stride_mode="right", extra=0, swap=False):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    if swap:
        kh, kw, sh, sw = kw, kh, sw, sh
    if stride_mode == "kernel":
        sh, sw = kh, kw
    elif stride_mode == "one":
        sh, sw = 1, 1
    N, C, H, W = x.shape
    OH, OW = (H - kh) // sh + 1, (W - kw) // sw + 1
    out = np.zeros((N, C, OH, OW), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    win = x[n, c, i * sh:i * sh + kh + extra, j * sw:j * sw + kw + extra]
                    out[n, c, i, j] = win.max()
    return out


def right_pool_loops(x, kernel_size, stride):
    return pool_loops(x, kernel_size, stride)


def right_pool_as_strided(x, kernel_size, stride):
    # another style: all windows as a strided view, one max over the last two axes
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, H, W = x.shape
    OH, OW = (H - kh) // sh + 1, (W - kw) // sw + 1
    s = x.strides
    win = np.lib.stride_tricks.as_strided(
        x, (N, C, OH, OW, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3]))
    return win.max(axis=(4, 5))


def right_pool_taps(x, kernel_size, stride):
    # another style: running maximum over the kernel's taps
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    OH, OW = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    out = None
    for a in range(kh):
        for b in range(kw):
            tap = x[:, :, a:a + sh * (OH - 1) + 1:sh, b:b + sw * (OW - 1) + 1:sw]
            out = tap.copy() if out is None else np.maximum(out, tap)
    return out


@pytest.mark.parametrize("fn", [right_pool_loops, right_pool_as_strided, right_pool_taps])
def test_right_pooling_passes(fn):
    result = check("max_pool2d_forward", fn)
    assert result.passed, result.message


FORWARD_MISTAKES = [
    (dict(stride_mode="kernel"), "stride_ignored"),
    (dict(stride_mode="one"), "stride_ignored"),
    (dict(extra=-1), "window_off_by_one"),
    (dict(extra=1), "window_off_by_one"),
    (dict(swap=True), "pairs_swapped"),
]


@pytest.mark.parametrize("switch, mistake", FORWARD_MISTAKES)
def test_each_forward_mistake_is_named(switch, mistake):
    def learner(x, kernel_size, stride):
        return pool_loops(x, kernel_size, stride, **switch)

    result = check("max_pool2d_forward", learner)
    assert result.mistake == mistake, result.message


def pool_backward_loops(dout, x, kernel_size, stride, *, pick="first", assign="add"):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, OH, OW = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    r, s = i * sh, j * sw
                    win = x[n, c, r:r + kh, s:s + kw]
                    g = dout[n, c, i, j]
                    if pick == "average":
                        dx[n, c, r:r + kh, s:s + kw] += g / (kh * kw)
                    elif pick == "every":
                        dx[n, c, r:r + kh, s:s + kw] += (win == win.max()) * g
                    elif pick == "last":
                        best = (0, 0)
                        for a in range(kh):
                            for b in range(kw):
                                if win[a, b] >= win[best]:
                                    best = (a, b)
                        dx[n, c, r + best[0], s + best[1]] += g
                    else:
                        a, b = np.unravel_index(np.argmax(win), win.shape)
                        if assign == "add":
                            dx[n, c, r + a, s + b] += g
                        elif assign == "set":
                            dx[n, c, r + a, s + b] = g
                        else:  # the whole window assigned from a one-hot mask
                            mask = np.zeros_like(win)
                            mask[a, b] = 1
                            dx[n, c, r:r + kh, s:s + kw] = mask * g
    return dx


def right_backward_loops(dout, x, kernel_size, stride):
    return pool_backward_loops(dout, x, kernel_size, stride)


def right_backward_add_at(dout, x, kernel_size, stride):
    # another style: all winners found with one argmax, then np.add.at
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, H, W = x.shape
    OH, OW = dout.shape[2:]
    s = x.strides
    win = np.lib.stride_tricks.as_strided(
        x, (N, C, OH, OW, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3]))
    k = win.reshape(N, C, OH, OW, kh * kw).argmax(axis=-1)
    rows = np.arange(OH)[:, None] * sh + k // kw
    cols = np.arange(OW)[None, :] * sw + k % kw
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    dx = np.zeros_like(x)
    np.add.at(dx, (n[..., None, None], c[..., None, None], rows, cols), dout)
    return dx


@pytest.mark.parametrize("fn", [right_backward_loops, right_backward_add_at])
def test_right_backward_passes(fn):
    result = check("max_pool2d_backward", fn)
    assert result.passed, result.message


BACKWARD_MISTAKES = [
    (dict(pick="every"), "every_maximum"),
    (dict(pick="last"), "last_maximum"),
    (dict(assign="set"), "overwrite"),
    (dict(assign="set_window"), "overwrite"),
    (dict(pick="average"), "average_pooling"),
]


@pytest.mark.parametrize("switch, mistake", BACKWARD_MISTAKES)
def test_each_backward_mistake_is_named(switch, mistake):
    def learner(dout, x, kernel_size, stride):
        return pool_backward_loops(dout, x, kernel_size, stride, **switch)

    result = check("max_pool2d_backward", learner)
    assert result.mistake == mistake, result.message
