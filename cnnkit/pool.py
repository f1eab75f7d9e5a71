"""Max and average pooling, forward and backward, as loops to read and vectorised to run.

Shapes::

    x    : (N, C, H, W)   (a 2-D image (H, W) is accepted too)
    out  : (N, C, OH, OW) OH = floor((H - KH) / SH) + 1; stride defaults to the kernel size

Pooling works on each channel separately and has no parameters. Max pooling passes the
gradient back only to the first largest value of each window, as PyTorch does.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from ._validate import as_float_array, pair
from .conv import sliding_windows
from .shapes import _axis_output

__all__ = [
    "max_pool2d",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "max_pool2d_naive",
    "avg_pool2d_naive",
    "max_pool2d_backward_naive",
    "avg_pool2d_backward_naive",
]


class _PoolSetup(NamedTuple):
    x: np.ndarray  # (N, C, H, W)
    kernel: tuple[int, int]
    stride: tuple[int, int]
    out_hw: tuple[int, int]
    input_ndim: int


def _setup(x, kernel_size, stride) -> _PoolSetup:
    x = as_float_array(x, "x")
    input_ndim = x.ndim
    if x.ndim == 2:
        x = x[None, None]
    elif x.ndim == 3:
        x = x[None]
    elif x.ndim != 4:
        raise ValueError(
            f"x must have shape (N, C, H, W), (C, H, W) or (H, W), got {x.ndim} dimensions "
            f"with shape {x.shape}"
        )
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else pair(stride, "stride")
    out_hw = (
        _axis_output(x.shape[2], kernel[0], stride[0], 0, 0, 1),
        _axis_output(x.shape[3], kernel[1], stride[1], 0, 0, 1),
    )
    return _PoolSetup(x, kernel, stride, out_hw, input_ndim)


def _restore(a: np.ndarray, input_ndim: int) -> np.ndarray:
    return a.reshape(a.shape[4 - input_ndim :]) if input_ndim < 4 else a


def _windows(cfg: _PoolSetup) -> np.ndarray:
    """View of every window: (N, C, OH, OW, KH, KW), window axes last."""
    view = sliding_windows(cfg.x, cfg.kernel, cfg.out_hw, cfg.stride)
    return view.transpose(0, 1, 4, 5, 2, 3)


def _check_dout(dout, cfg: _PoolSetup) -> np.ndarray:
    dout = as_float_array(dout, "dout")
    if cfg.input_ndim < 4 and dout.ndim == cfg.input_ndim:
        dout = dout.reshape((1,) * (4 - dout.ndim) + dout.shape)
    expected = (*cfg.x.shape[:2], *cfg.out_hw)
    if dout.shape != expected:
        raise ValueError(f"dout must have the pooled output's shape {expected}, got {dout.shape}")
    return dout.astype(cfg.x.dtype, copy=False)


def _scatter(dwin: np.ndarray, cfg: _PoolSetup) -> np.ndarray:
    """Add window gradients (N, C, OH, OW, KH, KW) back onto the input grid."""
    n, c, h, w = cfg.x.shape
    (kh, kw), (sh, sw), (oh, ow) = cfg.kernel, cfg.stride, cfg.out_hw
    dx = np.zeros((n, c, h, w), dtype=cfg.x.dtype)
    for i in range(kh):
        for j in range(kw):
            dx[:, :, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw] += dwin[
                ..., i, j
            ]
    return dx


def max_pool2d(
    x: np.ndarray, kernel_size: int | tuple[int, int], stride: Optional[int | tuple[int, int]] = None
) -> np.ndarray:
    """Largest value of each window, channel by channel.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), (C, H, W) or (H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (windows side by side, not overlapping).

    Returns
    -------
    ndarray, shape (N, C, OH, OW)

    Examples
    --------
    >>> max_pool2d(np.arange(16.0).reshape(4, 4), 2)
    array([[ 5.,  7.],
           [13., 15.]])
    """
    cfg = _setup(x, kernel_size, stride)
    return _restore(_windows(cfg).max(axis=(4, 5)), cfg.input_ndim)


def max_pool2d_backward(
    dout: np.ndarray,
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: Optional[int | tuple[int, int]] = None,
) -> np.ndarray:
    """Gradient of :func:`max_pool2d`: each window's gradient goes to its first maximum.

    Parameters
    ----------
    dout : ndarray, shape (N, C, OH, OW)
    x, kernel_size, stride
        As given to :func:`max_pool2d`.

    Returns
    -------
    dx : ndarray, shape of ``x``
    """
    cfg = _setup(x, kernel_size, stride)
    dout = _check_dout(dout, cfg)
    n, c, oh, ow = dout.shape
    kh, kw = cfg.kernel
    flat = _windows(cfg).reshape(n, c, oh, ow, kh * kw)
    # argmax picks the first largest value in reading order, as PyTorch does.
    winner = flat.argmax(axis=-1)
    dwin = np.zeros((n, c, oh, ow, kh * kw), dtype=cfg.x.dtype)
    np.put_along_axis(dwin, winner[..., None], dout[..., None], axis=-1)
    return _restore(_scatter(dwin.reshape(n, c, oh, ow, kh, kw), cfg), cfg.input_ndim)


def avg_pool2d(
    x: np.ndarray, kernel_size: int | tuple[int, int], stride: Optional[int | tuple[int, int]] = None
) -> np.ndarray:
    """Mean of each window, channel by channel (same arguments as :func:`max_pool2d`).

    Examples
    --------
    >>> avg_pool2d(np.ones((1, 2, 4, 4)), 2).shape
    (1, 2, 2, 2)
    """
    cfg = _setup(x, kernel_size, stride)
    return _restore(_windows(cfg).mean(axis=(4, 5)), cfg.input_ndim)


def avg_pool2d_backward(
    dout: np.ndarray,
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: Optional[int | tuple[int, int]] = None,
) -> np.ndarray:
    """Gradient of :func:`avg_pool2d`: each window shares its gradient equally.

    Returns
    -------
    dx : ndarray, shape of ``x``
    """
    cfg = _setup(x, kernel_size, stride)
    dout = _check_dout(dout, cfg)
    kh, kw = cfg.kernel
    share = dout / (kh * kw)
    dwin = np.broadcast_to(share[..., None, None], (*share.shape, kh, kw))
    return _restore(_scatter(dwin, cfg), cfg.input_ndim)


def max_pool2d_naive(
    x: np.ndarray, kernel_size: int | tuple[int, int], stride: Optional[int | tuple[int, int]] = None
) -> np.ndarray:
    """:func:`max_pool2d` written as loops over output positions."""
    return _pool_naive(x, kernel_size, stride, np.max)


def avg_pool2d_naive(
    x: np.ndarray, kernel_size: int | tuple[int, int], stride: Optional[int | tuple[int, int]] = None
) -> np.ndarray:
    """:func:`avg_pool2d` written as loops over output positions."""
    return _pool_naive(x, kernel_size, stride, np.mean)


def _pool_naive(x, kernel_size, stride, reduce) -> np.ndarray:
    cfg = _setup(x, kernel_size, stride)
    n, c = cfg.x.shape[:2]
    (kh, kw), (sh, sw), (oh, ow) = cfg.kernel, cfg.stride, cfg.out_hw
    out = np.zeros((n, c, oh, ow), dtype=cfg.x.dtype)
    for b in range(n):
        for ch in range(c):
            for i in range(oh):
                for j in range(ow):
                    window = cfg.x[b, ch, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    out[b, ch, i, j] = reduce(window)
    return _restore(out, cfg.input_ndim)


def max_pool2d_backward_naive(
    dout: np.ndarray,
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: Optional[int | tuple[int, int]] = None,
) -> np.ndarray:
    """:func:`max_pool2d_backward` as loops: each window sends its gradient to the
    position of its first maximum (``argmax`` reads the window row by row)."""
    cfg = _setup(x, kernel_size, stride)
    dout = _check_dout(dout, cfg)
    dx = np.zeros_like(cfg.x)
    (kh, kw), (sh, sw), (oh, ow) = cfg.kernel, cfg.stride, cfg.out_hw
    for b in range(cfg.x.shape[0]):
        for ch in range(cfg.x.shape[1]):
            for i in range(oh):
                for j in range(ow):
                    window = cfg.x[b, ch, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    r, c = np.unravel_index(np.argmax(window), window.shape)
                    dx[b, ch, i * sh + r, j * sw + c] += dout[b, ch, i, j]
    return _restore(dx, cfg.input_ndim)


def avg_pool2d_backward_naive(
    dout: np.ndarray,
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: Optional[int | tuple[int, int]] = None,
) -> np.ndarray:
    """:func:`avg_pool2d_backward` as loops: each window shares its gradient equally."""
    cfg = _setup(x, kernel_size, stride)
    dout = _check_dout(dout, cfg)
    dx = np.zeros_like(cfg.x)
    (kh, kw), (sh, sw), (oh, ow) = cfg.kernel, cfg.stride, cfg.out_hw
    for b in range(cfg.x.shape[0]):
        for ch in range(cfg.x.shape[1]):
            for i in range(oh):
                for j in range(ow):
                    dx[b, ch, i * sh : i * sh + kh, j * sw : j * sw + kw] += dout[b, ch, i, j] / (kh * kw)
    return _restore(dx, cfg.input_ndim)
