"""The conv2d_backward lab. Every function here is written as a learner would write it."""
from __future__ import annotations

import numpy as np
import pytest

from cnnkit.labs import check


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def backward_loops(dout, x, weight, stride, padding, *, batch="sum", dbias_axes=(0, 2, 3),
                   flip=False, dx_stride=True, dw_stride=True, crop=True):
    """A learner's loop backward pass, with one switch per classic mistake."""
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    N, F, OH, OW = dout.shape
    _, C, KH, KW = weight.shape
    dxp = np.zeros_like(xp)
    dweight = np.zeros_like(weight)
    ker = weight[:, :, ::-1, ::-1] if flip else weight
    for n in range(N):
        dw_n = np.zeros_like(weight)
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    g = dout[n, f, i, j]
                    r, c = (i * sh, j * sw) if dx_stride else (i, j)
                    dxp[n, :, r:r + KH, c:c + KW] += g * ker[f]
                    r, c = (i * sh, j * sw) if dw_stride else (i, j)
                    dw_n[f] += g * xp[n, :, r:r + KH, c:c + KW]
        if batch == "sum":
            dweight += dw_n
        elif batch == "last":
            dweight = dw_n
        elif batch == "first":
            dweight = dw_n if n == 0 else dweight
        else:
            dweight += dw_n / N
    dbias = dout.sum(axis=dbias_axes)
    dx = dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]] if crop else dxp
    return dx, dweight, dbias


def right_loops(dout, x, weight, stride, padding):
    return backward_loops(dout, x, weight, stride, padding)


def right_einsum_full_convolution(dout, x, weight, stride, padding):
    # another style: dweight by einsum over strided windows, dx as a full convolution of
    # the stride-dilated dout with the flipped kernel
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    N, F, OH, OW = dout.shape
    _, C, KH, KW = weight.shape
    s = xp.strides
    win = np.lib.stride_tricks.as_strided(
        xp, (N, C, OH, OW, KH, KW), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3]))
    dweight = np.einsum("nfij,ncijkl->fckl", dout, win)
    dbias = dout.sum(axis=(0, 2, 3))
    dil = np.zeros((N, F, (OH - 1) * sh + 1, (OW - 1) * sw + 1), dtype=dout.dtype)
    dil[:, :, ::sh, ::sw] = dout
    full = np.pad(dil, ((0, 0), (0, 0), (KH - 1, KH - 1), (KW - 1, KW - 1)))
    flipped = weight[:, :, ::-1, ::-1]
    dxp = np.zeros_like(xp)
    Hd, Wd = dil.shape[2] + KH - 1, dil.shape[3] + KW - 1
    for a in range(KH):
        for b in range(KW):
            dxp[:, :, :Hd, :Wd] += np.einsum("nfij,fc->ncij", full[:, :, a:a + Hd, b:b + Wd],
                                             flipped[:, :, a, b])
    return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]], dweight, dbias


@pytest.mark.parametrize("fn", [right_loops, right_einsum_full_convolution])
def test_right_backward_passes(fn):
    result = check("conv2d_backward", fn)
    assert result.passed, result.message


MISTAKES = [
    (dict(batch="last"), "dweight_not_summed"),
    (dict(batch="first"), "dweight_not_summed"),
    (dict(batch="mean"), "dweight_not_summed"),
    (dict(dbias_axes=(1, 2, 3)), "dbias_wrong_axis"),
    (dict(dbias_axes=(2, 3)), "dbias_wrong_axis"),
    (dict(flip=True), "dx_not_flipped"),
    (dict(dx_stride=False), "dx_stride_ignored"),
    (dict(dw_stride=False), "dweight_stride_ignored"),
    (dict(crop=False), "padding_not_cropped"),
]


@pytest.mark.parametrize("switch, mistake", MISTAKES)
def test_each_mistake_is_named(switch, mistake):
    def learner(dout, x, weight, stride, padding):
        return backward_loops(dout, x, weight, stride, padding, **switch)

    result = check("conv2d_backward", learner)
    assert not result.passed
    assert result.mistake == mistake, result.message


def test_two_mistakes_at_once_are_both_named():
    def learner(dout, x, weight, stride, padding):
        return backward_loops(dout, x, weight, stride, padding, batch="last",
                              dbias_axes=(1, 2, 3))

    result = check("conv2d_backward", learner)
    assert result.mistake == "dweight_not_summed"
    assert "last image only" in result.message and "one value per image" in result.message
