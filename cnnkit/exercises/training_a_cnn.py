"""Exercises of the training notebook (05): the explorer's shapes, an impossible choice, and
reading a confusion matrix.

Each checker computes the right answer with cnnkit itself (the explorer's network builder,
:func:`cnnkit.viz.confusion_matrix`) or on random matrices it makes, so no expected number is
typed by hand.
"""
from __future__ import annotations

import numpy as np

from ..viz.training_a_cnn import confusion_matrix
from ..widgets.training_a_cnn import EXPLORER_CHOICES, explorer_cnn
from ._core import exercise

__all__ = ["check_explorer_features", "check_largest_kernel", "check_accuracy_from_confusion",
           "check_most_confused"]


def _integer(answer: object, what: str) -> int:
    if isinstance(answer, (bool, np.bool_)):
        raise TypeError(f"the answer should be one whole number ({what}), got {answer!r}")
    value = float(np.asarray(answer, dtype=float).item())
    if not value.is_integer():
        raise ValueError(f"the answer should be a whole number ({what}), got {answer!r}")
    return int(value)


@exercise("05.1", solution="""
# conv: floor((8 - 5) / 2) + 1 = 2, so 16 maps of 2x2; max pooling 2x2 leaves 16 maps of 1x1
answer = 16 * 1 * 1      # = explorer_cnn(16, 5, 2).summary((1, 8, 8)).rows[3].output_shape
""")
def check_explorer_features(answer: object) -> tuple[bool, str]:
    """How many numbers reach the Dense layer with 16 kernels of 5x5 at stride 2?"""
    value = _integer(answer, "numbers after Flatten")
    summary = explorer_cnn(16, 5, 2).summary((1, 8, 8))
    conv_side = summary.rows[0].output_shape[-1]
    right = summary.rows[3].output_shape[0]  # the Flatten row
    if value == right:
        return True, (f"the conv layer leaves {conv_side}x{conv_side} maps, pooling halves "
                      f"them, so 16 x 1 x 1 = {right} numbers reach the Dense layer.")
    if value == 16 * conv_side * conv_side:
        return False, "that is the size before pooling; the 2x2 max pooling halves each side."
    if value == 16 * 4 * 4 or value == 16 * 3 * 3:
        return False, ("use the output-size rule with the stride: "
                       "floor((8 - 5) / 2) + 1 for the conv layer.")
    return False, ("first the conv output side, floor((8 - kernel) / stride) + 1, then half of "
                   "it (rounded down) after pooling, then times the number of kernels.")


@exercise("05.2", solution="""
# With stride 1 the conv output side is 8 - k + 1, and pooling needs at least 2:
# 8 - k + 1 >= 2  <=>  k <= 7.  (k = 8 leaves a 1x1 map, which cannot be pooled 2x2.)
answer = 7
""")
def check_largest_kernel(answer: object) -> tuple[bool, str]:
    """The largest kernel size the explorer can train with stride 1."""
    value = _integer(answer, "a kernel size")
    works = []
    for k in EXPLORER_CHOICES["kernel_size"]:
        try:
            explorer_cnn(4, k, 1)
            works.append(k)
        except ValueError:
            pass
    right = max(works)
    if value == right:
        return True, (f"a {right}x{right} kernel leaves a 2x2 map, just enough for 2x2 pooling; "
                      f"one of {right + 1}x{right + 1} leaves 1x1.")
    if value == right + 1:
        return False, ("an 8x8 kernel fits on the digit, but leaves a 1x1 feature map: "
                       "too small for the 2x2 max pooling after it.")
    return False, ("the conv output side with stride 1 is 8 - kernel_size + 1; "
                   "find the largest kernel that keeps it at least 2.")


@exercise("05.3", solution="""
def accuracy_from_confusion(cm):
    # the diagonal counts the right answers; the whole matrix counts every example
    return np.trace(cm) / cm.sum()

answer = accuracy_from_confusion
""")
def check_accuracy_from_confusion(answer: object) -> tuple[bool, str]:
    """Write a function that turns a confusion matrix into the accuracy (a fraction)."""
    if not callable(answer):
        return False, "give a function: def accuracy_from_confusion(cm): ... and pass its name."
    rng = np.random.default_rng(5)
    for trial in range(5):
        k, n = 3 + trial, 40 + 10 * trial
        y_true = rng.integers(0, k, n)
        y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, k, n))
        cm = confusion_matrix(y_true, y_pred, k)
        got = float(answer(cm.copy()))
        right = float(np.mean(y_true == y_pred))
        if not np.isclose(got, right):
            rows = cm.sum(axis=1)
            if np.isclose(got, np.mean(np.diag(cm) / np.maximum(rows, 1))):
                return False, ("that is the mean of the per-class accuracies; the accuracy "
                               "counts every example once: diagonal total / grand total.")
            if np.isclose(got, 100 * right):
                return False, "return a fraction between 0 and 1, not a percentage."
            return False, (f"for a {k}x{k} matrix with {int(cm.sum())} examples your function "
                           f"gave {got:.4g}; the right answers are on the diagonal.")
    return True, "the diagonal holds the right answers: trace / total is the accuracy."


@exercise("05.4", solution="""
def most_confused(cm):
    off = cm.copy()
    np.fill_diagonal(off, 0)          # the right answers are not confusions
    t, p = np.unravel_index(off.argmax(), off.shape)
    return int(t), int(p)             # row = true digit, column = predicted digit

answer = most_confused
""")
def check_most_confused(answer: object) -> tuple[bool, str]:
    """Write a function returning the (true, predicted) pair most often mixed up."""
    if not callable(answer):
        return False, "give a function: def most_confused(cm): ... and pass its name."
    rng = np.random.default_rng(7)
    for trial in range(6):
        k = 3 + trial
        cm = rng.integers(0, 5, (k, k)) + np.diag(rng.integers(30, 60, k))
        t, p = divmod(int(rng.integers(0, k * k)), k)
        if t == p:
            p = (p + 1) % k
        cm[t, p] = 12 + trial  # one clear largest confusion, never on the diagonal
        got = answer(cm.copy())
        try:
            got = tuple(int(v) for v in got)
        except TypeError:
            return False, "return a pair (true digit, predicted digit), e.g. (4, 9)."
        if got == (t, p):
            continue
        if got == (p, t):
            return False, ("true and predicted are swapped: rows are the true digits, "
                           "columns the predictions, so cm[true, predicted].")
        if got[0] == got[1]:
            return False, ("that is on the diagonal, where the right answers are; "
                           "leave the diagonal out before looking for the largest count.")
        return False, (f"on a {k}x{k} matrix your function gave {got}; look for the largest "
                       "count off the diagonal.")
    return True, "rows are the true digits, columns the predictions, diagonal left out."
