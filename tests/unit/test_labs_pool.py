"""The max-pooling labs. Every function here is written as a learner would write it; each
mistake is a whole function whose wrong line is marked "# mistake"."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit.labs import check


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# --- forward: right in three styles ---------------------------------------------------------


def right_pool_loops(x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - kh) // sh + 1, (W - kw) // sw + 1), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    out[n, c, i, j] = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw].max()
    return out


def right_pool_as_strided(x, kernel_size, stride):
    # another style: all windows as a strided view, one max over the last two axes
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, H, W = x.shape
    OH, OW = (H - kh) // sh + 1, (W - kw) // sw + 1
    s = x.strides
    win = np.lib.stride_tricks.as_strided(
        x, (N, C, OH, OW, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3])
    )
    return win.max(axis=(4, 5))


def right_pool_taps(x, kernel_size, stride):
    # another style: running maximum over the kernel's taps
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    OH, OW = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    out = None
    for a in range(kh):
        for b in range(kw):
            tap = x[:, :, a : a + sh * (OH - 1) + 1 : sh, b : b + sw * (OW - 1) + 1 : sw]
            out = tap.copy() if out is None else np.maximum(out, tap)
    return out


@pytest.mark.parametrize("fn", [right_pool_loops, right_pool_as_strided, right_pool_taps])
def test_right_pooling_passes(fn):
    result = check("max_pool2d_forward", fn)
    assert result.passed, result.message


# --- forward: the classic mistakes ----------------------------------------------------------


def pool_stride_is_kernel(x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    sh, sw = kh, kw  # mistake: windows side by side, whatever the stride
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - kh) // sh + 1, (W - kw) // sw + 1), dtype=x.dtype)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw].max(axis=(2, 3))
    return out


def pool_stride_one(x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    N, C, H, W = x.shape
    out = np.zeros((N, C, H - kh + 1, W - kw + 1), dtype=x.dtype)  # mistake: stride 1
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i : i + kh, j : j + kw].max(axis=(2, 3))
    return out


def pool_window_short(x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - kh) // sh + 1, (W - kw) // sw + 1), dtype=x.dtype)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            win = x[:, :, i * sh : i * sh + kh - 1, j * sw : j * sw + kw - 1]  # mistake: - 1
            out[:, :, i, j] = win.max(axis=(2, 3))
    return out


def pool_window_long(x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - kh) // sh + 1, (W - kw) // sw + 1), dtype=x.dtype)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            win = x[:, :, i * sh : i * sh + kh + 1, j * sw : j * sw + kw + 1]  # mistake: + 1
            out[:, :, i, j] = win.max(axis=(2, 3))
    return out


def pool_pairs_swapped(x, kernel_size, stride):
    kw, kh = _pair(kernel_size)  # mistake: (w, h) instead of (h, w)
    sw, sh = _pair(stride)
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - kh) // sh + 1, (W - kw) // sw + 1), dtype=x.dtype)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw].max(axis=(2, 3))
    return out


FORWARD_MISTAKES = [
    (pool_stride_is_kernel, "stride_ignored"),
    (pool_stride_one, "stride_ignored"),
    (pool_window_short, "window_off_by_one"),
    (pool_window_long, "window_off_by_one"),
    (pool_pairs_swapped, "pairs_swapped"),
]


@pytest.mark.parametrize(
    "fn, mistake", FORWARD_MISTAKES, ids=[f.__name__ for f, _ in FORWARD_MISTAKES]
)
def test_each_forward_mistake_is_named(fn, mistake):
    result = check("max_pool2d_forward", fn)
    assert result.mistake == mistake, result.message


# --- backward: right in two styles -----------------------------------------------------------


def right_backward_loops(dout, x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, OH, OW = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    win = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    a, b = np.unravel_index(np.argmax(win), win.shape)
                    dx[n, c, i * sh + a, j * sw + b] += dout[n, c, i, j]
    return dx


def right_backward_add_at(dout, x, kernel_size, stride):
    # another style: all winners found with one argmax, then np.add.at
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, H, W = x.shape
    OH, OW = dout.shape[2:]
    s = x.strides
    win = np.lib.stride_tricks.as_strided(
        x, (N, C, OH, OW, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3])
    )
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


# --- backward: the classic mistakes ---------------------------------------------------------


def backward_every_maximum(dout, x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, OH, OW = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    win = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    mask = win == win.max()  # mistake: every tied maximum gets it
                    dx[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw] += mask * dout[n, c, i, j]
    return dx


def backward_last_maximum(dout, x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, OH, OW = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    best = (0, 0)
                    for a in range(kh):
                        for b in range(kw):
                            if (
                                x[n, c, i * sh + a, j * sw + b]
                                >= x[n, c, i * sh + best[0], j * sw + best[1]]
                            ):
                                best = (a, b)  # mistake: >= keeps the last maximum
                    dx[n, c, i * sh + best[0], j * sw + best[1]] += dout[n, c, i, j]
    return dx


def backward_overwrites_winner(dout, x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, OH, OW = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    win = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    a, b = np.unravel_index(np.argmax(win), win.shape)
                    dx[n, c, i * sh + a, j * sw + b] = dout[n, c, i, j]  # mistake: = not +=
    return dx


def backward_overwrites_window(dout, x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, OH, OW = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    win = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    mask = np.zeros_like(win)
                    mask[np.unravel_index(np.argmax(win), win.shape)] = 1
                    # mistake: the whole window is assigned, wiping earlier gradient
                    dx[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw] = mask * dout[n, c, i, j]
    return dx


def backward_like_average(dout, x, kernel_size, stride):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    N, C, OH, OW = dout.shape
    dx = np.zeros_like(x)
    for i in range(OH):
        for j in range(OW):
            share = dout[:, :, i, j] / (kh * kw)  # mistake: spread over the window
            dx[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw] += share[:, :, None, None]
    return dx


BACKWARD_MISTAKES = [
    (backward_every_maximum, "every_maximum"),
    (backward_last_maximum, "last_maximum"),
    (backward_overwrites_winner, "overwrite"),
    (backward_overwrites_window, "overwrite"),
    (backward_like_average, "average_pooling"),
]


@pytest.mark.parametrize(
    "fn, mistake", BACKWARD_MISTAKES, ids=[f.__name__ for f, _ in BACKWARD_MISTAKES]
)
def test_each_backward_mistake_is_named(fn, mistake):
    result = check("max_pool2d_backward", fn)
    assert result.mistake == mistake, result.message
