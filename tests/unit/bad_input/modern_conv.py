"""Bad-input cases: grouped convolution (``groups=``) and the transposed convolution."""

from __future__ import annotations

import math  # noqa: F401

import numpy as np

import cnnkit as ck

from .references import _torch
from .table import *  # noqa: F403
from .table import _fail, _timed, _with  # noqa: F401

# ---------------------------------------------------------------------- references


def ref_grouped(x, w, b=None, groups=2, stride=1, padding=0, dilation=1):
    """PyTorch's grouped convolution; without torch, one plain loop convolution per group."""
    torch = _torch()
    if torch is not None:
        t = lambda a: None if a is None else torch.from_numpy(np.array(a, float))  # noqa: E731
        return torch.nn.functional.conv2d(
            t(x), t(w), t(b), stride, padding, dilation, groups
        ).numpy()
    cg, fg = np.shape(x)[1] // groups, len(w) // groups
    return np.concatenate(
        [
            ck.conv2d_naive(
                np.asarray(x)[:, k * cg : (k + 1) * cg],
                np.asarray(w)[k * fg : (k + 1) * fg],
                None if b is None else np.asarray(b)[k * fg : (k + 1) * fg],
                stride,
                padding,
                dilation,
            )
            for k in range(groups)
        ],
        axis=1,
    )


def ref_grouped_backward(dout, x, w, groups=2):
    torch = _torch()
    dout = np.array(dout, float)
    if torch is None:
        return ck.conv2d_backward_naive(dout, x, w, groups=groups)
    tx = torch.tensor(np.array(x, float), requires_grad=True)
    tw = torch.tensor(np.array(w, float), requires_grad=True)
    torch.nn.functional.conv2d(tx, tw, None, groups=groups).backward(torch.from_numpy(dout))
    return tx.grad.numpy(), tw.grad.numpy(), dout.sum(axis=(0, 2, 3))


# ---------------------------------------------------------------------- groups=

XG = rand(2, 4, 7, 7, seed=20)
WG = rand(6, 2, 3, 3, seed=21)
BG = rand(6, seed=22)
DOUT_G = rand(2, 6, 5, 5, seed=23)
TOL = dict(rtol=1e-10, atol=1e-12)

for _name in ("conv2d", "conv2d_naive", "conv2d_im2col", "conv2d_forward"):
    _fn = getattr(ck, _name)
    _call = (
        (lambda f: lambda **kw: f(**kw)[0])
        if _name == "conv2d_forward"
        else (lambda f: lambda **kw: f(**kw))
    )(_fn)
    from_spec(
        Spec(
            _name,
            _call,
            lambda: dict(x=XG.copy(), weight=WG.copy(), bias=BG.copy(), groups=2),
            tag="groups",
            arrays={
                "x": dict(
                    ndim=[rand(7, 7), rand(1, 2, 4, 7, 7)],
                    empty=(rand(0, 4, 7, 7), shaped((0, 6, 5, 5))),
                    nan=lambda d: ref_grouped(d, WG, BG),
                    tol=TOL,
                ),
                "weight": dict(
                    ndim=[rand(6, 3, 3), rand(1, 6, 2, 3, 3)],
                    nan=lambda d: ref_grouped(XG, d, BG),
                    tol=TOL,
                ),
                "bias": dict(
                    ndim=[rand(6, 1)],
                    nan=lambda d: ref_grouped(XG, WG, d),
                    none=equals(lambda: ref_grouped(XG, WG), **TOL),
                ),
            },
            counts={"groups": "groups"},
        )
    )
    for _id, _kw, _words in (
        ("x-channels-not-divided", dict(x=rand(2, 3, 7, 7), groups=2), ("groups=2", "3")),
        ("kernels-not-divided", dict(weight=rand(5, 2, 3, 3)), ("groups=2", "5 kernels")),
        ("weight-too-deep", dict(weight=rand(6, 4, 3, 3)), ("weight", "(6, 2, KH, KW)")),
        ("weight-too-shallow", dict(weight=rand(6, 1, 3, 3)), ("weight", "(6, 2, KH, KW)")),
        ("bias-per-group", dict(bias=rand(3)), ("bias", "(6,)")),
        ("x-2d", dict(x=rand(7, 7), weight=rand(3, 3)), ("groups=2", "groups=1")),
        ("groups-above-channels", dict(groups=8), ("groups=8",)),
    ):
        _spec = dict(x=XG, weight=WG, bias=BG, groups=2) | _kw
        bad(_name, "numbers", f"groups-{_id}", lambda c=_call, k=_spec: c(**k), ValueError, *_words)
    good(
        _name,
        "numbers",
        "groups-depthwise",
        lambda c=_call: c(x=XG, weight=WG[:4, :1], bias=BG[:4], groups=4),
        equals(lambda: ref_grouped(XG, WG[:4, :1], BG[:4], groups=4), **TOL),
    )
    good(
        _name,
        "ndim",
        "groups-x-one-image-chw",
        lambda c=_call: c(x=XG[0], weight=WG, bias=BG, groups=2),
        equals(lambda: ref_grouped(XG[:1], WG, BG)[0], **TOL),
    )
    good(
        _name,
        "numbers",
        "groups-numpy-int",
        lambda c=_call: c(x=XG, weight=WG, bias=BG, groups=np.int64(2)),
        equals(lambda: ref_grouped(XG, WG, BG), **TOL),
    )

for _name in ("conv2d_backward", "conv2d_backward_naive", "conv2d_backward_im2col"):
    from_spec(
        Spec(
            _name,
            getattr(ck, _name),
            lambda: dict(dout=DOUT_G.copy(), x=XG.copy(), weight=WG.copy(), groups=2),
            tag="groups",
            arrays={
                "dout": dict(
                    ndim=[rand(6, 5, 5), rand(2, 6, 25)],
                    nan=lambda d: ref_grouped_backward(d, XG, WG),
                    tol=TOL,
                ),
                "x": dict(
                    ndim=[rand(1, 2, 4, 7, 7)],
                    nan=lambda d: ref_grouped_backward(DOUT_G, d, WG),
                    tol=TOL,
                ),
                "weight": dict(
                    ndim=[rand(6, 3, 3)], nan=lambda d: ref_grouped_backward(DOUT_G, XG, d), tol=TOL
                ),
            },
            counts={"groups": "groups"},
        )
    )
    for _id, _kw, _words in (
        ("dout-channels-of-one-group", dict(dout=DOUT_G[:, :3]), ("dout", "(2, 6, 5, 5)")),
        ("kernels-not-divided", dict(weight=rand(5, 2, 3, 3)), ("groups=2", "5 kernels")),
        ("weight-too-deep", dict(weight=rand(6, 4, 3, 3)), ("weight", "(6, 2, KH, KW)")),
    ):
        _spec = dict(dout=DOUT_G, x=XG, weight=WG, groups=2) | _kw
        bad(
            _name,
            "numbers",
            f"groups-{_id}",
            lambda f=getattr(ck, _name), k=_spec: f(**k),
            ValueError,
            *_words,
        )
    good(
        _name,
        "empty",
        "groups-empty-batch",
        lambda f=getattr(ck, _name): f(
            np.zeros((0, 6, 5, 5)), np.zeros((0, 4, 7, 7)), WG, groups=2
        ),
        lambda r: (
            shaped((0, 4, 7, 7))(r[0]),
            same(r[1], np.zeros_like(WG)),
            same(r[2], np.zeros(6)),
        ),
    )

# the layer: groups must divide both channel counts
from_spec(
    Spec(
        "Conv2D",
        lambda **kw: (repr(ck.Conv2D(**kw)), ck.Conv2D(**kw).params),
        lambda: dict(in_channels=4, out_channels=6, kernel_size=3, groups=2, rng=0),
        tag="init-groups",
        counts={"groups": "groups"},
    )
)
for _id, _kw, _words in (
    ("in-not-divided", dict(in_channels=3), ("groups=2", "in_channels=3")),
    ("out-not-divided", dict(out_channels=5), ("groups=2", "out_channels=5")),
):
    bad(
        "Conv2D",
        "numbers",
        f"init-groups-{_id}",
        lambda k=_kw: ck.Conv2D(
            **(dict(in_channels=4, out_channels=6, kernel_size=3, groups=2) | k)
        ),
        ValueError,
        *_words,
    )
good(
    "Conv2D",
    "numbers",
    "init-groups-depthwise-weight-shape",
    lambda: ck.Conv2D(5, 10, 3, groups=5, rng=0).params["weight"].shape,
    lambda shape: None if shape == (10, 1, 3, 3) else _fail(f"weight shape {shape}"),
)


# ---------------------------------------------------------------------- transposed convolution


def ref_transpose(x, w, b=None, stride=2, padding=0, output_padding=0, groups=1, dilation=1):
    """PyTorch's conv_transpose2d; without torch, cnnkit's loops (held equal to it)."""
    torch = _torch()
    args = (stride, padding, output_padding, groups, dilation)
    if torch is None:
        return ck.conv_transpose2d_naive(x, w, b, *args)
    t = lambda a: None if a is None else torch.from_numpy(np.array(a, float))  # noqa: E731
    return torch.nn.functional.conv_transpose2d(t(x), t(w), t(b), *args).numpy()


def ref_transpose_backward(dout, x, w, stride=2):
    torch = _torch()
    dout = np.array(dout, float)
    if torch is None:
        return ck.conv_transpose2d_backward(dout, x, w, stride)
    tx = torch.tensor(np.array(x, float), requires_grad=True)
    tw = torch.tensor(np.array(w, float), requires_grad=True)
    out = torch.nn.functional.conv_transpose2d(tx, tw, None, stride)
    out.backward(torch.from_numpy(dout))
    return tx.grad.numpy(), tw.grad.numpy(), dout.sum(axis=(0, 2, 3))


XT4 = rand(2, 2, 4, 4, seed=30)
WT = rand(2, 3, 3, 3, seed=31)
BT = rand(3, seed=32)
DOUT_T = rand(2, 3, 9, 9, seed=33)  # (4-1)*2 + 3 = 9

for _name in ("conv_transpose2d", "conv_transpose2d_naive"):
    from_spec(
        Spec(
            _name,
            getattr(ck, _name),
            lambda: dict(x=XT4.copy(), weight=WT.copy(), bias=BT.copy(), stride=2),
            arrays={
                "x": dict(
                    ndim=[rand(8), rand(1, 2, 2, 4, 4)],
                    empty=(rand(0, 2, 4, 4), shaped((0, 3, 9, 9))),
                    nan=lambda d: ref_transpose(d, WT, BT),
                    tol=TOL,
                ),
                "weight": dict(
                    ndim=[rand(2, 3, 3), rand(1, 2, 3, 3, 3)],
                    nan=lambda d: ref_transpose(XT4, d, BT),
                    tol=TOL,
                ),
                "bias": dict(
                    ndim=[rand(3, 1)],
                    nan=lambda d: ref_transpose(XT4, WT, d),
                    none=equals(lambda: ref_transpose(XT4, WT), **TOL),
                ),
            },
            counts={"stride": "stride", "dilation": "dilation", "groups": "groups"},
            indices=("padding", "output_padding"),
        ),
        pair_args=("stride", "dilation"),
    )
    _fn = getattr(ck, _name)
    for _id, _kw, _exc, _words in (
        ("weight-in-conv2d-layout", dict(weight=rand(3, 2, 3, 3)), ValueError, ("FIRST axis",)),
        (
            "output-padding-not-below-stride",
            dict(output_padding=2),
            ValueError,
            ("output_padding=2", "stride=2"),
        ),
        ("padding-crops-everything", dict(padding=5), ValueError, ("padding=5",)),
        ("padding-same", dict(padding="same"), TypeError, ("padding='same'",)),
        (
            "groups-not-dividing",
            dict(groups=2, x=rand(2, 3, 4, 4), weight=rand(3, 3, 3, 3)),
            ValueError,
            ("groups=2",),
        ),
        ("bias-of-input-channels", dict(bias=rand(2)), ValueError, ("bias", "(3,)")),
        ("x-2d-with-4d-weight", dict(x=rand(4, 4)), ValueError, ("weight", "2-D kernel")),
    ):
        _spec = dict(x=XT4, weight=WT, bias=BT, stride=2) | _kw
        bad(
            _name,
            "numbers" if _exc is ValueError else "strings",
            _id,
            lambda f=_fn, k=_spec: f(**k),
            _exc,
            *_words,
        )
    good(
        _name,
        "numbers",
        "output-padding-not-below-stride-but-below-dilation",
        lambda f=_fn: f(XT4, WT, BT, stride=1, output_padding=1, dilation=2),
        equals(lambda: ref_transpose(XT4, WT, BT, 1, 0, 1, 1, 2), **TOL),
    )
    good(
        _name,
        "numbers",
        "groups-depthwise",
        lambda f=_fn: f(XT4, WT[:, :1], BT[:2], stride=2, groups=2),
        equals(lambda: ref_transpose(XT4, WT[:, :1], BT[:2], groups=2), **TOL),
    )
    good(
        _name,
        "ndim",
        "x-one-image-chw",
        lambda f=_fn: f(XT4[0], WT, BT, stride=2),
        equals(lambda: ref_transpose(XT4[:1], WT, BT)[0], **TOL),
    )
    good(
        _name,
        "ndim",
        "x-2d-with-2d-kernel",
        lambda f=_fn: f(XT4[0, 0], WT[0, 0], stride=2),
        equals(lambda: ref_transpose(XT4[:1, :1], WT[:1, :1])[0, 0], **TOL),
    )

from_spec(
    Spec(
        "conv_transpose2d_backward",
        ck.conv_transpose2d_backward,
        lambda: dict(dout=DOUT_T.copy(), x=XT4.copy(), weight=WT.copy(), stride=2),
        arrays={
            "dout": dict(
                ndim=[rand(3, 9, 9), rand(2, 3, 81)],
                nan=lambda d: ref_transpose_backward(d, XT4, WT),
                tol=TOL,
            ),
            "x": dict(
                ndim=[rand(8), rand(1, 2, 2, 4, 4)],
                nan=lambda d: ref_transpose_backward(DOUT_T, d, WT),
                tol=TOL,
            ),
            "weight": dict(
                ndim=[rand(2, 3, 3)],
                nan=lambda d: ref_transpose_backward(DOUT_T, XT4, d),
                tol=TOL,
            ),
        },
        counts={"dilation": "dilation", "groups": "groups"},
        indices=("padding", "output_padding"),
    ),
    pair_args=("dilation",),
)
bad(
    "conv_transpose2d_backward",
    "ndim",
    "dout-of-the-convolution-shape",
    lambda: ck.conv_transpose2d_backward(XT4, XT4, WT, stride=2),
    ValueError,
    "dout",
    "(2, 3, 9, 9)",
)
good(
    "conv_transpose2d_backward",
    "empty",
    "empty-batch",
    lambda: ck.conv_transpose2d_backward(np.zeros((0, 3, 9, 9)), np.zeros((0, 2, 4, 4)), WT, 2),
    lambda r: (
        shaped((0, 2, 4, 4))(r[0]),
        same(r[1], np.zeros_like(WT)),
        same(r[2], np.zeros(3)),
    ),
)

from_spec(
    Spec(
        "conv_transpose_output_size",
        ck.conv_transpose_output_size,
        lambda: dict(n=4, kernel_size=3, stride=2, padding=1, output_padding=1),
        counts={
            "n": lambda r: None if r == 2 * 10**18 else _fail(r),
            "kernel_size": lambda r: None if r == 10**18 + 5 else _fail(r),
            "stride": lambda r: None if r == 3 * 10**18 + 2 else _fail(r),
            "dilation": lambda r: None if r == 2 * 10**18 + 6 else _fail(r),
        },
        indices=("padding", "output_padding"),
    )
)
for _id, _kw, _words in (
    ("output-padding-equal-to-stride", dict(output_padding=2), ("output_padding=2", "stride=2")),
    ("padding-crops-everything", dict(n=1, kernel_size=1, padding=1), ("padding=1", "or less")),
):
    bad(
        "conv_transpose_output_size",
        "numbers",
        _id,
        lambda k=dict(n=4, kernel_size=3, stride=2, padding=1, output_padding=1) | _kw: (
            ck.conv_transpose_output_size(**k)
        ),
        ValueError,
        *_words,
    )
good(
    "conv_transpose_output_size",
    "numbers",
    "pytorch-example-doubles-the-size",
    lambda: ck.conv_transpose_output_size(16, 4, stride=2, padding=1),
    lambda r: None if r == 32 else _fail(r),
)

# the layer
from .layers_model import _after_forward, _failed_backward, _in_repr  # noqa: E402


def _transpose_layer():
    return ck.ConvTranspose2D(2, 3, 3, stride=2, rng=0)


_OUT_T = _transpose_layer().forward(XT4)
from_spec(
    Spec(
        "ConvTranspose2D",
        lambda x: _transpose_layer().forward(x),
        lambda: dict(x=XT4.copy()),
        tag="forward",
        arrays={
            "x": dict(
                ndim=[rand(2, 4, 4), rand(1, 2, 2, 4, 4)],
                empty=(np.zeros((0, 2, 4, 4)), shaped((0, 3, 9, 9))),
                nan=lambda d: ref_transpose(
                    d, _transpose_layer().params["weight"], _transpose_layer().params["bias"]
                ),
                tol=TOL,
            )
        },
    )
)
from_spec(
    Spec(
        "ConvTranspose2D",
        lambda dout: _after_forward(_transpose_layer(), XT4).backward(dout),
        lambda: dict(dout=np.ones_like(_OUT_T)),
        tag="backward",
        arrays={"dout": dict(ndim=[np.ones(_OUT_T.shape[1:]), np.ones(_OUT_T.shape + (1,))])},
    )
)
bad(
    "ConvTranspose2D",
    "types",
    "backward-before-forward",
    lambda: _transpose_layer().backward(np.ones_like(_OUT_T)),
    RuntimeError,
    "backward called before forward",
)
good(
    "ConvTranspose2D",
    "mutation",
    "failed-backward-keeps-grads",
    lambda: _failed_backward(_transpose_layer(), XT4, _OUT_T),
    lambda r: None,
)
bad(
    "ConvTranspose2D",
    "ndim",
    "x-wrong-channels",
    lambda: _transpose_layer().forward(rand(2, 3, 4, 4)),
    ValueError,
    "x has 3 channels",
)
from_spec(
    Spec(
        "ConvTranspose2D",
        lambda **kw: (repr(ck.ConvTranspose2D(**kw)), ck.ConvTranspose2D(**kw).params),
        lambda: dict(in_channels=2, out_channels=4, kernel_size=3, stride=2, rng=0),
        tag="init",
        counts={
            "in_channels": "in_channels",
            "out_channels": "out_channels",
            "kernel_size": "kernel_size",
            "stride": _in_repr("stride=1000000000000000000"),
            "dilation": _in_repr("dilation=1000000000000000000"),
            "groups": "groups",
        },
        indices=("padding", "output_padding"),
        seeds=("rng",),
    ),
    pair_args=("kernel_size", "stride", "dilation"),
)
for _id, _dtype, _cat in (
    ("int", int, "types"),
    ("float16", np.float16, "numbers"),
    ("word", "floaty", "strings"),
):
    bad(
        "ConvTranspose2D",
        _cat,
        f"dtype-{_id}",
        lambda d=_dtype: ck.ConvTranspose2D(2, 2, 3, dtype=d),
        TypeError,
        "dtype=",
    )
bad(
    "ConvTranspose2D",
    "numbers",
    "init-output-padding-not-below-stride",
    lambda: ck.ConvTranspose2D(2, 2, 3, stride=2, output_padding=2),
    ValueError,
    "output_padding=2",
)
good(
    "ConvTranspose2D",
    "types",
    "dtype-float32",
    lambda: (
        ck.ConvTranspose2D(2, 2, 3, rng=0, dtype=np.float32).forward(XT4.astype(np.float32)).dtype
    ),
    lambda d: None if d == np.float32 else _fail(d),
)
