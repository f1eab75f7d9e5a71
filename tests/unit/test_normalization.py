"""Batch normalisation: the loop and vectorised versions agree, the statistics are what the
definition says (worked out here independently), the running estimates move as PyTorch's,
training and evaluation modes, and Sequential's train()/eval() with evaluate/predict.

The same numbers are compared with PyTorch in tests/oracle/test_modern_blocks_oracle.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnkit as ck


def _inputs(seed=0, shape=(4, 3, 5, 6), dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 3.0, shape).astype(dtype)
    c = shape[1]
    w, b = rng.normal(size=c).astype(dtype), rng.normal(size=c).astype(dtype)
    rm, rv = rng.normal(size=c).astype(dtype), rng.uniform(0.5, 2.0, c).astype(dtype)
    return x, w, b, rm, rv


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 3, 5, 6), (2, 1, 1, 3), (1, 2, 3, 1), (5, 4, 2, 2)])
def test_loops_and_vectorised_give_the_same_numbers(training, shape):
    x, w, b, rm, rv = _inputs(1, shape)
    rm1, rv1, rm2, rv2 = rm.copy(), rv.copy(), rm.copy(), rv.copy()
    out = ck.batch_norm2d(x, w, b, rm1, rv1, training, 0.3, 1e-3)
    out_naive = ck.batch_norm2d_naive(x, w, b, rm2, rv2, training, 0.3, 1e-3)
    np.testing.assert_allclose(out, out_naive, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rm1, rm2, rtol=1e-13)
    np.testing.assert_allclose(rv1, rv2, rtol=1e-13)
    dout = np.random.default_rng(2).normal(size=shape)
    fast = ck.batch_norm2d_backward(dout, x, w, rm, rv, training, 1e-3)
    slow = ck.batch_norm2d_backward_naive(dout, x, w, rm, rv, training, 1e-3)
    for a, e in zip(fast, slow):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)


def test_training_mode_gives_each_channel_mean_bias_and_std_weight():
    x, w, b, _, _ = _inputs(3)
    out = ck.batch_norm2d(x, w, b, eps=1e-300)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), b, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), np.abs(w), rtol=1e-12)


def test_one_channel_by_hand():
    """Four numbers 1, 2, 3, 6: mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5."""
    x = np.array([1.0, 2.0, 3.0, 6.0]).reshape(2, 1, 1, 2)
    rm, rv = np.array([10.0]), np.array([20.0])
    out = ck.batch_norm2d(x, np.array([2.0]), np.array([1.0]), rm, rv, momentum=0.5, eps=1e-300)
    expected = 2.0 * (np.array([1.0, 2.0, 3.0, 6.0]) - 3.0) / np.sqrt(3.5) + 1.0
    np.testing.assert_allclose(out.ravel(), expected, rtol=1e-14)
    # the running mean moves half way to 3; the running variance half way to the unbiased
    # variance 14 / 3 (four numbers, divided by 4 - 1)
    np.testing.assert_allclose(rm, [0.5 * 10.0 + 0.5 * 3.0], rtol=1e-14)
    np.testing.assert_allclose(rv, [0.5 * 20.0 + 0.5 * 14.0 / 3.0], rtol=1e-14)


def test_evaluation_mode_uses_the_running_statistics_and_changes_nothing():
    x, w, b, rm, rv = _inputs(4)
    rm0, rv0 = rm.copy(), rv.copy()
    out = ck.batch_norm2d(x, w, b, rm, rv, training=False)
    expected = (
        w[None, :, None, None]
        * (x - rm[None, :, None, None])
        / np.sqrt(rv[None, :, None, None] + 1e-5)
        + b[None, :, None, None]
    )
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_array_equal(rm, rm0)
    np.testing.assert_array_equal(rv, rv0)
    # one example alone gives the same numbers as within its batch
    np.testing.assert_allclose(ck.batch_norm2d(x[:1], w, b, rm, rv, False), out[:1], rtol=1e-14)


def test_the_backward_pass_changes_no_argument():
    x, w, _, rm, rv = _inputs(5)
    rm0, rv0 = rm.copy(), rv.copy()
    for fn in (ck.batch_norm2d_backward, ck.batch_norm2d_backward_naive):
        fn(np.ones_like(x), x, w, rm, rv, True)
        np.testing.assert_array_equal(rm, rm0)
        np.testing.assert_array_equal(rv, rv0)


def test_training_gradients_match_finite_differences():
    x, w, b, _, _ = _inputs(6, (3, 2, 2, 3))
    g = np.random.default_rng(7).normal(size=x.shape)
    dx, dw, db = ck.batch_norm2d_backward(g, x, w)
    loss_x = lambda v: float(np.sum(ck.batch_norm2d(v, w, b) * g))  # noqa: E731
    loss_w = lambda v: float(np.sum(ck.batch_norm2d(x, v, b) * g))  # noqa: E731
    loss_b = lambda v: float(np.sum(ck.batch_norm2d(x, w, v) * g))  # noqa: E731
    assert ck.relative_error(dx, ck.numerical_gradient(loss_x, x.copy())) < 1e-7
    assert ck.relative_error(dw, ck.numerical_gradient(loss_w, w.copy())) < 1e-7
    assert ck.relative_error(db, ck.numerical_gradient(loss_b, b.copy())) < 1e-7


def test_float32_stays_float32():
    x, w, b, rm, rv = _inputs(8, dtype=np.float32)
    assert ck.batch_norm2d(x, w, b, rm, rv).dtype == np.float32
    assert rm.dtype == rv.dtype == np.float32
    for a in ck.batch_norm2d_backward(np.ones_like(x), x, w):
        assert a.dtype == np.float32
    layer = ck.BatchNorm2D(3, dtype=np.float32)
    assert layer.forward(x).dtype == np.float32
    assert layer.running_mean.dtype == np.float32
    assert layer.backward(np.ones_like(x)).dtype == np.float32


def test_an_empty_batch_gives_an_empty_result_and_updates_nothing():
    x = np.zeros((0, 3, 4, 4))
    rm, rv = np.zeros(3), np.ones(3)
    for fn in (ck.batch_norm2d, ck.batch_norm2d_naive):
        assert fn(x, None, None, rm, rv).shape == (0, 3, 4, 4)
    np.testing.assert_array_equal(rm, 0)
    np.testing.assert_array_equal(rv, 1)
    dx, dw, db = ck.batch_norm2d_backward(x, x, None)
    assert dx.shape == x.shape and dw.tolist() == [0, 0, 0] and db.tolist() == [0, 0, 0]


# ----------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        (dict(x=np.ones((1, 3, 1, 1))), ValueError, ("one value per channel", "training=False")),
        (dict(x=np.ones((3, 1, 1))), ValueError, ("x must have shape (N, C, H, W)", "x[None]")),
        (dict(weight=np.ones(4)), ValueError, ("weight must have shape (3,)", "BatchNorm2D(3)")),
        (dict(bias=np.ones((3, 1))), ValueError, ("bias must have shape (3,)",)),
        (dict(training=False), ValueError, ("training=False", "running_mean")),
        (dict(running_mean=np.zeros(3)), ValueError, ("both running_mean and running_var",)),
        (
            dict(running_mean=[0.0] * 3, running_var=np.ones(3)),
            TypeError,
            ("running_mean must be a float numpy array", "in place"),
        ),
        (
            dict(running_mean=np.zeros(3, int), running_var=np.ones(3)),
            TypeError,
            ("running_mean", "dtype int64"),
        ),
        (dict(running_mean=np.zeros(2), running_var=np.ones(2)), ValueError, ("shape (3,)",)),
        (dict(momentum=1.5), ValueError, ("momentum=1.5", "between 0 and 1")),
        (dict(momentum=None), TypeError, ("momentum=None", "0.1")),
        (dict(eps=0), ValueError, ("eps=0",)),
        (dict(training="yes"), TypeError, ("training='yes'",)),
    ],
)
def test_bad_arguments_are_named(kwargs, exc, words):
    args = dict(x=np.ones((2, 3, 2, 2)), weight=None, bias=None) | kwargs
    for fn in (ck.batch_norm2d, ck.batch_norm2d_naive):
        with pytest.raises(exc) as info:
            fn(**args)
        for word in words:
            assert word in str(info.value), (word, str(info.value))


def test_read_only_running_statistics_are_refused_only_when_they_would_change():
    rm, rv = np.zeros(3), np.ones(3)
    rm.setflags(write=False)
    x = np.random.default_rng(0).normal(size=(2, 3, 2, 2))
    with pytest.raises(ValueError, match="running_mean is read-only"):
        ck.batch_norm2d(x, None, None, rm, rv)
    assert ck.batch_norm2d(x, None, None, rm, rv, training=False).shape == x.shape
    assert ck.batch_norm2d_backward(np.ones_like(x), x, None, rm, rv).__len__() == 3


# ----------------------------------------------------------------- the layer


def test_the_layer_starts_like_pytorch():
    bn = ck.BatchNorm2D(4)
    np.testing.assert_array_equal(bn.params["weight"], np.ones(4))
    np.testing.assert_array_equal(bn.params["bias"], np.zeros(4))
    np.testing.assert_array_equal(bn.running_mean, np.zeros(4))
    np.testing.assert_array_equal(bn.running_var, np.ones(4))
    assert bn.training and bn.n_params == 8 and repr(bn) == "BatchNorm2D(4)"
    assert repr(ck.BatchNorm2D(2, eps=1e-3, momentum=0.5)) == (
        "BatchNorm2D(2, eps=0.001, momentum=0.5)"
    )
    assert bn.output_shape((4, 5, 5)) == (4, 5, 5)
    with pytest.raises(ValueError, match="expects 4 channels"):
        bn.output_shape((3, 5, 5))


def test_the_layer_is_the_function_with_its_own_running_statistics():
    x, _, _, _, _ = _inputs(9)
    bn = ck.BatchNorm2D(3, momentum=0.2)
    rm, rv = np.zeros(3), np.ones(3)
    for step in range(3):
        batch = x + step
        np.testing.assert_allclose(
            bn.forward(batch), ck.batch_norm2d(batch, None, None, rm, rv, True, 0.2), rtol=1e-14
        )
    np.testing.assert_allclose(bn.running_mean, rm, rtol=1e-14)
    np.testing.assert_allclose(bn.running_var, rv, rtol=1e-14)
    bn.eval()
    before = bn.running_mean.copy()
    np.testing.assert_allclose(
        bn.forward(x), ck.batch_norm2d(x, None, None, rm, rv, False), rtol=1e-14
    )
    np.testing.assert_array_equal(bn.running_mean, before)
    assert bn.train() is bn and bn.training
    with pytest.raises(TypeError, match="mode='eval'"):
        bn.train("eval")


def test_the_layer_refuses_the_wrong_number_of_channels():
    with pytest.raises(ValueError, match=r"BatchNorm2D\(4\) expects 4 channels.*BatchNorm2D\(3\)"):
        ck.BatchNorm2D(4).forward(np.ones((2, 3, 2, 2)))


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(num_features=0), ValueError, "num_features=0"),
        (dict(num_features=2.0), TypeError, "num_features=2.0"),
        (dict(num_features=3, eps=-1.0), ValueError, "eps=-1.0"),
        (dict(num_features=3, momentum=2), ValueError, "momentum=2"),
        (dict(num_features=3, dtype=int), TypeError, "dtype="),
    ],
)
def test_the_layer_checks_its_arguments(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        ck.BatchNorm2D(**kwargs)


# ----------------------------------------------------------------- modes in a model


def bn_net(seed=0):
    return ck.Sequential(
        ck.Conv2D(1, 3, 3, padding=1, rng=seed),
        ck.BatchNorm2D(3),
        ck.ReLU(),
        ck.Flatten(),
        ck.Dense(3 * 8 * 8, 4, rng=seed + 1),
    )


def test_sequential_train_and_eval_switch_every_layer_that_has_modes():
    net = bn_net()
    assert net.training and net[1].training
    assert net.eval() is net
    assert not net.training and not net[1].training
    net.train()
    assert net.training and net[1].training
    with pytest.raises(TypeError, match="mode=1"):
        net.train(1)


def test_evaluate_and_predict_use_evaluation_mode_and_restore_the_mode():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 1, 8, 8)), np.arange(6) % 4
    net = bn_net()
    net[1].running_mean[:] = [0.5, -1.0, 2.0]  # so that the two modes differ
    eval_logits = net.eval().forward(X)
    net.train()
    stats = (net[1].running_mean.copy(), net[1].running_var.copy())
    np.testing.assert_allclose(ck.predict_proba(net, X), ck.softmax(eval_logits), rtol=1e-12)
    np.testing.assert_array_equal(ck.predict(net, X, batch_size=4), eval_logits.argmax(axis=1))
    loss, _ = ck.evaluate(net, X, y, batch_size=4)
    expected, _ = ck.softmax_cross_entropy(eval_logits, y)
    assert loss == pytest.approx(expected, rel=1e-12)
    assert net.training and net[1].training  # back in training mode
    np.testing.assert_array_equal(net[1].running_mean, stats[0])  # evaluation updates nothing
    np.testing.assert_array_equal(net[1].running_var, stats[1])
    net.eval()
    ck.predict(net, X)
    assert not net.training and not net[1].training  # and evaluation mode stays


def test_a_layer_switched_by_hand_keeps_its_mode_after_predict():
    net = bn_net()
    net[1].eval()  # the rest of the model is in training mode
    ck.predict(net, np.zeros((2, 1, 8, 8)))
    assert net.training and not net[1].training


def test_fit_trains_in_training_mode_and_validates_in_evaluation_mode():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(12, 1, 8, 8)), np.arange(12) % 4
    net = bn_net().eval()
    opt = ck.SGD(net.params(), lr=0.05)
    hist = ck.fit(net, X, y, 2, 4, opt, X_val=X[:4], y_val=y[:4], progress="off")
    assert net.training and net[1].training  # fit leaves the model in training mode
    assert not np.array_equal(net[1].running_mean, np.zeros(3))  # training moved them
    loss, acc = ck.evaluate(net, X[:4], y[:4])
    assert hist.val_loss[-1] == pytest.approx(loss, rel=1e-12)
    assert hist.val_acc[-1] == acc


def test_models_without_batch_norm_give_the_same_numbers_in_both_modes():
    net = ck.digits_cnn(seed=0)
    x = np.random.default_rng(2).normal(size=(3, 1, 8, 8))
    a = net.train().forward(x)
    np.testing.assert_array_equal(net.eval().forward(x), a)
