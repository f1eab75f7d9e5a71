"""Bad-input cases: fit, evaluate, predict and the digits network."""

from __future__ import annotations

import math  # noqa: F401

import numpy as np

import cnnkit as ck

from .conv_pool_softmax import *  # noqa: F403
from .layers_model import *  # noqa: F403
from .references import *  # noqa: F403
from .shapes_labels import *  # noqa: F403
from .table import *  # noqa: F403
from .table import _fail, _timed, _with  # noqa: F401

XT = rand(12, 1, 8, 8, seed=7)
YT = np.array([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1])


_DEFAULT = object()


def _fit(X=_DEFAULT, y=_DEFAULT, epochs=2, batch_size=4, seed=0, **kw):
    net = small_net()
    kw.setdefault("progress", "off")
    history = ck.fit(
        net,
        XT if X is _DEFAULT else X,
        YT if y is _DEFAULT else y,
        epochs,
        batch_size,
        ck.SGD(net.params(), lr=0.1, momentum=0.9),
        seed=seed,
        **kw,
    )
    return history, [p.copy() for values, _ in net.params() for p in values.values()]


from_spec(
    Spec(
        "fit",
        _fit,
        lambda: dict(X=XT.copy(), y=YT.copy()),
        arrays={
            "X": dict(
                ndim=[rand(12, 64), rand(12)],
                empty=(rand(0, 1, 8, 8), None),
                nan="reject",
                tol=dict(rtol=1e-10, atol=1e-12),
            )
        },
        counts={"epochs": "epochs", "batch_size": equals(lambda: _fit(batch_size=12))},
        seeds=("seed",),
    )
)
for _id, _y, _exc, _cat, _words in LABEL_BAD:
    _y12 = np.resize(_y, 12) if np.ndim(_y) == 1 and len(_y) == 3 else _y
    if _id in ("too-big", "negative", "huge"):  # the bad label only in the last batch
        _y12 = YT.copy()
        _y12[-1] = {"too-big": 5, "negative": -1, "huge": 10**18}[_id]
        _words = _words[:1]
    if _id == "too-few":
        _y12 = YT[:10]
        _words = ("y has shape (10,)",)
    if _id in ("column", "one-hot"):
        _y12 = YT[:, None] if _id == "column" else np.eye(5)[YT]
    if _id in ("none", "scalar"):
        _words = ("shape (12,)",)
    bad("fit", _cat, f"y-{_id}", lambda y=_y12: _fit(y=y), _exc, "y", *_words)
for _id, _conv, _cat in (
    ("whole-floats", lambda y: y.astype(float), "numbers"),
    ("list", lambda y: y.tolist(), "lists"),
    ("uint8", lambda y: y.astype(np.uint8), "types"),
    ("readonly", readonly, "readonly/non-contiguous"),
    ("strided", strided, "readonly/non-contiguous"),
):
    good("fit", _cat, f"y-{_id}", lambda c=_conv: _fit(y=c(YT)), equals(_fit))
VAL_BAD = [
    (
        "val-labels-late",
        dict(X_val=XT[:3], y_val=np.array([0, 1, 7])),
        ValueError,
        "numbers",
        ("y_val has a label 7",),
    ),
    (
        "val-nan",
        dict(X_val=np.full((3, 1, 8, 8), np.nan), y_val=np.array([0, 1, 2])),
        ValueError,
        "nan/inf",
        ("X_val contains",),
    ),
    (
        "val-shape",
        dict(X_val=rand(3, 1, 6, 6), y_val=np.array([0, 1, 2])),
        ValueError,
        "ndim",
        ("X_val has shape (3, 1, 6, 6)",),
    ),
    (
        "val-empty",
        dict(X_val=rand(0, 1, 8, 8), y_val=np.zeros(0, int)),
        ValueError,
        "empty",
        ("X_val is empty",),
    ),
    ("val-only-X", dict(X_val=XT[:3]), ValueError, "types", ("X_val and y_val",)),
    ("callback-not-callable", dict(callback="plot"), TypeError, "types", ("callback='plot'",)),
    ("callback-a-list", dict(callback=[print]), TypeError, "lists", ("callback=",)),
    ("progress-word", dict(progress="fancy"), ValueError, "strings", ("progress='fancy'",)),
    ("progress-number", dict(progress=1), TypeError, "types", ("progress=1",)),
    ("epochs-too-many", dict(epochs=10**7), ValueError, "numbers", ("epochs=10000000",)),
]
for _id, _kw, _exc, _cat, _words in VAL_BAD:
    bad("fit", _cat, _id, lambda kw=_kw: _fit(**kw), _exc, *_words)
bad(
    "fit",
    "types",
    "model-a-layer",
    lambda: ck.fit(ck.Dense(64, 5), XT, YT, 1, 4, ck.SGD(small_net().params(), lr=0.1)),
    TypeError,
    "model=",
    "Sequential(layer)",
)
bad(
    "fit",
    "types",
    "optimizer-a-number",
    lambda: ck.fit(small_net(), XT, YT, 1, 4, 0.1),
    TypeError,
    "optimizer=0.1",
)
bad(
    "fit",
    "types",
    "optimizer-of-another-model",
    lambda: ck.fit(small_net(), XT, YT, 1, 4, ck.SGD(small_net().params(), lr=0.1)),
    ValueError,
    "optimizer does not update this model",
)
bad(
    "fit",
    "ndim",
    "model-ends-in-maps",
    lambda: _fit_model(ck.Sequential(ck.Conv2D(1, 2, 3, rng=0))),
    ValueError,
    "one score per class",
)
good(
    "fit",
    "mutation",
    "digits-training-settings-untouched",
    lambda: _fit(
        epochs=ck.DIGITS_TRAINING["epochs"] // 8, batch_size=ck.DIGITS_TRAINING["batch_size"]
    ),
    lambda r: same(
        ck.DIGITS_TRAINING, {"epochs": 8, "batch_size": 32, "lr": 0.05, "momentum": 0.9}
    ),
)


def _fit_model(net):
    return ck.fit(net, XT, YT, 1, 4, ck.SGD(net.params(), lr=0.1), progress="off")


for _name in ("evaluate", "predict", "predict_proba"):
    _with_y = _name == "evaluate"
    _call = (
        (
            lambda f: (
                lambda X, **kw: f(small_net(), X, YT[: np.shape(X)[0]] if np.ndim(X) else YT, **kw)
            )
        )
        if _with_y
        else (lambda f: lambda X, **kw: f(small_net(), X, **kw))
    )(getattr(ck, _name))
    _empty = {"evaluate": None, "predict": shaped((0,)), "predict_proba": shaped((0, 5))}[_name]
    from_spec(
        Spec(
            _name,
            _call,
            lambda: dict(X=XT.copy()),
            arrays={
                "X": dict(
                    ndim=[rand(12, 64), rand(12)],
                    empty=(rand(0, 1, 8, 8), _empty),
                    nan="reject",
                    tol=dict(rtol=1e-10, atol=1e-12),
                )
            },
            counts={"batch_size": equals(lambda c=_call: c(XT, batch_size=5), rtol=1e-10)},
        )
    )
    bad(
        _name,
        "types",
        "model-a-function",
        lambda f=getattr(ck, _name), y=_with_y: f(ck.conv2d, XT, YT) if y else f(ck.conv2d, XT),
        TypeError,
        "model=",
    )
    bad(
        _name,
        "ndim",
        "X-does-not-fit",
        lambda c=_call: c(rand(12, 3, 8, 8)),
        ValueError,
        "X has shape (12, 3, 8, 8)",
        "layer 0",
    )
    bad(
        _name,
        "ndim",
        "X-one-image",
        lambda c=_call: c(rand(1, 8, 8)),
        ValueError,
        "X has shape (1, 8, 8)",
        "X[None]",
        "X[:, None]",
    )
    bad(
        _name,
        "ndim",
        "X-channels-last",
        lambda c=_call: c(rand(12, 8, 8, 1)),
        ValueError,
        "X has shape (12, 8, 8, 1)",
        "X.transpose(0, 3, 1, 2)",
    )
for _id, _y, _exc, _cat, _words in LABEL_BAD:
    _y12 = np.resize(_y, 12) if np.ndim(_y) == 1 and len(_y) == 3 else _y
    if _id == "too-few":
        _y12 = YT[:10]
        _words = ("y has shape (10,)",)
    if _id in ("column", "one-hot"):
        _y12 = YT[:, None] if _id == "column" else np.eye(5)[YT]
    if _id in ("none", "scalar"):
        _words = ("shape (12,)",)
    bad(
        "evaluate",
        _cat,
        f"y-{_id}",
        lambda y=_y12: ck.evaluate(small_net(), XT, y),
        _exc,
        "y",
        *_words,
    )
good(
    "History",
    "empty",
    "no-epochs-repr",
    lambda: repr(ck.History()),
    lambda r: same(r, "History(no epochs yet)"),
)
good(
    "History",
    "numbers",
    "counts-epochs",
    lambda: _fit(epochs=3)[0],
    lambda h: same((h.epochs, h.iterations, len(h.seconds)), (3, 9, 3)),
)
good(
    "History",
    "mutation",
    "callback-sees-each-epoch",
    lambda: _callback_epochs(),
    lambda r: same(r, [1, 2]),
)


def _callback_epochs():
    seen = []
    _fit(callback=lambda h: seen.append(h.epochs))
    return seen


# -- the digits network --------------------------------------------------------------

from_spec(
    Spec(
        "digits_cnn",
        lambda **kw: ck.digits_cnn(**kw).layers[0].params["weight"],
        lambda: dict(seed=0),
        seeds=("seed",),
    )
)
for _id, _ch, _exc, _cat in (
    ("two", (16, 32), ValueError, "lists"),
    ("fraction", (16, 32.5, 64), TypeError, "numbers"),
    ("bool", (True, 32, 64), TypeError, "numbers"),
    ("zero", (16, 0, 64), ValueError, "numbers"),
    ("string", "abc", TypeError, "strings"),
    ("int", 16, TypeError, "types"),
    ("huge", (10**6, 10**6, 10), ValueError, "numbers"),
):
    bad(
        "digits_cnn",
        _cat,
        f"channels-{_id}",
        lambda c=_ch: ck.digits_cnn(channels=c),
        _exc,
        "channels" if _id != "huge" else "in_channels=1000000",
    )
bad("digits_cnn", "types", "seed-none", lambda: ck.digits_cnn(None), TypeError, "seed=None")
good(
    "digits_cnn",
    "lists",
    "channels-list",
    lambda: ck.digits_cnn(channels=[4, 8, 8]).n_params,
    lambda r: same(r, ck.digits_cnn(channels=(4, 8, 8)).n_params),
)
good(
    "DIGITS_TRAINING",
    "numbers",
    "settings-are-valid",
    lambda: (
        ck.SGD(
            ck.digits_cnn().params(),
            lr=ck.DIGITS_TRAINING["lr"],
            momentum=ck.DIGITS_TRAINING["momentum"],
        ).lr
    ),
    lambda r: same(r, 0.05),
)
good(
    "DIGITS_TRAINING",
    "types",
    "counts-are-ints",
    lambda: [type(ck.DIGITS_TRAINING[k]) for k in ("epochs", "batch_size")],
    lambda r: same(r, [int, int]),
)

for _mode in ("off", "text", False, None):
    good("fit", "strings", f"progress-{_mode}", lambda m=_mode: _fit(progress=m), equals(_fit))
