"""Exercises of the training notebook (05): the explorer's shapes, an impossible choice, and
reading a confusion matrix.

Each checker computes the right answer with cnnkit itself (the explorer's network builder,
:func:`cnnkit.viz.confusion_matrix`) or on random matrices it makes, so no expected number is
typed by hand.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..viz.training_a_cnn import confusion_matrix
from ..widgets.training_a_cnn import EXPLORER_CHOICES, explorer_cnn
from ._core import as_whole_number, describe, exercise

__all__ = [
    "check_explorer_features",
    "check_largest_kernel",
    "check_accuracy_from_confusion",
    "check_most_confused",
]


#: Exercise 05.1: the explorer's network with this many kernels, kernel size and stride.
FEATURES_CHOICE = {"n_kernels": 16, "kernel_size": 5, "stride": 2}
#: Exercise 05.2: the stride of the question, and the digits' side.
LARGEST_KERNEL_STRIDE, DIGIT_SIDE = 1, 8


class _LearnerError(Exception):
    """The learner's function raised: carries a plain message saying so."""


def _call(function, cm: np.ndarray):
    """Call the learner's function on a copy of ``cm``; any error becomes one plain message."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a learner's 0/0 is diagnosed by its result
            return function(cm.copy())
    except Exception:  # any error inside the learner's code gets the same treatment
        raise _LearnerError(
            f"your function stopped with an error when it was called with a {len(cm)}x{len(cm)} "
            "confusion matrix. Call it yourself on cm from section 7: the error then shows "
            "the line where it happens."
        ) from None


def _conv_side(kernel_size: int, stride: int) -> int:
    return (DIGIT_SIDE - kernel_size) // stride + 1


def _largest_kernel() -> int:
    works = []
    for k in EXPLORER_CHOICES["kernel_size"]:
        try:
            explorer_cnn(4, k, LARGEST_KERNEL_STRIDE)
            works.append(k)
        except ValueError:
            pass
    return max(works)


_F = FEATURES_CHOICE
_SIDE = _conv_side(_F["kernel_size"], _F["stride"])
_LARGEST = _largest_kernel()


@exercise(
    "05.1",
    expects="one whole number, such as 64",
    solution=f"""
# conv: floor(({DIGIT_SIDE} - {_F["kernel_size"]}) / {_F["stride"]}) + 1 = {_SIDE}, so \
{_F["n_kernels"]} maps of {_SIDE}x{_SIDE};
# max pooling 2x2 leaves {_F["n_kernels"]} maps of {_SIDE // 2}x{_SIDE // 2}
answer = {_F["n_kernels"]} * {_SIDE // 2} * {_SIDE // 2}
# check: explorer_cnn({_F["n_kernels"]}, {_F["kernel_size"]}, {_F["stride"]})\
.summary((1, {DIGIT_SIDE}, {DIGIT_SIDE})).rows[3].output_shape
""",
)
def check_explorer_features(answer: object) -> tuple[bool, str]:
    """How many numbers reach the Dense layer with the kernels of FEATURES_CHOICE?"""
    value = as_whole_number(answer, "the number of values after Flatten")
    n, k, s = _F["n_kernels"], _F["kernel_size"], _F["stride"]
    summary = explorer_cnn(n, k, s).summary((1, DIGIT_SIDE, DIGIT_SIDE))
    conv_side = summary.rows[0].output_shape[-1]
    right = summary.rows[3].output_shape[0]  # the Flatten row
    if value == right:
        return True, (
            f"the conv layer leaves {conv_side}x{conv_side} maps, pooling halves "
            f"them, so {n} x {conv_side // 2} x {conv_side // 2} = {right} numbers "
            "reach the Dense layer."
        )
    if value == n * conv_side * conv_side:
        return False, "that is the size before pooling; the 2x2 max pooling halves each side."
    if value in (n * ((DIGIT_SIDE - k + 1) // 2) ** 2, n * (DIGIT_SIDE - k + 1) ** 2):
        return False, (
            "use the output-size rule with the stride: "
            f"floor(({DIGIT_SIDE} - {k}) / {s}) + 1 for the conv layer."
        )
    return False, (
        f"first the conv output side, floor(({DIGIT_SIDE} - kernel) / stride) + 1, "
        "then half of it (rounded down) after pooling, then times the number of "
        "kernels."
    )


@exercise(
    "05.2",
    expects="one whole number (a kernel size), such as 3",
    solution=f"""
# With stride {LARGEST_KERNEL_STRIDE} the conv output side is {DIGIT_SIDE} - k + 1, and \
pooling needs at least 2:
# {DIGIT_SIDE} - k + 1 >= 2  <=>  k <= {DIGIT_SIDE - 1}.  (k = {DIGIT_SIDE} leaves a 1x1 map, \
which cannot be pooled 2x2.)
answer = {_LARGEST}
""",
)
def check_largest_kernel(answer: object) -> tuple[bool, str]:
    """The largest kernel size the explorer can train with stride LARGEST_KERNEL_STRIDE."""
    value = as_whole_number(answer, "a kernel size")
    right = _LARGEST
    if value == right:
        return True, (
            f"a {right}x{right} kernel leaves a 2x2 map, just enough for 2x2 pooling; "
            f"one of {right + 1}x{right + 1} leaves 1x1."
        )
    if value == right + 1:
        return False, (
            f"a {value}x{value} kernel fits on the digit, but leaves a 1x1 feature "
            "map: too small for the 2x2 max pooling after it."
        )
    if value > right + 1:
        return False, (
            f"a kernel of size {value} is larger than the {DIGIT_SIDE}x{DIGIT_SIDE} digit."
        )
    return False, (
        f"the conv output side with stride 1 is {DIGIT_SIDE} - kernel_size + 1; "
        "find the largest kernel that keeps it at least 2."
    )


@exercise(
    "05.3",
    expects="a function of cm, given by its name without ()",
    solution="""
def accuracy_from_confusion(cm):
    # the diagonal counts the right answers; the whole matrix counts every example
    return np.trace(cm) / cm.sum()

answer = accuracy_from_confusion
""",
)
def check_accuracy_from_confusion(answer: object) -> tuple[bool, str]:
    """Write a function that turns a confusion matrix into the accuracy (a fraction)."""
    if not callable(answer):
        return False, (
            f"that is {describe(answer)}; write a function, def "
            "accuracy_from_confusion(cm): ..., and give its name as the answer."
        )
    rng = np.random.default_rng(5)
    for trial in range(5):
        k, n = 3 + trial, 40 + 10 * trial
        y_true = rng.integers(0, k, n)
        y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, k, n))
        cm = confusion_matrix(y_true, y_pred, k)
        try:
            returned = _call(answer, cm)
        except _LearnerError as exc:
            return False, str(exc)
        got, problem = _number(returned)
        if got is None:
            return False, (
                f"for a {k}x{k} matrix your function returned {problem}; "
                "return one number, the accuracy as a fraction."
            )
        right = float(np.mean(y_true == y_pred))
        if not np.isclose(got, right):
            rows = cm.sum(axis=1)
            if np.isclose(got, np.mean(np.diag(cm) / np.maximum(rows, 1))):
                return False, (
                    "that is the mean of the per-class accuracies; the accuracy "
                    "counts every example once: diagonal total / grand total."
                )
            if np.isclose(got, 100 * right):
                return False, "return a fraction between 0 and 1, not a percentage."
            if np.isclose(got, np.trace(cm)):
                return False, (
                    "that is the number of right answers; divide it by the number "
                    "of examples, cm.sum()."
                )
            return False, (
                f"for a {k}x{k} matrix with {int(cm.sum())} examples your function "
                f"gave {got:.4g}; the right answers are on the diagonal."
            )
    return True, "the diagonal holds the right answers: trace / total is the accuracy."


def _number(value: object) -> tuple[float | None, str]:
    """One real number out of what a learner's function returned, else a short description."""
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        return None, describe(value)
    try:
        values = np.asarray(value, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return None, describe(value)
    if values.size != 1:
        return None, f"{values.size} numbers"
    if not np.isfinite(values[0]):
        return None, f"{float(values[0])}"
    return float(values[0]), ""


def _pair(value: object) -> tuple[int, int] | None:
    """Two whole numbers out of what a learner's function returned, else None."""
    if isinstance(value, (str, bytes)):
        return None
    try:
        items = list(value)  # a tuple, list, array or generator of two numbers
        numbers = [
            float(np.asarray(v, dtype=float).reshape(-1)[0]) if np.size(v) == 1 else float("nan")
            for v in items
        ]
    except (TypeError, ValueError):
        return None
    if len(numbers) != 2 or not all(np.isfinite(v) and v.is_integer() for v in numbers):
        return None
    return int(numbers[0]), int(numbers[1])


@exercise(
    "05.4",
    expects="a function of cm, given by its name without ()",
    solution="""
def most_confused(cm):
    off = cm.copy()
    np.fill_diagonal(off, 0)          # the right answers are not confusions
    t, p = np.unravel_index(off.argmax(), off.shape)
    return int(t), int(p)             # row = true digit, column = predicted digit

answer = most_confused
""",
)
def check_most_confused(answer: object) -> tuple[bool, str]:
    """Write a function returning the (true, predicted) pair most often mixed up."""
    if not callable(answer):
        return False, (
            f"that is {describe(answer)}; write a function, def most_confused(cm): "
            "..., and give its name as the answer."
        )
    rng = np.random.default_rng(7)
    for trial in range(6):
        k = 3 + trial
        cm = rng.integers(0, 5, (k, k)) + np.diag(rng.integers(30, 60, k))
        t, p = divmod(int(rng.integers(0, k * k)), k)
        if t == p:
            p = (p + 1) % k
        cm[t, p] = 12 + trial  # one clear largest confusion, never on the diagonal
        try:
            returned = _call(answer, cm)
        except _LearnerError as exc:
            return False, str(exc)
        got = _pair(returned)
        if got is None:
            return False, (
                f"your function returned {describe(returned)}; return a pair "
                "(true digit, predicted digit), such as (4, 9)."
            )
        if got == (t, p):
            continue
        if got == (p, t):
            return False, (
                "true and predicted are swapped: rows are the true digits, "
                "columns the predictions, so cm[true, predicted]."
            )
        if got[0] == got[1]:
            return False, (
                "that is on the diagonal, where the right answers are; "
                "leave the diagonal out before looking for the largest count."
            )
        return False, (
            f"on a {k}x{k} matrix your function gave {got}; look for the largest "
            "count off the diagonal."
        )
    return True, "rows are the true digits, columns the predictions, diagonal left out."
