"""Max and average pooling, forward and backward, as loops to read and vectorised to run.

Shapes::

    x    : (N, C, H, W)   (a 2-D image (H, W) is accepted too)
    out  : (N, C, OH, OW) OH = floor((H - KH) / SH) + 1; stride defaults to the kernel size

Pooling works on each channel separately and has no parameters. Max pooling passes the
gradient back only to the first largest value of each window, as PyTorch does.
"""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple, Optional

import numpy as np

from ._validate import as_float_array, pair
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
    if kernel[0] > x.shape[2] or kernel[1] > x.shape[3]:
        raise ValueError(
            f"kernel_size={kernel_size!r} is larger than the input ({x.shape[2]} x {x.shape[3]}); "
            "pooling has no padding, so use a smaller kernel_size"
        )
    out_hw = (
        _axis_output(x.shape[2], kernel[0], stride[0], 0, 0, 1),
        _axis_output(x.shape[3], kernel[1], stride[1], 0, 0, 1),
    )
    return _PoolSetup(x, kernel, stride, out_hw, input_ndim)


def _restore(a: np.ndarray, input_ndim: int) -> np.ndarray:
    return a.reshape(a.shape[4 - input_ndim :]) if input_ndim < 4 else a


def _tap(a: np.ndarray, i: int, j: int, cfg: _PoolSetup) -> np.ndarray:
    """View of pixel (i, j) of every window: ``a[..., oh*sh + i, ow*sw + j]``, (N, C, OH, OW).

    The vectorised pooling loops over the KH*KW positions inside a window (4 for 2x2) and
    handles all windows of the batch at once for each: a few whole-array operations instead
    of a reduction over a 6-D strided view, which numpy does far more slowly.
    """
    (sh, sw), (oh, ow) = cfg.stride, cfg.out_hw
    return a[:, :, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw]


def _taps(cfg: _PoolSetup) -> list[tuple[int, int, int]]:
    """(index, i, j) of every position in a window, in reading order."""
    kw = cfg.kernel[1]
    return [(t, *divmod(t, kw)) for t in range(cfg.kernel[0] * kw)]


def _max_and_winner(cfg: _PoolSetup) -> tuple[np.ndarray, np.ndarray]:
    """Each window's maximum, and which position in the window holds its first maximum.

    Returns
    -------
    out : ndarray, shape (N, C, OH, OW)
    winner : ndarray of small ints, shape (N, C, OH, OW)
        Position ``t = i*KW + j`` (reading order) of the first largest value of each window.
    """
    # Each position's values are copied out once: strided views cost about 10x more than
    # contiguous arrays in every numpy operation, and each is used twice below.
    out = _tap(cfg.x, 0, 0, cfg).copy()
    winner = np.zeros(out.shape, dtype=np.min_scalar_type(cfg.kernel[0] * cfg.kernel[1]))
    for t, i, j in _taps(cfg)[1:]:  # position 0 started the running maximum
        value = _tap(cfg.x, i, j, cfg).copy()
        # Strictly larger only: on a tie the earlier position (in reading order) keeps the
        # gradient, as argmax and PyTorch do.
        larger = value > out
        np.maximum(out, value, out=out)
        # winner = t where larger, else unchanged. t only grows along this loop, so that is
        # max(winner, t * larger): no branches, about 50x faster than a masked copy.
        np.maximum(winner, larger * winner.dtype.type(t), out=winner)
    return out, winner


@lru_cache(maxsize=16)
def _window_corners(shape: tuple[int, ...], stride: tuple[int, int],
                    out_hw: tuple[int, int]) -> np.ndarray:
    """Flat index into ``x`` of each window's top-left pixel, shape (N, C, OH, OW).

    It depends on the shapes only, so it is computed once per shape and reused (a layer
    sees the same shape batch after batch); read-only, since it is shared.
    """
    n, c, h, w = shape
    (sh, sw), (oh, ow) = stride, out_hw
    corner = (np.arange(oh) * (sh * w))[:, None] + np.arange(ow) * sw  # within one image
    plane = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)  # first pixel of each image
    corners = corner + plane
    corners.flags.writeable = False
    return corners


def _winning_pixels(winner: np.ndarray, cfg: _PoolSetup) -> np.ndarray:
    """Flat index into ``x`` of the pixel that won each window, shape (N*C*OH*OW,)."""
    w = cfg.x.shape[3]
    offset = np.array([i * w + j for _, i, j in _taps(cfg)])  # of position t from the corner
    corners = _window_corners(cfg.x.shape, cfg.stride, cfg.out_hw)
    return (np.take(offset, winner) + corners).ravel()


def _route_to_winners(dout: np.ndarray, winner: np.ndarray, cfg: _PoolSetup) -> np.ndarray:
    """Max-pool backward from the winners: each window's gradient goes to its winning pixel."""
    pixels = _winning_pixels(winner, cfg)
    if cfg.stride[0] < cfg.kernel[0] or cfg.stride[1] < cfg.kernel[1]:
        # Overlapping windows: one pixel may win several windows, so add (bincount sums).
        dx = np.bincount(pixels, weights=dout.ravel(), minlength=cfg.x.size)
        return dx.astype(cfg.x.dtype, copy=False).reshape(cfg.x.shape)
    # Windows side by side: every pixel wins one window at most, so one scatter does it.
    dx = np.zeros(cfg.x.size, dtype=cfg.x.dtype)
    dx[pixels] = dout.ravel()
    return dx.reshape(cfg.x.shape)


def _check_dout(dout, cfg: _PoolSetup) -> np.ndarray:
    dout = as_float_array(dout, "dout")
    if cfg.input_ndim < 4 and dout.ndim == cfg.input_ndim:
        dout = dout.reshape((1,) * (4 - dout.ndim) + dout.shape)
    expected = (*cfg.x.shape[:2], *cfg.out_hw)
    if dout.shape != expected:
        raise ValueError(f"dout must have the pooled output's shape {expected}, got {dout.shape}")
    return dout.astype(cfg.x.dtype, copy=False)


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
    out = _tap(cfg.x, 0, 0, cfg).copy()
    for _, i, j in _taps(cfg)[1:]:
        np.maximum(out, _tap(cfg.x, i, j, cfg), out=out)  # running maximum over the window
    return _restore(out, cfg.input_ndim)


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
    _, winner = _max_and_winner(cfg)
    return _restore(_route_to_winners(dout, winner, cfg), cfg.input_ndim)


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
    total = _tap(cfg.x, 0, 0, cfg).copy()
    for _, i, j in _taps(cfg)[1:]:
        total += _tap(cfg.x, i, j, cfg)
    return _restore(total / (cfg.kernel[0] * cfg.kernel[1]), cfg.input_ndim)


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
    share = dout / (cfg.kernel[0] * cfg.kernel[1])
    dx = np.zeros(cfg.x.shape, dtype=cfg.x.dtype)
    for _, i, j in _taps(cfg):
        _tap(dx, i, j, cfg)[...] += share
    return _restore(dx, cfg.input_ndim)


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
