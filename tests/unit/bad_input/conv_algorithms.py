"""Bad-input cases: Winograd and FFT convolution (cnnkit/conv_algorithms.py)."""

from __future__ import annotations

import cnnkit as ck

from .references import ref_conv
from .table import Spec, bad, equals, from_spec, good, rand, shaped

X4 = rand(2, 1, 8, 8)
W4 = rand(3, 1, 3, 3, seed=1)
B3 = rand(3, seed=2)
IMAGE_NDIM = [rand(8), rand(1, 1, 1, 8, 8)]
TOL = dict(rtol=1e-10, atol=1e-12)

for _name in ("conv2d_winograd", "conv2d_fft"):
    _fn = getattr(ck, _name)
    from_spec(
        Spec(
            _name,
            _fn,
            lambda: dict(x=X4.copy(), weight=W4.copy(), bias=B3.copy()),
            arrays={
                # NaN and inf are refused in x and weight: a tile transform or a Fourier
                # transform would spread them to outputs that never read them.
                "x": dict(
                    ndim=IMAGE_NDIM,
                    empty=(rand(0, 1, 8, 8), shaped((0, 3, 6, 6))),
                    nan="reject",
                    tol=TOL,
                ),
                "weight": dict(ndim=[rand(3, 3, 3), rand(1, 3, 1, 3, 3)], nan="reject", tol=TOL),
                "bias": dict(
                    ndim=[rand(3, 1)],
                    nan=lambda d: ref_conv(X4, W4, d),
                    none=equals(lambda: ref_conv(X4, W4), **TOL),
                    tol=TOL,
                ),
            },
            indices=("padding",),
            words={"padding": ("full", "half", "")},
        )
    )
    # Odd but legal: one 2-D image with one 2-D kernel; "same" padding; an (h, w) padding.
    good(
        _name,
        "ndim",
        "2d-image-2d-kernel",
        lambda f=_fn: f(X4[0, 0], W4[0, 0]),
        equals(lambda: ref_conv(X4[:1, :1], W4[:1])[0, 0], **TOL),
    )
    good(
        _name,
        "strings",
        "padding-same",
        lambda f=_fn: f(X4, W4, padding="same"),
        equals(lambda: ref_conv(X4, W4, padding=1), **TOL),
    )
    good(
        _name,
        "lists",
        "padding-pair",
        lambda f=_fn: f(X4, W4, padding=[2, 0]),
        equals(lambda: ref_conv(X4, W4, padding=(2, 0)), **TOL),
    )
    bad(
        _name,
        "numbers",
        "kernel-larger-than-input",
        lambda f=_fn: f(rand(1, 1, 2, 2), rand(1, 1, 3, 3)),
        ValueError,
        "kernel_size",
    )
    bad(
        _name,
        "ndim",
        "channels-differ",
        lambda f=_fn: f(rand(1, 2, 8, 8), W4),
        ValueError,
        "channels",
    )

# Winograd F(2x2, 3x3) computes 3x3 kernels only, and says what to use instead.
for _id, _w in (("5x5", rand(3, 1, 5, 5)), ("1x1", rand(3, 1, 1, 1)), ("3x5", rand(3, 1, 3, 5))):
    bad(
        "conv2d_winograd",
        "numbers",
        f"kernel-{_id}",
        lambda w=_w: ck.conv2d_winograd(X4, w),
        ValueError,
        "weight",
        "3x3",
        "conv2d_fft",
    )
bad(
    "conv2d_winograd",
    "ndim",
    "2d-kernel-5x5",
    lambda: ck.conv2d_winograd(X4[0, 0], rand(5, 5)),
    ValueError,
    "weight",
    "3x3",
)
# The FFT takes any kernel size, rectangular ones too.
for _id, _w in (("5x5", rand(3, 1, 5, 5)), ("1x1", rand(3, 1, 1, 1)), ("2x7", rand(3, 1, 2, 7))):
    good(
        "conv2d_fft",
        "numbers",
        f"kernel-{_id}",
        lambda w=_w: ck.conv2d_fft(X4, w, padding=1),
        equals(lambda w=_w: ref_conv(X4, w, padding=1), **TOL),
    )
