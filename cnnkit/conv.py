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

from typing import NamedTuple, Optional

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._validate import as_float_array, pair, result_dtype
from .shapes import Padding, _axis_output, resolve_padding

__all__ = [
    "conv2d",
    "conv2d_naive",
    "conv2d_backward",
    "conv2d_backward_naive",
    "pad_input",
    "sliding_windows",
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


def sliding_windows(
    xp: np.ndarray,
    kernel_size: tuple[int, int],
    out_hw: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """A read-only view of every kernel window of ``xp``; nothing is copied.

    Parameters
    ----------
    xp : ndarray, shape (N, C, Hp, Wp)
        The padded input.

    Returns
    -------
    ndarray, shape (N, C, KH, KW, OH, OW)
        ``view[n, c, i, j, oh, ow] == xp[n, c, oh*sh + i*dh, ow*sw + j*dw]``.
    """
    n, c = xp.shape[:2]
    s_n, s_c, s_h, s_w = xp.strides
    return as_strided(
        xp,
        shape=(n, c, kernel_size[0], kernel_size[1], out_hw[0], out_hw[1]),
        strides=(s_n, s_c, s_h * dilation[0], s_w * dilation[1], s_h * stride[0], s_w * stride[1]),
        writeable=False,
    )


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


def _im2col(cfg: _ConvSetup) -> np.ndarray:
    """Columns of every window: shape (N, C*KH*KW, OH*OW), the one copy conv2d makes."""
    xp = pad_input(cfg.x, cfg.pads)
    kernel = cfg.weight.shape[2:]
    windows = sliding_windows(xp, kernel, cfg.out_hw, cfg.stride, cfg.dilation)
    n, c = cfg.x.shape[:2]
    return windows.reshape(n, c * kernel[0] * kernel[1], cfg.out_hw[0] * cfg.out_hw[1])


def _forward(cfg: _ConvSetup) -> tuple[np.ndarray, np.ndarray]:
    cols = _im2col(cfg)
    n_kernels = cfg.weight.shape[0]
    # (F, K) @ (N, K, P) -> (N, F, P): one matrix product per image, already NCHW order.
    out = np.matmul(cfg.weight.reshape(n_kernels, -1), cols)
    if cfg.bias is not None:
        out += cfg.bias[:, None]
    return out.reshape(cfg.x.shape[0], n_kernels, *cfg.out_hw), cols


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
    cols: Optional[np.ndarray] = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a convolution with respect to its input, weight and bias.

    Parameters
    ----------
    dout : ndarray, shape (N, F, OH, OW)
        Gradient of the loss with respect to the convolution's output.
    x, weight, stride, padding, dilation
        As given to :func:`conv2d`.
    cols : ndarray, shape (N, C*KH*KW, OH*OW), optional
        The im2col columns of the forward pass, if kept; recomputed otherwise.

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
    if cols is None:
        cols = _im2col(cfg)
    n, c, h, w = cfg.x.shape
    f, _, kh, kw = cfg.weight.shape
    oh, ow = cfg.out_hw
    (sh, sw), (dh, dw) = cfg.stride, cfg.dilation
    dout_cols = dout.reshape(n, f, oh * ow)

    # dbias: every output node of kernel f added bias[f] once.
    dbias = dout.sum(axis=(0, 2, 3))
    # dweight: the input (as columns) correlated with dout, summed over the batch.
    dweight = np.tensordot(dout_cols, cols, axes=([0, 2], [0, 2])).reshape(cfg.weight.shape)
    # dx: each column's gradient goes back to the pixels that window read.
    dcols = np.matmul(cfg.weight.reshape(f, -1).T, dout_cols).reshape(n, c, kh, kw, oh, ow)
    (top, bottom), (left, right) = cfg.pads
    dxp = np.zeros((n, c, h + top + bottom, w + left + right), dtype=cfg.x.dtype)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            dxp[:, :, rows, columns] += dcols[:, :, i, j]
    dx = dxp[:, :, top : top + h, left : left + w]
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
