"""Exercises of notebook 04, backpropagation: iterations per epoch, the bias gradient, the
shape of a weight gradient, the order of the training loop, and dW as a convolution."""
from __future__ import annotations

import numpy as np

from ..conv import conv2d_backward
from ._core import exercise

__all__ = ["check_iterations_per_epoch", "check_dbias", "check_dweight_shape",
           "check_step_after_backward", "check_dweight"]

#: Exercise 04.2's gradient arriving at a one-kernel convolution's output.
DBIAS_DOUT = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.5]])
#: Exercise 04.5's input and incoming gradient (the kernel is 3x3).
DWEIGHT_X = np.arange(16.0).reshape(4, 4)
DWEIGHT_DOUT = np.array([[1.0, 0.0], [0.0, -1.0]])


@exercise("04.1", """
1,000 images in batches of 64: 15 full batches hold 960 images, and the remaining 40 make a
16th, smaller batch. One epoch is every image once, so 16 iterations:
    -(-1000 // 64)   # or math.ceil(1000 / 64)  ->  16
""")
def check_iterations_per_epoch(answer) -> tuple[bool, str]:
    """04.1: how many iterations make one epoch of 1,000 images in batches of 64?"""
    right = -(-1000 // 64)
    value = float(answer)
    if value == right:
        return True, f"{right} iterations: 15 full batches and a last one of 40 images."
    if value == 1000 // 64:
        return False, ("that counts only the full batches; the images left over still form "
                       "one more, smaller batch.")
    if value != int(value):
        return False, "an iteration is one whole batch, so the answer is a whole number."
    return False, "one iteration takes one batch of 64 images; how many batches cover 1,000?"


@exercise("04.2", """
Every output node added the bias once, so d loss / d bias is the sum of dout:
    dout = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.5]])
    dout.sum()   # -> 1.0
""")
def check_dbias(answer) -> tuple[bool, str]:
    """04.2: the bias gradient of a convolution whose output gradient is ``DBIAS_DOUT``."""
    right = float(DBIAS_DOUT.sum())
    value = np.asarray(answer, dtype=float)
    if value.size == 1 and abs(float(value.reshape(-1)[0]) - right) < 1e-9:
        return True, "dbias = sum of dout: the bias touched every output node once."
    if value.shape == DBIAS_DOUT.shape:
        return False, ("one bias gives one number: add up how much every output node "
                       "pushes on it.")
    if value.size == 1 and abs(float(value.reshape(-1)[0]) - DBIAS_DOUT.mean()) < 1e-9:
        return False, "each output node adds the bias once, in full: sum, do not average."
    return False, "each output node is (sum of products) + bias, so d node / d bias = 1."


@exercise("04.3", """
A gradient has the shape of the thing it belongs to: one number per weight.
    dW.shape == (8, 3, 5, 5)   # the weight's shape, whatever the batch size or image size
""")
def check_dweight_shape(answer) -> tuple[bool, str]:
    """04.3: the shape of dW for weight (8, 3, 5, 5) and input (16, 3, 32, 32)."""
    right = (8, 3, 5, 5)
    try:
        value = tuple(int(v) for v in answer)
    except TypeError:
        return False, "give the shape as a tuple of numbers, such as (1, 2, 3, 4)."
    if value == right:
        return True, "dW always has the shape of W: one gradient per weight."
    if value and value[0] == 16:
        return False, ("the batch is summed over: every image adds its share to the same "
                       "weights.")
    if 32 in value or 28 in value:
        return False, "those are image or output sizes; dW says how to change each weight."
    return False, "how many weights are there, in which shape? dW has one number for each."


_UPDATE_WORDS = ("update", "step", "optimizer", "optimiser", "w - lr", "w-lr", "w <- ")


@exercise("04.4", """
After the backward pass every layer holds dL/dW, so the next step is the weight update,
W <- W - lr * dL/dW (optimizer.step()). Then the loop repeats with the next batch.
""")
def check_step_after_backward(answer) -> tuple[bool, str]:
    """04.4: which step of the training loop comes right after the backward pass?"""
    text = str(answer).strip().lower()
    if any(word in text for word in _UPDATE_WORDS):
        return True, "the weight update uses the gradients the backward pass just computed."
    if "loss" in text:
        return False, "the loss comes before the backward pass: it is where backward starts."
    if "forward" in text:
        return False, ("the next forward pass comes later, with the next batch; first the "
                       "gradients must be used.")
    return False, "the backward pass gives dL/dW for every weight; what uses them?"


@exercise("04.5", """
dW is the input cross-correlated with dout, dout acting as the kernel:
    cnnkit.conv2d(x, dout)
    # x = np.arange(16.0).reshape(4, 4); dout = np.array([[1.0, 0.0], [0.0, -1.0]])
    # -> [[-5, -5, -5], [-5, -5, -5], [-5, -5, -5]]
""")
def check_dweight(answer) -> tuple[bool, str]:
    """04.5: dW of a 3x3 kernel for ``DWEIGHT_X`` and ``DWEIGHT_DOUT`` (use conv2d)."""
    right = conv2d_backward(DWEIGHT_DOUT, DWEIGHT_X, np.zeros((3, 3)))[1]
    value = np.asarray(answer, dtype=float)
    if value.shape != right.shape:
        return False, (f"dW has the kernel's shape {right.shape}, got {value.shape}; "
                       "slide the 2x2 dout over the 4x4 x.")
    if np.allclose(value, right):
        return True, "dW = conv2d(x, dout): the input correlated with the output's gradient."
    if np.allclose(value, -right):
        return False, "the sign is flipped: dW adds dout * x, it does not subtract it."
    return False, "use dout as the kernel: conv2d(x, dout) gives one number per weight."
