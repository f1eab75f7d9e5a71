"""Exercises of the layers notebook (01): parameters, nodes, softmax and cross-entropy.

Each checker computes the right answer with cnnkit itself (a layer's ``n_params``, a
model's summary, ``softmax``), and each solution is written from the question's constants
below, so nothing here is a number typed twice.
"""

from __future__ import annotations

import numpy as np

from ..layers import Conv2D
from ..losses import softmax
from ..model import Sequential
from ..networks import digits_cnn
from ._core import as_number, as_whole_number, as_whole_numbers, exercise

__all__ = [
    "check_conv_layer_params",
    "check_layers_without_params",
    "check_feature_map_nodes",
    "check_softmax_probability",
    "check_cross_entropy",
    "CONV_LAYER_QUESTION",
    "NODES_QUESTION",
    "SOFTMAX_SCORES",
    "CROSS_ENTROPY_P",
]

#: 01.1: the layer Conv2D(in_channels, out_channels, kernel_size).
CONV_LAYER_QUESTION = {"in_channels": 3, "out_channels": 8, "kernel_size": 5}
#: 01.3: Conv2D(1, out_channels, kernel_size) on one gray image of side x side pixels.
NODES_QUESTION = {"out_channels": 6, "kernel_size": 5, "side": 28}
#: 01.4: the output layer's scores.
SOFTMAX_SCORES = (2.0, 1.0, 0.1)
#: 01.5: the probability the network gives the right class.
CROSS_ENTROPY_P = 0.25

_C, _F, _K = (
    CONV_LAYER_QUESTION["in_channels"],
    CONV_LAYER_QUESTION["out_channels"],
    CONV_LAYER_QUESTION["kernel_size"],
)
_NF, _NK, _NS = (
    NODES_QUESTION["out_channels"],
    NODES_QUESTION["kernel_size"],
    NODES_QUESTION["side"],
)
_OUT = _NS - _NK + 1
_SCORES = ", ".join(repr(float(s)) for s in SOFTMAX_SCORES)


def _params_layer() -> Conv2D:
    return Conv2D(_C, _F, _K, rng=0)


@exercise(
    "01.1",
    expects="one whole number, such as 100",
    question=f"""How many learnable parameters has the layer `Conv2D({_C}, {_F}, kernel_size={_K})`
({_C} input channels{", such as a colour image," if _C == 3 else ""} and {_F} kernels of size
{_K}x{_K})? Work it out from the shapes first; then you may check with `.n_params`.""",
    solution=f"""
# A Conv2D({_C}, {_F}, kernel_size={_K}) layer has {_F} kernels, each of shape ({_C}, {_K}, {_K}),
# and one bias per kernel.
answer = {_F} * {_C} * {_K} * {_K} + {_F}    # = {_F * _C * _K * _K + _F} \
= Conv2D({_C}, {_F}, {_K}).n_params
""",
)
def check_conv_layer_params(answer: object) -> tuple[bool, str]:
    """01.1: the learnable parameters of one conv layer (CONV_LAYER_QUESTION)."""
    layer = _params_layer()
    right = layer.n_params
    weights = layer.params["weight"].size
    value = as_whole_number(answer, "the number of parameters")
    if value == right:
        return True, (
            f"{_F} kernels x ({_C} x {_K} x {_K}) weights = {weights}, plus {_F} biases = {right}."
        )
    if value == weights:
        return False, "those are the weights; each kernel also has one bias."
    if value == _F * _K * _K + _F:
        return False, (
            f"each kernel reaches through all {_C} input channels: its shape is ({_C}, {_K}, {_K})."
        )
    return False, "weight shape is (out_channels, in_channels, kH, kW); add one bias per kernel."


@exercise(
    "01.2",
    expects="a list of layer positions, such as [1, 2]",
    question="""Which layers of `cnnkit.digits_cnn()` have **no** learnable parameters? Answer
with a list of their positions in `model.layers`, counting from 0.""",
    solution="""
model = cnnkit.digits_cnn()
answer = [i for i, layer in enumerate(model.layers) if layer.n_params == 0]
# the ReLU, MaxPool2D and Flatten layers
""",
)
def check_layers_without_params(answer: object) -> tuple[bool, str]:
    """Which layer indices of ``digits_cnn()`` have no learnable parameters?"""
    model: Sequential = digits_cnn()
    n = len(model.layers)
    right = {i for i, layer in enumerate(model.layers) if layer.n_params == 0}
    given = set(as_whole_numbers(answer, "the layer positions"))
    outside = sorted(i for i in given if not 0 <= i < n)
    if outside:
        return False, (
            f"the model has {n} layers, numbered 0 to {n - 1}; {outside[0]} is not one of them."
        )
    if given == right:
        return True, "ReLU, MaxPool2D and Flatten compute fixed functions: nothing to learn."
    learns = sorted(given - right)
    if learns:
        return False, (
            f"layer {learns[0]} ({model.layers[learns[0]]!r}) does have weights; "
            "look at model.summary((1, 8, 8))."
        )
    return False, (
        f"you found {len(given)} of them, there are {len(right)}; look at the "
        "parameters column of model.summary((1, 8, 8))."
    )


@exercise(
    "01.3",
    expects="one whole number, such as 100",
    question=f"""A layer `Conv2D(1, {_NF}, kernel_size={_NK})` (no padding, stride 1) receives one
gray image of {_NS}x{_NS} pixels. How many nodes does its output have? (A {_NK}x{_NK} kernel
fits {_NS} - {_NK} + 1 times along each side.)""",
    solution=f"""
# Conv2D(1, {_NF}, kernel_size={_NK}) on a {_NS}x{_NS} image, no padding, stride 1:
# each map is ({_NS} - {_NK} + 1) x ({_NS} - {_NK} + 1) = {_OUT} x {_OUT}, and there are {_NF} maps.
answer = {_NF} * {_OUT} * {_OUT}    # = {_NF * _OUT * _OUT}
# check: cnnkit.Sequential(cnnkit.Conv2D(1, {_NF}, {_NK})).summary((1, {_NS}, {_NS}))
""",
)
def check_feature_map_nodes(answer: object) -> tuple[bool, str]:
    """01.3: the nodes of one conv layer's output (NODES_QUESTION)."""
    shape = Conv2D(1, _NF, _NK, rng=0).output_shape((1, _NS, _NS))
    right = int(np.prod(shape))
    value = as_whole_number(answer, "the number of nodes")
    if value == right:
        return True, f"the output has shape {shape}: {right} nodes, one neuron each."
    if value == _NF * _NS * _NS:
        return False, (
            f"without padding a {_NK}x{_NK} kernel fits in fewer positions than {_NS} per row."
        )
    if value == shape[1] * shape[2]:
        return False, f"that is one feature map; there are {_NF} of them."
    return False, (
        f"nodes = channels x height x width of the output; each map is {_NS} - {_NK} + 1 wide."
    )


@exercise(
    "01.4",
    expects="one number between 0 and 1, such as 0.5",
    question=f"""An output layer gives the scores `[{_SCORES}]`. What probability does softmax
give the first class? (Two decimals are enough.)""",
    solution=f"""
scores = np.array([{_SCORES}])
answer = np.exp(scores[0]) / np.exp(scores).sum()   # = cnnkit.softmax(scores)[0], \
about {float(softmax(np.array(SOFTMAX_SCORES))[0]):.2f}
""",
)
def check_softmax_probability(answer: object) -> tuple[bool, str]:
    """01.4: the probability softmax gives the first of SOFTMAX_SCORES (2 decimals)."""
    scores = np.array(SOFTMAX_SCORES)
    right = float(softmax(scores)[0])
    value = as_number(answer, "the probability")
    if abs(value - right) <= 0.006:
        terms = " + ".join(f"exp({s:g})" for s in scores)
        return True, f"exp({scores[0]:g}) / ({terms}) = {right:.4f}."
    if abs(value - scores[0] / scores.sum()) <= 0.006:
        return False, "softmax divides exponentials, not the scores themselves: use np.exp."
    if not 0.0 <= value <= 1.0:
        return False, "a probability is between 0 and 1."
    return False, "exponentiate every score, then divide the first one by their sum."


@exercise(
    "01.5",
    expects="one positive number, such as 0.7",
    question=f"""For one image, the network gives the right class a probability of
{CROSS_ENTROPY_P:g}. What is the cross-entropy loss for this image?""",
    solution=f"""
# The loss for one example is -ln(probability of the right class).
answer = -np.log({CROSS_ENTROPY_P})    # about {float(-np.log(CROSS_ENTROPY_P)):.3f}
""",
)
def check_cross_entropy(answer: object) -> tuple[bool, str]:
    """01.5: the cross-entropy loss when the right class has probability CROSS_ENTROPY_P."""
    right = float(-np.log(CROSS_ENTROPY_P))
    value = as_number(answer, "the loss")
    if abs(value - right) <= 0.005:
        return True, (
            f"-ln {CROSS_ENTROPY_P:g} = {right:.3f}; a sure, right answer (p = 1) would cost 0."
        )
    if abs(value + right) <= 0.005:
        return False, "mind the sign: the loss is minus the logarithm, so it is positive."
    if abs(value - (-np.log10(CROSS_ENTROPY_P))) <= 0.005:
        return False, "use the natural logarithm (np.log), not log base 10."
    return False, "cross-entropy = -ln(p), where p is the probability of the right class."
