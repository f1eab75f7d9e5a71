"""Exercises of notebook 04, backpropagation: iterations per epoch, the bias gradient, the
shape of a weight gradient, the order of the training loop, and dW as a convolution.

Every question's numbers are constants here; the notebook shows them from here and each
solution text is written from them, so question, check and solution cannot drift apart.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d, conv2d_backward
from ._core import AnswerError, as_grid, as_number, as_shape, describe, exercise

__all__ = [
    "check_iterations_per_epoch",
    "check_dbias",
    "check_dweight_shape",
    "check_loop_order",
    "check_dweight",
]

#: Exercise 04.1: a training set of this many images, cut into batches of this size.
EPOCH_IMAGES, EPOCH_BATCH = 1000, 64
#: Exercise 04.2's gradient arriving at a one-kernel convolution's output.
DBIAS_DOUT = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.5]])
#: Exercise 04.3: a conv layer's weight shape and the batch it gets.
DW_WEIGHT_SHAPE, DW_INPUT_SHAPE = (8, 3, 5, 5), (16, 3, 32, 32)
#: Exercise 04.4: the five steps of one iteration, under letters in a shuffled order.
LOOP_STEPS = {
    "A": "weight update",
    "B": "loss",
    "C": "backward pass",
    "D": "forward pass",
    "E": "gradient of the loss",
}
LOOP_ORDER = "DBECA"
#: Exercise 04.5's input and incoming gradient (the kernel is 3x3). Chosen so that the two
#: classic mistakes (rotating dout, flipping the sign) give different, recognisable results.
DWEIGHT_X = np.array(
    [[1.0, 2.0, 0.0, 1.0], [0.0, 3.0, 1.0, 2.0], [2.0, 1.0, 4.0, 0.0], [1.0, 0.0, 2.0, 3.0]]
)
DWEIGHT_DOUT = np.array([[1.0, 2.0], [0.0, -1.0]])


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@exercise(
    "04.1",
    expects="one whole number of iterations, such as 12",
    solution=f"""
# {EPOCH_IMAGES:,} images in batches of {EPOCH_BATCH}: {EPOCH_IMAGES // EPOCH_BATCH} full \
batches hold {EPOCH_IMAGES // EPOCH_BATCH * EPOCH_BATCH} images,
# and the remaining {EPOCH_IMAGES % EPOCH_BATCH} make one more, smaller batch. One epoch is \
every image once:
answer = -(-{EPOCH_IMAGES} // {EPOCH_BATCH})   # or math.ceil({EPOCH_IMAGES} / {EPOCH_BATCH}) \
 ->  {_ceil_div(EPOCH_IMAGES, EPOCH_BATCH)}
""",
)
def check_iterations_per_epoch(answer) -> tuple[bool, str]:
    """04.1: how many iterations make one epoch of EPOCH_IMAGES images in EPOCH_BATCH?"""
    value = as_number(answer, "the number of iterations")
    right, full = _ceil_div(EPOCH_IMAGES, EPOCH_BATCH), EPOCH_IMAGES // EPOCH_BATCH
    if value == right:
        return True, (
            f"{right} iterations: {full} full batches and a last one of "
            f"{EPOCH_IMAGES % EPOCH_BATCH} images."
        )
    if value == full:
        return False, (
            "that counts only the full batches; the images left over still form "
            "one more, smaller batch."
        )
    if not value.is_integer():
        return False, "an iteration is one whole batch, so the answer is a whole number."
    if value == EPOCH_IMAGES:
        return False, "that is the number of images; each iteration takes a whole batch."
    return False, (
        f"one iteration takes one batch of {EPOCH_BATCH} images; how many batches "
        f"cover {EPOCH_IMAGES:,}?"
    )


@exercise(
    "04.2",
    expects="one number, such as 2.5",
    solution=f"""
# Every output node added the bias once, so d loss / d bias is the sum of dout:
dout = np.array({DBIAS_DOUT.tolist()})
answer = dout.sum()   # -> {DBIAS_DOUT.sum():g}
""",
)
def check_dbias(answer) -> tuple[bool, str]:
    """04.2: the bias gradient of a convolution whose output gradient is ``DBIAS_DOUT``."""
    right = float(DBIAS_DOUT.sum())
    if np.shape(answer) == DBIAS_DOUT.shape:
        return False, ("one bias gives one number: add up how much every output node pushes on it.")
    value = as_number(answer, "dbias")
    if abs(value - right) < 1e-9:
        return True, "dbias = sum of dout: the bias touched every output node once."
    if abs(value - float(DBIAS_DOUT.mean())) < 1e-9:
        return False, "each output node adds the bias once, in full: sum, do not average."
    if abs(value + right) < 1e-9:
        return False, "the sign is flipped: the bias adds +1 x dout at every node."
    return False, "each output node is (sum of products) + bias, so d node / d bias = 1."


@exercise(
    "04.3",
    expects="a shape, a tuple of whole numbers such as (1, 2, 3, 4)",
    solution=f"""
# A gradient has the shape of the thing it belongs to: one number per weight,
# whatever the batch size or the image size.
answer = {DW_WEIGHT_SHAPE}
""",
)
def check_dweight_shape(answer) -> tuple[bool, str]:
    """04.3: the shape of dW for weight DW_WEIGHT_SHAPE and input DW_INPUT_SHAPE."""
    value = as_shape(answer, "the shape of dW")
    if value == DW_WEIGHT_SHAPE:
        return True, "dW always has the shape of W: one gradient per weight."
    if len(value) != len(DW_WEIGHT_SHAPE):
        return False, (
            f"the weight has {len(DW_WEIGHT_SHAPE)} dimensions (kernels, channels, "
            f"height, width), so dW does too; yours has {len(value)}."
        )
    if value[0] == DW_INPUT_SHAPE[0]:
        return False, ("the batch is summed over: every image adds its share to the same weights.")
    if any(v in DW_INPUT_SHAPE[2:] or v == DW_INPUT_SHAPE[2] - 4 for v in value[2:]):
        return False, "those are image or output sizes; dW says how to change each weight."
    return False, "how many weights are there, in which shape? dW has one number for each."


_STEP_LINES = "\n".join(f"#     {k}  {v}" for k, v in LOOP_STEPS.items())


@exercise(
    "04.4",
    expects="the five letters in order, as one string such as 'ABCDE'",
    solution=f"""
# One iteration: forward pass, loss, gradient of the loss, backward pass, weight update.
# With the letters of the question
{_STEP_LINES}
answer = {LOOP_ORDER!r}
""",
)
def check_loop_order(answer) -> tuple[bool, str]:
    """04.4: the letters of LOOP_STEPS in the order of one training iteration."""
    if isinstance(answer, str):
        letters = [ch for ch in answer.upper() if ch.isalpha()]
    elif isinstance(answer, (list, tuple)) and all(isinstance(a, str) for a in answer):
        letters = [ch for a in answer for ch in a.upper() if ch.isalpha()]
    else:
        raise AnswerError(
            f"that is {describe(answer)}; give the five letters as one string "
            "in order, such as 'ABCDE'."
        )
    order = "".join(letters)
    unknown = sorted(set(order) - set(LOOP_STEPS))
    if unknown:
        return False, (
            f"only the letters {', '.join(LOOP_STEPS)} name steps; "
            f"{', '.join(unknown)} is not one of them."
        )
    if sorted(order) != sorted(LOOP_ORDER):
        missing = sorted(set(LOOP_ORDER) - set(order))
        twice = sorted({c for c in order if order.count(c) > 1})
        parts = ([f"missing: {', '.join(missing)}"] if missing else []) + (
            [f"more than once: {', '.join(twice)}"] if twice else []
        )
        return False, f"use each of the five letters exactly once ({'; '.join(parts)})."
    if order == LOOP_ORDER:
        return True, (
            "forward pass, loss, its gradient, backward pass, update: and again "
            "with the next batch."
        )
    position = {c: i for i, c in enumerate(order)}
    if position["A"] < position["C"]:
        return False, (
            "the weight update (A) needs dL/dW, which only the backward pass (C) "
            "computes: the update comes after it."
        )
    if position["C"] < position["E"]:
        return False, (
            "the backward pass (C) starts from the gradient of the loss (E), so E comes first."
        )
    if position["E"] < position["B"]:
        return False, "the gradient of the loss (E) needs the loss (B) it is the gradient of."
    return False, "the loss (B) compares predictions: they come from the forward pass (D)."


def _dweight_right() -> np.ndarray:
    return conv2d_backward(DWEIGHT_DOUT, DWEIGHT_X, np.zeros((3, 3)))[1]


@exercise(
    "04.5",
    expects="dW as a 3x3 array, such as cnnkit.conv2d(x, something)",
    solution=f"""
# dW is the input cross-correlated with dout, dout acting as the kernel
# (no rotation: the rotated kernel belongs to dx).
x = np.array({DWEIGHT_X.tolist()})
dout = np.array({DWEIGHT_DOUT.tolist()})
answer = cnnkit.conv2d(x, dout)
# -> {_dweight_right().tolist()}
""",
)
def check_dweight(answer) -> tuple[bool, str]:
    """04.5: dW of a 3x3 kernel for ``DWEIGHT_X`` and ``DWEIGHT_DOUT`` (use conv2d)."""
    right = _dweight_right()
    if isinstance(answer, np.ndarray) and answer.ndim > 2 and answer.size == right.size:
        answer = answer.reshape(right.shape)  # (1, 1, 3, 3) from the 4-D conv2d
    value = as_grid(answer, "dW")
    if value.shape == DWEIGHT_X.shape:
        return False, (
            "that has the input's shape 4x4, like dx; dW has the kernel's shape "
            "3x3: one number per weight."
        )
    if value.shape != right.shape:
        return False, (
            f"dW has the kernel's shape 3x3, your answer is {value.shape[0]}x"
            f"{value.shape[1]}; slide the 2x2 dout over the 4x4 x, no padding."
        )
    if np.allclose(value, right):
        return True, "dW = conv2d(x, dout): the input correlated with the output's gradient."
    if np.allclose(value, -right):
        return False, "the sign is flipped: dW adds dout * x, it does not subtract it."
    if np.allclose(value, conv2d(DWEIGHT_X, np.rot90(DWEIGHT_DOUT, 2))):
        return False, (
            "you rotated dout by 180 degrees; dW uses dout as it is. The rotated "
            "kernel belongs to dx."
        )
    if np.allclose(value, conv2d(DWEIGHT_X, DWEIGHT_DOUT.T)):
        return False, "dout is transposed; use it as it is: conv2d(x, dout)."
    if np.allclose(value, right.T):
        return False, "your dW is transposed: row r of dW is weight row r."
    return False, "use dout as the kernel: conv2d(x, dout) gives one number per weight."
