"""The softmax_cross_entropy lab. Every function here is written as a learner would."""
from __future__ import annotations

import numpy as np
import pytest

from cnnkit.labs import check


def learner_loss(logits, labels, *, reduce="mean", divide=True, minus_one=True,
                 subtract_max=True, log_softmax=True):
    N = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True) if subtract_max else logits
    e = np.exp(z)
    probs = e / e.sum(axis=1, keepdims=True)
    if log_softmax:
        logp = z - np.log(e.sum(axis=1, keepdims=True))
        picked = -logp[np.arange(N), labels]
    else:
        picked = -np.log(probs[np.arange(N), labels])
    loss = picked.mean() if reduce == "mean" else picked.sum()
    d = probs.copy()
    if minus_one:
        d[np.arange(N), labels] -= 1
    return loss, (d / N if divide else d)


def right(logits, labels):
    return learner_loss(logits, labels)


def right_with_loops(logits, labels):
    # another style: one example at a time, with math on Python floats for the loss
    N, K = logits.shape
    total = 0.0
    d = np.zeros_like(logits)
    for n in range(N):
        row = logits[n] - np.max(logits[n])
        s = np.sum(np.exp(row))
        total += -(row[labels[n]] - np.log(s))
        d[n] = np.exp(row) / s
        d[n, labels[n]] -= 1.0
    return total / N, d / N


@pytest.mark.parametrize("fn", [right, right_with_loops])
def test_right_answers_pass(fn):
    result = check("softmax_cross_entropy", fn)
    assert result.passed, result.message


MISTAKES = [
    (dict(reduce="sum"), "loss_summed"),
    (dict(divide=False), "dlogits_not_divided"),
    (dict(minus_one=False), "missing_minus_one"),
    (dict(subtract_max=False), "no_max_subtraction"),
    (dict(log_softmax=False), "log_of_softmax"),
]


@pytest.mark.parametrize("switch, mistake", MISTAKES)
def test_each_mistake_is_named(switch, mistake):
    result = check("softmax_cross_entropy", lambda lg, lb: learner_loss(lg, lb, **switch))
    assert not result.passed
    assert result.mistake == mistake, result.message


def test_sum_everywhere_names_both_mistakes():
    result = check("softmax_cross_entropy",
                   lambda lg, lb: learner_loss(lg, lb, reduce="sum", divide=False))
    assert result.mistake == "loss_summed"
    assert "not divided by the batch size" in result.message
