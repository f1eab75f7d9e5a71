"""The cases every convolution lab (forward, im2col, backward) runs, smallest first."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..conv import conv2d
from .kit import ints, pair
from .spec import Case

__all__ = ["conv_cases", "conv_backward_cases"]

# x shape, weight shape, stride, padding, dtype, small whole numbers?, what it tests
_SHAPES: list[tuple[tuple[int, ...], tuple[int, ...], Any, Any, Any, bool, str]] = [
    ((1, 1, 3, 4), (1, 1, 2, 2), 1, 0, np.float64, True, "one image, one channel, a 2x2 kernel"),
    ((1, 1, 5, 7), (1, 1, 2, 3), 2, 0, np.float64, True, "stride 2 and a 2x3 kernel"),
    ((1, 1, 3, 4), (1, 1, 3, 3), 1, 1, np.float64, True, "padding 1"),
    (
        (1, 2, 4, 5),
        (2, 2, 2, 3),
        (1, 2),
        (1, 0),
        np.float64,
        True,
        "two channels and two kernels, stride (1, 2), padding (1, 0)",
    ),
    (
        (2, 3, 6, 7),
        (4, 3, 3, 2),
        (2, 1),
        (0, 2),
        np.float64,
        True,
        "two images, three channels, four kernels, stride (2, 1), padding (0, 2)",
    ),
    (
        (1, 2, 3, 4),
        (2, 2, 5, 4),
        (2, 3),
        (1, 0),
        np.float64,
        True,
        "a kernel as large as the padded input",
    ),
    ((2, 2, 5, 6), (3, 2, 3, 3), 2, 1, np.float32, False, "float32 input, stride 2, padding 1"),
    (
        (3, 2, 9, 8),
        (3, 2, 3, 4),
        (3, 2),
        (2, 1),
        np.float64,
        False,
        "random values, stride (3, 2), padding (2, 1)",
    ),
]


def _arrays(rng: np.random.Generator, x_shape, w_shape, dtype, whole: bool):
    if whole:
        x = ints(rng, x_shape, -3, 3, dtype)
        w = ints(rng, w_shape, -2, 2, dtype)
        w.flat[0] = 1 if w.flat[0] == w.flat[-1] else w.flat[0]  # rarely symmetric by chance
        b = ints(rng, (w_shape[0],), 1, 5, dtype)
    else:
        x = rng.normal(size=x_shape).astype(dtype)
        w = rng.normal(size=w_shape).astype(dtype)
        b = rng.normal(size=(w_shape[0],)).astype(dtype)
    return x, w, b


def conv_cases(seed: int) -> list[Case]:
    """Cases for ``f(x, weight, bias, stride, padding)``."""
    rng = np.random.default_rng(seed)
    cases = []
    for x_shape, w_shape, stride, padding, dtype, whole, note in _SHAPES:
        x, w, b = _arrays(rng, x_shape, w_shape, dtype, whole)
        cases.append(Case(dict(x=x, weight=w, bias=b, stride=stride, padding=padding), note))
    return cases


def conv_backward_cases(seed: int) -> list[Case]:
    """Cases for ``f(dout, x, weight, stride, padding)``; dout has the output's shape."""
    rng = np.random.default_rng(seed + 1)
    cases = []
    for x_shape, w_shape, stride, padding, dtype, whole, note in _SHAPES:
        x, w, _ = _arrays(rng, x_shape, w_shape, dtype, whole)
        out_shape = conv2d(x, w, None, pair(stride), pair(padding)).shape
        dout = (
            ints(rng, out_shape, -2, 3, dtype)
            if whole
            else rng.normal(size=out_shape).astype(dtype)
        )
        cases.append(Case(dict(dout=dout, x=x, weight=w, stride=stride, padding=padding), note))
    return cases
