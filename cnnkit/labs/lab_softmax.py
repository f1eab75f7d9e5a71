"""The softmax_cross_entropy lab: loss and dlogits, with scores large enough to overflow a
softmax written without care."""

from __future__ import annotations

import numpy as np

from ..losses import softmax_cross_entropy
from .kit import ints
from .spec import Case, Lab, Mistake, Part

__all__ = ["LAB"]

LOSS, DLOGITS = 0, 1


def _cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed + 3)
    cases = [
        Case(
            dict(logits=ints(rng, (2, 3), -2, 3), labels=np.array([0, 2])),
            "two examples, three classes",
        ),
        Case(
            dict(logits=rng.normal(size=(4, 5)), labels=rng.integers(0, 5, size=4)),
            "four examples, five classes",
        ),
        Case(
            dict(
                logits=rng.normal(size=(3, 4)).astype(np.float32), labels=rng.integers(0, 4, size=3)
            ),
            "float32 scores",
        ),
        Case(
            dict(
                logits=np.array([[1000.0, 998.0, 990.0], [5.0, 1002.0, 1000.0]]),
                labels=np.array([0, 2]),
            ),
            "large scores (exp would overflow)",
        ),
        Case(
            dict(logits=np.array([[-800.0, 0.0, 2.0], [1.0, 2.0, 3.0]]), labels=np.array([0, 2])),
            "a right class with a tiny probability",
        ),
        Case(
            dict(logits=3 * rng.normal(size=(6, 10)), labels=rng.integers(0, 10, size=6)),
            "six examples, ten classes",
        ),
    ]
    return cases


def _right(logits, labels):
    return softmax_cross_entropy(logits, labels)


def _stable(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _naive(logits):
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def _with(logits, labels, **changed):
    loss, dlogits = _right(logits, labels)
    out = {"loss": loss, "dlogits": dlogits, **changed}
    return out["loss"], out["dlogits"]


def _onehot(logits, labels):
    hot = np.zeros(logits.shape)
    hot[np.arange(len(labels)), labels] = 1
    return hot


def _summed(logits, labels):
    return _with(logits, labels, loss=_right(logits, labels)[LOSS] * len(labels))


def _not_divided(logits, labels):
    return _with(logits, labels, dlogits=_right(logits, labels)[DLOGITS] * len(labels))


def _no_minus_one(logits, labels):
    return _with(logits, labels, dlogits=_stable(logits) / len(labels))


def _no_max(logits, labels):
    p = _naive(logits)
    loss = -np.log(p[np.arange(len(labels)), labels]).mean()
    return loss, (p - _onehot(logits, labels)) / len(labels)


def _log_of_softmax(logits, labels):
    p = _stable(logits)
    return _with(logits, labels, loss=-np.log(p[np.arange(len(labels)), labels]).mean())


_MISTAKES = (
    Mistake(
        "loss_summed",
        "your loss is the sum over the batch, not the mean.",
        "divide by the number of examples N (or use .mean()).",
        _summed,
        (LOSS,),
    ),
    Mistake(
        "dlogits_not_divided",
        "your dlogits is not divided by the batch size.",
        "the loss is a mean over N examples, so each example's gradient gets 1/N too.",
        _not_divided,
        (DLOGITS,),
    ),
    Mistake(
        "missing_minus_one",
        "your dlogits is the softmax without the -1 at the right class.",
        "d loss / d logits = softmax - onehot(labels): subtract 1 at "
        "[n, labels[n]] (then divide by N).",
        _no_minus_one,
        (DLOGITS,),
    ),
    Mistake(
        "no_max_subtraction",
        "your softmax overflows on large scores: exp(1000) is inf and inf / inf is nan.",
        "subtract each row's maximum before exp: "
        "z = logits - logits.max(axis=1, keepdims=True); the softmax does not change.",
        _no_max,
        (DLOGITS,),
    ),
    Mistake(
        "log_of_softmax",
        "your loss takes log(softmax), which is log(0) = -inf when a "
        "probability is too small for a float.",
        "use log-softmax directly: z - log(sum(exp(z))) with z the scores minus their row maximum.",
        _log_of_softmax,
        (LOSS,),
    ),
)

LAB = Lab(
    name="softmax_cross_entropy",
    what="mean loss, its gradient, large scores, float32 kept",
    arg_names=("logits", "labels"),
    returns=(Part("loss", "scalar"), Part("dlogits", "array")),
    make_cases=_cases,
    expected=_right,
    mistakes=_MISTAKES,
)
