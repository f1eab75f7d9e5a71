"""The tuned max pooling behind :func:`cnnkit.max_pool2d` and :class:`~cnnkit.MaxPool2D`.

Read :func:`cnnkit.pool.max_pool2d_windows` first: it takes the maximum over a strided
view of every window. numpy reduces such a 6-D view slowly, so this version loops over the
KH*KW positions inside a window instead (4 for 2x2) and handles all windows of the batch at
once for each: a few whole-array operations. It also remembers which position won each
window, so the backward pass only routes ``dout`` and compares no values.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .arguments import PoolArgs

__all__ = ["tap", "taps", "max_and_winner", "route_to_winners"]


def tap(x: np.ndarray, i: int, j: int, a: PoolArgs) -> np.ndarray:
    """View of pixel (i, j) of every window: ``x[..., oh*sh + i, ow*sw + j]``, (N, C, OH, OW)."""
    (sh, sw), (oh, ow) = a.stride, a.out_hw
    return x[:, :, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw]


def taps(a: PoolArgs) -> list[tuple[int, int, int]]:
    """(t, i, j) of every position in a window, in reading order (t = i*KW + j)."""
    kw = a.kernel[1]
    return [(t, *divmod(t, kw)) for t in range(a.kernel[0] * kw)]


@lru_cache(maxsize=16)
def _positions(
    kernel: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]
) -> tuple[tuple[int, tuple], ...]:
    """(t, index) of every position in a window: ``x[index]`` is :func:`tap`'s view.

    Built once per shape (a layer sees the same shape batch after batch): 1.08x on the
    max-pool forward of D (28x31x31), which is mostly such per-call Python work.
    """
    (sh, sw), (oh, ow) = stride, out_hw
    return tuple(
        (t, (..., slice(i, i + sh * (oh - 1) + 1, sh), slice(j, j + sw * (ow - 1) + 1, sw)))
        for t, i, j in ((t, *divmod(t, kernel[1])) for t in range(kernel[0] * kernel[1]))
    )


def max_and_winner(a: PoolArgs) -> tuple[np.ndarray, np.ndarray]:
    """Each window's maximum (N, C, OH, OW), and the position t of its first maximum.

    A NaN counts as the largest value (as in PyTorch): it wins its window, the first NaN
    in reading order when there are several (as ``np.argmax``).
    """
    (_, first), *rest = _positions(a.kernel, a.stride, a.out_hw)
    # Each position is copied out once: strided views cost about 10x more than contiguous
    # arrays in every numpy operation, and each is used twice below.
    out = a.x[first].copy()
    n = len(rest) + 1  # positions in a window; t < n fits the smallest unsigned type
    winner = np.zeros(out.shape, dtype=np.uint8 if n <= 255 else np.min_scalar_type(n))
    for t, index in rest:
        value = a.x[index].copy()
        # Strictly larger only: on a tie the earlier position keeps the gradient.
        larger = value > out
        np.maximum(out, value, out=out)  # a NaN stays: np.maximum passes NaN on
        # winner = t where larger: t only grows along this loop, so max(winner, t*larger).
        np.maximum(winner, larger * winner.dtype.type(t), out=winner)
    if np.isnan(out.max(initial=0)):  # rare: a window's first NaN gets its gradient
        nan = np.isnan(out)
        for t, i, j in reversed(taps(a)):
            winner[nan & np.isnan(tap(a.x, i, j, a))] = t
    return out, winner


@lru_cache(maxsize=16)
def _window_corners(
    shape: tuple[int, ...], stride: tuple[int, int], out_hw: tuple[int, int]
) -> np.ndarray:
    """Flat index into ``x`` of each window's top-left pixel, shape (N, C, OH, OW).

    Computed once per shape (a layer sees the same shape batch after batch): read-only.
    """
    n, c, h, w = shape
    (sh, sw), (oh, ow) = stride, out_hw
    corner = (np.arange(oh) * (sh * w))[:, None] + np.arange(ow) * sw  # within one image
    corners = corner + np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
    corners.flags.writeable = False
    return corners


@lru_cache(maxsize=16)
def _tap_offsets(width: int, kernel: tuple[int, int]) -> np.ndarray:
    """Flat offset of window position t = i*KW + j from the window's corner: i*W + j."""
    offsets = np.array([i * width + j for i in range(kernel[0]) for j in range(kernel[1])])
    offsets.flags.writeable = False
    return offsets


def route_to_winners(dout: np.ndarray, winner: np.ndarray, a: PoolArgs) -> np.ndarray:
    """Max-pool backward: each window's gradient goes to its winning pixel; dx (N, C, H, W)."""
    offset = _tap_offsets(a.x.shape[3], a.kernel)
    corners = _window_corners(a.x.shape, a.stride, a.out_hw)
    pixels = (np.take(offset, winner) + corners).ravel()
    if a.stride[0] < a.kernel[0] or a.stride[1] < a.kernel[1]:
        # Overlapping windows: one pixel may win several windows, so add (bincount sums).
        dx = np.bincount(pixels, weights=dout.ravel(), minlength=a.x.size)
        return dx.astype(a.x.dtype, copy=False).reshape(a.x.shape)
    # Windows side by side: every pixel wins one window at most, so one scatter does it.
    dx = np.zeros(a.x.size, dtype=a.x.dtype)
    dx[pixels] = dout.ravel()
    return dx.reshape(a.x.shape)
