"""Exercises of notebook 11 (from cnnkit to PyTorch): a layer's PyTorch name, a Linear weight's
shape, and what data-parallel training divides the summed gradients by.

The right answers come from the course's own tables and constants (:data:`NAME_MAP`, the
Dense layer's weight shape), never typed twice. None of the checks needs PyTorch: a learner
without it can still answer them (and an answer that *is* ``torch.nn.Linear`` is read by its
name).
"""

from __future__ import annotations

import re

from ..layers import Dense
from ..torch_bridge import NAME_MAP
from ._core import as_shape, as_whole_number, describe, exercise

__all__ = ["check_ddp_divisor", "check_linear_weight_shape", "check_pytorch_name"]

#: Exercise 11.2: nn.Linear(IN, OUT), the digits network's last layer.
LINEAR_IN, LINEAR_OUT = 256, 10
#: Exercise 11.3: processes, and the whole batch they share equally.
WORLD_SIZE, BATCH = 2, 64

_TWIN = {re.sub(r"\(.*", "", ours): theirs for ours, theirs, _ in NAME_MAP}
_DENSE_TWIN = _TWIN["Dense"]  # "nn.Linear"
_OTHER_LAYERS = {
    theirs.split(".")[-1].lower(): ours
    for ours, theirs in _TWIN.items()
    if theirs.startswith("nn.") and ours != "Dense"
}


def _name(answer: object) -> str:
    """The answer as a name: text as it is; a class or function by its own name."""
    if isinstance(answer, type):
        return f"nn.{answer.__name__}"
    if callable(answer) and hasattr(answer, "__name__"):
        return answer.__name__  # a function, such as torch.nn.functional.linear
    return answer if isinstance(answer, str) else ""


@exercise(
    "11.1",
    expects='a PyTorch name as text, such as "nn.ReLU"',
    solution=f"""
answer = "{_DENSE_TWIN}"  # weight (out_features, in_features), bias (out_features,)
""",
)
def check_pytorch_name(answer: object) -> tuple[bool, str]:
    """Which PyTorch layer class matches cnnkit's Dense?"""
    text = _name(answer).strip()
    if not text:
        return False, (
            f"that is {describe(answer)}; write the PyTorch name as text in quotes, "
            'such as "nn.ReLU".'
        )
    last = re.split(r"[.\s]", text.rstrip("()"))[-1].lower()
    want = _DENSE_TWIN.split(".")[-1].lower()
    if last == want:
        if "functional" in text or text.startswith("F.") or text.islower():
            return False, (
                f"{text} reads as the function F.linear (small l); the question asks "
                "for the layer class that holds the weights, like Dense does, and "
                "PyTorch's class names start with a capital."
            )
        return True, (
            f"right: {_DENSE_TWIN}(in_features, out_features) is Dense, with the same "
            "argument names and a weight of shape (out_features, in_features)."
        )
    if last in ("dense", "f.dense"):
        return False, (
            "PyTorch has no Dense layer: it names the fully connected layer after the "
            "function it computes, x @ W.T + b, a linear map."
        )
    if last in _OTHER_LAYERS:
        return False, (
            f"{text} is the twin of cnnkit's {_OTHER_LAYERS[last]}; Dense connects "
            "every input to every output. Look it up in the table of section 1."
        )
    return False, (
        f"{text!r} is not the name in the table of section 1; look for Dense in its left column."
    )


@exercise(
    "11.2",
    expects="a shape, such as (3, 4)",
    solution=f"""
# like cnnkit's Dense: one row of weights per output, one column per input
answer = ({LINEAR_OUT}, {LINEAR_IN})
# check: tuple(torch.nn.Linear({LINEAR_IN}, {LINEAR_OUT}).weight.shape)
""",
)
def check_linear_weight_shape(answer: object) -> tuple[bool, str]:
    """The shape of nn.Linear(LINEAR_IN, LINEAR_OUT).weight."""
    shape = as_shape(answer, "the weight's shape")
    right = Dense(LINEAR_IN, LINEAR_OUT, rng=0).params["weight"].shape
    if shape == right:
        return True, (
            f"right: {right}, one row per output; y = x @ weight.T + bias, exactly as "
            "in cnnkit's Dense, so weights copy over without a transpose."
        )
    if shape == right[::-1]:
        return False, (
            f"{shape} is transposed: PyTorch stores one row per output "
            "(out_features, in_features), as cnnkit's Dense does."
        )
    if shape == (LINEAR_OUT,):
        return False, f"{shape} is the shape of the bias, one number per output."
    if len(shape) == 1 and shape[0] == LINEAR_IN * LINEAR_OUT:
        return False, (
            "that is the number of weights, as one axis; the weight is a 2-D array, "
            "one row per output."
        )
    return False, (
        f"{shape} is not it; nn.Linear({LINEAR_IN}, {LINEAR_OUT}) has "
        f"{LINEAR_IN} inputs and {LINEAR_OUT} outputs. Which axis is which?"
    )


@exercise(
    "11.3",
    expects="one whole number, such as 8",
    solution=f"""
# each process's gradient is already the mean over its {BATCH // WORLD_SIZE} digits;
# the mean of {WORLD_SIZE} equal-sized means is the mean over all {BATCH}
answer = {WORLD_SIZE}
""",
)
def check_ddp_divisor(answer: object) -> tuple[bool, str]:
    """DDP sums the processes' gradients, then divides by what, to get the full-batch mean?"""
    value = as_whole_number(answer, "the number to divide by")
    share = BATCH // WORLD_SIZE
    if value == WORLD_SIZE:
        return True, (
            f"right: the sum of {WORLD_SIZE} means over {share} digits each, divided "
            f"by {WORLD_SIZE}, is the mean over all {BATCH} digits."
        )
    if value == 1:
        return False, (
            f"without dividing, the sum is {WORLD_SIZE} times the full-batch "
            "gradient: each process's gradient is already a mean."
        )
    if value in (BATCH, share):
        return False, (
            f"each process's loss is already the mean over its {share} digits, so "
            f"dividing by {value} makes the gradient {value // WORLD_SIZE} times too small; "
            "average the processes' means instead."
        )
    return False, (f"{value} is not it; what is averaged is one mean gradient per process.")
