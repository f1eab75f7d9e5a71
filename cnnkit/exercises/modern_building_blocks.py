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

# The questions' constants: each question, solution and check is written from them.
PW_IN = 64  # 09.1: a 1x1 convolution from PW_IN channels
PW_OUT = 16  # to PW_OUT
DILATIONS = (1, 2, 4, 8)  # 09.2: 3x3 layers, stride 1
SEP_IN = 16  # 09.3: depthwise 3x3 on SEP_IN channels,
SEP_OUT = 48  # then 1x1 to SEP_OUT
# 09.4: a transposed convolution's input size, kernel, stride, padding, output_padding
T_N = 7
T_K = 3
T_S = 2
T_P = 1
T_OP = 1
GAP_MAPS = 128  # 09.6: GAP_MAPS maps of GAP_SIDE x GAP_SIDE before the pooling
GAP_SIDE = 4
GAP_CLASSES = 10
_COUNT = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six"}
_ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}
_DIL_TEXT = ", ".join(str(d) for d in DILATIONS[:-1]) + f" and {DILATIONS[-1]}"


@exercise(
    "09.1",
    question=f"""How many parameters (weights and biases) does a 1x1 convolution from {PW_IN}
channels to {PW_OUT} channels have?""",
    solution=f"""
# A 1x1 kernel has one weight per input channel: {PW_IN} weights, and a bias.
# {PW_OUT} such kernels: {PW_OUT} * ({PW_IN} * 1 * 1) + {PW_OUT} parameters.
answer = {PW_OUT} * {PW_IN} + {PW_OUT}     # = cnnkit.Conv2D({PW_IN}, {PW_OUT}, 1).n_params
""",
    expects=WHOLE,
)
def check_pointwise_parameters(answer: object) -> tuple[bool, str]:
    """09.1: parameters of a 1x1 convolution from PW_IN channels to PW_OUT."""
    c, f = PW_IN, PW_OUT
    value = as_whole_number(answer, "the number of parameters")
    right = Conv2D(c, f, 1).n_params
    if value == right:
        return True, (
            f"{f} kernels of {c} weights each, plus {f} biases: {right:,}. A 3x3 layer "
            f"would need {Conv2D(c, f, 3).n_params:,}."
        )
    if value == c * f:
        return False, f"the weights are right; each of the {f} kernels also has a bias."
    if value == Conv2D(c, f, 3).n_params or value == c * f * 9:
        return False, "that is a 3x3 layer; a 1x1 kernel has one weight per input channel."
    if value in (c + 1, c, f + 1, f):
        return False, f"that is one kernel (or one weight per channel); there are {f} kernels."
    if value == c * c + c:
        return False, f"the layer goes from {c} channels to {f}: it has {f} kernels, not {c}."
    return False, (
        "count the kernels (one per output channel) times the weights of one kernel "
        "(in_channels * 1 * 1), then add one bias per kernel."
    )


@exercise(
    "09.2",
    question=f"""{_COUNT.get(len(DILATIONS), len(DILATIONS))} 3x3 conv layers with stride 1 and
dilations {_DIL_TEXT} (in that order): how many pixels wide is the receptive field of one
node of the {_ORDINAL.get(len(DILATIONS), "last")} layer?""",
    solution=f"""
# Each 3x3 layer adds dilation * (3 - 1) pixels to the field, starting from 1 pixel:
answer = 1 + {" + ".join(f"{d}*2" for d in DILATIONS)}
# = cnnkit.widgets.dilated_footprint(3, {list(DILATIONS)}).shape[0]
""",
    expects=WHOLE,
)
def check_dilated_field(answer: object) -> tuple[bool, str]:
    """09.2: receptive-field side of 3x3 layers with dilations DILATIONS (stride 1)."""
    value = as_whole_number(answer, "the side of the receptive field")
    dilations = list(DILATIONS)
    right = dilated_footprint(3, dilations).shape[0]
    holes = int(np.count_nonzero(dilated_footprint(3, dilations) == 0))
    if value == right:
        return True, (
            f"1 + {' + '.join(str(2 * d) for d in dilations)} = {right}, and with dilations "
            f"{_DIL_TEXT} there are {holes} holes in the {right}x{right} field."
        )
    if value == 1 + 2 * len(dilations):
        return False, "that is plain 3x3 layers; dilation d spreads each kernel to d*2+1."
    if value == sum(2 * d + 1 for d in dilations):
        return False, (
            "you added the layers' whole spans, but they overlap by one pixel at each join: "
            "each layer adds d * (k - 1), not its whole span."
        )
    if value == 2 * dilations[-1] + 1:
        return False, "that is the last layer alone; the field grows through all the layers."
    if value == 1 + 2 * 2 * len(dilations):
        return False, f"add the layers' own dilations, {_DIL_TEXT}, each times (3 - 1)."
    if len(dilations) > 1 and value == 1 + 2 * sum(dilations[:-1]):
        return False, f"that leaves out the last layer; add it, dilation {dilations[-1]}."
    return False, (
        "start from 1 and add d * (kernel_size - 1) for every layer, with its own dilation d."
    )


@exercise(
    "09.3",
    question=f"""A depthwise 3x3 convolution on {SEP_IN} channels (`groups={SEP_IN}`), followed
by a 1x1 convolution from {SEP_IN} to {SEP_OUT} channels, both with biases: how many parameters in
all?""",
    solution=f"""
# depthwise 3x3: {SEP_IN} kernels of 3*3*1 weights and {SEP_IN} biases
# pointwise 1x1: {SEP_OUT} kernels of {SEP_IN} weights and {SEP_OUT} biases
answer = ({SEP_IN} * 9 + {SEP_IN}) + ({SEP_OUT} * {SEP_IN} + {SEP_OUT})
# = cnnkit.widgets.separable_cost({SEP_IN}, {SEP_OUT}, 3).params
""",
    expects=WHOLE,
)
def check_separable_parameters(answer: object) -> tuple[bool, str]:
    """09.3: a depthwise 3x3 on SEP_IN channels then a 1x1 to SEP_OUT, with biases."""
    value = as_whole_number(answer, "the number of parameters")
    c, f = SEP_IN, SEP_OUT
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
            f"the depthwise layer gives each channel its own 3x3 kernel (groups={c}): "
            f"3*3*1 weights per kernel, not 3*3*{c}."
        )
    return False, (
        f"count the two layers apart: depthwise, {c} kernels of 3x3x1 plus {c} biases; "
        f"then 1x1, {f} kernels of {c} weights plus {f} biases."
    )


def _transposed_size(n: int, k: int, s: int, p: int, op: int) -> int:
    return (n - 1) * s - 2 * p + (k - 1) + op + 1


@exercise(
    "09.4",
    question=f"""What is the output size of `ConvTranspose2d(kernel_size={T_K}, stride={T_S},
padding={T_P}, output_padding={T_OP})` on an input of size {T_N} (along one axis)?""",
    solution=f"""
# out = (n - 1) * stride - 2 * padding + (kernel_size - 1) + output_padding + 1
answer = ({T_N} - 1) * {T_S} - 2 * {T_P} + ({T_K} - 1) + {T_OP} + 1
""",
    expects=WHOLE,
)
def check_transposed_size(answer: object) -> tuple[bool, str]:
    """09.4: output size of a transposed convolution (the _T_ constants)."""
    value = as_whole_number(answer, "the output size")
    n, k, s, p, op = T_N, T_K, T_S, T_P, T_OP
    right = _transposed_size(n, k, s, p, op)
    if value == right:
        return True, (
            f"{right}: (n - 1) * stride - 2 * padding + (kernel_size - 1) + output_padding "
            f"+ 1 with n = {n}; output_padding={op} picks it among the sizes that a "
            f"convolution (kernel {k}, stride {s}, padding {p}) maps to {n}."
        )
    if op and value == _transposed_size(n, k, s, p, 0):
        return False, f"right without output_padding; it adds {op} to the output side."
    if p and value == _transposed_size(n, k, s, -p, op):
        return False, "padding is taken away from a transposed convolution's output, not added."
    if value == (n + 2 * p - k) // s + 1:
        return False, "that is the ordinary convolution's rule; a transposed one runs it backwards."
    return False, ("use (n - 1) * stride - 2 * padding + (kernel_size - 1) + output_padding + 1.")


#: The question of exercise 09.5: one value through BatchNorm in evaluation mode.
BATCHNORM_EVAL = dict(x=6.0, running_mean=2.0, running_var=4.0, weight=3.0, bias=1.0, eps=1e-5)


@exercise(
    "09.5",
    question=f"""A `BatchNorm2D` layer in evaluation mode has, for one channel, the running
statistics and learned numbers `running_mean={BATCHNORM_EVAL["running_mean"]:g}`,
`running_var={BATCHNORM_EVAL["running_var"]:g}`, `weight={BATCHNORM_EVAL["weight"]:g}`,
`bias={BATCHNORM_EVAL["bias"]:g}` and `eps={BATCHNORM_EVAL["eps"]:g}` (all in
`BATCHNORM_EVAL`). What does it output for the value `x={BATCHNORM_EVAL["x"]:g}`?""",
    solution="""
# In evaluation mode batch normalisation uses the running statistics, not the batch's:
# (x - running_mean) / sqrt(running_var + eps) * weight + bias
q = BATCHNORM_EVAL
z = (q["x"] - q["running_mean"]) / np.sqrt(q["running_var"] + q["eps"])
answer = z * q["weight"] + q["bias"]
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
    question=f"""A network's last conv layer gives {GAP_MAPS} maps of {GAP_SIDE}x{GAP_SIDE}.
With global average pooling after it, how many parameters does the Dense layer to the
{GAP_CLASSES} classes have?""",
    solution=f"""
# Global average pooling turns each of the {GAP_MAPS} maps into one number: {GAP_MAPS} inputs.
answer = {GAP_MAPS} * {GAP_CLASSES} + {GAP_CLASSES}
# against {GAP_MAPS}*{GAP_SIDE}*{GAP_SIDE}*{GAP_CLASSES} + {GAP_CLASSES} = \
{Dense(GAP_MAPS * GAP_SIDE**2, GAP_CLASSES).n_params:,} after Flatten
""",
    expects=WHOLE,
)
def check_gap_dense_parameters(answer: object) -> tuple[bool, str]:
    """09.6: parameters of Dense(?, GAP_CLASSES) after global average pooling of GAP_MAPS maps."""
    value = as_whole_number(answer, "the number of parameters")
    maps, side, k = GAP_MAPS, GAP_SIDE, GAP_CLASSES
    right = Dense(maps, k).n_params
    flat = Dense(maps * side * side, k).n_params
    if value == right:
        return True, (
            f"{maps} averages in, {k} scores out: {right:,} parameters, against {flat:,} when "
            f"Flatten hands all {maps * side * side:,} values to the Dense layer."
        )
    if value == flat:
        return False, (
            f"that is after Flatten ({maps}*{side}*{side} inputs); pooling leaves one per map."
        )
    if value == maps * side * side:
        return False, "that is the number of values after Flatten; pooling leaves one per map."
    if value == maps * k:
        return False, f"the weights are right; add the {k} biases."
    if value == 0:
        return False, "the pooling has no parameters, but the Dense layer after it has."
    return False, f"global average pooling leaves one number per map: count Dense({maps}, {k})."
