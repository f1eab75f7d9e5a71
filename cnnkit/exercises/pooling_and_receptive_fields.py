"""Exercises of the pooling and receptive-fields notebook (06): PyTorch's pooling output size
with ``ceil_mode`` and padding, the gradient of overlapping max pooling, and the receptive
field and parameter count of stacks.

Each checker computes the right answer with cnnkit (:func:`cnnkit.pool_output_size`,
:func:`cnnkit.max_pool2d_backward`, :func:`cnnkit.receptive_field_sizes`, the layers'
``n_params``), so no expected number is typed by hand.
"""

from __future__ import annotations

import numpy as np

from ..layers import Conv2D
from ..networks import digits_cnn
from ..pool import avg_pool2d_backward, max_pool2d_backward
from ..receptive import receptive_field_sizes
from ..shapes import pool_output_size
from ._core import as_whole_number, exercise

__all__ = [
    "check_ceil_mode_size",
    "check_overlapping_max_grad",
    "check_deep_receptive_field",
    "check_stack_parameters",
    "OVERLAP_X",
]


@exercise(
    "06.1",
    expects="one whole number, the output size, such as 4",
    solution="""
# ceil: ceil((5 + 2*1 - 2) / 2) + 1 = ceil(2.5) + 1 = 4 windows, starting at -1, 1, 3, 5.
# The last one starts at 5, in the right padding (the real pixels are 0..4): PyTorch drops it.
answer = 3      # = cnnkit.pool_output_size(5, 2, stride=2, padding=1, ceil_mode=True)
""",
)
def check_ceil_mode_size(answer: object) -> tuple[bool, str]:
    """Output size of MaxPool2d(kernel_size=2, stride=2, padding=1, ceil_mode=True) on n=5."""
    value = as_whole_number(answer, "the output size")
    right = pool_output_size(5, 2, stride=2, padding=1, ceil_mode=True)
    if value == right:
        return True, (
            f"ceil gives {right + 1} windows, but the last starts in the right "
            f"padding, so PyTorch keeps {right}."
        )
    if value == right + 1:
        return False, (
            "that is the ceil formula alone; check where the last window starts: "
            "(out - 1) * stride - padding. Is it a real pixel or padding?"
        )
    if value == pool_output_size(5, 2, stride=2, ceil_mode=True):
        return False, "don't forget the padding: one zero on each side, n + 2p = 7."
    return False, (
        "windows start every 2 positions from -1 (the left padding); count those "
        "that start before the right padding and cover something new."
    )


#: The input of exercise 06.2: a 3x3 map pooled 2x2 with stride 1 (four overlapping windows).
OVERLAP_X = np.array([[1.0, 2.0, 0.0], [3.0, 9.0, 4.0], [0.0, 5.0, 1.0]])


@exercise(
    "06.2",
    expects="a 3x3 array of numbers, the gradient reaching each input pixel",
    solution="""
# All four 2x2 windows (stride 1) contain the 9 in the centre, and it is their maximum:
# each window sends its gradient of 1 to it, and overlapping windows add up.
answer = np.array([[0, 0, 0],
                   [0, 4, 0],
                   [0, 0, 0]])   # = cnnkit.max_pool2d_backward(np.ones((2, 2)), OVERLAP_X, 2, 1)
""",
)
def check_overlapping_max_grad(answer: object) -> tuple[bool, str]:
    """dx of 2x2 max pooling with stride 1 on OVERLAP_X, when every output gradient is 1."""
    if answer is None or isinstance(answer, (str, bool)) or np.ndim(answer) == 0:
        return False, "give a 3x3 array (a nested list or np.array), one gradient per pixel."
    got = np.asarray(answer, dtype=float)
    dout = np.ones((2, 2))
    right = max_pool2d_backward(dout, OVERLAP_X, 2, 1)
    if got.shape != right.shape:
        return False, (f"dx has the shape of the input x, 3x3; your answer has shape {got.shape}.")
    if np.allclose(got, right):
        return True, (
            "the centre 9 is the maximum of all four overlapping windows; their "
            "gradients add up to 4 there, every other pixel gets 0."
        )
    if np.allclose(got, avg_pool2d_backward(dout, OVERLAP_X, 2, 1)):
        return False, "that is average pooling (shared evenly); max pooling picks one pixel."
    if np.allclose(got, (right > 0).astype(float)):
        return False, (
            "the right pixel, but four windows send it a gradient each: overlapping windows add up."
        )
    if np.isclose(got.sum(), 4) and not np.allclose(got, right):
        return False, (
            "the total of 4 is right (one per window), but each window sends its "
            "gradient to its own largest value: which pixel is it in every window?"
        )
    return False, (
        "list the four 2x2 windows (stride 1), find each one's largest value, and "
        "add a gradient of 1 at that pixel for each window."
    )


def _digits_third_conv_field() -> int:
    model = digits_cnn()
    convs = [i for i, layer in enumerate(model.layers) if isinstance(layer, Conv2D)]
    return receptive_field_sizes(model.layers[: convs[2] + 1])[-1][0]


@exercise(
    "06.3",
    expects="one whole number of pixels, such as 9",
    solution="""
# conv 3x3: 3; conv 3x3: 3 + 2 = 5; max pool 2x2: 5 + 1 = 6, and from here one step is
# 2 input pixels; conv 3x3: 6 + 2*2 = 10.
answer = 10     # = cnnkit.receptive_field_sizes(cnnkit.digits_cnn().layers[:6])[-1]
""",
)
def check_deep_receptive_field(answer: object) -> tuple[bool, str]:
    """Side of the receptive field of a node of the digits network's third conv layer."""
    value = as_whole_number(answer, "the receptive-field side")
    right = _digits_third_conv_field()
    if value == right:
        return True, (
            f"the pooling doubles every later step: 3, 5, 6, then 6 + 2*2 = {right}; "
            "wider than the 8x8 digit, so with its padding it sees all of it."
        )
    if value == 7:
        return False, (
            "that is three 3x3 layers with nothing between them; the max pooling "
            "before the third conv layer makes each of its steps 2 pixels wide."
        )
    if value == 8:
        return False, (
            "the field is larger than the digit: padding lets it reach beyond the "
            "8x8 image. Count it without clipping to the image."
        )
    return False, (
        "add up layer by layer: each layer adds (kernel - 1) times the product of "
        "the strides before it (a 2x2 pooling has stride 2)."
    )


@exercise(
    "06.4",
    expects="one whole number of parameters, such as 500",
    solution="""
# Three 3x3 conv layers, 8 -> 8 channels each: 3 * (3*3*8*8 + 8) = 3 * 584 = 1752
# One 7x7 conv layer, 8 -> 8 channels:        7*7*8*8 + 8      = 3144
answer = 3144 - 1752     # = 1392 parameters saved; both see 7x7
""",
)
def check_stack_parameters(answer: object) -> tuple[bool, str]:
    """How many parameters three 3x3 conv layers (8 -> 8 channels) save over one 7x7."""
    value = as_whole_number(answer, "the number of parameters")
    three = 3 * Conv2D(8, 8, 3).n_params
    one = Conv2D(8, 8, 7).n_params
    right = one - three
    if value == right:
        return True, (
            f"one 7x7 layer has {one:,} parameters, three 3x3 layers {three:,}: "
            f"{right:,} fewer for the same 7x7 view (and two more ReLUs)."
        )
    if value == 3 * 9 * 64 and value != right or value == 49 * 64 - 3 * 9 * 64:
        return False, (
            "count the biases too: every conv layer has one bias per output "
            "channel (8 each), so the 3x3 stack has 3 * 8 of them, the 7x7 layer 8."
        )
    if value == one or value == three:
        return False, "that is one of the two counts; the answer is their difference."
    if value == -right:
        return False, "the 7x7 layer is the larger one: subtract the stack from it."
    return False, (
        "a conv layer has kernel_h * kernel_w * in_channels * out_channels weights "
        "plus one bias per output channel; count both, then subtract."
    )
