"""2-D convolution: a loop version to read, a vectorised version to run, and the backward pass.

Shapes (NCHW, as in PyTorch)::

    x      : (N, C, H, W)        a batch of N images with C channels
    weight : (F, C, KH, KW)      F kernels, each C deep
    bias   : (F,)
    out    : (N, F, OH, OW)      OH = floor((H + pt + pb - dh*(KH-1) - 1) / sh) + 1

Like ``torch.nn.functional.conv2d`` this is a cross-correlation: the kernel is not flipped.
For the first notebooks, ``x`` may also be one 2-D image with a 2-D ``weight``, and a 3-D
``x`` of shape (C, H, W) is one unbatched image.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Optional

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._scratch import scratch
from ._validate import as_float_array, pair, result_dtype
from .shapes import Padding, _axis_output, resolve_padding

__all__ = [
    "conv2d",
    "conv2d_naive",
    "conv2d_backward",
    "conv2d_backward_naive",
    "pad_input",
]


class _ConvSetup(NamedTuple):
    x: np.ndarray  # (N, C, H, W)
    weight: np.ndarray  # (F, C, KH, KW)
    bias: Optional[np.ndarray]  # (F,) or None
    stride: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    dilation: tuple[int, int]
    out_hw: tuple[int, int]
    input_ndim: int


def _setup(x, weight, bias, stride, padding, dilation) -> _ConvSetup:
    """Validate the arguments of a convolution and bring them to the NCHW form."""
    x = as_float_array(x, "x")
    weight = as_float_array(weight, "weight")
    input_ndim = x.ndim
    if x.ndim == 2:
        if weight.ndim != 2:
            raise ValueError(
                f"x is one 2-D image with shape {x.shape}, so weight must be one 2-D kernel, "
                f"got shape {weight.shape}; pass x[None, None] to use 4-D weights"
            )
        x, weight = x[None, None], weight[None, None]
    elif x.ndim == 3:
        x = x[None]
    elif x.ndim != 4:
        raise ValueError(
            f"x must have shape (N, C, H, W), (C, H, W) or (H, W), got {x.ndim} dimensions "
            f"with shape {x.shape}"
        )
    if weight.ndim != 4:
        raise ValueError(
            f"weight must have shape (F, C, KH, KW), got {weight.ndim} dimensions with shape "
            f"{weight.shape}"
        )
    if weight.shape[1] != x.shape[1]:
        raise ValueError(
            f"x has {x.shape[1]} channels (shape {x.shape}) but weight expects "
            f"{weight.shape[1]} (shape {weight.shape}); the second axis of weight must equal "
            "the number of input channels"
        )
    if min(weight.shape) < 1 or min(x.shape) < 1:
        raise ValueError(f"x {x.shape} and weight {weight.shape} must not have empty axes")
    if bias is not None:
        bias = as_float_array(bias, "bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(
                f"bias must have shape ({weight.shape[0]},), one value per kernel, got shape "
                f"{bias.shape}"
            )
    stride = pair(stride, "stride")
    dilation = pair(dilation, "dilation")
    kernel = weight.shape[2], weight.shape[3]
    pads = resolve_padding(padding, kernel, stride, dilation)
    out_hw = (
        _axis_output(x.shape[2], kernel[0], stride[0], *pads[0], dilation[0]),
        _axis_output(x.shape[3], kernel[1], stride[1], *pads[1], dilation[1]),
    )
    dtype = result_dtype(x, weight) if bias is None else result_dtype(x, weight, bias)
    x, weight = x.astype(dtype, copy=False), weight.astype(dtype, copy=False)
    if bias is not None:
        bias = bias.astype(dtype, copy=False)
    return _ConvSetup(x, weight, bias, stride, pads, dilation, out_hw, input_ndim)


def _restore(out: np.ndarray, input_ndim: int) -> np.ndarray:
    """Undo the batch/channel axes that _setup added to a 2-D or 3-D input."""
    if input_ndim == 2:
        return out[0, 0]
    if input_ndim == 3:
        return out[0]
    return out


def pad_input(x: np.ndarray, pads: tuple[tuple[int, int], tuple[int, int]]) -> np.ndarray:
    """Zero-pad the last two axes of ``x`` by ``((top, bottom), (left, right))``.

    Returns ``x`` itself when there is nothing to pad.
    """
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return x
    *lead, h, w = x.shape
    xp = np.zeros((*lead, h + top + bottom, w + left + right), dtype=x.dtype)
    xp[..., top : top + h, left : left + w] = x
    return xp


def conv2d_naive(
    x: np.ndarray,
    weight: np.ndarray,
    bias: Optional[np.ndarray] = None,
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """2-D convolution written as plain loops: one sum of products per output node.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), (C, H, W) or (H, W)
    weight : ndarray, shape (F, C, KH, KW), or (KH, KW) with a 2-D ``x``
    bias : ndarray, shape (F,), optional
    stride, dilation : int or (int, int)
    padding : int, (int, int), "valid" or "same"

    Returns
    -------
    ndarray, shape (N, F, OH, OW)
        (F, OH, OW) for a 3-D ``x``; (OH, OW) for a 2-D ``x``.

    Examples
    --------
    >>> conv2d_naive(np.ones((5, 5)), np.ones((3, 3))).shape
    (3, 3)
    """
    cfg = _setup(x, weight, bias, stride, padding, dilation)
    xp = pad_input(cfg.x, cfg.pads)
    n_images, n_kernels = cfg.x.shape[0], cfg.weight.shape[0]
    kh, kw = cfg.weight.shape[2:]
    (sh, sw), (dh, dw) = cfg.stride, cfg.dilation
    oh, ow = cfg.out_hw
    out = np.zeros((n_images, n_kernels, oh, ow), dtype=cfg.x.dtype)
    for n in range(n_images):
        for f in range(n_kernels):
            for i in range(oh):
                for j in range(ow):
                    top, left = i * sh, j * sw
                    # The receptive field of node (i, j): every dh-th row, dw-th column.
                    window = xp[n, :, top : top + dh * (kh - 1) + 1 : dh,
                                left : left + dw * (kw - 1) + 1 : dw]
                    out[n, f, i, j] = np.sum(window * cfg.weight[f])
            if cfg.bias is not None:
                out[n, f] += cfg.bias[f]
    return _restore(out, cfg.input_ndim)


class _Columns(NamedTuple):
    """The im2col matrix the forward pass builds and the backward pass reuses.

    ``data[(c, i, j), (n, gh, gw)]`` is the pixel that kernel tap ``(c, i, j)`` reads for
    position ``(gh, gw)`` of image ``n`` on a grid of shape ``grid``: (OH, OW), or (OH, Wp)
    for narrow stride-1 outputs (see :func:`_grid_and_tail`).
    """

    data: np.ndarray  # (C*KH*KW, N*GH*GW)
    grid: tuple[int, int]  # (GH, GW)


def _padded_hw(cfg: _ConvSetup) -> tuple[int, int]:
    (pt, pb), (pl, pr) = cfg.pads
    return cfg.x.shape[2] + pt + pb, cfg.x.shape[3] + pl + pr


#: Widest output (OW) for which stride-1 convolutions use the padded-width grid below.
FLAT_GRID_MAX_WIDTH = 16


def _grid_and_tail(cfg: _ConvSetup) -> tuple[tuple[int, int], int]:
    """The grid of window positions to compute, and the zeros needed after the last image."""
    if cfg.stride != (1, 1) or cfg.out_hw[1] > FLAT_GRID_MAX_WIDTH:
        return cfg.out_hw, 0
    # Stride 1, narrow output: compute a window at every column of the padded image, even
    # where it runs off the right edge (those nodes are thrown away). Then the windows of
    # one kernel tap in one image are one contiguous run of memory (OH rows of Wp pixels)
    # and the column copy is a few long block copies instead of many short rows of OW
    # pixels. The price is Wp / OW times more columns: worth it for narrow outputs (1.2x
    # faster forward + backward for 8x8 maps), not for wide ones (measured slower at 24).
    _, wp = _padded_hw(cfg)
    return (cfg.out_hw[0], wp), (cfg.weight.shape[3] - 1) * cfg.dilation[1]


def _tap_view(buf: np.ndarray, cfg: _ConvSetup, grid: tuple[int, int],
              writeable: bool = False) -> np.ndarray:
    """View (C, KH, KW, N, GH, GW) of a padded, channels-first buffer ``buf``.

    ``buf`` has shape (C, N*Hp*Wp + tail); element ``[c, i, j, n, gh, gw]`` of the view is
    padded pixel ``(n, c, gh*sh + i*dh, gw*sw + j*dw)``: every node's window (what
    :func:`conv2d_naive` slices), with the channel and tap axes first so that they become rows.
    """
    hp, wp = _padded_hw(cfg)
    kh, kw = cfg.weight.shape[2:]
    (sh, sw), (dh, dw) = cfg.stride, cfg.dilation
    s_c, s_x = buf.strides
    return as_strided(
        buf,
        shape=(buf.shape[0], kh, kw, cfg.x.shape[0], *grid),
        strides=(s_c, dh * wp * s_x, dw * s_x, hp * wp * s_x, sh * wp * s_x, sw * s_x),
        writeable=writeable,
    )


def _im2col(cfg: _ConvSetup, reuse: Optional[_Columns] = None) -> _Columns:
    """Every window as one column: the one copy of the input that conv2d makes.

    ``reuse``: columns of an earlier call; their memory is overwritten if the shape fits.
    """
    n, c, h, w = cfg.x.shape
    (pt, _), (pl, _) = cfg.pads
    hp, wp = _padded_hw(cfg)
    grid, tail = _grid_and_tail(cfg)
    # The input zero-padded, channels first: (C, N*Hp*Wp + tail), each channel one flat row.
    buf = scratch.zeros("conv padded x", (c, n * hp * wp + tail), cfg.x.dtype)
    image = buf[:, : n * hp * wp].reshape(c, n, hp, wp)
    image[:, :, pt : pt + h, pl : pl + w] = cfg.x.transpose(1, 0, 2, 3)
    # The rows are (channel, tap) pairs and the columns (image, position): with this layout
    # the whole batch is ONE matrix product below, not one small product per image.
    shape = (c * cfg.weight.shape[2] * cfg.weight.shape[3], n * grid[0] * grid[1])
    if reuse is not None and reuse.data.shape == shape and reuse.data.dtype == cfg.x.dtype:
        cols = reuse.data  # a layer's columns from its last batch: no new memory
    else:
        cols = np.empty(shape, dtype=cfg.x.dtype)
    windows = _tap_view(buf, cfg, grid)
    cols.reshape(windows.shape)[...] = windows
    return _Columns(cols, grid)


def _forward(cfg: _ConvSetup, reuse: Optional[_Columns] = None) -> tuple[np.ndarray, _Columns]:
    cols = _im2col(cfg, reuse)
    n_images, n_kernels = cfg.x.shape[0], cfg.weight.shape[0]
    oh, ow = cfg.out_hw
    # (F, C*KH*KW) @ (C*KH*KW, N*GH*GW): every node of every kernel and image at once.
    grid_out = scratch.empty("conv grid out", (n_kernels, cols.data.shape[1]), cfg.x.dtype)
    np.matmul(cfg.weight.reshape(n_kernels, -1), cols.data, out=grid_out)
    if cfg.bias is not None:
        grid_out += cfg.bias[:, None]  # along contiguous rows: 2x faster than during the copy
    # Keep the real nodes and go back to (N, F, OH, OW) in one copy.
    nodes = grid_out.reshape(n_kernels, n_images, *cols.grid)[:, :, :oh, :ow]
    out = np.empty((n_images, n_kernels, oh, ow), dtype=cfg.x.dtype)
    out[...] = nodes.transpose(1, 0, 2, 3)
    return out, cols


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: Optional[np.ndarray] = None,
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """2-D convolution, vectorised with im2col: the same numbers as :func:`conv2d_naive`.

    Every window of the padded input is laid out as one column (a strided view, then one
    copy); the whole convolution is then one matrix product per batch.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), (C, H, W) or (H, W)
    weight : ndarray, shape (F, C, KH, KW), or (KH, KW) with a 2-D ``x``
    bias : ndarray, shape (F,), optional
    stride, dilation : int or (int, int)
    padding : int, (int, int), "valid" or "same"
        Zeros on each side; "same" (stride 1 only) puts an odd extra pixel bottom/right.

    Returns
    -------
    ndarray, shape (N, F, OH, OW)
        (F, OH, OW) for a 3-D ``x``; (OH, OW) for a 2-D ``x``.

    Examples
    --------
    >>> conv2d(np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3)), padding=1).shape
    (2, 4, 8, 8)
    """
    cfg = _setup(x, weight, bias, stride, padding, dilation)
    out, _ = _forward(cfg)
    return _restore(out, cfg.input_ndim)


def _check_dout(dout: np.ndarray, cfg: _ConvSetup) -> np.ndarray:
    dout = as_float_array(dout, "dout")
    if cfg.input_ndim < 4 and dout.ndim == cfg.input_ndim:
        dout = dout.reshape((1,) * (4 - dout.ndim) + dout.shape)
    expected = (cfg.x.shape[0], cfg.weight.shape[0], *cfg.out_hw)
    if dout.shape != expected:
        raise ValueError(
            f"dout must have the shape of the convolution's output {expected}, got {dout.shape}"
        )
    return dout.astype(cfg.x.dtype, copy=False)


def conv2d_backward(
    dout: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, int] = 1,
    cols: Optional[_Columns] = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a convolution with respect to its input, weight and bias.

    Parameters
    ----------
    dout : ndarray, shape (N, F, OH, OW)
        Gradient of the loss with respect to the convolution's output.
    x, weight, stride, padding, dilation
        As given to :func:`conv2d`.
    cols : optional
        The im2col columns the forward pass of :class:`~cnnkit.Conv2D` kept, so they are
        not built twice; recomputed when not given.

    Returns
    -------
    dx : ndarray, shape of ``x``
    dweight : ndarray, shape of ``weight``
    dbias : ndarray, shape (F,)

    Examples
    --------
    >>> x, w = np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3))
    >>> [g.shape for g in conv2d_backward(np.ones((2, 4, 3, 3)), x, w)]
    [(2, 3, 5, 5), (4, 3, 3, 3), (4,)]
    """
    cfg = _setup(x, weight, None, stride, padding, dilation)
    dout = _check_dout(dout, cfg)
    if not isinstance(cols, _Columns):
        cols = _im2col(cfg, reuse=None)
    n, c, h, w = cfg.x.shape
    f = cfg.weight.shape[0]
    oh, ow = cfg.out_hw
    # dout laid out like the forward pass's product, (F, N*GH*GW), with zeros at the grid
    # positions the forward pass threw away (so they add nothing below).
    if cols.grid == cfg.out_hw:
        dgrid = scratch.empty("conv dgrid", (f, n, *cols.grid), cfg.x.dtype)
    else:
        dgrid = scratch.zeros("conv dgrid", (f, n, *cols.grid), cfg.x.dtype)
    dgrid[:, :, :oh, :ow] = dout.transpose(1, 0, 2, 3)
    dgrid = dgrid.reshape(f, -1)

    # dbias: every output node of kernel f added bias[f] once (rows of dgrid: contiguous).
    dbias = dgrid.sum(axis=1)
    # dweight: the input (as columns) correlated with dout, summed over the batch. Computed
    # as its transpose, (C*KH*KW, F): OpenBLAS splits that shape better over threads.
    dweight = (cols.data @ dgrid.T).T.reshape(cfg.weight.shape)
    # dx: each column's gradient goes back to the pixels that window read (col2im), added
    # tap by tap into the same padded, channels-first layout the forward pass read from.
    dcols = scratch.empty("conv dcols", cols.data.shape, cfg.x.dtype)
    np.matmul(cfg.weight.reshape(f, -1).T, dgrid, out=dcols)
    hp, wp = _padded_hw(cfg)
    _, tail = _grid_and_tail(cfg)
    dbuf = scratch.zeros("conv padded dx", (c, n * hp * wp + tail), cfg.x.dtype)
    taps = _tap_view(dbuf, cfg, cols.grid, writeable=True)  # (C, KH, KW, N, GH, GW)
    dcols = dcols.reshape(taps.shape)
    # One in-place add per block of taps whose windows never share a pixel (an in-place add
    # must not write one element twice). That is one tap at a time for stride 1; with
    # stride s, s consecutive taps never meet (4 adds instead of 36 for a 6x6 kernel at
    # stride 4).
    (sh, sw), (dh, dw) = cfg.stride, cfg.dilation
    block_h, block_w = sh // math.gcd(sh, dh), sw // math.gcd(sw, dw)
    for i in range(0, taps.shape[1], block_h):
        for j in range(0, taps.shape[2], block_w):
            block = (slice(None), slice(i, i + block_h), slice(j, j + block_w))
            taps[block] += dcols[block]
    (top, _), (left, _) = cfg.pads
    dxp = dbuf[:, : n * hp * wp].reshape(c, n, hp, wp)[:, :, top : top + h, left : left + w]
    dx = np.empty(cfg.x.shape, dtype=cfg.x.dtype)  # a new array: dbuf is reused next call
    dx[...] = dxp.transpose(1, 0, 2, 3)
    return _restore(dx, cfg.input_ndim), _restore_weight(dweight, cfg.input_ndim), dbias


def _restore_weight(dweight: np.ndarray, input_ndim: int) -> np.ndarray:
    return dweight[0, 0] if input_ndim == 2 else dweight


def conv2d_backward_naive(
    dout: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, int] = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same gradients as :func:`conv2d_backward`, written as loops over output nodes.

    Each output node ``out[n, f, i, j]`` was ``sum(window * weight[f]) + bias[f]``, so its
    gradient ``g = dout[n, f, i, j]`` flows back as ``g * window`` into ``dweight[f]``,
    ``g * weight[f]`` into the window's pixels of ``dx``, and ``g`` into ``dbias[f]``.
    """
    cfg = _setup(x, weight, None, stride, padding, dilation)
    dout = _check_dout(dout, cfg)
    xp = pad_input(cfg.x, cfg.pads)
    dxp = np.zeros_like(xp)
    dweight = np.zeros_like(cfg.weight)
    dbias = np.zeros(cfg.weight.shape[0], dtype=cfg.x.dtype)
    kh, kw = cfg.weight.shape[2:]
    (sh, sw), (dh, dw) = cfg.stride, cfg.dilation
    for n in range(cfg.x.shape[0]):
        for f in range(cfg.weight.shape[0]):
            for i in range(cfg.out_hw[0]):
                for j in range(cfg.out_hw[1]):
                    rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
                    columns = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
                    g = dout[n, f, i, j]
                    dweight[f] += g * xp[n, :, rows, columns]
                    dxp[n, :, rows, columns] += g * cfg.weight[f]
                    dbias[f] += g
    (top, _), (left, _) = cfg.pads
    h, w = cfg.x.shape[2:]
    dx = dxp[:, :, top : top + h, left : left + w]
    return _restore(dx, cfg.input_ndim), _restore_weight(dweight, cfg.input_ndim), dbias
