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
