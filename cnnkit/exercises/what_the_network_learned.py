"""Exercises of notebook 08 (what the network learned): counting occlusion positions, the
input gradient of a network without hidden layers, and writing a cosine similarity.

Each checker computes the right answer with cnnkit (``conv_output_size``, the Dense layer's
weights, :func:`cnnkit.interpret.cosine_similarity`), so no expected number is typed by hand.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..interpret import cosine_similarity, input_gradient
from ..layers import Dense, Flatten
from ..model import Sequential
from ..shapes import conv_output_size
from ._core import as_grid, as_whole_number, describe, exercise

__all__ = [
    "OCCLUSION_QUESTION",
    "check_cosine_function",
    "check_linear_gradient",
    "check_occlusion_positions",
    "linear_model",
]

#: Exercise 08.1: the side of the image, the patch and the stride.
OCCLUSION_QUESTION = {"side": 8, "patch": 3, "stride": 1}
#: Exercise 08.2: the class whose score is differentiated, and the model's seed.
LINEAR_CLASS, LINEAR_SEED = 3, 8


def linear_model() -> Sequential:
    """The network of exercise 08.2: Flatten then one Dense layer (64 -> 10), no hidden layer."""
    return Sequential(Flatten(), Dense(64, 10, rng=LINEAR_SEED))


def _positions() -> int:
    q = OCCLUSION_QUESTION
    return conv_output_size(q["side"], q["patch"], q["stride"]) ** 2


@exercise(
    "08.1",
    expects="one whole number, such as 42",
    solution=f"""
# The patch slides like a kernel: conv_output_size({OCCLUSION_QUESTION["side"]}, \
{OCCLUSION_QUESTION["patch"]}, {OCCLUSION_QUESTION["stride"]}) positions per row and per column.
side = cnnkit.conv_output_size({OCCLUSION_QUESTION["side"]}, {OCCLUSION_QUESTION["patch"]}, \
{OCCLUSION_QUESTION["stride"]})
answer = side * side        # {_positions()} occluded copies, one forward pass each
""",
)
def check_occlusion_positions(answer: object) -> tuple[bool, str]:
    """How many occluded copies does an occlusion map of the question need?"""
    q = OCCLUSION_QUESTION
    value = as_whole_number(answer, "the number of positions")
    side = conv_output_size(q["side"], q["patch"], q["stride"])
    if value == side * side:
        return True, (
            f"{side} positions per row times {side} rows: {value} copies of the "
            "digit go through the network (in one batch)."
        )
    if value == side:
        return False, (
            f"{side} is the number of positions in one row; the patch also moves down, row by row."
        )
    if value == q["side"] ** 2:
        return False, (
            "that is one position per pixel; a patch of 3 cannot start in the last "
            "two columns or rows, it would stick out of the image."
        )
    if value == (q["side"] - q["patch"]) ** 2:
        return False, (
            "nearly: the number of positions per row is (8 - 3) / 1 + 1, do not forget the + 1."
        )
    return False, (
        "the patch slides like a kernel without padding: use the output-size "
        "rule of notebook 03 for one side, then for the other."
    )


@exercise(
    "08.2",
    expects="an 8x8 array of numbers",
    solution=f"""
# scores = W @ x + b, so d score[{LINEAR_CLASS}] / d x = W[{LINEAR_CLASS}]: one row of the \
weight, laid out as the image.
model = linear_model()
answer = model.layers[1].params["weight"][{LINEAR_CLASS}].reshape(8, 8)
""",
)
def check_linear_gradient(answer: object) -> tuple[bool, str]:
    """The gradient of score LINEAR_CLASS with respect to the 8x8 input of linear_model()."""
    model = linear_model()
    weight = model.layers[1].params["weight"]
    if isinstance(answer, np.ndarray) and answer.shape in ((1, 8, 8), (64,), (1, 1, 8, 8)):
        answer = answer.reshape(8, 8)
    grid = as_grid(answer, "the gradient")
    if grid.shape != (8, 8):
        if grid.shape in ((64, 10), (10, 64)):
            return False, (
                "that is the whole weight matrix; the gradient of ONE score is one "
                "row of it, reshaped to the 8x8 image."
            )
        return False, f"your array has shape {grid.shape}; the gradient has the input's 8x8."
    right = input_gradient(model, np.zeros((1, 8, 8)), LINEAR_CLASS)[0]
    if np.allclose(grid, right):
        return True, (
            "with no hidden layer the gradient does not depend on the input: it is "
            f"row {LINEAR_CLASS} of the weight, the pattern that score {LINEAR_CLASS} "
            "rewards."
        )
    if np.allclose(grid, -right):
        return False, "the sign is flipped: score = W x + b, so the gradient is +W[class]."
    for k in range(10):
        if k != LINEAR_CLASS and np.allclose(grid, weight[k].reshape(8, 8)):
            return False, (
                f"that is the row of class {k}; the question asks for class {LINEAR_CLASS}."
            )
    return False, (
        "the score is weight[class] @ x + bias[class]; what does it change by when "
        "one pixel of x changes by one?"
    )


def _call(function, a: np.ndarray, b: np.ndarray):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(a.copy(), b.copy())


@exercise(
    "08.3",
    expects="a function of two kernels, given by its name without ()",
    solution="""
def cosine(a, b):
    a, b = np.ravel(a), np.ravel(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

answer = cosine
""",
)
def check_cosine_function(answer: object) -> tuple[bool, str]:
    """Write cosine(a, b) for two kernels of the same shape."""
    if not callable(answer):
        return False, (
            f"that is {describe(answer)}; write a function, def cosine(a, b): ..., "
            "and give its name as the answer."
        )
    rng = np.random.default_rng(11)
    for trial in range(6):
        shape = [(3, 3), (5, 5), (1, 3, 3)][trial % 3]
        a = rng.standard_normal(shape)
        b = 3.0 * a + rng.standard_normal(shape) if trial % 2 else rng.standard_normal(shape)
        try:
            got = _call(answer, a, b)
        except Exception:  # noqa: BLE001 - the learner's code
            return False, (
                f"your function stopped with an error for two kernels of shape "
                f"{shape}; call it yourself on two kernels to see the line."
            )
        if isinstance(got, (str, bytes, bool, np.bool_)) or got is None:
            return False, (
                f"your function returned {describe(got)}; return one number, the cosine."
            )
        try:
            value = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return False, f"your function returned {describe(got)}; return one number."
        if value.size != 1 or not np.isfinite(value).all():
            return False, (
                f"your function returned {describe(got)} for {shape} kernels; "
                "return one number (flatten both kernels first)."
            )
        value = float(value.reshape(-1)[0])
        right = cosine_similarity(a, b)
        if np.isclose(value, right):
            continue
        dot = float(np.sum(a * b))
        if np.isclose(value, dot):
            return False, (
                "that is the dot product; divide it by the two lengths "
                "(np.linalg.norm of each) so the scale of a kernel does not count."
            )
        if np.isclose(value, dot / np.linalg.norm(a)) or np.isclose(value, dot / np.linalg.norm(b)):
            return False, "divide by the lengths of BOTH kernels, not one."
        return False, (
            f"for two {shape} kernels your function gave {value:.4g}; the cosine "
            "is sum(a * b) / (|a| |b|)."
        )
    if not np.isclose(float(np.asarray(_call(answer, a, 2 * a), dtype=float).reshape(-1)[0]), 1.0):
        return False, "a kernel and twice the same kernel should give exactly 1."
    return True, "1 for the same pattern at any scale, near 0 for unrelated ones."
