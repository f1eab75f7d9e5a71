"""fit, evaluate, predict and History."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit import (
    SGD,
    Conv2D,
    Dense,
    Flatten,
    History,
    ReLU,
    Sequential,
    digits_cnn,
    evaluate,
    fit,
    load_digits,
    predict,
    predict_proba,
    train_test_split,
)


def tiny_problem(seed=0, n=40):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 1, 6, 6))
    y = (X[:, 0, :3].sum(axis=(1, 2)) > X[:, 0, 3:].sum(axis=(1, 2))).astype(int)
    y[: n // 4] = 2  # a third class
    X[: n // 4] += 1.5
    return X, y


def tiny_net(seed=0):
    return Sequential(Conv2D(1, 3, 3, rng=seed), ReLU(), Flatten(), Dense(3 * 4 * 4, 3, rng=seed))


def _train(seed, epochs=3, batch_size=8, **kw):
    X, y = tiny_problem()
    net = tiny_net()
    opt = SGD(net.params(), lr=0.05, momentum=0.9)
    hist = fit(net, X, y, epochs, batch_size, opt, seed=seed, progress="off", **kw)
    return net, hist


def test_same_seed_same_history_and_weights():
    net_a, a = _train(seed=3)
    net_b, b = _train(seed=3)
    assert a.train_loss == b.train_loss and a.train_acc == b.train_acc
    for (pa, _), (pb, _) in zip(net_a.params(), net_b.params()):
        for k in pa:
            np.testing.assert_array_equal(pa[k], pb[k])


def test_a_different_seed_shuffles_differently():
    _, a = _train(seed=3)
    _, b = _train(seed=4)
    assert a.train_loss != b.train_loss


def test_history_lengths_and_iterations():
    X, y = tiny_problem()
    net = tiny_net()
    hist = fit(
        net,
        X[:30],
        y[:30],
        4,
        8,
        SGD(net.params(), lr=0.01),
        X_val=X[30:],
        y_val=y[30:],
        progress="off",
    )
    assert isinstance(hist, History)
    assert hist.epochs == 4
    for name in ("train_loss", "train_acc", "val_loss", "val_acc", "seconds"):
        assert len(getattr(hist, name)) == 4, name
    assert hist.iterations == 4 * 4  # 30 examples in batches of 8: 4 iterations per epoch
    assert all(0.0 <= a <= 1.0 for a in hist.train_acc + hist.val_acc)
    assert "4 epochs" in repr(hist)


def test_without_validation_the_val_lists_stay_empty():
    _, hist = _train(seed=0, epochs=2)
    assert hist.val_loss == [] and hist.val_acc == [] and len(hist.train_loss) == 2


def test_callback_is_called_once_per_epoch():
    seen = []
    _train(seed=0, epochs=3, callback=lambda h: seen.append(h.epochs))
    assert seen == [1, 2, 3]


def test_progress_off_prints_nothing(capsys):
    _train(seed=0, epochs=2)
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_progress_text_writes_a_bar_to_stderr(capsys):
    X, y = tiny_problem()
    net = tiny_net()
    fit(net, X, y, 1, 40, SGD(net.params(), lr=0.01), progress="text")
    out, err = capsys.readouterr()
    assert out == "" and "1/1" in err and "epoch 1/1" in err


def test_training_reduces_the_loss():
    _, hist = _train(seed=0, epochs=8)
    assert hist.train_loss[-1] < hist.train_loss[0]


def test_evaluate_and_predict_shapes():
    X, y = tiny_problem()
    net = tiny_net()
    loss, acc = evaluate(net, X, y, batch_size=7)
    assert isinstance(loss, float) and loss > 0 and 0.0 <= acc <= 1.0
    proba = predict_proba(net, X, batch_size=7)
    assert proba.shape == (40, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    labels = predict(net, X, batch_size=7)
    assert labels.shape == (40,) and labels.dtype.kind in "iu"
    np.testing.assert_array_equal(labels, proba.argmax(axis=1))
    assert acc == pytest.approx(np.mean(labels == y))
    # batching does not change the numbers
    assert evaluate(net, X, y, batch_size=40)[0] == pytest.approx(loss, rel=1e-12)


def test_short_fit_on_the_digits_learns():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=0)
    net = digits_cnn(seed=0)
    _, chance = evaluate(net, X_test, y_test)
    hist = fit(
        net,
        X_train,
        y_train,
        2,
        32,
        SGD(net.params(), lr=0.05, momentum=0.9),
        X_val=X_test,
        y_val=y_test,
        progress="off",
    )
    _, acc = evaluate(net, X_test, y_test)
    assert acc == hist.val_acc[-1]
    assert acc > 0.8  # ten classes: chance is 0.1
    assert acc > chance + 0.5
    assert hist.train_loss[-1] < hist.train_loss[0]
