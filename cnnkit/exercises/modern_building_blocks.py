"""Exercises of the modern-building-blocks notebook (09): the parameters of a 1x1 convolution,
the receptive field of dilated layers, the cost of a depthwise-separable pair, the output
size of a transposed convolution, batch normalisation in evaluation mode, and the Dense
layer after global average pooling.

Each checker computes its right answer from the question's constants with cnnkit's own
counting (layers' ``n_params``, :func:`cnnkit.widgets.dilated_footprint`,
:func:`cnnkit.widgets.separable_cost`) or the written rule, and names the usual mistakes.
"""

from __future__ import annotations

import numpy as np

from ..layers import Conv2D, Dense
from ..widgets.modern_building_blocks import conv_cost, dilated_footprint, separable_cost
from ._core import as_number, as_whole_number, exercise

__all__ = [
    "check_pointwise_parameters",
    "check_dilated_field",
    "check_separable_parameters",
    "check_transposed_size",
    "BATCHNORM_EVAL",
    "check_batchnorm_eval",
    "check_gap_dense_parameters",
]

WHOLE = "one whole number, such as 42"


@exercise(
    "09.1",
    solution="""
# A 1x1 kernel has one weight per input channel: 64 weights, and a bias.
# 16 such kernels: 16 * (64 * 1 * 1) + 16 = 1040 parameters.
answer = 16 * 64 + 16     # = cnnkit.Conv2D(64, 16, 1).n_params
""",
    expects=WHOLE,
)
def check_pointwise_parameters(answer: object) -> tuple[bool, str]:
    """Parameters of a 1x1 convolution from 64 channels to 16 (weights and biases)."""
    value = as_whole_number(answer, "the number of parameters")
    right = Conv2D(64, 16, 1).n_params
    if value == right:
        return True, (
            f"16 kernels of 64 weights each, plus 16 biases: {right:,}. A 3x3 layer "
            f"would need {Conv2D(64, 16, 3).n_params:,}."
        )
    if value == 64 * 16:
        return False, "the weights are right; each of the 16 kernels also has a bias."
    if value == Conv2D(64, 16, 3).n_params or value == 64 * 16 * 9:
        return False, "that is a 3x3 layer; a 1x1 kernel has one weight per input channel."
    if value in (64 + 1, 64, 16 + 1, 16):
        return False, "that is one kernel (or one weight per channel); there are 16 kernels."
    if value == 64 * 64 + 64:
        return False, "the layer goes from 64 channels to 16: it has 16 kernels, not 64."
    return False, (
        "count the kernels (one per output channel) times the weights of one kernel "
        "(in_channels * 1 * 1), then add one bias per kernel."
    )


@exercise(
    "09.2",
    solution="""
# Each 3x3 layer adds dilation * (3 - 1) pixels to the field:
# 1 + 1*2 + 2*2 + 4*2 + 8*2 = 31.
answer = 31     # = cnnkit.widgets.dilated_footprint(3, [1, 2, 4, 8]).shape[0]
""",
    expects=WHOLE,
)
def check_dilated_field(answer: object) -> tuple[bool, str]:
    """Receptive-field side of four 3x3 layers with dilations 1, 2, 4 and 8 (stride 1)."""
    value = as_whole_number(answer, "the side of the receptive field")
    dilations = [1, 2, 4, 8]
    right = dilated_footprint(3, dilations).shape[0]
    holes = int(np.count_nonzero(dilated_footprint(3, dilations) == 0))
    if value == right:
        return True, (
            f"1 + 2 + 4 + 8 + 16 = {right}, and with dilations 1, 2, 4, 8 there are {holes} "
            f"holes: every pixel of the {right}x{right} field is seen."
        )
    if value == 1 + 2 * len(dilations):
        return False, "that is four plain 3x3 layers; dilation d spreads each kernel to d*2+1."
    if value == sum(2 * d + 1 for d in dilations):
        return False, (
            "the spans are 3, 5, 9 and 17, but they overlap by one pixel at each join: each "
            "layer adds d * (k - 1), not its whole span."
        )
    if value == 2 * dilations[-1] + 1:
        return False, "that is the last layer alone; the field grows through all four layers."
    if value == 1 + 2 * 2 * len(dilations):
        return False, "add the layers' own dilations, 1, 2, 4 and 8, each times (3 - 1)."
    if value == 1 + 2 * sum(dilations[:-1]):
        return False, "that is the first three layers; add the fourth, dilation 8."
    return False, (
        "start from 1 and add d * (kernel_size - 1) for every layer, with its own dilation d."
    )


@exercise(
    "09.3",
    solution="""
# depthwise 3x3: 16 kernels of 3*3*1 weights, 16 biases:  144 + 16  = 160
# pointwise 1x1: 48 kernels of 16 weights, 48 biases:     768 + 48  = 816
answer = 160 + 816     # = 976, against 3*3*16*48 + 48 = 6,960 for the full 3x3 conv
""",
    expects=WHOLE,
)
def check_separable_parameters(answer: object) -> tuple[bool, str]:
    """Parameters of a depthwise 3x3 (16 channels) then a 1x1 from 16 to 48, with biases."""
    value = as_whole_number(answer, "the number of parameters")
    c, f = 16, 48
    right = separable_cost(c, f, 3).params
    full = conv_cost(c, f, 3).params
    depthwise = conv_cost(c, c, 3, groups=c).params
    pointwise = conv_cost(c, f, 1).params
    if value == right:
        return True, (
            f"{depthwise} (depthwise) + {pointwise:,} (1x1) = {right:,}, "
            f"{right / full:.0%} of the {full:,} of a full 3x3 convolution."
        )
    if value == separable_cost(c, f, 3, bias=False).params:
        return False, "the weights are right; both layers have one bias per output channel."
    if value == full:
        return False, "that is the full 3x3 convolution; the question asks for the pair."
    if value in (depthwise, pointwise):
        return False, "that is one of the two layers; add the other."
    if value == conv_cost(c, c, 3).params + pointwise:
        return False, (
            "the depthwise layer gives each channel its own 3x3 kernel (groups=16): "
            "3*3*1 weights per kernel, not 3*3*16."
        )
    return False, (
        "count the two layers apart: depthwise, 16 kernels of 3x3x1 plus 16 biases; "
        "then 1x1, 48 kernels of 16 weights plus 48 biases."
    )


def _transposed_size(n: int, k: int, s: int, p: int, op: int) -> int:
    return (n - 1) * s - 2 * p + (k - 1) + op + 1


@exercise(
    "09.4",
    solution="""
# out = (n - 1) * stride - 2 * padding + (kernel_size - 1) + output_padding + 1
answer = (7 - 1) * 2 - 2 * 1 + (3 - 1) + 1 + 1     # = 14
""",
    expects=WHOLE,
)
def check_transposed_size(answer: object) -> tuple[bool, str]:
    """Output size of ConvTranspose2d(kernel_size=3, stride=2, padding=1, output_padding=1)
    on an input of size 7."""
    value = as_whole_number(answer, "the output size")
    right = _transposed_size(7, 3, 2, 1, 1)
    if value == right:
        return True, (
            f"{right}: the convolution it undoes (kernel 3, stride 2, padding 1) maps both "
            f"{right - 1} and {right} to 7; output_padding=1 picks {right}."
        )
    if value == _transposed_size(7, 3, 2, 1, 0):
        return False, "right without output_padding; it adds 1 to the output side."
    if value == _transposed_size(7, 3, 2, -1, 1):
        return False, "padding is taken away from a transposed convolution's output, not added."
    if value == (7 + 2 * 1 - 3) // 2 + 1:
        return False, "that is the ordinary convolution's rule; a transposed one runs it backwards."
    return False, ("use (n - 1) * stride - 2 * padding + (kernel_size - 1) + output_padding + 1.")


#: The question of exercise 09.5: one value through BatchNorm in evaluation mode.
BATCHNORM_EVAL = dict(x=6.0, running_mean=2.0, running_var=4.0, weight=3.0, bias=1.0, eps=1e-5)


@exercise(
    "09.5",
    solution="""
# In evaluation mode batch normalisation uses the running statistics, not the batch's:
# (x - running_mean) / sqrt(running_var + eps) * weight + bias
q = BATCHNORM_EVAL
z = (q["x"] - q["running_mean"]) / np.sqrt(q["running_var"] + q["eps"])
answer = z * q["weight"] + q["bias"]
# = (6 - 2) / 2 * 3 + 1 = 7 (to five decimals)
""",
    expects="one number, such as 2.5",
)
def check_batchnorm_eval(answer: object) -> tuple[bool, str]:
    """BatchNorm2D's output in evaluation mode for the value and statistics of BATCHNORM_EVAL."""
    value = as_number(answer, "the output")
    q = BATCHNORM_EVAL
    z = (q["x"] - q["running_mean"]) / np.sqrt(q["running_var"] + q["eps"])
    right = z * q["weight"] + q["bias"]
    if abs(value - right) < 1e-4:
        return True, (
            f"({q['x']:g} - {q['running_mean']:g}) / sqrt({q['running_var']:g}) = {z:.4f}, "
            f"then times {q['weight']:g} plus {q['bias']:g}: {right:.4f}."
        )
    by_var = (q["x"] - q["running_mean"]) / q["running_var"] * q["weight"] + q["bias"]
    if abs(value - by_var) < 1e-4:
        return False, "divide by the standard deviation, sqrt(running_var), not the variance."
    if abs(value - z) < 1e-4:
        return False, "that is the normalised value; then scale by weight and add bias."
    if abs(value - z * q["weight"]) < 1e-4:
        return False, "scaled by weight: now add bias."
    if abs(value - (z + q["bias"])) < 1e-4:
        return False, "shifted by bias, but first multiply by weight (gamma)."
    if abs(value) < 1e-4 or abs(value - q["bias"]) < 1e-4:
        return False, (
            "a batch of one value normalised by its own statistics gives 0; in evaluation "
            "mode the running statistics are used instead."
        )
    return False, (
        "evaluation mode: (x - running_mean) / sqrt(running_var + eps), then * weight + bias."
    )


@exercise(
    "09.6",
    solution="""
# Global average pooling turns each of the 128 maps into one number: 128 inputs.
answer = 128 * 10 + 10     # = 1290, against 128*4*4*10 + 10 = 20,490 after Flatten
""",
    expects=WHOLE,
)
def check_gap_dense_parameters(answer: object) -> tuple[bool, str]:
    """Parameters of Dense(?, 10) after global average pooling of 128 maps of 4x4."""
    value = as_whole_number(answer, "the number of parameters")
    maps, side = 128, 4
    right = Dense(maps, 10).n_params
    flat = Dense(maps * side * side, 10).n_params
    if value == right:
        return True, (
            f"{maps} averages in, 10 scores out: {right:,} parameters, against {flat:,} when "
            f"Flatten hands all {maps * side * side:,} values to the Dense layer."
        )
    if value == flat:
        return False, "that is after Flatten (128*4*4 inputs); pooling leaves one per map."
    if value == maps * side * side:
        return False, "that is the number of values after Flatten; pooling leaves one per map."
    if value == maps * 10:
        return False, "the weights are right; add the 10 biases."
    if value == 0:
        return False, "the pooling has no parameters, but the Dense layer after it has."
    return False, "global average pooling leaves one number per map: count Dense(128, 10)."
