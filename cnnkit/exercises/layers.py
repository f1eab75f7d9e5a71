"""Exercises of the network notebook (01): parameters, nodes, softmax and cross-entropy.

Each checker computes the right answer with cnnkit itself (a layer's ``n_params``, a
model's summary, ``softmax``), so nothing here is a number typed by hand.
"""
from __future__ import annotations

import numpy as np

from ..layers import Conv2D
from ..losses import softmax
from ..model import Sequential
from ..networks import digits_cnn
from ._core import exercise

__all__ = ["check_conv_layer_params", "check_layers_without_params", "check_feature_map_nodes",
           "check_softmax_probability", "check_cross_entropy"]


def _number(answer: object) -> float:
    return float(np.asarray(answer, dtype=float).item())  # ValueError/TypeError if not a number


@exercise("01.1", solution="""
# A Conv2D(3, 8, kernel_size=5) layer has 8 kernels, each of shape (3, 5, 5),
# and one bias per kernel.
answer = 8 * 3 * 5 * 5 + 8    # = Conv2D(3, 8, 5).n_params
""")
def check_conv_layer_params(answer: object) -> tuple[bool, str]:
    """How many learnable parameters has ``Conv2D(3, 8, kernel_size=5)``?"""
    layer = Conv2D(3, 8, 5, rng=0)
    right = layer.n_params
    weights = layer.params["weight"].size
    value = _number(answer)
    if value == right:
        return True, f"8 kernels x (3 x 5 x 5) weights = {weights}, plus 8 biases = {right}."
    if value == weights:
        return False, "those are the weights; each kernel also has one bias."
    if value == 8 * 5 * 5 + 8:
        return False, "each kernel reaches through all 3 input channels: its shape is (3, 5, 5)."
    return False, "weight shape is (out_channels, in_channels, kH, kW); add one bias per kernel."


@exercise("01.2", solution="""
model = cnnkit.digits_cnn()
answer = [i for i, layer in enumerate(model.layers) if layer.n_params == 0]
# the ReLU, MaxPool2D and Flatten layers
""")
def check_layers_without_params(answer: object) -> tuple[bool, str]:
    """Which layer indices of ``digits_cnn()`` have no learnable parameters?"""
    model: Sequential = digits_cnn()
    right = {i for i, layer in enumerate(model.layers) if layer.n_params == 0}
    try:
        given = {int(i) for i in answer}  # type: ignore[union-attr]
    except TypeError:
        return False, "give a list of layer numbers, e.g. [1, 2]."
    if given == right:
        return True, "ReLU, MaxPool2D and Flatten compute fixed functions: nothing to learn."
    learns = sorted(given - right)
    if learns:
        return False, (f"layer {learns[0]} ({model.layers[learns[0]]!r}) does have weights; "
                       "look at model.summary((1, 8, 8)).")
    return False, (f"you found {len(given)} of them, there are {len(right)}; look at the "
                   "parameters column of model.summary((1, 8, 8)).")


@exercise("01.3", solution="""
# Conv2D(1, 6, kernel_size=5) on a 28x28 image, no padding, stride 1:
# each map is (28 - 5 + 1) x (28 - 5 + 1) = 24 x 24, and there are 6 maps.
answer = 6 * 24 * 24
# check: cnnkit.Sequential(cnnkit.Conv2D(1, 6, 5)).summary((1, 28, 28))
""")
def check_feature_map_nodes(answer: object) -> tuple[bool, str]:
    """How many nodes has the output of ``Conv2D(1, 6, kernel_size=5)`` on a 1x28x28 image?"""
    shape = Conv2D(1, 6, 5, rng=0).output_shape((1, 28, 28))
    right = int(np.prod(shape))
    value = _number(answer)
    if value == right:
        return True, f"the output has shape {shape}: {right} nodes, one number each."
    if value == 6 * 28 * 28:
        return False, "without padding a 5x5 kernel fits in fewer positions than 28 per row."
    if value == shape[1] * shape[2]:
        return False, "that is one feature map; there are 6 of them."
    return False, "nodes = channels x height x width of the output; each map is 28 - 5 + 1 wide."


@exercise("01.4", solution="""
scores = np.array([2.0, 1.0, 0.1])
answer = np.exp(2.0) / np.exp(scores).sum()   # = cnnkit.softmax(scores)[0], about 0.66
""")
def check_softmax_probability(answer: object) -> tuple[bool, str]:
    """Scores [2.0, 1.0, 0.1]: what probability does softmax give the first class (2 decimals)?"""
    scores = np.array([2.0, 1.0, 0.1])
    right = float(softmax(scores)[0])
    value = _number(answer)
    if abs(value - right) <= 0.006:
        return True, f"exp(2) / (exp(2) + exp(1) + exp(0.1)) = {right:.4f}."
    if abs(value - 2.0 / scores.sum()) <= 0.006:
        return False, "softmax divides exponentials, not the scores themselves: use np.exp."
    if not 0.0 <= value <= 1.0:
        return False, "a probability is between 0 and 1."
    return False, "exponentiate every score, then divide the first one by their sum."


@exercise("01.5", solution="""
# The loss for one example is -ln(probability of the right class).
answer = -np.log(0.25)    # about 1.386
""")
def check_cross_entropy(answer: object) -> tuple[bool, str]:
    """The network gives the right class probability 0.25: what is the cross-entropy loss?"""
    right = float(-np.log(0.25))
    value = _number(answer)
    if abs(value - right) <= 0.005:
        return True, f"-ln 0.25 = {right:.3f}; a sure, right answer (p = 1) would cost 0."
    if abs(value + right) <= 0.005:
        return False, "mind the sign: the loss is minus the logarithm, so it is positive."
    if abs(value - (-np.log10(0.25))) <= 0.005:
        return False, "use the natural logarithm (np.log), not log base 10."
    return False, "cross-entropy = -ln(p), where p is the probability of the right class."
