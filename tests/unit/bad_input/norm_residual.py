"""Bad-input cases: batch normalisation, global average pooling and residual blocks.

References: PyTorch when it is installed, else cnnkit's loop versions (which the oracle tests
in tests/oracle/test_modern_blocks_oracle.py hold equal to PyTorch).
"""

from __future__ import annotations

import numpy as np

import cnnkit as ck

from .references import _torch, ref_conv
from .table import Spec, _fail, bad, equals, from_spec, good, rand, readonly, same, shaped

XB = rand(3, 2, 4, 5, seed=20)  # (N, C, H, W)
WB, BB = rand(2, seed=21), rand(2, seed=22)
RMB, RVB = rand(2, seed=23), np.abs(rand(2, seed=24)) + 0.5
DOUTB = rand(3, 2, 4, 5, seed=25)
BN_NDIM = [rand(4, 5), rand(2, 4, 5), rand(1, 3, 2, 4, 5)]


def ref_bn(x, w=None, b=None, rm=None, rv=None, training=True, eps=1e-5):
    torch = _torch()
    if torch is None:
        return ck.batch_norm2d_naive(x, w, b, rm, rv, training, 0.1, eps)
    t = lambda a: None if a is None else torch.from_numpy(np.array(a, float))  # noqa: E731
    return torch.nn.functional.batch_norm(
        t(x), t(rm), t(rv), t(w), t(b), training, 0.1, eps
    ).numpy()


def ref_bn_backward(dout, x, w=None, rm=None, rv=None, training=True, eps=1e-5):
    torch = _torch()
    if torch is None:
        return ck.batch_norm2d_backward_naive(dout, x, w, rm, rv, training, eps)
    c = np.shape(x)[1]
    tx = torch.tensor(np.array(x, float), requires_grad=True)
    tw = torch.tensor(np.ones(c) if w is None else np.array(w, float), requires_grad=True)
    tb = torch.zeros(c, dtype=torch.float64, requires_grad=True)
    t = lambda a: None if a is None else torch.from_numpy(np.array(a, float))  # noqa: E731
    out = torch.nn.functional.batch_norm(tx, t(rm), t(rv), tw, tb, training, 0.1, eps)
    out.backward(torch.from_numpy(np.array(dout, float)))
    return tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


# -- batch normalisation: the functions ------------------------------------------------

for _name, _fn in (
    ("batch_norm2d", ck.batch_norm2d),
    ("batch_norm2d_naive", ck.batch_norm2d_naive),
):
    for _mode in (True, False):
        _tag = "train" if _mode else "eval"
        _stats = {} if _mode else dict(running_mean=RMB.copy(), running_var=RVB.copy())
        from_spec(
            Spec(
                _name,
                lambda f=_fn, **kw: f(**kw),
                lambda m=_mode, s=_stats: (
                    dict(x=XB.copy(), weight=WB.copy(), bias=BB.copy(), training=m)
                    | {k: v.copy() for k, v in s.items()}
                ),
                tag=_tag,
                arrays={
                    "x": dict(
                        ndim=BN_NDIM,
                        empty=(rand(0, 2, 4, 5), shaped((0, 2, 4, 5))),
                        nan=lambda d, m=_mode: ref_bn(
                            d, WB, BB, None if m else RMB, None if m else RVB, m
                        ),
                        tol=dict(rtol=1e-10, atol=1e-12),
                    ),
                    "weight": dict(
                        ndim=[rand(2, 1), rand(3)],
                        empty=(np.zeros(0), None),
                        none=equals(
                            lambda m=_mode: ref_bn(
                                XB, None, BB, None if m else RMB, None if m else RVB, m
                            ),
                            rtol=1e-10,
                        ),
                        nan=lambda d, m=_mode: ref_bn(
                            XB, d, BB, None if m else RMB, None if m else RVB, m
                        ),
                        tol=dict(rtol=1e-10, atol=1e-12),
                    ),
                    "bias": dict(
                        ndim=[rand(1), rand(2, 2)],
                        empty=(np.zeros(0), None),
                        none=equals(
                            lambda m=_mode: ref_bn(
                                XB, WB, None, None if m else RMB, None if m else RVB, m
                            ),
                            rtol=1e-10,
                        ),
                        nan=lambda d, m=_mode: ref_bn(
                            XB, WB, d, None if m else RMB, None if m else RVB, m
                        ),
                        tol=dict(rtol=1e-10, atol=1e-12),
                    ),
                },
                reals={"eps": 1e-5},
                flags=("training",),
            )
        )
    for _id, _kw, _exc, _cat, _words in (
        (
            "one-value-per-channel",
            dict(x=rand(1, 2, 1, 1)),
            ValueError,
            "numbers",
            ("x of shape (1, 2, 1, 1)", "one value per channel", "training=False"),
        ),
        (
            "eval-without-running",
            dict(training=False),
            ValueError,
            "types",
            ("training=False", "running_mean"),
        ),
        (
            "only-running-mean",
            dict(running_mean=RMB.copy()),
            ValueError,
            "types",
            ("both running_mean and running_var",),
        ),
        (
            "running-mean-list",
            dict(running_mean=RMB.tolist(), running_var=RVB.copy()),
            TypeError,
            "lists",
            ("running_mean must be a float numpy array", "in place"),
        ),
        (
            "running-var-ints",
            dict(running_mean=RMB.copy(), running_var=np.ones(2, int)),
            TypeError,
            "types",
            ("running_var", "dtype int64"),
        ),
        (
            "running-mean-readonly",
            dict(running_mean=readonly(RMB), running_var=RVB.copy()),
            ValueError,
            "readonly/non-contiguous",
            ("running_mean is read-only", ".copy()"),
        ),
        (
            "running-var-shape",
            dict(running_mean=RMB.copy(), running_var=np.ones(3)),
            ValueError,
            "ndim",
            ("running_var must have shape (2,)",),
        ),
        (
            "running-mean-strings",
            dict(running_mean=np.full(2, "a"), running_var=RVB.copy(), training=False),
            TypeError,
            "strings",
            ("running_mean",),
        ),
        (
            "running-var-complex",
            dict(running_mean=RMB.copy(), running_var=RVB + 1j, training=False),
            TypeError,
            "types",
            ("running_var",),
        ),
        (
            "weight-for-3-channels",
            dict(weight=np.ones(3)),
            ValueError,
            "ndim",
            ("weight must have shape (2,)", "BatchNorm2D(2)"),
        ),
        (
            "momentum-above-one",
            dict(momentum=1.5),
            ValueError,
            "numbers",
            ("momentum=1.5", "between 0 and 1"),
        ),
        ("momentum-negative", dict(momentum=-0.1), ValueError, "numbers", ("momentum=-0.1",)),
        ("momentum-nan", dict(momentum=float("nan")), ValueError, "nan/inf", ("momentum=nan",)),
        ("momentum-none", dict(momentum=None), TypeError, "types", ("momentum=None",)),
        ("momentum-string", dict(momentum="0.1"), TypeError, "strings", ("momentum='0.1'",)),
        ("momentum-bool", dict(momentum=True), TypeError, "numbers", ("momentum=True",)),
        ("momentum-list", dict(momentum=[0.1]), TypeError, "lists", ("momentum=[0.1]",)),
    ):
        bad(
            _name,
            _cat,
            _id,
            lambda f=_fn, kw=_kw: f(**(dict(x=XB, weight=WB, bias=BB) | kw)),
            _exc,
            *_words,
        )
    good(
        _name,
        "mutation",
        "running-statistics-updated-in-place",
        lambda f=_fn: _running_after(f, momentum=0.25),
        equals(lambda: _running_by_hand(0.25), rtol=1e-12),
    )
    good(
        _name,
        "mutation",
        "eval-mode-changes-nothing",
        lambda f=_fn: _running_after(f, training=False),
        equals(lambda: (RMB, RVB)),
    )
    good(
        _name,
        "numbers",
        "momentum-zero-keeps-running",
        lambda f=_fn: _running_after(f, momentum=0),
        equals(lambda: (RMB, RVB)),
    )
    good(
        _name,
        "readonly/non-contiguous",
        "strided-running-updated-in-place",
        lambda f=_fn: _strided_running(f),
        equals(lambda: _running_by_hand(0.1)),
    )
    good(
        _name,
        "types",
        "float32-in-float32-out",
        lambda f=_fn: f(XB.astype(np.float32), WB.astype(np.float32), BB.astype(np.float32)).dtype,
        lambda r: same(r, np.dtype(np.float32)),
    )


def _running_after(fn, momentum=0.1, training=True):
    rm, rv = RMB.copy(), RVB.copy()
    fn(XB, WB, BB, rm, rv, training, momentum)
    return rm, rv


def _running_by_hand(momentum):
    """The update worked out here: the batch's mean and its unbiased variance (divide by m-1)."""
    m = XB.shape[0] * XB.shape[2] * XB.shape[3]
    per_channel = XB.transpose(1, 0, 2, 3).reshape(2, -1)
    mean = per_channel.sum(axis=1) / m
    unbiased = ((per_channel - mean[:, None]) ** 2).sum(axis=1) / (m - 1)
    return (1 - momentum) * RMB + momentum * mean, (1 - momentum) * RVB + momentum * unbiased


def _strided_running(fn):
    big_m, big_v = np.zeros(4), np.zeros(4)
    big_m[::2], big_v[::2] = RMB, RVB
    rm, rv = big_m[::2], big_v[::2]
    fn(XB, WB, BB, rm, rv)
    return big_m[::2].copy(), big_v[::2].copy()


for _name, _fn in (
    ("batch_norm2d_backward", ck.batch_norm2d_backward),
    ("batch_norm2d_backward_naive", ck.batch_norm2d_backward_naive),
):
    for _mode in (True, False):
        _tag = "train" if _mode else "eval"
        _stats = {} if _mode else dict(running_mean=RMB.copy(), running_var=RVB.copy())
        _ref_stats = (None, None) if _mode else (RMB, RVB)
        from_spec(
            Spec(
                _name,
                lambda f=_fn, **kw: f(**kw),
                lambda m=_mode, s=_stats: (
                    dict(dout=DOUTB.copy(), x=XB.copy(), weight=WB.copy(), training=m)
                    | {k: v.copy() for k, v in s.items()}
                ),
                tag=_tag,
                arrays={
                    "dout": dict(
                        ndim=[rand(2, 4, 5), rand(3, 2, 4, 5, 1)],
                        empty=(rand(0, 2, 4, 5), None),
                        nan=lambda d, m=_mode, s=_ref_stats: ref_bn_backward(d, XB, WB, *s, m),
                        tol=dict(rtol=1e-10, atol=1e-12),
                    ),
                    "x": dict(
                        ndim=BN_NDIM,
                        nan=lambda d, m=_mode, s=_ref_stats: ref_bn_backward(DOUTB, d, WB, *s, m),
                        tol=dict(rtol=1e-10, atol=1e-12),
                    ),
                    "weight": dict(
                        ndim=[rand(2, 1), rand(3)],
                        empty=(np.zeros(0), None),
                        none=equals(
                            lambda m=_mode, s=_ref_stats: ref_bn_backward(DOUTB, XB, None, *s, m),
                            rtol=1e-10,
                            atol=1e-12,
                        ),
                        nan=lambda d, m=_mode, s=_ref_stats: ref_bn_backward(DOUTB, XB, d, *s, m),
                        tol=dict(rtol=1e-10, atol=1e-12),
                    ),
                },
                reals={"eps": 1e-5},
                flags=("training",),
            )
        )
    good(
        _name,
        "empty",
        "empty-batch",
        lambda f=_fn: f(np.zeros((0, 2, 4, 5)), np.zeros((0, 2, 4, 5)), WB),
        lambda r: same(r, (np.zeros((0, 2, 4, 5)), np.zeros(2), np.zeros(2))),
    )
    good(
        _name,
        "readonly/non-contiguous",
        "training-ignores-read-only-running",
        lambda f=_fn: f(DOUTB, XB, WB, readonly(RMB), readonly(RVB), True),
        equals(lambda: ref_bn_backward(DOUTB, XB, WB), rtol=1e-10, atol=1e-12),
    )
    bad(
        _name,
        "numbers",
        "one-value-per-channel",
        lambda f=_fn: f(rand(1, 2, 1, 1), rand(1, 2, 1, 1), WB),
        ValueError,
        "one value per channel",
    )
    bad(
        _name,
        "types",
        "eval-without-running",
        lambda f=_fn: f(DOUTB, XB, WB, training=False),
        ValueError,
        "training=False",
        "running_mean",
    )


# -- batch normalisation: the layer ----------------------------------------------------


def _bn_layer(training=True):
    layer = ck.BatchNorm2D(2)
    layer.params["weight"][...] = WB
    layer.params["bias"][...] = BB
    return layer if training else layer.eval()


def _after_forward(layer, x):
    layer.forward(x)
    return layer


for _mode in (True, False):
    _tag = "train" if _mode else "eval"
    from_spec(
        Spec(
            "BatchNorm2D",
            lambda x, m=_mode: _bn_layer(m).forward(x),
            lambda: dict(x=XB.copy()),
            tag=f"forward-{_tag}",
            arrays={
                "x": dict(
                    ndim=BN_NDIM,
                    empty=(rand(0, 2, 4, 5), shaped((0, 2, 4, 5))),
                    nan=lambda d, m=_mode: ref_bn(
                        d, WB, BB, None if m else np.zeros(2), None if m else np.ones(2), m
                    ),
                    tol=dict(rtol=1e-10, atol=1e-12),
                )
            },
        )
    )
    from_spec(
        Spec(
            "BatchNorm2D",
            lambda dout, m=_mode: _after_forward(_bn_layer(m), XB).backward(dout),
            lambda: dict(dout=DOUTB.copy()),
            tag=f"backward-{_tag}",
            arrays={"dout": dict(ndim=[rand(2, 4, 5), rand(3, 2, 4, 5, 1)])},
        )
    )
from_spec(
    Spec(
        "BatchNorm2D",
        lambda **kw: (repr(layer := ck.BatchNorm2D(**kw)), layer.params),
        lambda: dict(num_features=3),
        tag="init",
        counts={"num_features": "num_features"},
        reals={"eps": 1e-5},
    )
)
for _id, _kw, _exc, _cat, _words in (
    ("momentum-above-one", dict(momentum=2.0), ValueError, "numbers", ("momentum=2.0",)),
    ("momentum-string", dict(momentum="0.1"), TypeError, "strings", ("momentum='0.1'",)),
    ("momentum-none", dict(momentum=None), TypeError, "types", ("momentum=None",)),
    ("dtype-int", dict(dtype=int), TypeError, "types", ("dtype=",)),
    ("dtype-float16", dict(dtype=np.float16), TypeError, "numbers", ("dtype=", "float16")),
    ("dtype-word", dict(dtype="floaty"), TypeError, "strings", ("dtype=",)),
):
    bad("BatchNorm2D", _cat, f"init-{_id}", lambda kw=_kw: ck.BatchNorm2D(2, **kw), _exc, *_words)
for _id, _call, _exc, _cat, _words in (
    (
        "forward-wrong-channels",
        lambda: ck.BatchNorm2D(3).forward(XB),
        ValueError,
        "ndim",
        ("BatchNorm2D(3) expects 3 channels", "(3, 2, 4, 5)", "BatchNorm2D(2)"),
    ),
    (
        "forward-one-value-per-channel",
        lambda: ck.BatchNorm2D(2).forward(rand(1, 2, 1, 1)),
        ValueError,
        "numbers",
        ("one value per channel", "model.eval()"),
    ),
    (
        "backward-before-forward",
        lambda: ck.BatchNorm2D(2).backward(DOUTB),
        RuntimeError,
        "types",
        ("backward called before forward",),
    ),
    (
        "backward-wrong-dout",
        lambda: _after_forward(ck.BatchNorm2D(2), XB).backward(DOUTB[:2]),
        ValueError,
        "ndim",
        ("dout", "(3, 2, 4, 5)", "(2, 2, 4, 5)"),
    ),
    (
        "train-mode-string",
        lambda: ck.BatchNorm2D(2).train("eval"),
        TypeError,
        "strings",
        ("mode='eval'",),
    ),
    (
        "output-shape-channels",
        lambda: ck.BatchNorm2D(2).output_shape((3, 4, 4)),
        ValueError,
        "ndim",
        ("expects 2 channels", "(3, 4, 4)"),
    ),
    (
        "output-shape-2d",
        lambda: ck.BatchNorm2D(2).output_shape((4, 4)),
        ValueError,
        "ndim",
        ("(4, 4)",),
    ),
):
    bad("BatchNorm2D", _cat, _id, _call, _exc, *_words)
good(
    "BatchNorm2D",
    "mutation",
    "eval-mode-keeps-running-statistics",
    lambda: _bn_eval_keeps(),
    lambda r: same(r, True),
)
good(
    "BatchNorm2D",
    "types",
    "float32-layer",
    lambda: ck.BatchNorm2D(2, dtype="float32").forward(XB.astype(np.float32)).dtype,
    lambda r: same(r, np.dtype(np.float32)),
)
good(
    "Sequential",
    "types",
    "eval-returns-the-model-in-evaluation-mode",
    lambda: [
        getattr(layer, "training", None)
        for layer in ck.Sequential(ck.BatchNorm2D(2), ck.ReLU()).eval().layers
    ],
    lambda r: same(r, [False, None]),
)
bad(
    "Sequential",
    "types",
    "train-mode-string",
    lambda: ck.Sequential(ck.BatchNorm2D(2)).train("eval"),
    TypeError,
    "mode='eval'",
)


def _bn_eval_keeps():
    layer = ck.BatchNorm2D(2).eval()
    layer.forward(XB)
    return bool(np.array_equal(layer.running_mean, np.zeros(2)))


__all__ = ["XB", "ref_bn", "ref_bn_backward", "_fail"]


# -- global average pooling ------------------------------------------------------------


def ref_gap(x):
    torch = _torch()
    if torch is None:
        return ck.global_avg_pool2d_naive(x)
    return torch.nn.functional.adaptive_avg_pool2d(torch.from_numpy(np.array(x, float)), 1)[
        :, :, 0, 0
    ].numpy()


def ref_gap_backward(dout, x):
    torch = _torch()
    if torch is None:
        return ck.global_avg_pool2d_backward_naive(dout, x)
    tx = torch.tensor(np.array(x, float), requires_grad=True)
    torch.nn.functional.adaptive_avg_pool2d(tx, 1)[:, :, 0, 0].backward(
        torch.from_numpy(np.array(dout, float))
    )
    return tx.grad.numpy()


DOUTG = rand(3, 2, seed=26)
for _name in ("global_avg_pool2d", "global_avg_pool2d_naive"):
    from_spec(
        Spec(
            _name,
            getattr(ck, _name),
            lambda: dict(x=XB.copy()),
            arrays={
                "x": dict(
                    ndim=BN_NDIM,
                    empty=(rand(0, 2, 4, 5), shaped((0, 2))),
                    nan=ref_gap,
                    tol=dict(rtol=1e-12, atol=1e-14),
                )
            },
        )
    )
    good(
        _name,
        "types",
        "float32-in-float32-out",
        lambda n=_name: getattr(ck, n)(XB.astype(np.float32)).dtype,
        lambda r: same(r, np.dtype(np.float32)),
    )
    bad(
        _name,
        "empty",
        "empty-map",
        lambda n=_name: getattr(ck, n)(np.zeros((2, 3, 0, 4))),
        ValueError,
        "x with shape (2, 3, 0, 4)",
        "only the batch axis",
    )
for _name in ("global_avg_pool2d_backward", "global_avg_pool2d_backward_naive"):
    from_spec(
        Spec(
            _name,
            getattr(ck, _name),
            lambda: dict(dout=DOUTG.copy(), x=XB.copy()),
            arrays={
                "dout": dict(
                    ndim=[rand(2), rand(3, 2, 1, 1)],
                    empty=(rand(0, 2), None),
                    nan=lambda d: ref_gap_backward(d, XB),
                ),
                "x": dict(ndim=BN_NDIM, nan=lambda d: ref_gap_backward(DOUTG, d)),
            },
        )
    )
    good(
        _name,
        "empty",
        "empty-batch",
        lambda n=_name: getattr(ck, n)(np.zeros((0, 2)), np.zeros((0, 2, 4, 5))),
        shaped((0, 2, 4, 5)),
    )
from_spec(
    Spec(
        "GlobalAvgPool2D",
        lambda x: ck.GlobalAvgPool2D().forward(x),
        lambda: dict(x=XB.copy()),
        tag="forward",
        arrays={
            "x": dict(
                ndim=BN_NDIM,
                empty=(rand(0, 2, 4, 5), shaped((0, 2))),
                nan=ref_gap,
                tol=dict(rtol=1e-12, atol=1e-14),
            )
        },
    )
)
from_spec(
    Spec(
        "GlobalAvgPool2D",
        lambda dout: _after_forward(ck.GlobalAvgPool2D(), XB).backward(dout),
        lambda: dict(dout=DOUTG.copy()),
        tag="backward",
        arrays={"dout": dict(ndim=[rand(2), rand(3, 2, 1, 1)])},
    )
)
for _id, _call, _exc, _cat, _words in (
    (
        "backward-before-forward",
        lambda: ck.GlobalAvgPool2D().backward(DOUTG),
        RuntimeError,
        "types",
        ("backward called before forward",),
    ),
    (
        "backward-dout-like-x",
        lambda: _after_forward(ck.GlobalAvgPool2D(), XB).backward(XB),
        ValueError,
        "ndim",
        ("dout", "(3, 2)", "(3, 2, 4, 5)"),
    ),
    (
        "output-shape-2d",
        lambda: ck.GlobalAvgPool2D().output_shape((4, 4)),
        ValueError,
        "ndim",
        ("(4, 4)",),
    ),
):
    bad("GlobalAvgPool2D", _cat, _id, _call, _exc, *_words)
good(
    "GlobalAvgPool2D",
    "numbers",
    "output-shape",
    lambda: (
        ck.GlobalAvgPool2D().output_shape((8, 5, 5)),
        ck.GlobalAvgPool2D().output_shape([2, 8, 5, 5]),
    ),
    lambda r: same(r, ((8,), (2, 8))),
)


# -- residual blocks -------------------------------------------------------------------


def _block():
    return ck.Residual(ck.Conv2D(2, 2, 3, padding=1, rng=0), ck.ReLU())


def ref_block(x):
    """relu(conv(x)) + x, with the reference convolution."""
    conv = ck.Conv2D(2, 2, 3, padding=1, rng=0)
    return np.maximum(ref_conv(x, conv.params["weight"], conv.params["bias"], padding=1), 0) + x


from_spec(
    Spec(
        "Residual",
        lambda x: _block().forward(x),
        lambda: dict(x=XB.copy()),
        tag="forward",
        arrays={
            "x": dict(
                ndim=BN_NDIM,
                empty=(rand(0, 2, 4, 5), shaped((0, 2, 4, 5))),
                nan=ref_block,
                tol=dict(rtol=1e-10, atol=1e-12),
            )
        },
    )
)
from_spec(
    Spec(
        "Residual",
        lambda dout: _after_forward(_block(), XB).backward(dout),
        lambda: dict(dout=DOUTB.copy()),
        tag="backward",
        arrays={"dout": dict(ndim=[rand(2, 4, 5), rand(3, 2, 4, 5, 1)])},
    )
)
for _id, _call, _exc, _cat, _words in (
    (
        "no-layers",
        lambda: ck.Residual(),
        ValueError,
        "empty",
        ("Residual() has no layers",),
    ),
    (
        "layers-in-a-list",
        lambda: ck.Residual([ck.ReLU()]),
        TypeError,
        "lists",
        ("Residual(*layers)",),
    ),
    ("a-class", lambda: ck.Residual(ck.ReLU), TypeError, "types", ("layer 0", "instances")),
    ("a-function", lambda: ck.Residual(ck.conv2d), TypeError, "types", ("not a cnnkit layer",)),
    (
        "shortcut-string",
        lambda: ck.Residual(ck.ReLU(), shortcut="conv"),
        TypeError,
        "strings",
        ("shortcut='conv'", "Conv2D(in, out, 1)"),
    ),
    (
        "shortcut-a-class",
        lambda: ck.Residual(ck.ReLU(), shortcut=ck.Conv2D),
        TypeError,
        "types",
        ("shortcut=",),
    ),
    (
        "shortcut-list",
        lambda: ck.Residual(ck.ReLU(), shortcut=[ck.Conv2D(2, 2, 1)]),
        TypeError,
        "lists",
        ("shortcut=[",),
    ),
    (
        "channels-change-without-shortcut",
        lambda: ck.Residual(ck.Conv2D(2, 3, 3, stride=2, padding=1)).forward(XB),
        ValueError,
        "ndim",
        ("(3, 3, 2, 3)", "(3, 2, 4, 5)", "shortcut=Conv2D(2, 3, kernel_size=1, stride=2)"),
    ),
    (
        "shortcut-of-the-wrong-size",
        lambda: ck.Residual(ck.Conv2D(2, 3, 1), shortcut=ck.Conv2D(2, 3, 1, stride=2)).forward(XB),
        ValueError,
        "numbers",
        ("(3, 3, 4, 5)", "(3, 3, 2, 3)", "change the shortcut or the body"),
    ),
    (
        "output-shape-mismatch",
        lambda: ck.Residual(ck.Conv2D(2, 2, 3)).output_shape((2, 4, 5)),
        ValueError,
        "numbers",
        ("(2, 2, 3)", "(2, 4, 5)", "padding"),
    ),
    (
        "summary-names-the-block",
        lambda: ck.Sequential(ck.Residual(ck.Conv2D(2, 2, 3))).summary((2, 4, 5)),
        ValueError,
        "numbers",
        ("layer 0 (Residual(Conv2D(2, 2, kernel_size=3)))", "(2, 4, 5)"),
    ),
    (
        "forward-names-the-inner-layer",
        lambda: _block().forward(rand(3, 5, 4, 5)),
        ValueError,
        "ndim",
        ("layer 0 (Conv2D(2, 2, kernel_size=3, padding=1))", "channels"),
    ),
    (
        "backward-before-forward",
        lambda: _block().backward(DOUTB),
        RuntimeError,
        "types",
        ("backward called before forward",),
    ),
    (
        "backward-wrong-dout",
        lambda: _after_forward(_block(), XB).backward(DOUTB[:, :1]),
        ValueError,
        "ndim",
        ("dout", "(3, 2, 4, 5)", "(3, 1, 4, 5)"),
    ),
    ("train-mode-string", lambda: _block().train("no"), TypeError, "strings", ("mode='no'",)),
):
    bad("Residual", _cat, _id, _call, _exc, *_words)
good(
    "Residual",
    "numbers",
    "summary-rows-inside",
    lambda: [
        (r.name, r.output_shape, r.params)
        for r in ck.Sequential(_block()).summary((2, 4, 5)).rows[0].parts
    ],
    lambda r: same(
        r,
        [
            ("body.0 Conv2D(2, 2, kernel_size=3, padding=1)", (2, 4, 5), 2 * 2 * 9 + 2),
            ("body.1 ReLU()", (2, 4, 5), 0),
            ("shortcut: identity, x itself", (2, 4, 5), 0),
        ],
    ),
)
good(
    "Residual",
    "mutation",
    "failed-backward-keeps-grads",
    lambda: _failed_backward_keeps(),
    lambda r: same(r, True),
)
good(
    "Residual",
    "types",
    "float32-block",
    lambda: (
        ck.Residual(ck.Conv2D(2, 2, 1, dtype=np.float32), ck.BatchNorm2D(2, dtype=np.float32))
        .forward(XB.astype(np.float32))
        .dtype
    ),
    lambda r: same(r, np.dtype(np.float32)),
)


def _failed_backward_keeps():
    block = _after_forward(_block(), XB)
    block.backward(DOUTB)
    before = {k: v.copy() for k, v in block.grads.items()}
    try:
        block.backward(DOUTB[:2])
    except ValueError:
        pass
    return all(np.array_equal(block.grads[k], v) for k, v in before.items())
