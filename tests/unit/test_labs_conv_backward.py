"""The conv2d_backward lab. Every function here is written as a learner would write it."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit.labs import check


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _setup(x, weight, stride, padding):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    return sh, sw, ph, pw, np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))), weight.shape[2:]


def right_loops(dout, x, weight, stride, padding):
    sh, sw, ph, pw, xp, (KH, KW) = _setup(x, weight, stride, padding)
    dxp, dweight = np.zeros_like(xp), np.zeros_like(weight)
    N, F, OH, OW = dout.shape
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    g = dout[n, f, i, j]
                    dxp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW] += g * weight[f]
                    dweight[f] += g * xp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
    dx = dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]
    return dx, dweight, dout.sum(axis=(0, 2, 3))


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
        xp, (N, C, OH, OW, KH, KW), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3])
    )
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
            dxp[:, :, :Hd, :Wd] += np.einsum(
                "nfij,fc->ncij", full[:, :, a : a + Hd, b : b + Wd], flipped[:, :, a, b]
            )
    return dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]], dweight, dbias


@pytest.mark.parametrize("fn", [right_loops, right_einsum_full_convolution])
def test_right_backward_passes(fn):
    result = check("conv2d_backward", fn)
    assert result.passed, result.message


# --- the classic mistakes, each a whole function as a learner would write it --------------
# Each differs from right_loops in the line marked "# mistake".


def dweight_last_image(dout, x, weight, stride, padding):
    sh, sw, ph, pw, xp, (KH, KW) = _setup(x, weight, stride, padding)
    dxp = np.zeros_like(xp)
    N, F, OH, OW = dout.shape
    for n in range(N):
        dweight = np.zeros_like(weight)  # mistake: started again for every image
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    g = dout[n, f, i, j]
                    dxp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW] += g * weight[f]
                    dweight[f] += g * xp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
    dx = dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]
    return dx, dweight, dout.sum(axis=(0, 2, 3))


def dweight_first_image(dout, x, weight, stride, padding):
    sh, sw, ph, pw, xp, (KH, KW) = _setup(x, weight, stride, padding)
    dxp, dweight = np.zeros_like(xp), np.zeros_like(weight)
    N, F, OH, OW = dout.shape
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    g = dout[n, f, i, j]
                    dxp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW] += g * weight[f]
                    if n == 0:  # mistake: only the first image counts
                        dweight[f] += g * xp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
    dx = dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]
    return dx, dweight, dout.sum(axis=(0, 2, 3))


def dweight_averaged(dout, x, weight, stride, padding):
    dx, dweight, dbias = right_loops(dout, x, weight, stride, padding)
    return dx, dweight / x.shape[0], dbias  # mistake: a mean over the images


def dbias_per_image(dout, x, weight, stride, padding):
    dx, dweight, _ = right_loops(dout, x, weight, stride, padding)
    return dx, dweight, dout.sum(axis=(1, 2, 3))  # mistake: wrong axes


def dbias_not_summed_over_images(dout, x, weight, stride, padding):
    dx, dweight, _ = right_loops(dout, x, weight, stride, padding)
    return dx, dweight, dout.sum(axis=(2, 3))  # mistake: axis 0 left out


def dx_without_flip(dout, x, weight, stride, padding):
    # full correlation of the padded dout with the kernel as it is (not turned around)
    sh, sw, ph, pw, xp, (KH, KW) = _setup(x, weight, stride, padding)
    N, F, OH, OW = dout.shape
    dil = np.zeros((N, F, (OH - 1) * sh + 1, (OW - 1) * sw + 1), dtype=dout.dtype)
    dil[:, :, ::sh, ::sw] = dout
    full = np.pad(dil, ((0, 0), (0, 0), (KH - 1, KH - 1), (KW - 1, KW - 1)))
    dxp = np.zeros_like(xp)
    for r in range(dil.shape[2] + KH - 1):
        for c in range(dil.shape[3] + KW - 1):
            win = full[:, :, r : r + KH, c : c + KW]
            dxp[:, :, r, c] = np.einsum("nfkl,fckl->nc", win, weight)  # mistake: no flip
    dx = dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]
    _, dweight, dbias = right_loops(dout, x, weight, stride, padding)
    return dx, dweight, dbias


def dx_stride_ignored(dout, x, weight, stride, padding):
    sh, sw, ph, pw, xp, (KH, KW) = _setup(x, weight, stride, padding)
    dxp, dweight = np.zeros_like(xp), np.zeros_like(weight)
    N, F, OH, OW = dout.shape
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    g = dout[n, f, i, j]
                    dxp[n, :, i : i + KH, j : j + KW] += g * weight[f]  # mistake: at (i, j)
                    dweight[f] += g * xp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
    dx = dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]
    return dx, dweight, dout.sum(axis=(0, 2, 3))


def dweight_stride_ignored(dout, x, weight, stride, padding):
    sh, sw, ph, pw, xp, (KH, KW) = _setup(x, weight, stride, padding)
    dxp, dweight = np.zeros_like(xp), np.zeros_like(weight)
    N, F, OH, OW = dout.shape
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    g = dout[n, f, i, j]
                    dxp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW] += g * weight[f]
                    dweight[f] += g * xp[n, :, i : i + KH, j : j + KW]  # mistake: at (i, j)
    dx = dxp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]
    return dx, dweight, dout.sum(axis=(0, 2, 3))


def dx_padding_not_cropped(dout, x, weight, stride, padding):
    sh, sw, ph, pw, xp, (KH, KW) = _setup(x, weight, stride, padding)
    dxp, dweight = np.zeros_like(xp), np.zeros_like(weight)
    N, F, OH, OW = dout.shape
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    g = dout[n, f, i, j]
                    dxp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW] += g * weight[f]
                    dweight[f] += g * xp[n, :, i * sh : i * sh + KH, j * sw : j * sw + KW]
    return dxp, dweight, dout.sum(axis=(0, 2, 3))  # mistake: dxp still padded


MISTAKES = [
    (dweight_last_image, "dweight_not_summed"),
    (dweight_first_image, "dweight_not_summed"),
    (dweight_averaged, "dweight_not_summed"),
    (dbias_per_image, "dbias_wrong_axis"),
    (dbias_not_summed_over_images, "dbias_wrong_axis"),
    (dx_without_flip, "dx_not_flipped"),
    (dx_stride_ignored, "dx_stride_ignored"),
    (dweight_stride_ignored, "dweight_stride_ignored"),
    (dx_padding_not_cropped, "padding_not_cropped"),
]


@pytest.mark.parametrize("fn, mistake", MISTAKES, ids=[f.__name__ for f, _ in MISTAKES])
def test_each_mistake_is_named(fn, mistake):
    result = check("conv2d_backward", fn)
    assert not result.passed
    assert result.mistake == mistake, result.message


def test_two_mistakes_at_once_are_both_named():
    def learner(dout, x, weight, stride, padding):
        dx, dweight, _ = dweight_last_image(dout, x, weight, stride, padding)
        return dx, dweight, dout.sum(axis=(1, 2, 3))

    result = check("conv2d_backward", learner)
    assert result.mistake == "dweight_not_summed"
    assert "last image only" in result.message and "one value per image" in result.message
