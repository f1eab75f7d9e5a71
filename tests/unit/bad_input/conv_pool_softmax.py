"""Bad-input cases: convolution, pooling, softmax and cross-entropy."""

from __future__ import annotations

import math  # noqa: F401

import numpy as np

import cnnkit as ck

from .references import *  # noqa: F403
from .table import *  # noqa: F403
from .table import _fail, _timed, _with  # noqa: F401

X4 = rand(2, 1, 8, 8)
W4 = rand(3, 1, 3, 3, seed=1)
B3 = rand(3, seed=2)
DOUT_CONV = rand(2, 3, 6, 6, seed=3)
DOUT_POOL = rand(2, 1, 4, 4, seed=4)
IMAGE_NDIM = [rand(8), rand(1, 1, 1, 8, 8)]

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
            lambda: dict(x=X4.copy(), weight=W4.copy(), bias=B3.copy()),
            arrays={
                "x": dict(
                    ndim=IMAGE_NDIM,
                    empty=(rand(0, 1, 8, 8), shaped((0, 3, 6, 6))),
                    nan=lambda d: ref_conv(d, W4, B3),
                    tol=dict(rtol=1e-10, atol=1e-12),
                ),
                "weight": dict(
                    ndim=[rand(3, 3, 3), rand(1, 3, 1, 3, 3)],
                    nan=lambda d: ref_conv(X4, d, B3),
                    tol=dict(rtol=1e-10, atol=1e-12),
                ),
                "bias": dict(
                    ndim=[rand(3, 1)],
                    nan=lambda d: ref_conv(X4, W4, d),
                    none=equals(lambda: ref_conv(X4, W4), rtol=1e-10, atol=1e-12),
                ),
            },
            counts={"stride": shaped((2, 3, 1, 1)), "dilation": "dilated kernel"},
            indices=("padding",),
            words={"padding": ("full", "half", "")},
        ),
        pair_args=("stride", "dilation"),
    )

for _name in ("conv2d_backward", "conv2d_backward_naive", "conv2d_backward_im2col"):
    from_spec(
        Spec(
            _name,
            getattr(ck, _name),
            lambda: dict(dout=DOUT_CONV.copy(), x=X4.copy(), weight=W4.copy()),
            arrays={
                "dout": dict(
                    ndim=[rand(3, 6, 6), rand(2, 3, 36)],
                    nan=lambda d: ref_conv_backward(d, X4, W4),
                    tol=dict(rtol=1e-10, atol=1e-12),
                ),
                "x": dict(
                    ndim=IMAGE_NDIM,
                    nan=lambda d: ref_conv_backward(DOUT_CONV, d, W4),
                    tol=dict(rtol=1e-10, atol=1e-12),
                ),
                "weight": dict(
                    ndim=[rand(3, 3, 3)],
                    nan=lambda d: ref_conv_backward(DOUT_CONV, X4, d),
                    tol=dict(rtol=1e-10, atol=1e-12),
                ),
            },
            counts={"dilation": "dilated kernel"},
            indices=("padding",),
            words={"padding": ("full",)},
        ),
        pair_args=("dilation",),
    )
    good(
        _name,
        "empty",
        "empty-batch",
        lambda f=getattr(ck, _name): f(np.zeros((0, 3, 6, 6)), np.zeros((0, 1, 8, 8)), W4),
        lambda r: (
            shaped((0, 1, 8, 8))(r[0]),
            same(r[1], np.zeros_like(W4)),
            same(r[2], np.zeros(3)),
        ),
    )

for _kind in ("max", "avg"):
    for _suffix in ("", "_naive", "_windows", "_forward"):
        _name = f"{_kind}_pool2d{_suffix}"
        if not hasattr(ck, _name):
            continue
        _fn = getattr(ck, _name)
        _call = (
            (lambda f: lambda **kw: f(**kw)[0])
            if _suffix == "_forward"
            else (lambda f: lambda **kw: f(**kw))
        )(_fn)
        from_spec(
            Spec(
                _name,
                _call,
                lambda: dict(x=X4.copy(), kernel_size=2),
                arrays={
                    "x": dict(
                        ndim=IMAGE_NDIM,
                        empty=(rand(0, 1, 8, 8), shaped((0, 1, 4, 4))),
                        nan=lambda d, k=_kind: ref_pool(k, d, 2),
                    )
                },
                counts={"kernel_size": None, "stride": shaped((2, 1, 1, 1))},
            ),
            pair_args=("kernel_size", "stride"),
        )
    for _suffix in ("", "_naive", "_windows"):
        _name = f"{_kind}_pool2d_backward{_suffix}"
        if not hasattr(ck, _name):
            continue
        from_spec(
            Spec(
                _name,
                getattr(ck, _name),
                lambda: dict(dout=DOUT_POOL.copy(), x=X4.copy(), kernel_size=2),
                arrays={
                    "dout": dict(
                        ndim=[rand(1, 4, 4), rand(2, 1, 16)],
                        nan=lambda d, k=_kind: ref_pool_backward(k, d, X4, 2),
                    ),
                    "x": dict(
                        ndim=IMAGE_NDIM,
                        nan=lambda d, k=_kind: ref_pool_backward(k, DOUT_POOL, d, 2),
                    ),
                },
                counts={"kernel_size": None},
            ),
            pair_args=("kernel_size",),
        )
        good(
            _name,
            "empty",
            "empty-batch",
            lambda f=getattr(ck, _name): f(np.zeros((0, 1, 4, 4)), np.zeros((0, 1, 8, 8)), 2),
            shaped((0, 1, 8, 8)),
        )

for _name, _log in (("softmax", False), ("log_softmax", True)):
    from_spec(
        Spec(
            _name,
            getattr(ck, _name),
            lambda: dict(logits=rand(3, 5)),
            arrays={
                "logits": dict(
                    ndim=[np.float64(1.0)],
                    empty=(rand(0, 5), shaped((0, 5))),
                    nan=lambda d, lg=_log: ref_softmax(d, lg),
                )
            },
        )
    )
    good(
        _name,
        "nan/inf",
        "logits-inf",
        lambda f=getattr(ck, _name): f(np.array([[np.inf, 0.0, 1.0], [-np.inf, 0.0, 1.0]])),
        equals(
            lambda lg=_log: ref_softmax(np.array([[np.inf, 0.0, 1.0], [-np.inf, 0.0, 1.0]]), lg)
        ),
    )
    good(
        _name,
        "empty",
        "no-classes",
        lambda f=getattr(ck, _name): f(np.zeros((2, 0))),
        shaped((2, 0)),
    )

Y3 = np.array([0, 4, 2])
from_spec(
    Spec(
        "softmax_cross_entropy",
        ck.softmax_cross_entropy,
        lambda: dict(logits=rand(3, 5), labels=Y3.copy()),
        arrays={
            "logits": dict(
                ndim=[rand(5), rand(3, 1, 5)],
                empty=(rand(0, 5), None),
                nan=lambda d: ref_cross_entropy(d, Y3),
            )
        },
    )
)

# fewer axes where they are legal: one (C, H, W) image, or one 2-D image with a 2-D kernel
for _name in ("conv2d", "conv2d_naive", "conv2d_im2col"):
    _fn = getattr(ck, _name)
    good(
        _name,
        "ndim",
        "x-one-image-chw",
        lambda f=_fn: f(X4[0], W4, B3),
        equals(lambda: ref_conv(X4[:1], W4, B3)[0], rtol=1e-10, atol=1e-12),
    )
    good(
        _name,
        "ndim",
        "x-2d-with-2d-kernel",
        lambda f=_fn: f(X4[0, 0], W4[0, 0]),
        equals(lambda: ref_conv(X4[:1], W4[:1])[0, 0], rtol=1e-10, atol=1e-12),
    )
for _kind in ("max", "avg"):
    for _suffix in ("", "_naive", "_windows"):
        _fn = getattr(ck, f"{_kind}_pool2d{_suffix}")
        good(
            f"{_kind}_pool2d{_suffix}",
            "ndim",
            "x-one-image-chw",
            lambda f=_fn: f(X4[0], 2),
            equals(lambda k=_kind: ref_pool(k, X4[:1], 2)[0]),
        )
        good(
            f"{_kind}_pool2d{_suffix}",
            "ndim",
            "x-2d",
            lambda f=_fn: f(X4[0, 0], 2),
            equals(lambda k=_kind: ref_pool(k, X4[:1], 2)[0, 0]),
        )
for _name, _log in (("softmax", False), ("log_softmax", True)):
    for _shape in ((5,), (2, 3, 5)):
        _z = rand(*_shape, seed=11)
        good(
            _name,
            "ndim",
            f"logits-{len(_shape)}d",
            lambda f=getattr(ck, _name), z=_z: f(z),
            equals(lambda z=_z, lg=_log: ref_softmax(z, lg), rtol=1e-12, atol=1e-15),
        )

# the words padding takes, against PyTorch's own padding words
for _name in ("conv2d", "conv2d_naive", "conv2d_im2col"):
    _fn = getattr(ck, _name)
    for _word in ("valid", "same"):
        good(
            _name,
            "strings",
            f"padding-{_word}",
            lambda f=_fn, p=_word: f(X4, W4, B3, padding=p),
            equals(lambda p=_word: ref_conv(X4, W4, B3, padding=p), rtol=1e-10, atol=1e-12),
        )
