"""The output_size lab: PyTorch's floor rule ``(n + 2p - d(k-1) - 1) // s + 1``."""

from __future__ import annotations

import math

import numpy as np

from ..shapes import conv_output_size
from .spec import Case, Lab, Mistake, Part

__all__ = ["LAB"]

# (n, kernel_size, stride, padding, dilation, what the case tests), smallest first, so the
# first case that fails is one a learner can work by hand.
_FIXED = [
    (7, 3, 1, 0, 1, "plain: no stride, padding or dilation"),
    (7, 3, 2, 0, 1, "stride 2 that divides evenly"),
    (8, 3, 2, 0, 1, "stride 2 that does not divide evenly: round down"),
    (5, 3, 1, 1, 1, "padding 1 on each side"),
    (9, 3, 1, 0, 2, "dilation 2"),
    (10, 4, 3, 2, 2, "stride, padding and dilation together"),
    (4, 6, 1, 1, 1, "kernel as large as the padded input"),
    (128, 11, 6, 0, 1, "128 pixels, kernel 11, stride 6"),
]


def _cases(seed: int) -> list[Case]:
    cases = [
        Case(dict(n=n, kernel_size=k, stride=s, padding=p, dilation=d), note)
        for n, k, s, p, d, note in _FIXED
    ]
    rng = np.random.default_rng(seed)
    while len(cases) < len(_FIXED) + 6:
        n, k, s, p, d = (
            int(v)
            for v in (
                rng.integers(5, 40),
                rng.integers(1, 8),
                rng.integers(1, 5),
                rng.integers(0, 4),
                rng.integers(1, 4),
            )
        )
        if d * (k - 1) + 1 <= n + 2 * p:
            cases.append(
                Case(dict(n=n, kernel_size=k, stride=s, padding=p, dilation=d), "random sizes")
            )
    return cases


def _rounding_up(n, kernel_size, stride, padding, dilation):
    return math.ceil((n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1


def _padding_once(n, kernel_size, stride, padding, dilation):
    return (n + padding - dilation * (kernel_size - 1) - 1) // stride + 1


def _stride_ignored(n, kernel_size, stride, padding, dilation):
    return n + 2 * padding - dilation * (kernel_size - 1)


def _dilation_ignored(n, kernel_size, stride, padding, dilation):
    return (n + 2 * padding - kernel_size) // stride + 1


def _dilation_times_kernel(n, kernel_size, stride, padding, dilation):
    return (n + 2 * padding - dilation * kernel_size) // stride + 1


def _no_plus_one(n, kernel_size, stride, padding, dilation):
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride


_MISTAKES = (
    Mistake(
        "rounding_up",
        "your formula rounds up where PyTorch rounds down.",
        "a window that does not fit entirely is dropped: use // (floor division), "
        "not math.ceil or round.",
        _rounding_up,
    ),
    Mistake(
        "padding_once",
        "your formula counts the padding once, but it is added on both sides.",
        "the padded length is n + 2 * padding.",
        _padding_once,
    ),
    Mistake(
        "stride_ignored",
        "your formula ignores the stride (as if every stride were 1).",
        "the window moves `stride` pixels at a time: divide the free room by the stride.",
        _stride_ignored,
    ),
    Mistake(
        "dilation_ignored",
        "your formula ignores the dilation.",
        "a dilated kernel reaches dilation * (kernel_size - 1) + 1 pixels.",
        _dilation_ignored,
    ),
    Mistake(
        "dilation_times_kernel",
        "your formula takes the dilated kernel's reach as dilation * kernel_size.",
        "k taps with gaps of dilation - 1 between them reach "
        "dilation * (kernel_size - 1) + 1 pixels.",
        _dilation_times_kernel,
    ),
    Mistake(
        "off_by_one",
        "your formula is one short: it counts the steps but not the first window.",
        "after the first window come (room // stride) more: add 1.",
        _no_plus_one,
    ),
)

LAB = Lab(
    name="output_size",
    what="the floor rule with stride, padding and dilation",
    arg_names=("n", "kernel_size", "stride", "padding", "dilation"),
    returns=(Part("the output size", "int"),),
    make_cases=_cases,
    expected=conv_output_size,
    mistakes=_MISTAKES,
)
