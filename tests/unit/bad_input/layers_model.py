"""Bad-input cases: the layers, Sequential and SGD."""

from __future__ import annotations

import math  # noqa: F401

import numpy as np

import cnnkit as ck

from .conv_pool_softmax import *  # noqa: F403
from .references import *  # noqa: F403
from .shapes_labels import *  # noqa: F403
from .table import *  # noqa: F403
from .table import _fail, _timed, _with  # noqa: F401

X2 = rand(4, 6)


def _after_forward(layer, x):
    layer.forward(x)
    return layer


LAYER_FORWARD = {  # name -> (a fresh layer, a legal input, wrong-ndim inputs, empty result)
    "Conv2D": (lambda: ck.Conv2D(1, 3, 3, rng=0), X4, IMAGE_NDIM, (0, 3, 6, 6)),
    "MaxPool2D": (lambda: ck.MaxPool2D(2), X4, IMAGE_NDIM, (0, 1, 4, 4)),
    "ReLU": (lambda: ck.ReLU(), X4, [], (0, 1, 8, 8)),
    "Flatten": (lambda: ck.Flatten(), X4, [np.float64(2.0)], (0, 64)),
    "Dense": (lambda: ck.Dense(6, 5, rng=0), X2, [rand(6), rand(4, 1, 6)], (0, 5)),
}
for _name, (_make, _x, _ndim, _empty) in LAYER_FORWARD.items():
    _reference = {
        "Conv2D": lambda d, m=_make: ref_conv(d, m().params["weight"], m().params["bias"]),
        "MaxPool2D": lambda d: ref_pool("max", d, 2),
        "ReLU": lambda d: np.maximum(d, 0.0),  # NaN stays NaN, as torch.relu
        "Flatten": lambda d: np.reshape(d, (len(d), -1)),
        "Dense": lambda d, m=_make: d @ m().params["weight"].T + m().params["bias"],
    }
    from_spec(
        Spec(
            _name,
            lambda x, m=_make: m().forward(x),
            lambda x=_x: dict(x=x.copy()),
            tag="forward",
            arrays={
                "x": dict(
                    ndim=_ndim,
                    empty=(np.zeros((0,) + _x.shape[1:]), shaped(_empty)),
                    nan=_reference[_name],
                    tol=dict(rtol=1e-10, atol=1e-12),
                )
            },
        )
    )
    _out = _make().forward(_x)
    from_spec(
        Spec(
            _name,
            lambda dout, m=_make, x=_x: _after_forward(m(), x).backward(dout),
            lambda o=_out: dict(dout=np.ones_like(o)),
            tag="backward",
            arrays={"dout": dict(ndim=[np.ones(_out.shape[1:]), np.ones(_out.shape + (1,))])},
        )
    )
    bad(
        _name,
        "ndim",
        "dout-wrong-shape",
        lambda m=_make, x=_x, o=_out: _after_forward(m(), x).backward(
            np.ones(o.shape[:-1] + (o.shape[-1] + 1,))
        ),
        ValueError,
        "dout",
        str(_out.shape),
    )
    bad(
        _name,
        "types",
        "backward-before-forward",
        lambda m=_make, o=_out: m().backward(np.ones_like(o)),
        RuntimeError,
        "backward called before forward",
    )
    good(
        _name,
        "mutation",
        "failed-backward-keeps-grads",
        lambda m=_make, x=_x, o=_out: _failed_backward(m(), x, o),
        lambda r: None,
    )


def _in_repr(text):
    return lambda state: None if text in state[0] else _fail(f"{text!r} not in {state[0]!r}")


def _layer_state(layer):
    """What a constructor made, in a form two results can be compared by."""
    return repr(layer), layer.params


def _failed_backward(layer, x, out):
    """A backward that fails on a wrong dout must leave the layer's grads as they were."""
    layer.forward(x)
    before = {k: v.copy() for k, v in layer.grads.items()}
    try:
        layer.backward(np.ones(out.shape[:-1] + (out.shape[-1] + 1,)))
    except ValueError:
        pass
    else:
        raise AssertionError("a dout of the wrong shape was accepted")
    for k, v in before.items():
        np.testing.assert_array_equal(layer.grads[k], v, err_msg=f"grads[{k!r}] changed")


from_spec(
    Spec(
        "Conv2D",
        lambda **kw: _layer_state(ck.Conv2D(**kw)),
        lambda: dict(in_channels=1, out_channels=2, kernel_size=3, rng=0),
        tag="init",
        counts={
            "in_channels": "in_channels",
            "out_channels": "out_channels",
            "kernel_size": "kernel_size",
            "stride": _in_repr("stride=1000000000000000000"),
            "dilation": _in_repr("dilation=1000000000000000000"),
        },
        indices=("padding",),
        words={"padding": ("full",)},
        seeds=("rng",),
    ),
    pair_args=("kernel_size", "stride", "dilation"),
)
from_spec(
    Spec(
        "Dense",
        lambda **kw: _layer_state(ck.Dense(**kw)),
        lambda: dict(in_features=3, out_features=2, rng=0),
        tag="init",
        counts={"in_features": "in_features", "out_features": "out_features"},
        seeds=("rng",),
    )
)
from_spec(
    Spec(
        "MaxPool2D",
        lambda **kw: _layer_state(ck.MaxPool2D(**kw)),
        lambda: dict(kernel_size=2),
        tag="init",
        counts={
            "kernel_size": _in_repr("kernel_size=1000000000000000000"),
            "stride": _in_repr("stride=1000000000000000000"),
        },
    ),
    pair_args=("kernel_size", "stride"),
)
for _name, _make in (
    ("Conv2D", lambda **kw: ck.Conv2D(1, 2, 3, **kw)),
    ("Dense", lambda **kw: ck.Dense(3, 2, **kw)),
):
    for _id, _dtype, _cat in (
        ("int", int, "types"),
        ("int64", np.int64, "types"),
        ("bool", bool, "types"),
        ("complex", np.complex128, "types"),
        ("word", "floaty", "strings"),
        ("object", object, "types"),
        ("float16", np.float16, "numbers"),
        ("none", None, "types"),
        ("longdouble", np.longdouble, "numbers"),
    ):
        bad(_name, _cat, f"dtype-{_id}", lambda m=_make, d=_dtype: m(dtype=d), TypeError, "dtype=")
    for _dtype in (np.float32, "float32", np.dtype("float64")):
        good(
            _name,
            "types",
            f"dtype-{np.dtype(_dtype).name}-as-{type(_dtype).__name__}",
            lambda m=_make, d=_dtype: m(dtype=d, rng=0),
            lambda layer, d=_dtype: [
                None for v in layer.params.values() if v.dtype != np.dtype(d) and _fail(v.dtype)
            ],
        )
    good(
        _name,
        "types",
        "rng-generator",
        lambda m=_make: m(rng=np.random.default_rng(5)).params["weight"],
        equals(lambda m=_make: m(rng=5).params["weight"]),
    )
    bad(
        _name,
        "types",
        "rng-legacy-randomstate",
        lambda m=_make: m(rng=np.random.RandomState(0)),
        TypeError,
        "rng=",
    )

for _name, _layer in (
    ("Conv2D", lambda: ck.Conv2D(1, 2, 3)),
    ("MaxPool2D", lambda: ck.MaxPool2D(2)),
):
    for _shape in ((8, 8), (8,)):
        bad(
            _name,
            "ndim",
            f"output_shape-{len(_shape)}d",
            lambda m=_layer, s=_shape: m().output_shape(s),
            ValueError,
            str(_shape),
        )
good(
    "Layer",
    "types",
    "base-layer-passes-shapes",
    lambda: ck.Layer().output_shape([2, 3]),
    lambda r: same(r, (2, 3)),
)
bad(
    "Layer",
    "types",
    "base-layer-has-no-forward",
    lambda: ck.Layer().forward(X4),
    NotImplementedError,
)
good(
    "Layer",
    "mutation",
    "base-layer-has-no-params",
    lambda: ck.Layer().n_params,
    lambda r: same(r, 0),
)

# -- the model -----------------------------------------------------------------------


def small_net(seed=0):
    """(N, 1, 8, 8) -> conv 3x3 -> (2, 6, 6) -> pool -> (2, 3, 3) -> 18 -> 5 classes."""
    return ck.Sequential(
        ck.Conv2D(1, 2, 3, rng=seed),
        ck.ReLU(),
        ck.MaxPool2D(2),
        ck.Flatten(),
        ck.Dense(18, 5, rng=seed + 1),
    )


from_spec(
    Spec(
        "Sequential",
        lambda x: small_net().forward(x),
        lambda: dict(x=X4.copy()),
        tag="forward",
        arrays={
            "x": dict(
                ndim=IMAGE_NDIM,
                empty=(rand(0, 1, 8, 8), shaped((0, 5))),
                nan=lambda d: _nan_rows(small_net().forward(np.nan_to_num(d)), d),
            )
        },
    )
)


def _nan_rows(out, x):
    out = out.copy()
    out[np.isnan(x).reshape(len(x), -1).any(axis=1)] = np.nan  # a NaN pixel reaches Dense
    return out


bad(
    "Sequential",
    "ndim",
    "forward-names-the-layer",
    lambda: small_net().forward(rand(2, 3, 8, 8)),
    ValueError,
    "layer 0 (Conv2D(",
    "channels",
)
bad(
    "Sequential",
    "ndim",
    "forward-names-a-later-layer",
    lambda: ck.Sequential(ck.Flatten(), ck.Dense(10, 2)).forward(X4),
    ValueError,
    "layer 1 (Dense(",
    "10 features",
)
bad(
    "Sequential",
    "types",
    "forward-strings-name-layer-0",
    lambda: small_net().forward(np.full((1, 1, 8, 8), "a")),
    TypeError,
    "layer 0 (Conv2D(",
    "x must be an array of numbers",
)
bad(
    "Sequential",
    "ndim",
    "backward-names-the-layer",
    lambda: _forwarded(small_net()).backward(np.ones((2, 4))),
    ValueError,
    "layer 4 (Dense(",
    "dout",
)
bad(
    "Sequential",
    "types",
    "backward-before-forward",
    lambda: small_net().backward(np.ones((2, 5))),
    RuntimeError,
    "layer 4 (Dense(",
    "before forward",
)
bad(
    "Sequential",
    "lists",
    "layers-in-a-list",
    lambda: ck.Sequential([ck.ReLU(), ck.Flatten()]),
    TypeError,
    "Sequential(*layers)",
)
bad(
    "Sequential",
    "types",
    "a-class-not-an-instance",
    lambda: ck.Sequential(ck.ReLU),
    TypeError,
    "layer 0",
    "instances",
)
bad(
    "Sequential",
    "types",
    "a-function",
    lambda: ck.Sequential(ck.conv2d),
    TypeError,
    "layer 0",
    "not a cnnkit layer",
)
good(
    "Sequential",
    "empty",
    "no-layers-passes-x-through",
    lambda: ck.Sequential().forward(X4),
    equals(lambda: X4),
)
SUMMARY_BAD = [
    ("int", 8, TypeError, "types", ("input_shape=8", "(8,)")),
    ("string", "1, 8, 8", TypeError, "strings", ("input_shape='1, 8, 8'",)),
    ("none", None, TypeError, "types", ("input_shape=None",)),
    ("fraction", (1, 8.5, 8), TypeError, "numbers", ("input_shape=(1, 8.5, 8)", "8.5")),
    ("whole-float", (1.0, 8, 8), TypeError, "numbers", ("input_shape=(1.0, 8, 8)",)),
    ("bool", (True, 8, 8), TypeError, "numbers", ("input_shape=(True, 8, 8)",)),
    ("zero", (1, 0, 8), ValueError, "numbers", ("input_shape=(1, 0, 8) contains 0",)),
    ("negative", (1, -8, 8), ValueError, "numbers", ("input_shape=(1, -8, 8) contains -8",)),
    ("empty", (), ValueError, "empty", ("input_shape=()",)),
    ("nan", (1, float("nan"), 8), TypeError, "nan/inf", ("input_shape=",)),
    ("wrong-channels", (3, 8, 8), ValueError, "ndim", ("layer 0", "(3, 8, 8)")),
    ("too-small", (1, 2, 2), ValueError, "numbers", ("layer 0", "kernel_size=3")),
]
for _id, _shape, _exc, _cat, _words in SUMMARY_BAD:
    bad(
        "Sequential", _cat, f"summary-{_id}", lambda s=_shape: small_net().summary(s), _exc, *_words
    )
for _id, _shape, _cat in (
    ("list", [1, 8, 8], "lists"),
    ("array", np.array([1, 8, 8]), "types"),
    ("numpy-ints", (np.int64(1), np.int32(8), 8), "numbers"),
):
    good(
        "Sequential",
        _cat,
        f"summary-{_id}",
        lambda s=_shape: small_net().summary(s).rows,
        equals(lambda: small_net().summary((1, 8, 8)).rows),
    )
good(
    "Sequential",
    "numbers",
    "summary-huge-exact",
    lambda: ck.Sequential(ck.Conv2D(1, 1, 1)).summary((1, 10**9, 10**9)).total_nodes,
    lambda r: same(r, 10**18),
)
good(
    "Summary",
    "types",
    "str-is-the-table",
    lambda: str(small_net().summary((1, 8, 8))),
    lambda text: None if ("total" in text and f"{small_net().n_params:,}" in text) else _fail(text),
)
good(
    "Summary",
    "lists",
    "rows-iterate",
    lambda: [r.params for r in small_net().summary([1, 8, 8])],
    lambda r: same(r, [20, 0, 0, 0, 18 * 5 + 5]),
)
good(
    "Summary",
    "numbers",
    "input-shape-stored-as-ints",
    lambda: small_net().summary((np.int64(1), 8, 8)).input_shape,
    lambda r: same([type(v) for v in r], [int, int, int]),
)


def _forwarded(net):
    net.forward(X4)
    return net


# -- the optimizer -------------------------------------------------------------------

from_spec(
    Spec(
        "SGD",
        lambda **kw: _sgd_step(**kw),
        lambda: dict(lr=0.1),
        reals={"lr": 0.1},
    )
)


def _sgd_step(**kw):
    net = _forwarded(small_net())
    net.backward(np.ones((2, 5)))
    opt = ck.SGD(net.params(), **kw)
    opt.step()
    return [p.copy() for values, _ in net.params() for p in values.values()]


for _arg, _values in (
    (
        "momentum",
        [
            (-0.1, ValueError, "numbers"),
            (1.0, ValueError, "numbers"),
            (float("nan"), ValueError, "nan/inf"),
            ("0.9", TypeError, "types"),
            (True, TypeError, "numbers"),
        ],
    ),
    (
        "weight_decay",
        [
            (-1e-4, ValueError, "numbers"),
            (float("inf"), ValueError, "nan/inf"),
            (float("nan"), ValueError, "nan/inf"),
            (None, TypeError, "types"),
            ([1e-4], TypeError, "lists"),
        ],
    ),
):
    for _v, _exc, _cat in _values:
        bad(
            "SGD",
            _cat,
            f"{_arg}-{_v!r}",
            lambda a=_arg, v=_v: _sgd_step(lr=0.1, **{a: v}),
            _exc,
            f"{_arg}=",
        )
PARAMS_BAD = [
    ("model", lambda net: net, TypeError, "types", ("params must be a list", "a model")),
    ("layer", lambda net: net.layers[0], TypeError, "types", ("a model or a layer",)),
    ("one-dict", lambda net: net.layers[0].params, TypeError, "types", ("got dict",)),
    ("empty", lambda net: [], ValueError, "empty", ("params is empty",)),
    (
        "bare-arrays",
        lambda net: [net.layers[0].params["weight"]],
        TypeError,
        "lists",
        ("params[0]", "pair of dicts"),
    ),
    (
        "triple",
        lambda net: [(net.layers[0].params, net.layers[0].grads, {})],
        TypeError,
        "lists",
        ("params[0]",),
    ),
    (
        "keys-differ",
        lambda net: [(net.layers[0].params, {"weight": np.zeros((2, 1, 3, 3))})],
        ValueError,
        "strings",
        ("params[0]", "same keys"),
    ),
    (
        "grad-shape",
        lambda net: [({"w": np.zeros(3)}, {"w": np.zeros(4)})],
        ValueError,
        "ndim",
        ("params[0][1]['w']", "(3,)"),
    ),
    (
        "int-param",
        lambda net: [({"w": np.zeros(3, int)}, {"w": np.zeros(3)})],
        TypeError,
        "types",
        ("params[0][0]['w']", "float"),
    ),
    (
        "list-param",
        lambda net: [({"w": [0.0, 1.0]}, {"w": np.zeros(2)})],
        TypeError,
        "lists",
        ("params[0][0]['w']",),
    ),
    (
        "readonly-param",
        lambda net: [({"w": readonly(np.zeros(2))}, {"w": np.zeros(2)})],
        ValueError,
        "readonly/non-contiguous",
        ("params[0][0]['w']", "read-only"),
    ),
]
for _id, _make, _exc, _cat, _words in PARAMS_BAD:
    bad("SGD", _cat, f"params-{_id}", lambda m=_make: ck.SGD(m(small_net()), lr=0.1), _exc, *_words)
good(
    "SGD",
    "lists",
    "params-as-lists-and-generator",
    lambda: _sgd_pairs_step(lambda net: ([p, g] for p, g in net.params())),
    equals(lambda: _sgd_pairs_step(lambda net: net.params())),
)
good(
    "SGD",
    "readonly/non-contiguous",
    "strided-param-updated-in-place",
    lambda: _strided_sgd(),
    lambda r: same(r, np.array([-0.1, 0.9, 1.9])),
)
good("SGD", "mutation", "failed-step-changes-nothing", lambda: _failed_step(), lambda r: None)


def _sgd_pairs_step(pairs):
    net = _forwarded(small_net())
    net.backward(np.ones((2, 5)))
    ck.SGD(pairs(net), lr=0.1, momentum=0.9).step()
    return [p.copy() for values, _ in net.params() for p in values.values()]


def _strided_sgd():
    big = np.arange(6, dtype=float)
    w = big[::2]  # 0, 2, 4 as a view
    w -= np.array([0.0, 1.0, 2.0])  # 0, 1, 2
    ck.SGD([({"w": w}, {"w": np.ones(3)})], lr=0.1).step()
    assert big[2] == w[1]  # the update went into the viewed array
    return w


def _failed_step():
    good_w, bad_w = np.ones(2), np.ones(3)
    grads = {"a": np.ones(2), "b": np.ones(3)}
    opt = ck.SGD([({"a": good_w, "b": bad_w}, grads)], lr=0.1, momentum=0.9)
    grads["b"] = np.ones(4)  # a layer stored a gradient of the wrong shape
    try:
        opt.step()
    except ValueError as exc:
        assert "params[0][1]['b']" in str(exc), exc
    else:
        raise AssertionError("a gradient of the wrong shape was accepted")
    same(good_w, np.ones(2))  # nothing moved, not even the parameter checked first
    assert opt.velocity == [{}]
