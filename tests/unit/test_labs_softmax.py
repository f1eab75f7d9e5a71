"""The softmax_cross_entropy lab. Every function here is written as a learner would."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit.labs import check


def right(logits, labels):
    N = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(N), labels] -= 1
    return -logp[np.arange(N), labels].mean(), d / N


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


# --- the classic mistakes, each a whole function; the wrong line is marked "# mistake" ---


def loss_summed(logits, labels):
    N = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(N), labels] -= 1
    return -logp[np.arange(N), labels].sum(), d / N  # mistake: sum, not mean


def dlogits_not_divided(logits, labels):
    N = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(N), labels] -= 1
    return -logp[np.arange(N), labels].mean(), d  # mistake: no / N


def missing_minus_one(logits, labels):
    N = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    d = np.exp(logp)  # mistake: softmax only, no -1 at the labels
    return -logp[np.arange(N), labels].mean(), d / N


def no_max_subtraction(logits, labels):
    N = logits.shape[0]
    e = np.exp(logits)  # mistake: overflows for large scores
    probs = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(N), labels]).mean()
    d = probs.copy()
    d[np.arange(N), labels] -= 1
    return loss, d / N


def log_of_softmax(logits, labels):
    N = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(N), labels]).mean()  # mistake: log(0) for tiny probs
    d = probs.copy()
    d[np.arange(N), labels] -= 1
    return loss, d / N


MISTAKES = [
    (loss_summed, "loss_summed"),
    (dlogits_not_divided, "dlogits_not_divided"),
    (missing_minus_one, "missing_minus_one"),
    (no_max_subtraction, "no_max_subtraction"),
    (log_of_softmax, "log_of_softmax"),
]


@pytest.mark.parametrize("fn, mistake", MISTAKES, ids=[f.__name__ for f, _ in MISTAKES])
def test_each_mistake_is_named(fn, mistake):
    result = check("softmax_cross_entropy", fn)
    assert not result.passed
    assert result.mistake == mistake, result.message


def test_sum_everywhere_names_both_mistakes():
    def summed_everywhere(logits, labels):
        loss, d = dlogits_not_divided(logits, labels)
        return loss * logits.shape[0], d  # and the loss summed too

    result = check("softmax_cross_entropy", summed_everywhere)
    assert result.mistake == "loss_summed"
    assert "not divided by the batch size" in result.message
