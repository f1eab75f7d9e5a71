"""The max-pooling labs, forward and backward: cases with overlapping windows and ties,
and the classic mistakes of each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..pool import max_pool2d, max_pool2d_backward
from .kit import ints, pair
from .spec import Case, Lab, Mistake, Part

__all__ = ["FORWARD", "BACKWARD"]

# x shape, kernel_size, stride, dtype, small whole numbers?, what it tests
_SHAPES: list[tuple[tuple[int, ...], Any, Any, Any, bool, str]] = [
    ((1, 1, 4, 4), 2, 2, np.float64, True, "2x2 windows side by side"),
    ((1, 1, 3, 4), 2, 1, np.float64, True, "overlapping windows: kernel 2, stride 1"),
    ((1, 1, 4, 5), 2, 1, np.float64, True, "ties: only 0s and 1s, overlapping windows"),
    ((1, 1, 5, 7), (2, 3), (1, 2), np.float64, True, "a 2x3 window, stride (1, 2)"),
    ((2, 3, 6, 5), 3, 2, np.float64, True, "two images, three channels, 3x3 at stride 2"),
    ((1, 2, 4, 6), (4, 6), 1, np.float64, True, "a window as large as the input"),
    ((2, 2, 6, 6), 2, (2, 1), np.float32, True, "float32 input, stride (2, 1)"),
    (
        (3, 2, 7, 9),
        (3, 2),
        (2, 3),
        np.float64,
        False,
        "random values, kernel (3, 2), stride (2, 3)",
    ),
]


def _x(rng: np.random.Generator, shape, dtype, whole: bool, note: str) -> np.ndarray:
    if note.startswith("ties"):
        return ints(rng, shape, 0, 1, dtype)
    return ints(rng, shape, 0, 4, dtype) if whole else rng.normal(size=shape).astype(dtype)


def _forward_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    return [
        Case(dict(x=_x(rng, shape, dtype, whole, note), kernel_size=k, stride=s), note)
        for shape, k, s, dtype, whole, note in _SHAPES
    ]


def _backward_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed + 2)
    cases = []
    for shape, k, s, dtype, whole, note in _SHAPES:
        x = _x(rng, shape, dtype, whole, note)
        out_shape = max_pool2d(x, pair(k), pair(s)).shape
        dout = (
            ints(rng, out_shape, 1, 5, dtype) if whole else rng.normal(size=out_shape).astype(dtype)
        )
        cases.append(Case(dict(dout=dout, x=x, kernel_size=k, stride=s), note))
    return cases


def _pool(x, window, stride, out_hw) -> np.ndarray:
    """Max over windows of size ``window`` (clipped by slicing) at ``out_hw`` positions."""
    (kh, kw), (sh, sw), (oh, ow) = window, stride, out_hw
    out = np.zeros(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw].max(axis=(2, 3))
    return out


def _sizes(x, k, s) -> tuple[int, int]:
    (kh, kw), (sh, sw) = pair(k), pair(s)
    return (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1


def _stride_is_kernel(x, kernel_size, stride):
    return _pool(x, pair(kernel_size), pair(kernel_size), _sizes(x, kernel_size, kernel_size))


def _stride_one(x, kernel_size, stride):
    return _pool(x, pair(kernel_size), (1, 1), _sizes(x, kernel_size, 1))


def _window_short(x, kernel_size, stride):
    kh, kw = pair(kernel_size)
    return _pool(x, (kh - 1, kw - 1), pair(stride), _sizes(x, kernel_size, stride))


def _window_long(x, kernel_size, stride):
    kh, kw = pair(kernel_size)
    return _pool(x, (kh + 1, kw + 1), pair(stride), _sizes(x, kernel_size, stride))


def _pool_swapped(x, kernel_size, stride):
    (kh, kw), (sh, sw) = pair(kernel_size), pair(stride)
    return _pool(x, (kw, kh), (sw, sh), _sizes(x, (kw, kh), (sw, sh)))


_FORWARD_MISTAKES = (
    Mistake(
        "stride_ignored",
        "your function moves the window by the kernel size, ignoring "
        "the stride (it assumes windows side by side).",
        "window (i, j) starts at "
        "(i * stride_h, j * stride_w); with stride < kernel_size the windows overlap.",
        _stride_is_kernel,
    ),
    Mistake(
        "stride_ignored",
        "your function moves the window one pixel at a time, ignoring the stride.",
        "output size (H - KH) // stride_h + 1, and window (i, j) starts "
        "at (i * stride_h, j * stride_w).",
        _stride_one,
    ),
    Mistake(
        "window_off_by_one",
        "your windows are one pixel too small.",
        "the window of "
        "output (i, j) is x[:, :, i*sh : i*sh + KH, j*sw : j*sw + KW]; the slice end is "
        "not included, so no - 1.",
        _window_short,
    ),
    Mistake(
        "window_off_by_one",
        "your windows are one pixel too large.",
        "the window of "
        "output (i, j) is x[:, :, i*sh : i*sh + KH, j*sw : j*sw + KW]; the slice end is "
        "not included, so no + 1.",
        _window_long,
    ),
    Mistake(
        "pairs_swapped",
        "your function reads the (h, w) pairs the wrong way round.",
        "kernel_size=(KH, KW) and stride=(sh, sw): the first is along the rows.",
        _pool_swapped,
    ),
)


def _first(window: np.ndarray) -> np.ndarray:
    flat = window.reshape(len(window), -1)
    hot = np.zeros_like(flat)
    hot[np.arange(len(flat)), flat.argmax(axis=1)] = 1
    return hot.reshape(window.shape)


def _last(window: np.ndarray) -> np.ndarray:
    flat = window.reshape(len(window), -1)[:, ::-1]
    hot = np.zeros_like(flat)
    hot[np.arange(len(flat)), flat.argmax(axis=1)] = 1
    return hot[:, ::-1].reshape(window.shape)


def _every(window: np.ndarray) -> np.ndarray:
    return (window == window.max(axis=(1, 2), keepdims=True)).astype(float)


def _average(window: np.ndarray) -> np.ndarray:
    return np.full(window.shape, 1.0 / window[0].size)


def _route(
    dout, x, kernel_size, stride, share: Callable[[np.ndarray], np.ndarray], how: str = "add"
) -> np.ndarray:
    """dx from sending each window's gradient to its pixels by the weights ``share`` gives;
    ``how`` is "add" (right), "set_winner" or "set_window" (overwrites, the mistakes)."""
    (kh, kw), (sh, sw) = pair(kernel_size), pair(stride)
    n, c = x.shape[:2]
    flat_x = x.reshape(n * c, *x.shape[2:])
    dx = np.zeros(flat_x.shape)
    g = dout.reshape(n * c, *dout.shape[2:])
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
            weights = share(flat_x[:, rows, cols])
            part = weights * g[:, i, j][:, None, None]
            if how == "add":
                dx[:, rows, cols] += part
            elif how == "set_window":
                dx[:, rows, cols] = part
            else:
                block = dx[:, rows, cols]
                block[weights > 0] = part[weights > 0]
    return dx.reshape(x.shape)


_BACKWARD_MISTAKES = (
    Mistake(
        "every_maximum",
        "your function sends the gradient to every maximum of a window when there is a tie.",
        "PyTorch sends it to the first maximum only, in reading "
        "order: use argmax on the flattened window.",
        lambda dout, x, kernel_size, stride: _route(dout, x, kernel_size, stride, _every),
    ),
    Mistake(
        "last_maximum",
        "your function sends the gradient to the last maximum of a window when there is a tie.",
        "PyTorch picks the first maximum in reading order: "
        "np.argmax does (a >= comparison in a loop picks the last one; use >).",
        lambda dout, x, kernel_size, stride: _route(dout, x, kernel_size, stride, _last),
    ),
    Mistake(
        "overwrite",
        "overlapping windows overwrite each other's gradient instead of "
        "adding up (= where it needs +=).",
        "a pixel that is the maximum of two windows "
        "gets the gradient of both: dx[...] += dout[...].",
        lambda dout, x, kernel_size, stride: _route(
            dout, x, kernel_size, stride, _first, "set_winner"
        ),
    ),
    Mistake(
        "overwrite",
        "each window overwrites its whole patch of dx (zeros included), so "
        "an overlapping window wipes out the gradient the one before it left.",
        "add into dx (dx[..., rows, cols] += mask * dout[...]) instead of assigning.",
        lambda dout, x, kernel_size, stride: _route(
            dout, x, kernel_size, stride, _first, "set_window"
        ),
    ),
    Mistake(
        "average_pooling",
        "your function spreads the gradient evenly over each window, as average pooling would.",
        "in max pooling only the winning pixel moved the "
        "output: all of dout[n, c, i, j] goes to the first maximum of window (i, j).",
        lambda dout, x, kernel_size, stride: _route(dout, x, kernel_size, stride, _average),
    ),
)


def _right_forward(x, kernel_size, stride):
    return max_pool2d(x, pair(kernel_size), pair(stride))


def _right_backward(dout, x, kernel_size, stride):
    return max_pool2d_backward(dout, x, pair(kernel_size), pair(stride))


FORWARD = Lab(
    name="max_pool2d_forward",
    what="overlapping windows, pairs, float32 kept",
    arg_names=("x", "kernel_size", "stride"),
    returns=(Part("out", "array"),),
    make_cases=_forward_cases,
    expected=_right_forward,
    mistakes=_FORWARD_MISTAKES,
)

BACKWARD = Lab(
    name="max_pool2d_backward",
    what="first maximum on ties, overlapping windows added, float32 kept",
    arg_names=("dout", "x", "kernel_size", "stride"),
    returns=(Part("dx", "array"),),
    make_cases=_backward_cases,
    expected=_right_backward,
    mistakes=_BACKWARD_MISTAKES,
)
