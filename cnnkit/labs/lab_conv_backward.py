"""The conv2d_backward lab: dx, dweight and dbias, each checked (and diagnosed) on its own."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..conv import conv2d_backward
from .conv_cases import conv_backward_cases
from .kit import pad4, pair
from .spec import Lab, Mistake, Part

__all__ = ["BACKWARD"]

DX, DWEIGHT, DBIAS = 0, 1, 2


def _right(dout, x, weight, stride, padding):
    return conv2d_backward(dout, x, weight, pair(stride), pair(padding))


def _grads(dout, x, weight, stride, padding, step: Any = None, flip: bool = False):
    """Padded dx and dweight by scattering each tap; ``step`` (default the stride) is where
    window (i, j) is taken to start, ``flip`` uses the kernel upside down for dx."""
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    th, tw = pair(step) if step is not None else (sh, sw)
    xp = pad4(x, ph, ph, pw, pw)
    dxp = np.zeros(xp.shape)
    dweight = np.zeros(weight.shape)
    kh, kw = weight.shape[2:]
    oh, ow = dout.shape[2:]
    w = weight[:, :, ::-1, ::-1] if flip else weight
    for a in range(kh):
        for b in range(kw):
            rows = slice(a, a + th * (oh - 1) + 1, th)
            cols = slice(b, b + tw * (ow - 1) + 1, tw)
            dweight[:, :, a, b] = np.einsum("nfij,ncij->fc", dout, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nfij,fc->ncij", dout, w[:, :, a, b])
    return dxp, dweight


def _crop(dxp, x, padding):
    ph, pw = pair(padding)
    return dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]


def _with(dout, x, weight, stride, padding, **changed):
    dx, dweight, dbias = _right(dout, x, weight, stride, padding)
    out = {"dx": dx, "dweight": dweight, "dbias": dbias, **changed}
    return out["dx"], out["dweight"], out["dbias"]


def _dweight_last_image(dout, x, weight, stride, padding):
    dweight = _right(dout[-1:], x[-1:], weight, stride, padding)[DWEIGHT]
    return _with(dout, x, weight, stride, padding, dweight=dweight)


def _dweight_first_image(dout, x, weight, stride, padding):
    dweight = _right(dout[:1], x[:1], weight, stride, padding)[DWEIGHT]
    return _with(dout, x, weight, stride, padding, dweight=dweight)


def _dweight_mean(dout, x, weight, stride, padding):
    dweight = _right(dout, x, weight, stride, padding)[DWEIGHT] / len(x)
    return _with(dout, x, weight, stride, padding, dweight=dweight)


def _dbias_axes(axes):
    def mistake(dout, x, weight, stride, padding):
        return _with(dout, x, weight, stride, padding, dbias=dout.sum(axis=axes))

    return mistake


def _dx_not_flipped(dout, x, weight, stride, padding):
    dxp, _ = _grads(dout, x, weight, stride, padding, flip=True)
    return _with(dout, x, weight, stride, padding, dx=_crop(dxp, x, padding))


def _dx_stride_ignored(dout, x, weight, stride, padding):
    dxp, _ = _grads(dout, x, weight, stride, padding, step=1)
    return _with(dout, x, weight, stride, padding, dx=_crop(dxp, x, padding))


def _dweight_stride_ignored(dout, x, weight, stride, padding):
    _, dweight = _grads(dout, x, weight, stride, padding, step=1)
    return _with(dout, x, weight, stride, padding, dweight=dweight)


def _dx_not_cropped(dout, x, weight, stride, padding):
    dxp, _ = _grads(dout, x, weight, stride, padding)
    return _with(dout, x, weight, stride, padding, dx=dxp)


_SUM_BATCH = (
    "the kernel is used on every image, so its gradient adds up the contributions "
    "of all images: accumulate dweight over n (+=), do not overwrite or average."
)
_DBIAS = (
    "bias[f] is added to every output node of channel f in every image: "
    "dbias = dout.sum(axis=(0, 2, 3)), shape (F,)."
)

_MISTAKES = (
    Mistake(
        "dweight_not_summed",
        "your dweight comes from the last image only: each image overwrites the one before.",
        _SUM_BATCH,
        _dweight_last_image,
        (DWEIGHT,),
    ),
    Mistake(
        "dweight_not_summed",
        "your dweight comes from the first image only.",
        _SUM_BATCH,
        _dweight_first_image,
        (DWEIGHT,),
    ),
    Mistake(
        "dweight_not_summed",
        "your dweight is averaged over the images instead of summed.",
        _SUM_BATCH + " (dout already carries the 1/N of a mean loss.)",
        _dweight_mean,
        (DWEIGHT,),
    ),
    Mistake(
        "dbias_wrong_axis",
        "your dbias sums over the wrong axes (one value per image instead of one per kernel).",
        _DBIAS,
        _dbias_axes((1, 2, 3)),
        (DBIAS,),
    ),
    Mistake(
        "dbias_wrong_axis",
        "your dbias keeps one value per image and kernel: it is not summed over the images.",
        _DBIAS,
        _dbias_axes((2, 3)),
        (DBIAS,),
    ),
    Mistake(
        "dbias_wrong_axis",
        "your dbias is summed over the images and rows but not over the columns.",
        _DBIAS,
        _dbias_axes((0, 2)),
        (DBIAS,),
    ),
    Mistake(
        "dx_not_flipped",
        "your dx correlates dout with the kernel as it is; the "
        "gradient of a correlation is a full convolution (the kernel turned by 180 "
        "degrees).",
        "send dout[n, f, i, j] * weight[f] back to the very window "
        "(i*sh : i*sh+KH, j*sw : j*sw+KW) it came from; that does the flip for you.",
        _dx_not_flipped,
        (DX,),
    ),
    Mistake(
        "dx_stride_ignored",
        "your dx puts window (i, j) back at (i, j) instead of (i * stride_h, j * stride_w).",
        "add into dxp[:, :, i*sh : i*sh+KH, j*sw : j*sw+KW], the same slice the forward pass read.",
        _dx_stride_ignored,
        (DX,),
    ),
    Mistake(
        "dweight_stride_ignored",
        "your dweight reads window (i, j) at (i, j) instead of (i * stride_h, j * stride_w).",
        "use the same window the forward pass read: xp[n, :, i*sh : i*sh+KH, j*sw : j*sw+KW].",
        _dweight_stride_ignored,
        (DWEIGHT,),
    ),
    Mistake(
        "padding_not_cropped",
        "your dx still has the padding around it (it has the padded input's shape).",
        "the padding was not part of x: return dxp[:, :, ph:ph+H, pw:pw+W].",
        _dx_not_cropped,
        (DX,),
    ),
)

BACKWARD = Lab(
    name="conv2d_backward",
    what="dx, dweight and dbias with stride, padding, pairs and float32",
    arg_names=("dout", "x", "weight", "stride", "padding"),
    returns=(Part("dx", "array"), Part("dweight", "array"), Part("dbias", "array")),
    make_cases=conv_backward_cases,
    expected=_right,
    mistakes=_MISTAKES,
)
