"""Exercises of notebook 10 (how convolution is computed fast).

Every expected answer is computed from the numbers in the question with the counting
functions of :mod:`cnnkit.widgets.fast_convolution` and the output-size rule, and the
wrong answers a learner is likely to give (one output instead of a tile, the direct count,
a forgotten axis, values instead of bytes) each get their own diagnosis.
"""

from __future__ import annotations

import math
from typing import Any

from ..shapes import conv_output_size
from ._core import as_shape, as_whole_number, exercise

__all__ = [
    "check_winograd_multiplications",
    "check_im2col_shape",
    "check_im2col_bytes",
    "check_winograd_tiles",
]

#: 10.1: one image, C channels of H x W, F kernels 3x3, padding 1 (the output keeps H x W).
WINOGRAD_QUESTION = {"channels": 8, "size": 16, "kernels": 4}
#: 10.2 and 10.3: the layer whose im2col rows matrix is asked for.
IM2COL_QUESTION = {"x_shape": (2, 3, 32, 32), "weight_shape": (16, 3, 5, 5), "padding": 2}
#: 10.4: Winograd tiles for an output of this size.
TILES_QUESTION = {"out_h": 7, "out_w": 10}

_C1, _S1, _F1 = (WINOGRAD_QUESTION[k] for k in ("channels", "size", "kernels"))
_TILES1 = math.ceil(_S1 / 2) ** 2
_WINO1 = _TILES1 * 16 * _C1 * _F1
_DIRECT1 = _S1 * _S1 * 9 * _C1 * _F1

_XS, _WS, _P2 = IM2COL_QUESTION["x_shape"], IM2COL_QUESTION["weight_shape"], 2
_OH2 = conv_output_size(_XS[2], _WS[2], 1, _P2)
_OW2 = conv_output_size(_XS[3], _WS[3], 1, _P2)
_ROWS2 = (_XS[0] * _OH2 * _OW2, _WS[1] * _WS[2] * _WS[3])
_BYTES3 = _ROWS2[0] * _ROWS2[1] * 4
_INPUT3 = math.prod(_XS) * 4

_OH4, _OW4 = TILES_QUESTION["out_h"], TILES_QUESTION["out_w"]
_TILES4 = math.ceil(_OH4 / 2) * math.ceil(_OW4 / 2)


@exercise(
    "10.1",
    expects="one whole number, such as 1000",
    solution=f"""
# The output is {_S1}x{_S1} (padding 1 keeps the size), so there are
# ({_S1} / 2) * ({_S1} / 2) = {_TILES1} tiles, each giving a 2x2 block of outputs.
# Each tile costs 16 multiplications per input channel and per kernel:
answer = {_TILES1} * 16 * {_C1} * {_F1}   # = {_WINO1:,}
# The direct method: {_S1}*{_S1} outputs * 9 weights * {_C1} channels * {_F1} kernels = \
{_DIRECT1:,},
# {_DIRECT1 / _WINO1:.2f} times as many (36 / 16 per 2x2 block).
""",
)
def check_winograd_multiplications(answer: Any) -> tuple[bool, str]:
    """10.1: Winograd F(2x2, 3x3)'s element-wise multiplications for one image."""
    value = as_whole_number(answer, "the number of multiplications")
    if value == _WINO1:
        return True, (
            f"{_TILES1} tiles x 16 x {_C1} channels x {_F1} kernels = {_WINO1:,}, against "
            f"{_DIRECT1:,} for the direct method ({_DIRECT1 / _WINO1:.2f}x fewer)."
        )
    if value == _DIRECT1:
        return False, "that is the direct method's count (9 per output); Winograd does 16 per tile."
    if value == _WINO1 + _F1 * _C1 * 16 * 9:
        return False, (
            "that includes the kernel transforms (16 x 9 per kernel and channel, done once), "
            "as count_multiplications does; the question asks for the element-wise ones only."
        )
    if value == _S1 * _S1 * 16 * _C1 * _F1:
        return False, (
            "you counted one tile per output; each 4x4 tile gives a 2x2 block, so there are "
            "a quarter as many tiles as outputs."
        )
    if value in (_TILES1 * 16, _TILES1 * 16 * _C1, _TILES1 * 16 * _F1):
        return False, (
            "close: every tile is multiplied with every kernel, in every input channel; "
            "check that both the channels and the kernels are in your product."
        )
    return False, (
        "count the tiles (one per 2x2 block of outputs), then 16 per tile, channel and kernel."
    )


@exercise(
    "10.2",
    expects="a shape, a tuple of two whole numbers such as (10, 20)",
    solution=f"""
# The output is {_OH2}x{_OW2} (5x5 kernel, padding 2, stride 1). One row per output node
# of every image, one column per weight of a kernel:
answer = ({_XS[0]} * {_OH2} * {_OW2}, {_WS[1]} * {_WS[2]} * {_WS[3]})   # = {_ROWS2}
# check: the rows in cnnkit.conv2d_im2col for these shapes have this shape.
""",
)
def check_im2col_shape(answer: Any) -> tuple[bool, str]:
    """10.2: the shape of conv2d_im2col's rows matrix for x (2, 3, 32, 32), weight (16, 3, 5, 5)."""
    shape = as_shape(answer, "the shape of the rows matrix")
    if shape == _ROWS2:
        return True, (
            f"{_XS[0]} images x {_OH2}x{_OW2} outputs = {_ROWS2[0]:,} rows (windows) of "
            f"{_ROWS2[1]} numbers (C x KH x KW)."
        )
    if len(shape) != 2:
        return False, f"the rows matrix is 2-D (rows, columns); you gave {len(shape)} numbers."
    if shape == _ROWS2[::-1]:
        return False, (
            "that is the transpose: conv2d_im2col puts one window per ROW, so the rows count "
            "the windows and the columns the weights of one kernel."
        )
    rows, cols = shape
    if cols == _WS[2] * _WS[3]:
        return False, "a window reads every input channel: the columns are C x KH x KW."
    if cols == _WS[0] * _WS[1] * _WS[2] * _WS[3]:
        return False, "the columns hold ONE window (C x KH x KW), not all 16 kernels' weights."
    if rows == _XS[0] * (_XS[2] - _WS[2] + 1) * (_XS[3] - _WS[3] + 1):
        return False, "that is without the padding; with padding 2 the output stays 32x32."
    if rows == _OH2 * _OW2:
        return False, "the rows are the windows of EVERY image in the batch."
    if rows == _XS[0] * _OH2 * _OW2 * _WS[0]:
        return False, "the kernels are the other matrix of the product; rows count windows only."
    return False, "one row per output node (N x OH x OW), one column per weight of a kernel."


@exercise(
    "10.3",
    expects="one whole number of bytes, such as 4096",
    solution=f"""
# The rows matrix of 10.2 holds {_ROWS2[0]:,} x {_ROWS2[1]} = {_ROWS2[0] * _ROWS2[1]:,} numbers;
# a float32 number takes 4 bytes:
answer = {_ROWS2[0]} * {_ROWS2[1]} * 4   # = {_BYTES3:,} bytes,
# {_BYTES3 // _INPUT3} times the input's {_INPUT3:,} bytes (every pixel is copied into 25 windows).
""",
)
def check_im2col_bytes(answer: Any) -> tuple[bool, str]:
    """10.3: the bytes of 10.2's rows matrix in float32."""
    value = as_whole_number(answer, "a number of bytes")
    values = _ROWS2[0] * _ROWS2[1]
    if value == _BYTES3:
        return True, (
            f"{values:,} numbers x 4 bytes = {_BYTES3:,} bytes, {_BYTES3 // _INPUT3} times "
            f"the input ({_INPUT3:,} bytes)."
        )
    if value == values:
        return False, "that is the number of values; each float32 value takes 4 bytes."
    if value == values * 8:
        return False, "that is for float64 (8 bytes each); the question asks for float32."
    if value in (_INPUT3, _INPUT3 // 4):
        return False, "that is the input's size; the rows matrix copies each pixel many times."
    return False, "multiply the two numbers of the shape from 10.2, then the bytes per value."


@exercise(
    "10.4",
    expects="one whole number, such as 12",
    solution=f"""
# In one channel of one image: one tile per 2x2 block of outputs; a last, half
# block still needs a whole tile:
import math

answer = math.ceil({_OH4} / 2) * math.ceil({_OW4} / 2)   # = {math.ceil(_OH4 / 2)} * \
{math.ceil(_OW4 / 2)} = {_TILES4}
""",
)
def check_winograd_tiles(answer: Any) -> tuple[bool, str]:
    """10.4: how many 4x4 tiles F(2x2, 3x3) cuts from one channel for a 7x10 output."""
    value = as_whole_number(answer, "the number of tiles")
    if value == _TILES4:
        return True, (
            f"ceil({_OH4}/2) x ceil({_OW4}/2) = {_TILES4}: the last row of tiles is half "
            "cropped away."
        )
    if value == (_OH4 // 2) * (_OW4 // 2):
        return False, "you rounded down: the last, odd row of outputs still needs its tiles."
    if value == _OH4 * _OW4:
        return False, "that is one tile per output; each tile gives a 2x2 block of four."
    if value == math.ceil(_OH4 * _OW4 / 4):
        return False, (
            "close, but tiles come in whole rows and columns: round each side up on its own."
        )
    return False, "count the tiles down (output height / 2, rounded up) times across."
