"""The capstone: each component is checked first (and named when wrong), then the learner's
train() is run and its network tested on the held-out digits."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit.labs import check, show_solution, solutions, stub_source
from cnnkit.labs.capstone import CAPSTONE_SETTINGS, COMPONENTS, PASS_ACCURACY, train


def _fns(**changed):
    fns = {name: getattr(solutions, name) for name in COMPONENTS}
    fns["conv2d_forward"] = solutions.conv2d_im2col  # the fast one, as a learner would
    fns["train"] = train
    fns.update(changed)
    return fns


def test_the_reference_network_reaches_95_percent():
    result = check("capstone", _fns())
    assert result.passed, result.message
    assert result.accuracy >= PASS_ACCURACY
    assert len(result.history["loss"]) == CAPSTONE_SETTINGS["epochs"]
    assert result.history["loss"][-1] < result.history["loss"][0]
    assert "held-out digits right" in result.message


def test_a_wrong_component_is_named_before_training():
    def train_never_called(dout, x, kernel_size, stride):
        raise ValueError("never reached")  # pragma: no cover

    def flipped(x, weight, bias, stride, padding):
        return solutions.conv2d_forward(x, weight[:, :, ::-1, ::-1], bias, stride, padding)

    result = check("capstone", _fns(conv2d_forward=flipped, train=train_never_called))
    assert not result.passed and result.mistake == "flipped_kernel"
    assert "your conv2d_forward is not right yet" in result.message
    assert result.status == "failed"


def test_an_unwritten_component_is_not_written_yet():
    def stub(logits, labels):
        raise NotImplementedError

    result = check("capstone", _fns(softmax_cross_entropy=stub))
    assert result.status == "not_written"
    assert "your softmax_cross_entropy is not written yet" in result.message


def test_the_train_stub_is_not_written_yet():
    space: dict = {"np": np}
    exec(stub_source("capstone"), space)
    result = check("capstone", _fns(train=space["train"]))
    assert result.status == "not_written" and "train is not written yet" in result.message
    assert (
        "def train(X_train, y_train, *, epochs, lr, batch_size, seed)"
        in show_solution("capstone").text
    )


def _quick_train(predict, history):
    def fake(X_train, y_train, *, epochs, lr, batch_size, seed):
        return predict, history

    return fake


def _always_zero(X):
    return np.zeros(len(X), dtype=int)


BAD_TRAINS = [
    ("not a dict", lambda: check("capstone", [train]), "needs a dict"),
    (
        "a key missing",
        lambda: check("capstone", {k: v for k, v in _fns().items() if k != "train"}),
        "no function for train",
    ),
    (
        "wrong return",
        lambda: check("capstone", _fns(train=lambda *a, **k: None)),
        "(predict, history)",
    ),
    (
        "short history",
        lambda: check("capstone", _fns(train=_quick_train(_always_zero, {"loss": [1.0]}))),
        "list of 8 numbers",
    ),
    (
        "predict raises",
        lambda: check("capstone", _fns(train=_quick_train(lambda X: X.nope, {"loss": [1.0] * 8}))),
        "predict(X_test) raised AttributeError",
    ),
    (
        "probabilities",
        lambda: check(
            "capstone",
            _fns(train=_quick_train(lambda X: np.ones((len(X), 10)), {"loss": [1.0] * 8})),
        ),
        "one whole-number class",
    ),
    (
        "guesses zero",
        lambda: check("capstone", _fns(train=_quick_train(_always_zero, {"loss": [2.3] * 8}))),
        "loss did not go down",
    ),
    (
        "train raises",
        lambda: check("capstone", _fns(train=lambda *a, **k: 1 / 0)),
        "raised ZeroDivisionError",
    ),
]


@pytest.mark.parametrize(
    "run, says", [(r, s) for _, r, s in BAD_TRAINS], ids=[n for n, _, _ in BAD_TRAINS]
)
def test_a_broken_training_gets_a_message(run, says):
    result = run()
    assert not result.passed and says in result.message, result.message
