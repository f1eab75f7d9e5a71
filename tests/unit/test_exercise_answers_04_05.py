"""Every check of notebooks 04 and 05, called with wrong answers of many types, as a learner
would write them: each gives a helpful message, never an exception, never numpy's words."""
from __future__ import annotations

import math

import numpy as np
import pytest

from cnnkit import conv2d
from cnnkit.exercises import EXERCISES, Feedback
from cnnkit.exercises import backpropagation as bp
from cnnkit.exercises import training_a_cnn as tc

# Words that belong to numpy or Python internals, not to a message for a learner.
JARGON = ("ndarray", "dtype", "broadcast", "array of size", "could not convert", "Traceback",
          "truth value", "numpy", "scalar", "iterable", "NoneType", "object of type",
          "has no len", "not subscriptable", "invalid literal")


def _raises(_cm):
    raise IndexError("index 12 is out of bounds for axis 0 with size 3")


def _name_error(_cm):
    return undefined_name  # noqa: F821  (a learner's typo)


# Wrong answers of every type a learner might type, for any exercise.
ANY_TYPE = [
    "", "abc", "twelve", "1,000", [], [1, 2], (3,), {"a": 1}, {1, 2}, True, False,
    -1, 0, 3.5, float("nan"), float("inf"), 1e300, complex(1, 2), np.array([]),
    np.zeros((2, 2)), np.ones((1, 1, 3, 3)), np.array(["a", "b"]), object(), b"bytes",
    [[1, 2], [3]], print, _raises, _name_error, lambda cm: None, lambda cm: "0.9",
    lambda cm: [0.5, 0.5], lambda cm: (1, 2, 3), lambda cm: np.zeros(cm.shape),
    lambda: 1,
]

# Right answers in the forms a learner might write them.
RIGHT = {
    "04.1": [16, 16.0, "16", np.int64(16), np.array(16), [16], math.ceil(1000 / 64)],
    "04.2": [1.0, 1, "1", np.float64(1.0), np.array([1.0]), bp.DBIAS_DOUT.sum()],
    "04.3": [(8, 3, 5, 5), [8, 3, 5, 5], np.array([8, 3, 5, 5]), (8.0, 3.0, 5.0, 5.0)],
    "04.4": ["DBECA", "dbeca", "D B E C A", "D, B, E, C, A", ["D", "B", "E", "C", "A"],
             "D -> B -> E -> C -> A"],
    "04.5": [conv2d(bp.DWEIGHT_X, bp.DWEIGHT_DOUT),
             conv2d(bp.DWEIGHT_X, bp.DWEIGHT_DOUT).tolist(),
             conv2d(bp.DWEIGHT_X[None, None], bp.DWEIGHT_DOUT[None, None])],
    "05.1": [16, "16", 16.0, np.array([16])],
    "05.2": [7, "7", 7.0],
    "05.3": [lambda cm: np.trace(cm) / cm.sum(), lambda cm: float(np.diag(cm).sum() / np.sum(cm))],
    "05.4": [lambda cm: tuple(int(v) for v in np.unravel_index(
        (cm - np.diag(np.diag(cm))).argmax(), cm.shape)),
             lambda cm: list(np.unravel_index((cm * (1 - np.eye(len(cm)))).argmax(), cm.shape))],
}

# Wrong answers specific to one exercise, with a word the diagnosis must contain.
SPECIFIC = {
    "04.1": [(15, "full batches"), (15.625, "whole number"), (1000, "images"), (64, "batch")],
    "04.2": [(bp.DBIAS_DOUT, "one number"), (bp.DBIAS_DOUT.mean(), "sum"),
             (-1.0, "sign"), (2.0, "bias")],
    "04.3": [((16, 3, 5, 5), "batch"), ((8, 3, 32, 32), "image"), ((8, 5, 5), "dimensions"),
             ((3, 8, 5, 5), "weight"), ("(8, 3, 5, 5)", "tuple")],
    "04.4": [("DBEAC", "update"), ("DBCEA", "starts from"), ("DEBCA", "needs the loss"),
             ("BDECA", "forward pass"), ("DBEC", "missing: A"), ("DBECAA", "more than once"),
             ("DBXCA", "X"), ("forward, loss, gradient, backward, update", "only the letters")],
    "04.5": [(-conv2d(bp.DWEIGHT_X, bp.DWEIGHT_DOUT), "sign"),
             (conv2d(bp.DWEIGHT_X, np.rot90(bp.DWEIGHT_DOUT, 2)), "rotated"),
             (conv2d(bp.DWEIGHT_X, bp.DWEIGHT_DOUT.T), "transposed"),
             (conv2d(bp.DWEIGHT_X, bp.DWEIGHT_DOUT).T, "transposed"),
             (np.zeros((4, 4)), "dx"), (np.zeros((5, 5)), "3x3"), (np.zeros((3, 3)), "kernel"),
             (np.full((3, 3), np.nan), "nan")],
    "05.1": [(64, "pooling"), (256, "stride"), (144, "output side")],
    "05.2": [(8, "1x1"), (9, "larger"), (3, "largest")],
    "05.3": [(lambda cm: np.mean(np.diag(cm) / cm.sum(axis=1)), "per-class"),
             (lambda cm: 100 * np.trace(cm) / cm.sum(), "percentage"),
             (lambda cm: np.trace(cm), "divide"),
             (_raises, "IndexError"), (_name_error, "NameError"),
             (lambda cm: cm / 0 + None, "TypeError"), (lambda cm: "0.9", "one number"),
             (0.97, "function")],
    "05.4": [(lambda cm: (0, 0), "diagonal"), (_raises, "IndexError"),
             (_name_error, "NameError"), (lambda cm: "4 9", "pair"), (lambda cm: 4, "pair"),
             (lambda cm: (1, 2, 3), "pair"), ((3, 5), "function")],
}
NAMES = sorted(RIGHT)


def _check(name, answer) -> Feedback:
    feedback = EXERCISES[name](answer)
    assert isinstance(feedback, Feedback)
    return feedback


def _assert_helpful(feedback: Feedback, answer) -> None:
    assert not feedback.correct, f"{answer!r} was accepted"
    assert len(feedback.message) > 20, feedback.message
    for word in JARGON:
        assert word.lower() not in feedback.message.lower(), (word, answer, feedback.message)


def test_the_table_covers_every_exercise_of_04_and_05():
    assert set(NAMES) == {n for n in EXERCISES if n[:2] in ("04", "05")}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("answer", ANY_TYPE, ids=[f"any{i}" for i in range(len(ANY_TYPE))])
def test_wrong_answers_of_any_type_get_a_plain_message(name, answer):
    _assert_helpful(_check(name, answer), answer)


@pytest.mark.parametrize("name, answer, word",
                         [(n, a, w) for n in NAMES for a, w in SPECIFIC[n]])
def test_each_classic_mistake_gets_its_own_diagnosis(name, answer, word):
    feedback = _check(name, answer)
    _assert_helpful(feedback, answer)
    assert word.lower() in feedback.message.lower(), feedback.message


@pytest.mark.parametrize("name, answer", [(n, a) for n in NAMES for a in RIGHT[n]])
def test_right_answers_in_every_form_are_accepted(name, answer):
    feedback = _check(name, answer)
    assert feedback.correct, feedback.message


@pytest.mark.parametrize("name", NAMES)
def test_none_asks_for_an_answer_and_solution_is_not_in_the_message(name):
    feedback = _check(name, None)
    assert not feedback.correct and "replace None" in feedback.message
    assert EXERCISES[name].solution not in feedback.message


def test_04_5_mistakes_give_different_results():
    # the case is chosen so that rotating dout and flipping the sign are told apart
    right = conv2d(bp.DWEIGHT_X, bp.DWEIGHT_DOUT)
    rotated = conv2d(bp.DWEIGHT_X, np.rot90(bp.DWEIGHT_DOUT, 2))
    assert not np.allclose(rotated, -right) and not np.allclose(rotated, right)
    assert not np.allclose(right, right.T)


def test_solutions_quote_the_question_constants():
    assert str(math.ceil(bp.EPOCH_IMAGES / bp.EPOCH_BATCH)) in EXERCISES["04.1"].solution
    assert f"{bp.DBIAS_DOUT.sum():g}" in EXERCISES["04.2"].solution
    assert str(bp.DW_WEIGHT_SHAPE) in EXERCISES["04.3"].solution
    assert repr(bp.LOOP_ORDER) in EXERCISES["04.4"].solution
    assert str(conv2d(bp.DWEIGHT_X, bp.DWEIGHT_DOUT).tolist()) in EXERCISES["04.5"].solution
    f = tc.FEATURES_CHOICE
    assert f"explorer_cnn({f['n_kernels']}, {f['kernel_size']}, {f['stride']})" in (
        EXERCISES["05.1"].solution)
    assert f"answer = {tc.DIGIT_SIDE - 1}" in EXERCISES["05.2"].solution
