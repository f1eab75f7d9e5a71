"""Bad-input cases: output-size arithmetic, the caches, and labels."""

from __future__ import annotations

import math  # noqa: F401

import numpy as np

import cnnkit as ck

from .conv_pool_softmax import *  # noqa: F403
from .references import *  # noqa: F403
from .table import *  # noqa: F403
from .table import _fail, _timed, _with  # noqa: F401

_LAST = lambda text: text.splitlines()[-1]  # noqa: E731 - the "out = ... = size" line
for _name, _n_huge, _stride_huge in (
    ("conv_output_size", lambda r: same(r, 10**18 - 2), lambda r: same(r, 1)),
    (
        "explain_output_size",
        lambda r: same(_LAST(r), f"out = {10**18 - 3} + 1 = {10**18 - 2}"),
        lambda r: same(_LAST(r), "out = 0 + 1 = 1"),
    ),
):
    from_spec(
        Spec(
            _name,
            getattr(ck, _name),
            lambda: dict(n=8, kernel_size=3),
            counts={
                "n": _n_huge,
                "kernel_size": "kernel_size",
                "stride": _stride_huge,
                "dilation": "dilat",
            },
            indices=("padding",),
            words={"padding": ("full",)},
        )
    )
good(
    "conv_output_size",
    "numbers",
    "n-huge-exact",
    lambda: ck.conv_output_size(10**30, 3),
    lambda r: same(r, 10**30 - 2),
)
good(
    "conv_output_size",
    "numbers",
    "stride-huge-one",
    lambda: ck.conv_output_size(8, 3, 10**18),
    lambda r: same(r, 1),
)
good(
    "explain_output_size",
    "numbers",
    "stride-huge-quick",
    lambda: _timed(lambda: ck.explain_output_size(8, 3, stride=10**18), 1.0),
    lambda r: None if "out = 0 + 1 = 1" in r else _fail(r),
)
good(
    "explain_output_size",
    "numbers",
    "padding-huge-quick",
    lambda: _timed(lambda: ck.explain_output_size(8, 3, stride=7, padding=10**15), 1.0),
    lambda r: same(_LAST(r), "out = 285714285714286 + 1 = 285714285714287"),
)
from_spec(
    Spec(
        "pool_output_size",
        ck.pool_output_size,
        lambda: dict(n=8, kernel_size=2),
        counts={
            "n": lambda r: same(r, 5 * 10**17),
            "kernel_size": "kernel_size",
            "stride": lambda r: same(r, 1),
        },
        indices=("padding",),
        flags=("ceil_mode",),
    )
)


# -- caches --------------------------------------------------------------------------

bad(
    "ConvCache",
    "types",
    "cache-not-a-cache",
    lambda: ck.conv2d_backward(DOUT_CONV, X4, W4, cache={"cols": 1}),
    TypeError,
    "cache",
)
bad(
    "ConvCache",
    "types",
    "reuse-not-a-cache",
    lambda: ck.conv2d_forward(X4, W4, reuse=np.zeros(3)),
    TypeError,
    "reuse",
)
bad(
    "ConvCache",
    "numbers",
    "cache-of-another-call",
    lambda: ck.conv2d_backward(
        DOUT_CONV, X4, W4, cache=ck.conv2d_forward(X4, W4, stride=1, padding=1)[1]
    ),
    ValueError,
    "cache",
)
good(
    "ConvCache",
    "mutation",
    "cache-gives-the-same-gradients",
    lambda: ck.conv2d_backward(DOUT_CONV, X4, W4, cache=ck.conv2d_forward(X4, W4)[1]),
    equals(lambda: ref_conv_backward(DOUT_CONV, X4, W4), rtol=1e-10, atol=1e-12),
)
bad(
    "PoolCache",
    "types",
    "cache-not-a-cache",
    lambda: ck.max_pool2d_backward(DOUT_POOL, X4, 2, cache="winner"),
    TypeError,
    "cache",
)
good(
    "PoolCache",
    "mutation",
    "cache-gives-the-same-gradient",
    lambda: ck.max_pool2d_backward(DOUT_POOL, X4, 2, cache=ck.max_pool2d_forward(X4, 2)[1]),
    equals(lambda: ref_pool_backward("max", DOUT_POOL, X4, 2)),
)

# -- labels, wherever labels are taken -----------------------------------------------

LABEL_BAD = [  # (id, labels for 3 examples of 5 classes, exception, category, words)
    ("too-big", np.array([0, 5, 1]), ValueError, "numbers", ("label 5", "0..4")),
    ("negative", np.array([0, -1, 1]), ValueError, "numbers", ("label -1",)),
    ("huge", np.array([0, 10**18, 1]), ValueError, "numbers", ("label 1000000000000000000",)),
    ("fraction", np.array([0.0, 1.5, 2.0]), TypeError, "numbers", ("whole class numbers",)),
    ("bool", np.array([True, False, True]), TypeError, "numbers", ("dtype bool",)),
    ("nan", np.array([0.0, np.nan, 1.0]), TypeError, "nan/inf", ("whole class numbers",)),
    ("inf", np.array([0.0, np.inf, 1.0]), TypeError, "nan/inf", ("whole class numbers",)),
    ("strings", np.array(["0", "1", "2"]), TypeError, "types", ("dtype <U1", "astype(int)")),
    ("none", None, ValueError, "types", ("shape (3,)",)),
    ("too-few", np.array([0, 1]), ValueError, "ndim", ("shape (3,)", "(2,)")),
    ("column", np.array([[0], [1], [2]]), ValueError, "ndim", ("ravel()",)),
    ("one-hot", np.eye(5)[[0, 1, 2]], ValueError, "ndim", ("one-hot", "argmax(axis=1)")),
    ("scalar", 1, ValueError, "ndim", ("shape (3,)",)),
]
LABEL_GOOD = [  # (id, labels, category): the same result as np.array([0, 4, 2])
    ("whole-floats", np.array([0.0, 4.0, 2.0]), "numbers"),
    ("list", [0, 4, 2], "lists"),
    ("uint8", np.array([0, 4, 2], dtype=np.uint8), "types"),
    ("readonly", readonly([0, 4, 2]), "readonly/non-contiguous"),
    ("strided", strided(np.array([0, 4, 2])), "readonly/non-contiguous"),
]
Z35 = rand(3, 5)
for _id, _y, _exc, _cat, _words in LABEL_BAD:
    bad(
        "softmax_cross_entropy",
        _cat,
        f"labels-{_id}",
        lambda y=_y: ck.softmax_cross_entropy(Z35, y),
        _exc,
        "labels",
        *_words,
    )
for _id, _y, _cat in LABEL_GOOD:
    good(
        "softmax_cross_entropy",
        _cat,
        f"labels-{_id}",
        lambda y=_y: ck.softmax_cross_entropy(Z35, y),
        equals(lambda: ref_cross_entropy(Z35, Y3), rtol=1e-10, atol=1e-14),
    )
bad(
    "softmax_cross_entropy",
    "empty",
    "no-classes",
    lambda: ck.softmax_cross_entropy(np.zeros((3, 0)), Y3),
    ValueError,
    "logits",
    "no classes",
)
good(
    "softmax_cross_entropy",
    "nan/inf",
    "logits-inf",
    lambda: ck.softmax_cross_entropy(np.array([[np.inf, 0.0], [1.0, 2.0]]), [0, 1]),
    equals(lambda: ref_cross_entropy(np.array([[np.inf, 0.0], [1.0, 2.0]]), np.array([0, 1]))),
)

for _name, _valid, _same in (
    ("conv_output_size", 6, 8),
    ("explain_output_size", "out = 5 + 1 = 6", "out = 7 + 1 = 8"),
):
    _fn = getattr(ck, _name)
    _out = (lambda r: r) if _name == "conv_output_size" else _LAST
    good(
        _name,
        "strings",
        "padding-valid",
        lambda f=_fn, o=_out: o(f(8, 3, padding="valid")),
        lambda r, e=_valid: same(r, e),
    )
    good(
        _name,
        "strings",
        "padding-same",
        lambda f=_fn, o=_out: o(f(8, 3, padding="same")),
        lambda r, e=_same: same(r, e),
    )
