"""Exercises of notebook 03 (stride, padding and output size).

Every expected answer is computed with :mod:`cnnkit.shapes` from the numbers in the
question, so the checks and the course's own arithmetic can never disagree.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

from ..shapes import conv_output_size, uncovered_pixels
from ._core import exercise

__all__ = [
    "check_stride_output_size",
    "check_keep_size_padding",
    "check_dropped_pixels",
    "check_conv_output_shape",
]

# The numbers in each question (the notebook prints the questions from these).
OUTPUT_SIZE_QUESTION = {"n": 48, "kernel_size": 5, "stride": 3, "padding": 3}
KEEP_SIZE_QUESTION = {"n": 32, "kernel_size": 5}
DROPPED_QUESTION = {"n": 100, "kernel_size": 5, "stride": 4}
SHAPE_QUESTION = {"x_shape": (2, 3, 64, 64), "weight_shape": (16, 3, 5, 5), "stride": 2,
                  "padding": 2}


def _whole_number(answer: Any, what: str) -> int:
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        raise TypeError(f"the answer should be a whole number ({what}), got {answer!r}")
    if float(answer) != int(answer):
        raise ValueError(f"{answer} is not a whole number; a size counts whole pixels")
    return int(answer)


@exercise("03.1", solution="""
n=48, k=5, s=3, p=3:
out = floor((48 + 2*3 - 5) / 3) + 1 = floor(49 / 3) + 1 = 16 + 1 = 17
cnnkit.conv_output_size(48, 5, stride=3, padding=3) -> 17
""")
def check_stride_output_size(answer: Any) -> tuple[bool, str]:
    """03.1: the output size of a 48-pixel axis, 5-pixel kernel, stride 3, padding 3."""
    q = OUTPUT_SIZE_QUESTION
    value = _whole_number(answer, "the output size")
    right = conv_output_size(q["n"], q["kernel_size"], q["stride"], q["padding"])
    n, k, s, p = q["n"], q["kernel_size"], q["stride"], q["padding"]
    if value == right:
        return True, f"out = floor(({n} + 2*{p} - {k}) / {s}) + 1 = {right}."
    if value == math.ceil((n + 2 * p - k) / s) + 1:
        return False, ("you rounded the division up; a convolution rounds down (floor), "
                       "dropping the last partial window.")
    if value == conv_output_size(n, k, s, 0):
        return False, "that is the size without padding; the padding adds p zeros on each side."
    if value == (n + p - k) // s + 1 or value == (n + 2 * p - k) // s:
        return False, ("close: check that the padding counts on both sides (2p) and that you "
                       "added 1 for the first window.")
    return False, "use out = floor((n + 2p - k) / s) + 1, step by step."


@exercise("03.2", solution="""
At stride 1, out = n + 2p - k + 1. For out = n we need 2p = k - 1 = 4, so p = 2 on each side.
cnnkit.shapes.same_padding(5) -> (2, 2), and conv_output_size(32, 5, padding=2) -> 32
""")
def check_keep_size_padding(answer: Any) -> tuple[bool, str]:
    """03.2: the padding on each side that keeps a 32x32 input 32x32 under a 5x5 kernel."""
    q = KEEP_SIZE_QUESTION
    value = _whole_number(answer, "the padding on each side")
    if value < 0:
        return False, "padding is a count of zeros added, so it cannot be negative."
    n, k = q["n"], q["kernel_size"]
    out = conv_output_size(n, k, 1, value)
    if out == n:
        return True, f"padding={value} on each side: {n} + 2*{value} - {k} + 1 = {out}."
    if value == k - 1:
        return False, (f"{value} is the total the kernel needs; padding counts the zeros on "
                       "EACH side, so split it in two.")
    return False, (f"with padding={value} the output is {out}, not {n}. At stride 1, "
                   "out = n + 2p - k + 1: solve out = n for p.")


@exercise("03.3", solution="""
room = n - k = 100 - 5 = 95 pixels; 95 = 4*23 + 3, so the windows take 23 steps
and the last 3 pixels are never reached (the output has 23 + 1 = 24 values).
cnnkit.shapes.uncovered_pixels(100, 5, stride=4) -> 3
""")
def check_dropped_pixels(answer: Any) -> tuple[bool, str]:
    """03.3: how many pixels at the end of a 100-pixel row a 5-pixel kernel at stride 4 drops."""
    q = DROPPED_QUESTION
    value = _whole_number(answer, "a number of pixels")
    n, k, s = q["n"], q["kernel_size"], q["stride"]
    right = uncovered_pixels(n, k, s)
    if value == right:
        return True, (f"{n} - {k} = {n - k} = {s}*{(n - k) // s} + {right}: the last {right} "
                      "pixels are dropped.")
    if value == conv_output_size(n, k, s):
        return False, "that is the output size; the question asks how many pixels are left over."
    return False, (f"the windows can slide n - k = {n - k} pixels in steps of {s}; what is left "
                   "after the last whole step?")


@exercise("03.4", solution="""
One output channel per kernel: 16. Height and width:
floor((64 + 2*2 - 5) / 2) + 1 = floor(63 / 2) + 1 = 31 + 1 = 32.
The batch of 2 images stays 2: the shape is (2, 16, 32, 32).
cnnkit.conv2d(np.zeros((2, 3, 64, 64)), np.zeros((16, 3, 5, 5)), stride=2, padding=2).shape
""")
def check_conv_output_shape(answer: Any) -> tuple[bool, str]:
    """03.4: the shape of conv2d's output for x (2, 3, 64, 64), weight (16, 3, 5, 5), s=2, p=2."""
    q = SHAPE_QUESTION
    if not isinstance(answer, (tuple, list)) or len(answer) != 4:
        return False, "give the shape as a tuple of four numbers: (N, channels, height, width)."
    got = tuple(_whole_number(a, "one axis of the shape") for a in answer)
    n_images, _, h, w = q["x_shape"]
    n_kernels, _, kh, kw = q["weight_shape"]
    right = (n_images, n_kernels, conv_output_size(h, kh, q["stride"], q["padding"]),
             conv_output_size(w, kw, q["stride"], q["padding"]))
    if got == right:
        return True, f"{right}: one channel per kernel, each {right[2]}x{right[3]}."
    if got[0] != right[0]:
        return False, "the first axis is the batch: every image in gives one output image."
    if got[1] != right[1]:
        return False, ("the channels of the output are the feature maps: one per kernel, "
                       "not one per input channel.")
    return False, "the channels are right; now the height and width: floor((n + 2p - k) / s) + 1."
