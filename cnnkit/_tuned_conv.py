"""The tuned convolution behind :func:`cnnkit.conv2d`: im2col with the tricks that pay.

Read :func:`cnnkit.conv.conv2d_im2col` first: this is the same idea (pad, one strided view,
one matrix product), with the layout changed so that the copies are long and contiguous:

- the padded input is kept channels first, (C, N*Hp*Wp), so the columns come out as
  (C*KH*KW, N*OH*OW) and the whole batch is ONE product ``weight (F, C*KH*KW) @ cols``;
- the backward pass reuses the forward pass's columns (kept in a ``ConvCache``).

Each trick below carries the gain measured with ``benchmarks/run.py`` shapes A-D.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._scratch import scratch
from .arguments import ConvArgs

__all__ = ["tuned_forward", "tuned_backward"]

#: Tricks, switchable for measuring (benchmarks), all on by default.
FLAT_GRID = True
SCRATCH = True
REUSE = True
STRIDED_COL2IM = True
GCD_BLOCKS = True

#: Widest output (OW) for which stride-1 convolutions use the padded-width grid below.
FLAT_GRID_MAX_WIDTH = 16


def _empty(name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    return scratch.empty(name, shape, dtype) if SCRATCH else np.empty(shape, dtype)


def _zeros(name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    return scratch.zeros(name, shape, dtype) if SCRATCH else np.zeros(shape, dtype)


def _padded_hw(a: ConvArgs) -> tuple[int, int]:
    (pt, pb), (pl, pr) = a.pads
    return a.x.shape[2] + pt + pb, a.x.shape[3] + pl + pr


def _grid_and_tail(a: ConvArgs, finite: bool = True) -> tuple[tuple[int, int], int]:
    """The grid of window positions to compute, and the zeros needed after the last image."""
    if not FLAT_GRID or not finite or a.stride != (1, 1) or a.out_hw[1] > FLAT_GRID_MAX_WIDTH:
        return a.out_hw, 0
    # Stride 1, narrow output: compute a window at every column of the padded image, even
    # where it runs off the right edge (those nodes are thrown away), so the windows of one
    # tap in one image are one contiguous run of memory: a few long copies, not many short.
    return (a.out_hw[0], _padded_hw(a)[1]), (a.weight.shape[3] - 1) * a.dilation[1]


def _tap_view(buf: np.ndarray, a: ConvArgs, grid: tuple[int, int],
              writeable: bool = False) -> np.ndarray:
    """View (C, KH, KW, N, GH, GW) of a padded, channels-first buffer (C, N*Hp*Wp + tail).

    Element ``[c, i, j, n, gh, gw]`` is padded pixel ``(n, c, gh*sh + i*dh, gw*sw + j*dw)``:
    tap (i, j) of the window at grid position (gh, gw).
    """
    hp, wp = _padded_hw(a)
    kh, kw = a.weight.shape[2:]
    (sh, sw), (dh, dw) = a.stride, a.dilation
    s_c, s_x = buf.strides
    return as_strided(
        buf,
        shape=(buf.shape[0], kh, kw, a.x.shape[0], *grid),
        strides=(s_c, dh * wp * s_x, dw * s_x, hp * wp * s_x, sh * wp * s_x, sw * s_x),
        writeable=writeable,
    )


def _im2col(a: ConvArgs, grid: tuple[int, int], tail: int,
            reuse: Optional[np.ndarray]) -> np.ndarray:
    """Every window as one column, (C*KH*KW, N*GH*GW); ``reuse``'s memory if it fits."""
    n, c, h, w = a.x.shape
    (pt, _), (pl, _) = a.pads
    hp, wp = _padded_hw(a)
    buf = _zeros("conv padded x", (c, n * hp * wp + tail), a.x.dtype)
    image = buf[:, : n * hp * wp].reshape(c, n, hp, wp)
    image[:, :, pt : pt + h, pl : pl + w] = a.x.transpose(1, 0, 2, 3)
    shape = (c * a.weight.shape[2] * a.weight.shape[3], n * grid[0] * grid[1])
    if REUSE and reuse is not None and reuse.shape == shape and reuse.dtype == a.x.dtype:
        cols = reuse
    else:
        cols = np.empty(shape, dtype=a.x.dtype)
    windows = _tap_view(buf, a, grid)
    cols.reshape(windows.shape)[...] = windows
    return cols


def tuned_forward(a: ConvArgs, reuse: Optional[np.ndarray] = None
                  ) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Convolution output (N, F, OH, OW), and the columns and grid for the backward pass."""
    # A NaN or inf in a pixel read only by the thrown-away windows of the flat grid would
    # reach dweight as 0 * nan: such inputs take the exact grid.
    finite = not FLAT_GRID or bool(np.isfinite(a.x).all())
    grid, tail = _grid_and_tail(a, finite)
    cols = _im2col(a, grid, tail, reuse)
    n, f = a.x.shape[0], a.weight.shape[0]
    oh, ow = a.out_hw
    grid_out = _empty("conv grid out", (f, cols.shape[1]), a.x.dtype)
    np.matmul(a.weight.reshape(f, -1), cols, out=grid_out)
    if a.bias is not None:
        grid_out += a.bias[:, None]
    out = np.empty((n, f, oh, ow), dtype=a.x.dtype)
    out[...] = grid_out.reshape(f, n, *grid)[:, :, :oh, :ow].transpose(1, 0, 2, 3)
    return out, cols, grid


def tuned_backward(dout: np.ndarray, a: ConvArgs, cols: Optional[np.ndarray] = None,
                   grid: Optional[tuple[int, int]] = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx, dweight, dbias) in (N, C, H, W) form; columns from the forward pass."""
    if cols is None:
        _, cols, grid = tuned_forward(a._replace(bias=None))
    n, c, h, w = a.x.shape
    f = a.weight.shape[0]
    oh, ow = a.out_hw
    # dout laid out like the forward product, (F, N*GH*GW), zero at thrown-away positions.
    make = _empty if grid == a.out_hw else _zeros
    dgrid = make("conv dgrid", (f, n, *grid), a.x.dtype)
    dgrid[:, :, :oh, :ow] = dout.transpose(1, 0, 2, 3)
    dgrid = dgrid.reshape(f, -1)
    dbias = dgrid.sum(axis=1)  # every node of kernel f added bias[f] once
    # dweight = the input's columns correlated with dout (computed transposed: OpenBLAS
    # splits (C*KH*KW, F) better over threads).
    dweight = (cols @ dgrid.T).T.reshape(a.weight.shape)
    dcols = _empty("conv dcols", cols.shape, a.x.dtype)
    np.matmul(a.weight.reshape(f, -1).T, dgrid, out=dcols)
    dx = _col2im(dcols, a, grid)
    return dx, dweight, dbias


def _col2im(dcols: np.ndarray, a: ConvArgs, grid: tuple[int, int]) -> np.ndarray:
    """Add each column's gradient back onto the pixels its window read: dx (N, C, H, W)."""
    n, c, h, w = a.x.shape
    hp, wp = _padded_hw(a)
    kh, kw = a.weight.shape[2:]
    (sh, sw), (dh, dw) = a.stride, a.dilation
    tail = (kw - 1) * dw if grid != a.out_hw else 0
    dbuf = _zeros("conv padded dx", (c, n * hp * wp + tail), a.x.dtype)
    if STRIDED_COL2IM:
        taps = _tap_view(dbuf, a, grid, writeable=True)  # (C, KH, KW, N, GH, GW)
        dcols = dcols.reshape(taps.shape)
        # An in-place add must not write one element twice: taps whose windows never share
        # a pixel can go in one add (s consecutive taps at stride s).
        bh, bw = (sh // math.gcd(sh, dh), sw // math.gcd(sw, dw)) if GCD_BLOCKS else (1, 1)
        for i in range(0, kh, bh):
            for j in range(0, kw, bw):
                block = (slice(None), slice(i, i + bh), slice(j, j + bw))
                taps[block] += dcols[block]
    else:
        image = dbuf[:, : n * hp * wp].reshape(c, n, hp, wp)
        dcols = dcols.reshape(c, kh, kw, n, *grid)[..., : a.out_hw[0], : a.out_hw[1]]
        oh, ow = a.out_hw
        for i in range(kh):
            for j in range(kw):
                rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
                columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
                image[:, :, rows, columns] += dcols[:, i, j]
    (top, _), (left, _) = a.pads
    dxp = dbuf[:, : n * hp * wp].reshape(c, n, hp, wp)[:, :, top : top + h, left : left + w]
    dx = np.empty(a.x.shape, dtype=a.x.dtype)  # a new array: dbuf is reused next call
    dx[...] = dxp.transpose(1, 0, 2, 3)
    return dx
