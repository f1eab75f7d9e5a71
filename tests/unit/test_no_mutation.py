"""Property-based: no public function changes its inputs, and a failed ``fit`` changes
nothing (not the model's weights, not the optimizer's momentum).

Hypothesis draws the shapes, the values (with NaN and infinity among them where a function
accepts them), the memory layout (contiguous, Fortran order, a strided view, read-only)
and, for ``fit``, one mistake hidden somewhere in an otherwise good call.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import cnnkit as ck

FINITE = st.floats(-10, 10, allow_nan=False, width=64)
ANY = st.one_of(FINITE, st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0]))


def _layout(draw, a: np.ndarray) -> np.ndarray:
    """The same values in a drawn memory layout."""
    kind = draw(st.sampled_from(["plain", "fortran", "strided", "readonly"]))
    if kind == "fortran":
        return np.asfortranarray(a)
    if kind == "strided":
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        big[..., ::2] = a
        return big[..., ::2]
    if kind == "readonly":
        a = a.copy()
        a.setflags(write=False)
    return a


@st.composite
def images(draw, n=(1, 3), c=(1, 2), hw=(3, 7), elements=FINITE, dtype=np.float64):
    shape = (
        draw(st.integers(*n)),
        draw(st.integers(*c)),
        draw(st.integers(*hw)),
        draw(st.integers(*hw)),
    )
    return _layout(draw, draw(hnp.arrays(dtype, shape, elements=elements)))


def _unchanged(call, *arrays):
    """Run ``call`` and assert every array in ``arrays`` is bit for bit as before."""
    before = [np.array(a, copy=True) for a in arrays]
    flags = [a.flags.writeable for a in arrays]
    try:
        with np.errstate(all="ignore"):  # NaN and inf inputs are drawn on purpose
            call()
    except (ValueError, TypeError):
        pass  # a refused input must not be changed either
    for i, (a, b, w) in enumerate(zip(arrays, before, flags)):
        np.testing.assert_array_equal(a, b, err_msg=f"argument {i} was changed")
        assert a.flags.writeable == w


@given(images(elements=ANY), st.data())
def test_convolutions_do_not_change_their_inputs(x, data):
    c = x.shape[1]
    w = data.draw(hnp.arrays(np.float64, (2, c, 2, 2), elements=ANY))
    b = data.draw(hnp.arrays(np.float64, (2,), elements=ANY))
    stride, padding = data.draw(st.integers(1, 3)), data.draw(st.integers(0, 2))
    for fn in (ck.conv2d, ck.conv2d_naive, ck.conv2d_im2col):
        _unchanged(lambda f=fn: f(x, w, b, stride, padding), x, w, b)
    out = ck.conv2d_naive(np.nan_to_num(x), w, None, stride, padding)
    dout = data.draw(hnp.arrays(np.float64, out.shape, elements=ANY))
    for fn in (ck.conv2d_backward, ck.conv2d_backward_naive, ck.conv2d_backward_im2col):
        _unchanged(lambda f=fn: f(dout, x, w, stride, padding), dout, x, w)


@given(images(elements=ANY, c=(1, 3)), st.data())
def test_grouped_convolutions_do_not_change_their_inputs(x, data):
    groups = x.shape[1]  # depthwise with a drawn channel multiplier
    f = groups * data.draw(st.integers(1, 2))
    w = data.draw(hnp.arrays(np.float64, (f, 1, 2, 2), elements=ANY))
    b = data.draw(hnp.arrays(np.float64, (f,), elements=ANY))
    stride, padding = data.draw(st.integers(1, 3)), data.draw(st.integers(0, 2))
    for fn in (ck.conv2d, ck.conv2d_naive, ck.conv2d_im2col):
        _unchanged(lambda f=fn: f(x, w, b, stride, padding, groups=groups), x, w, b)
    out = ck.conv2d_naive(np.nan_to_num(x), w, None, stride, padding, groups=groups)
    dout = data.draw(hnp.arrays(np.float64, out.shape, elements=ANY))
    for fn in (ck.conv2d_backward, ck.conv2d_backward_naive, ck.conv2d_backward_im2col):
        _unchanged(lambda f=fn: f(dout, x, w, stride, padding, groups=groups), dout, x, w)


@given(images(elements=ANY, hw=(2, 4)), st.data())
def test_transposed_convolutions_do_not_change_their_inputs(x, data):
    c = x.shape[1]
    w = data.draw(hnp.arrays(np.float64, (c, 2, 2, 3), elements=ANY))
    b = data.draw(hnp.arrays(np.float64, (2,), elements=ANY))
    stride, padding = data.draw(st.integers(1, 3)), data.draw(st.integers(0, 1))
    output_padding = data.draw(st.integers(0, stride - 1))
    args = (stride, padding, output_padding)
    for fn in (ck.conv_transpose2d, ck.conv_transpose2d_naive):
        _unchanged(lambda f=fn: f(x, w, b, *args), x, w, b)
    out = ck.conv_transpose2d_naive(np.nan_to_num(x), np.nan_to_num(w), None, *args)
    dout = data.draw(hnp.arrays(np.float64, out.shape, elements=ANY))
    _unchanged(lambda: ck.conv_transpose2d_backward(dout, x, w, *args), dout, x, w)


@given(images(elements=ANY, hw=(2, 7)), st.integers(1, 2), st.data())
def test_poolings_do_not_change_their_inputs(x, k, data):
    for kind in ("max", "avg"):
        for suffix in ("", "_naive", "_windows"):
            _unchanged(lambda f=getattr(ck, f"{kind}_pool2d{suffix}"): f(x, k), x)
        out = getattr(ck, f"{kind}_pool2d_naive")(x, k)
        dout = data.draw(hnp.arrays(np.float64, out.shape, elements=ANY))
        for suffix in ("", "_naive", "_windows"):
            fn = getattr(ck, f"{kind}_pool2d_backward{suffix}")
            _unchanged(lambda f=fn, g=dout: f(g, x, k), dout, x)


@given(st.data())
def test_losses_do_not_change_their_inputs(data):
    n, k = data.draw(st.integers(0, 4)), data.draw(st.integers(1, 5))
    z = _layout(data.draw, data.draw(hnp.arrays(np.float64, (n, k), elements=ANY)))
    y = _layout(data.draw, data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, k - 1))))
    _unchanged(lambda: ck.softmax(z), z)
    _unchanged(lambda: ck.log_softmax(z), z)
    _unchanged(lambda: ck.softmax_cross_entropy(z, y), z, y)


def _net(seed=0):
    return ck.Sequential(
        ck.Conv2D(1, 2, 3, rng=seed),
        ck.ReLU(),
        ck.MaxPool2D(2),
        ck.Flatten(),
        ck.Dense(8, 3, rng=seed + 1),
    )


@given(images(n=(0, 4), c=(1, 1), hw=(6, 6)), st.data())
def test_layers_models_and_predictions_do_not_change_their_inputs(x, data):
    net = _net()
    weights = [p.copy() for values, _ in net.params() for p in values.values()]
    _unchanged(lambda: net.forward(x), x)
    if len(x):
        out = net.forward(x)
        dout = data.draw(hnp.arrays(np.float64, out.shape, elements=ANY))
        _unchanged(lambda: net.backward(dout), dout)
        y = data.draw(hnp.arrays(np.int64, (len(x),), elements=st.integers(0, 2)))
        _unchanged(lambda: ck.evaluate(net, x, y, batch_size=2), x, y)
    _unchanged(lambda: ck.predict(net, x, batch_size=2), x)
    _unchanged(lambda: ck.predict_proba(net, x), x)
    after = [p for values, _ in net.params() for p in values.values()]
    for a, b in zip(after, weights):  # forward, backward and predictions never train
        np.testing.assert_array_equal(a, b)


@given(st.data())
def test_data_and_gradient_helpers_do_not_change_their_inputs(data):
    n = data.draw(st.integers(4, 12))
    X = _layout(data.draw, data.draw(hnp.arrays(np.float64, (n, 2), elements=ANY)))
    y = _layout(data.draw, np.arange(n) % 2)
    _unchanged(
        lambda: ck.train_test_split(X, y, test_size=0.5, seed=data.draw(st.integers(0, 9))), X, y
    )
    a = _layout(data.draw, data.draw(hnp.arrays(np.float64, (3,), elements=ANY)))
    b = _layout(
        data.draw,
        data.draw(
            hnp.arrays(
                np.complex128, (3,), elements=st.complex_numbers(max_magnitude=5, allow_nan=False)
            )
        ),
    )
    _unchanged(lambda: ck.relative_error(a, b), a, b)
    x = data.draw(hnp.arrays(np.float64, (2, 3), elements=FINITE))
    layer = ck.Dense(3, 2, rng=0)
    weight = layer.params["weight"].copy()
    _unchanged(lambda: ck.check_layer_gradients(layer, x), x)
    np.testing.assert_array_equal(layer.params["weight"], weight)  # nudged and put back
    v = x.copy()
    ck.numerical_gradient(lambda t: float(np.sum(t**3)), v)
    np.testing.assert_array_equal(v, x)  # every entry restored after its nudge


# -- a failed fit changes nothing -------------------------------------------------------

XT = np.random.default_rng(0).normal(size=(10, 1, 6, 6))
YT = np.arange(10) % 3


def _mistakes(n, position):
    """One mistake each, hidden at ``position`` (0..n-1) where it has a position."""
    bad_label = YT.copy()
    bad_label[position] = 3
    nan_x = XT.copy()
    nan_x.flat[position * 36 + 7] = np.nan
    bad_val = YT[:4].copy()
    bad_val[position % 4] = -1
    return {
        "label-out-of-range": dict(y=bad_label),
        "fractional-label": dict(y=np.where(np.arange(n) == position, 0.5, YT)),
        "nan-in-X": dict(X=nan_x),
        "X-wrong-size": dict(X=XT[:, :, :5]),
        "y-too-short": dict(y=YT[:-1]),
        "validation-label": dict(X_val=XT[:4], y_val=bad_val),
        "validation-nan": dict(X_val=nan_x[:4] * np.nan, y_val=YT[:4]),
        "validation-only-X": dict(X_val=XT[:4]),
        "callback": dict(callback="plot"),
        "seed": dict(seed=-1),
        "seed-float": dict(seed=0.5),
        "batch-size": dict(batch_size=-4),
        "batch-size-float": dict(batch_size=2.5),
        "epochs": dict(epochs=0),
        "progress": dict(progress="bar"),
        "other-optimizer": dict(optimizer="other"),
    }


@given(st.sampled_from(sorted(_mistakes(10, 0))), st.integers(0, 9), st.integers(0, 3))
def test_a_failed_fit_leaves_weights_and_optimizer_state_unchanged(mistake, position, seed):
    net = _net(seed)
    opt = ck.SGD(net.params(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    ck.fit(net, XT, YT, 1, 4, opt, progress="off")  # so the optimizer has a velocity
    weights = [p.copy() for values, _ in net.params() for p in values.values()]
    velocity = [{k: v.copy() for k, v in d.items()} for d in opt.velocity]
    grads = [g.copy() for _, gs in net.params() for g in gs.values()]
    kw = dict(X=XT, y=YT, epochs=2, batch_size=4, optimizer=opt, progress="off")
    kw.update(_mistakes(10, position)[mistake])
    if kw["optimizer"] == "other":
        kw["optimizer"] = ck.SGD(_net().params(), lr=0.1)
    X, y = kw.pop("X"), kw.pop("y")
    with pytest.raises((ValueError, TypeError)):
        ck.fit(net, X, y, kw.pop("epochs"), kw.pop("batch_size"), kw.pop("optimizer"), **kw)
    for a, b in zip([p for values, _ in net.params() for p in values.values()], weights):
        np.testing.assert_array_equal(a, b)
    for d, before in zip(opt.velocity, velocity):
        assert d.keys() == before.keys()
        for k in d:
            np.testing.assert_array_equal(d[k], before[k])
    for a, b in zip([g for _, gs in net.params() for g in gs.values()], grads):
        np.testing.assert_array_equal(a, b)


def test_the_mutation_check_catches_a_change():
    x = np.ones(3)

    def sneaky():
        x[0] = 2.0

    with pytest.raises(AssertionError, match="argument 0 was changed"):
        _unchanged(sneaky, x)
