"""Max and average pooling, forward and backward, as a ladder: loops, windows, tuned.

Shapes::

    x    : (N, C, H, W)   (a 3-D (C, H, W) or 2-D (H, W) image is accepted too)
    out  : (N, C, OH, OW) OH = floor((H - KH) / SH) + 1; stride defaults to the kernel size

Pooling works on each channel separately and has no parameters. Max pooling passes the
gradient back only to the first largest value of each window, as PyTorch does; a NaN
counts as the largest value.

The ladder, each rung giving the same numbers (a test holds them equal):

1. ``*_naive``: loops over output positions. Read these first.
2. ``*_windows``: the same reduction over a strided view of every window.
3. :func:`max_pool2d`, :func:`max_pool2d_backward` (tuned in ``_tuned_pool.py``), and
   :func:`max_pool2d_forward`, which also returns the :class:`PoolCache` of the winners.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._tuned_pool import max_and_winner, route_to_winners, tap, taps
from ._validate import pair
from .arguments import PoolArgs, pool_args
from .conv import window_view

__all__ = [
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "PoolCache",
    "avg_pool2d",
    "avg_pool2d_backward",
    "max_pool2d_naive",
    "avg_pool2d_naive",
    "max_pool2d_backward_naive",
    "avg_pool2d_backward_naive",
    "max_pool2d_windows",
    "max_pool2d_backward_windows",
    "avg_pool2d_windows",
    "avg_pool2d_backward_windows",
]

IntPair = int | tuple[int, int]


# --------------------------------------------------------------------- rung 1: loops


def max_pool2d_naive(
    x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None
) -> np.ndarray:
    """:func:`max_pool2d` written as loops over output positions.

    >>> max_pool2d_naive(np.arange(16.0).reshape(4, 4), 2)
    array([[ 5.,  7.],
           [13., 15.]])
    """
    return _pool_naive(x, kernel_size, stride, np.max)


def avg_pool2d_naive(
    x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None
) -> np.ndarray:
    """:func:`avg_pool2d` written as loops over output positions.

    >>> avg_pool2d_naive(np.arange(16.0).reshape(4, 4), 2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    return _pool_naive(x, kernel_size, stride, np.mean)


def _pool_naive(x, kernel_size, stride, reduce) -> np.ndarray:
    a = pool_args(x, kernel_size, stride)
    (kh, kw), (sh, sw), (oh, ow) = a.kernel, a.stride, a.out_hw
    out = np.empty((*a.x.shape[:2], oh, ow), dtype=a.x.dtype)
    for n in range(a.x.shape[0]):
        for c in range(a.x.shape[1]):
            for i in range(oh):
                for j in range(ow):
                    rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
                    out[n, c, i, j] = reduce(a.x[n, c, rows, cols])
    return a.restore(out)


def max_pool2d_backward_naive(
    dout: np.ndarray, x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None
) -> np.ndarray:
    """:func:`max_pool2d_backward` as loops: each window sends its gradient to the
    position of its first maximum (``argmax`` reads the window row by row).

    >>> max_pool2d_backward_naive(np.ones((1, 1)), np.array([[1.0, 3.0], [3.0, 2.0]]), 2)
    array([[0., 1.],
           [0., 0.]])
    """
    a = pool_args(x, kernel_size, stride)
    dout = a.dout(dout)
    dx = np.zeros_like(a.x)
    (kh, kw), (sh, sw), (oh, ow) = a.kernel, a.stride, a.out_hw
    for n in range(a.x.shape[0]):
        for c in range(a.x.shape[1]):
            for i in range(oh):
                for j in range(ow):
                    window = a.x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    r, s = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * sh + r, j * sw + s] += dout[n, c, i, j]
    return a.restore(dx)


def avg_pool2d_backward_naive(
    dout: np.ndarray, x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None
) -> np.ndarray:
    """:func:`avg_pool2d_backward` as loops: each window shares its gradient equally.

    >>> avg_pool2d_backward_naive(np.ones((1, 1)), np.zeros((2, 2)), 2)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    a = pool_args(x, kernel_size, stride)
    dout = a.dout(dout)
    dx = np.zeros_like(a.x)
    (kh, kw), (sh, sw), (oh, ow) = a.kernel, a.stride, a.out_hw
    for n in range(a.x.shape[0]):
        for c in range(a.x.shape[1]):
            for i in range(oh):
                for j in range(ow):
                    rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
                    dx[n, c, rows, cols] += dout[n, c, i, j] / (kh * kw)
    return a.restore(dx)


# --------------------------------------------------------------------- rung 2: windows


def _windows(a: PoolArgs) -> np.ndarray:
    """Every window as a view, (N, C, OH, OW, KH, KW) (see :func:`cnnkit.conv.window_view`)."""
    return window_view(a.x, a.kernel, a.stride, (1, 1), a.out_hw)


def max_pool2d_windows(
    x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None
) -> np.ndarray:
    """:func:`max_pool2d` as one reduction over a view of every window.

    >>> max_pool2d_windows(np.arange(16.0).reshape(4, 4), 2)
    array([[ 5.,  7.],
           [13., 15.]])
    """
    a = pool_args(x, kernel_size, stride)
    return a.restore(_windows(a).max(axis=(4, 5)))


def avg_pool2d_windows(
    x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None
) -> np.ndarray:
    """:func:`avg_pool2d` as one mean over a view of every window.

    >>> avg_pool2d_windows(np.ones((1, 2, 4, 4)), 2).shape
    (1, 2, 2, 2)
    """
    a = pool_args(x, kernel_size, stride)
    return a.restore(_windows(a).mean(axis=(4, 5)))


def max_pool2d_backward_windows(
    dout: np.ndarray, x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None
) -> np.ndarray:
    """:func:`max_pool2d_backward` from the windows view: ``argmax`` of every window at
    once, then each gradient added onto its winning pixel (``np.add.at`` adds twice
    where overlapping windows share a winner).

    >>> max_pool2d_backward_windows(np.ones((1, 1)), np.array([[1.0, 3.0], [3.0, 2.0]]), 2)
    array([[0., 1.],
           [0., 0.]])
    """
    a = pool_args(x, kernel_size, stride)
    dout = a.dout(dout)
    (n, c, _, _), (kh, kw), (sh, sw), (oh, ow) = a.x.shape, a.kernel, a.stride, a.out_hw
    windows = _windows(a).reshape(n, c, oh, ow, kh * kw)
    r, s = np.divmod(windows.argmax(axis=4), kw)  # the winner's place in its window
    rows = np.arange(oh)[:, None] * sh + r  # ... and in the image
    cols = np.arange(ow) * sw + s
    dx = np.zeros_like(a.x)
    np.add.at(
        dx, (np.arange(n)[:, None, None, None], np.arange(c)[:, None, None], rows, cols), dout
    )
    return a.restore(dx)


def avg_pool2d_backward_windows(
    dout: np.ndarray, x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None
) -> np.ndarray:
    """:func:`avg_pool2d_backward` with whole-array adds: window position (i, j) of every
    window at once gets its share of the window's gradient.

    >>> avg_pool2d_backward_windows(np.ones((1, 1)), np.zeros((2, 2)), 2)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    a = pool_args(x, kernel_size, stride)
    share = a.dout(dout) / (a.kernel[0] * a.kernel[1])
    dx = np.zeros_like(a.x)
    for _, i, j in taps(a):
        tap(dx, i, j, a)[...] += share
    return a.restore(dx)


# --------------------------------------------------------------------- rung 3: tuned


@dataclass(frozen=True)
class PoolCache:
    """What :func:`max_pool2d_forward` keeps for :func:`max_pool2d_backward`.

    Attributes
    ----------
    winner : ndarray of small ints, shape (N, C, OH, OW)
        Position ``t = i*KW + j`` (reading order) of each window's first maximum.
    args : PoolArgs
        The checked arguments of the forward call (input, kernel, stride, output size).
    """

    winner: np.ndarray
    args: PoolArgs


def _args_from_cache(
    cache: PoolCache | None, x: object, kernel_size: IntPair, stride: IntPair | None
) -> PoolArgs | None:
    """The forward pass's checked arguments, when ``x`` is the very array it checked and
    kernel and stride are the same (what a layer passes), else None: check again."""
    if cache is None or x is not cache.args.x:
        return None
    kernel = pair(kernel_size, "kernel_size")
    given = kernel if stride is None else pair(stride, "stride")
    h, w = cache.args.x.shape[2:]
    capped = (min(given[0], h), min(given[1], w))
    return cache.args if (kernel, capped) == (cache.args.kernel, cache.args.stride) else None


def max_pool2d(x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None) -> np.ndarray:
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
        (C, OH, OW) for a 3-D ``x``; (OH, OW) for a 2-D ``x``.

    Examples
    --------
    >>> max_pool2d(np.arange(16.0).reshape(4, 4), 2)
    array([[ 5.,  7.],
           [13., 15.]])
    """
    a = pool_args(x, kernel_size, stride)
    out = tap(a.x, 0, 0, a).copy()
    for _, i, j in taps(a)[1:]:
        np.maximum(out, tap(a.x, i, j, a), out=out)  # running maximum over the window
    return a.restore(out)


def max_pool2d_forward(
    x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None
) -> tuple[np.ndarray, PoolCache]:
    """:func:`max_pool2d`, also returning where each window's maximum is (a
    :class:`PoolCache`), so that :func:`max_pool2d_backward` compares no values again.

    Examples
    --------
    >>> out, cache = max_pool2d_forward(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    >>> cache.winner.ravel().tolist()
    [3, 3, 3, 3]
    """
    a = pool_args(x, kernel_size, stride)
    out, winner = max_and_winner(a)
    return a.restore(out), PoolCache(winner, a)


def max_pool2d_backward(
    dout: np.ndarray,
    x: np.ndarray,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    cache: PoolCache | None = None,
) -> np.ndarray:
    """Gradient of :func:`max_pool2d`: each window's gradient goes to its first maximum.

    Parameters
    ----------
    dout : ndarray, shape (N, C, OH, OW)
    x, kernel_size, stride
        As given to :func:`max_pool2d`.
    cache : PoolCache, optional
        What :func:`max_pool2d_forward` returned for these arguments.

    Returns
    -------
    dx : ndarray, shape of ``x``

    Examples
    --------
    >>> max_pool2d_backward(np.ones((1, 1)), np.array([[1.0, 3.0], [3.0, 2.0]]), 2)
    array([[0., 1.],
           [0., 0.]])
    """
    if cache is not None and not isinstance(cache, PoolCache):
        raise TypeError(
            f"cache must be the PoolCache that max_pool2d_forward returned, or None, not "
            f"{type(cache).__name__}"
        )
    a = _args_from_cache(cache, x, kernel_size, stride)
    if a is None:
        a = pool_args(x, kernel_size, stride)
        if cache is not None and (a.x.shape, a.kernel, a.stride) != (
            cache.args.x.shape,
            cache.args.kernel,
            cache.args.stride,
        ):
            raise ValueError(
                "cache was made by max_pool2d_forward for other arguments (input, "
                "kernel_size or stride); pass the cache of this very forward call"
            )
    dout = a.dout(dout)
    winner = max_and_winner(a)[1] if cache is None else cache.winner
    return a.restore(route_to_winners(dout, winner, a))


def avg_pool2d(x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None) -> np.ndarray:
    """Mean of each window, channel by channel (same arguments as :func:`max_pool2d`).

    Examples
    --------
    >>> avg_pool2d(np.ones((1, 2, 4, 4)), 2).shape
    (1, 2, 2, 2)
    """
    a = pool_args(x, kernel_size, stride)
    total = tap(a.x, 0, 0, a).copy()
    for _, i, j in taps(a)[1:]:
        total += tap(a.x, i, j, a)
    return a.restore(total / (a.kernel[0] * a.kernel[1]))


def avg_pool2d_backward(
    dout: np.ndarray, x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None
) -> np.ndarray:
    """Gradient of :func:`avg_pool2d`: each window shares its gradient equally.

    Returns
    -------
    dx : ndarray, shape of ``x``

    Examples
    --------
    >>> avg_pool2d_backward(np.ones((1, 1)), np.zeros((2, 2)), 2)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    return avg_pool2d_backward_windows(dout, x, kernel_size, stride)
