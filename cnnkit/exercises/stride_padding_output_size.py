"""Exercises of notebook 03 (stride, padding and output size).

Every expected answer is computed with :mod:`cnnkit.shapes` from the numbers in the
question, so the checks and the course's own arithmetic can never disagree.
"""

from __future__ import annotations

import math
from typing import Any

from ..shapes import conv_output_size, same_padding, uncovered_pixels
from ._core import as_shape, as_whole_number, exercise

__all__ = [
    "check_stride_output_size",
    "check_keep_size_padding",
    "check_dropped_pixels",
    "check_conv_output_shape",
]

# The numbers in each question (the notebook states them; the solutions are written from them).
OUTPUT_SIZE_QUESTION = {"n": 48, "kernel_size": 5, "stride": 3, "padding": 3}
KEEP_SIZE_QUESTION = {"n": 32, "kernel_size": 5}
DROPPED_QUESTION = {"n": 100, "kernel_size": 5, "stride": 4}
SHAPE_QUESTION = {
    "x_shape": (2, 3, 64, 64),
    "weight_shape": (16, 3, 5, 5),
    "stride": 2,
    "padding": 2,
}


_Q1 = OUTPUT_SIZE_QUESTION
_N1, _K1, _S1, _P1 = _Q1["n"], _Q1["kernel_size"], _Q1["stride"], _Q1["padding"]
_ROOM1 = _N1 + 2 * _P1 - _K1
_OUT1 = conv_output_size(_N1, _K1, _S1, _P1)

_N2, _K2 = KEEP_SIZE_QUESTION["n"], KEEP_SIZE_QUESTION["kernel_size"]
_P2 = (_K2 - 1) // 2

_N3, _K3, _S3 = DROPPED_QUESTION["n"], DROPPED_QUESTION["kernel_size"], DROPPED_QUESTION["stride"]
_ROOM3 = _N3 - _K3

_XS, _WS = SHAPE_QUESTION["x_shape"], SHAPE_QUESTION["weight_shape"]
_S4, _P4 = SHAPE_QUESTION["stride"], SHAPE_QUESTION["padding"]
_H4 = conv_output_size(_XS[2], _WS[2], _S4, _P4)
_W4 = conv_output_size(_XS[3], _WS[3], _S4, _P4)
_RIGHT4 = (_XS[0], _WS[0], _H4, _W4)


@exercise(
    "03.1",
    expects="one whole number, such as 20",
    question=f"""An input is {_N1} pixels wide. A convolution with a {_K1}-pixel kernel, stride
{_S1} and padding {_P1} runs over it. How wide is the output?""",
    solution=f"""
# n={_N1}, k={_K1}, s={_S1}, p={_P1}:
# out = floor(({_N1} + 2*{_P1} - {_K1}) / {_S1}) + 1 = floor({_ROOM1} / {_S1}) + 1 \
= {_ROOM1 // _S1} + 1 = {_OUT1}
answer = ({_N1} + 2 * {_P1} - {_K1}) // {_S1} + 1
# check: cnnkit.conv_output_size({_N1}, {_K1}, stride={_S1}, padding={_P1}) -> {_OUT1}
""",
)
def check_stride_output_size(answer: Any) -> tuple[bool, str]:
    """03.1: the output size along one axis for OUTPUT_SIZE_QUESTION."""
    q = OUTPUT_SIZE_QUESTION
    value = as_whole_number(answer, "the output size")
    right = conv_output_size(q["n"], q["kernel_size"], q["stride"], q["padding"])
    n, k, s, p = q["n"], q["kernel_size"], q["stride"], q["padding"]
    if value == right:
        return True, f"out = floor(({n} + 2*{p} - {k}) / {s}) + 1 = {right}."
    if value == math.ceil((n + 2 * p - k) / s) + 1:
        return False, (
            "you rounded the division up; a convolution rounds down (floor), "
            "dropping the last partial window."
        )
    if value == conv_output_size(n, k, s, 0):
        return False, "that is the size without padding; the padding adds p zeros on each side."
    if value == (n + p - k) // s + 1 or value == (n + 2 * p - k) // s:
        return False, (
            "close: check that the padding counts on both sides (2p) and that you "
            "added 1 for the first window."
        )
    return False, "use out = floor((n + 2p - k) / s) + 1, step by step."


@exercise(
    "03.2",
    expects="one whole number of zeros per side, such as 1",
    question=f"""A {_N2}×{_N2} image goes through a {_K2}×{_K2} kernel at stride 1. How much
padding (on each side) keeps the output {_N2}×{_N2}?""",
    solution=f"""
# At stride 1, out = n + 2p - k + 1. For out = n we need 2p = k - 1 = {_K2 - 1}, \
so p = {_P2} on each side.
answer = ({_K2} - 1) // 2
# check: cnnkit.shapes.same_padding({_K2}) -> {same_padding(_K2)}, \
and cnnkit.conv_output_size({_N2}, {_K2}, padding={_P2}) -> {conv_output_size(_N2, _K2, 1, _P2)}
""",
)
def check_keep_size_padding(answer: Any) -> tuple[bool, str]:
    """03.2: the padding on each side that keeps the size, for KEEP_SIZE_QUESTION."""
    q = KEEP_SIZE_QUESTION
    value = as_whole_number(answer, "the padding on each side")
    if value < 0:
        return False, "padding is a count of zeros added, so it cannot be negative."
    n, k = q["n"], q["kernel_size"]
    out = conv_output_size(n, k, 1, value)
    if out == n:
        return True, f"padding={value} on each side: {n} + 2*{value} - {k} + 1 = {out}."
    if value == k - 1:
        return False, (
            f"{value} is the total the kernel needs; padding counts the zeros on "
            "EACH side, so split it in two."
        )
    return False, (
        f"with padding={value} the output is {out}, not {n}. At stride 1, "
        "out = n + 2p - k + 1: solve out = n for p."
    )


@exercise(
    "03.3",
    expects="one whole number of pixels, such as 1",
    question=f"""A row of {_N3} pixels, a {_K3}-pixel kernel, stride {_S3}, no padding. How many
pixels at the end of the row does no window read?""",
    solution=f"""
# room = n - k = {_N3} - {_K3} = {_ROOM3} pixels; \
{_ROOM3} = {_S3}*{_ROOM3 // _S3} + {_ROOM3 % _S3}, so the windows take {_ROOM3 // _S3} steps
# and the last {_ROOM3 % _S3} pixels are never reached \
(the output has {_ROOM3 // _S3} + 1 = {_ROOM3 // _S3 + 1} values).
answer = ({_N3} - {_K3}) % {_S3}
# check: cnnkit.shapes.uncovered_pixels({_N3}, {_K3}, stride={_S3}) \
-> {uncovered_pixels(_N3, _K3, _S3)}
""",
)
def check_dropped_pixels(answer: Any) -> tuple[bool, str]:
    """03.3: how many pixels at the end of the row no window reads, for DROPPED_QUESTION."""
    q = DROPPED_QUESTION
    value = as_whole_number(answer, "a number of pixels")
    n, k, s = q["n"], q["kernel_size"], q["stride"]
    right = uncovered_pixels(n, k, s)
    if value == right:
        return True, (
            f"{n} - {k} = {n - k} = {s}*{(n - k) // s} + {right}: the last {right} "
            "pixels are dropped."
        )
    if value == conv_output_size(n, k, s):
        return False, "that is the output size; the question asks how many pixels are left over."
    return False, (
        f"the windows can slide n - k = {n - k} pixels in steps of {s}; what is left "
        "after the last whole step?"
    )


@exercise(
    "03.4",
    expects="a shape: a tuple of four whole numbers, such as (1, 2, 3, 4)",
    question=f"""`x` has shape {_XS} and `weight` has shape {_WS}. What is the shape of
`conv2d(x, weight, stride={_S4}, padding={_P4})`? Answer with a tuple of four numbers, and
check it by running the convolution afterwards.""",
    solution=f"""
# One output channel per kernel: {_WS[0]}. Height and width:
# floor(({_XS[2]} + 2*{_P4} - {_WS[2]}) / {_S4}) + 1 \
= floor({_XS[2] + 2 * _P4 - _WS[2]} / {_S4}) + 1 \
= {(_XS[2] + 2 * _P4 - _WS[2]) // _S4} + 1 = {_H4}.
# The batch of {_XS[0]} images stays {_XS[0]}: the shape is {_RIGHT4}.
answer = cnnkit.conv2d(np.zeros({_XS}), np.zeros({_WS}), stride={_S4}, padding={_P4}).shape
""",
)
def check_conv_output_shape(answer: Any) -> tuple[bool, str]:
    """03.4: the shape of conv2d's output for SHAPE_QUESTION."""
    q = SHAPE_QUESTION
    got = as_shape(answer, "the output's shape")
    if len(got) != 4:
        return False, (
            "give the shape as a tuple of four numbers: (N, channels, height, width); "
            f"yours has {len(got)}."
        )
    n_images, _, h, w = q["x_shape"]
    n_kernels, _, kh, kw = q["weight_shape"]
    right = (
        n_images,
        n_kernels,
        conv_output_size(h, kh, q["stride"], q["padding"]),
        conv_output_size(w, kw, q["stride"], q["padding"]),
    )
    if got == right:
        return True, f"{right}: one channel per kernel, each {right[2]}x{right[3]}."
    if got[0] != right[0]:
        return False, "the first axis is the batch: every image in gives one output image."
    if got[1] != right[1]:
        return False, (
            "the channels of the output are the feature maps: one per kernel, "
            "not one per input channel."
        )
    return False, "the channels are right; now the height and width: floor((n + 2p - k) / s) + 1."
