"""Global average pooling: each feature map becomes one number, its mean.

Shapes::

    x   : (N, C, H, W)
    out : (N, C)          out[n, c] = mean of x[n, c] over all H * W positions

It is ``torch.nn.AdaptiveAvgPool2d(1)`` followed by ``flatten(1)``: after the last conv
layer it replaces ``Flatten`` and lets the final ``Dense`` layer take C numbers instead of
C * H * W, whatever the image size. It has no parameters. Backward hands each position an
equal share of its map's gradient, ``dout / (H * W)``.

:func:`global_avg_pool2d_naive` and :func:`global_avg_pool2d_backward_naive` are the same
with loops (read those first); a test holds them equal.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_image_batch, check_dout
from .layers import Layer

__all__ = [
    "global_avg_pool2d",
    "global_avg_pool2d_backward",
    "global_avg_pool2d_naive",
    "global_avg_pool2d_backward_naive",
    "GlobalAvgPool2D",
]


def global_avg_pool2d_naive(x: np.ndarray) -> np.ndarray:
    """:func:`global_avg_pool2d` with loops over examples, channels and positions.

    >>> global_avg_pool2d_naive(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[1.5, 5.5]])
    """
    x = as_image_batch(x, "x", unbatched=False)
    n, c, h, w = x.shape
    out = np.zeros((n, c), x.dtype)
    for i in range(n):
        for ch in range(c):
            total = 0.0
            for r in range(h):
                for col in range(w):
                    total += x[i, ch, r, col]
            out[i, ch] = total / (h * w)
    return out


def global_avg_pool2d_backward_naive(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    """:func:`global_avg_pool2d_backward` with loops: every position gets ``dout / (H*W)``."""
    x = as_image_batch(x, "x", unbatched=False)
    n, c, h, w = x.shape
    dout = check_dout(dout, (n, c), x.dtype)
    dx = np.zeros(x.shape, x.dtype)
    for i in range(n):
        for ch in range(c):
            for r in range(h):
                for col in range(w):
                    dx[i, ch, r, col] = dout[i, ch] / (h * w)  # d mean / d x = 1 / (H * W)
    return dx


def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    """The mean of every feature map: (N, C, H, W) -> (N, C).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)

    Returns
    -------
    out : ndarray, shape (N, C)

    Examples
    --------
    >>> global_avg_pool2d(np.ones((2, 16, 4, 4))).shape
    (2, 16)
    """
    x = as_image_batch(x, "x", unbatched=False)
    return x.mean(axis=(2, 3))


def global_avg_pool2d_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of :func:`global_avg_pool2d` with respect to ``x``.

    Parameters
    ----------
    dout : ndarray, shape (N, C)
        Gradient of the loss with respect to the output.
    x : ndarray, shape (N, C, H, W)
        The forward pass's input (only its shape and dtype are used).

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        ``dout[n, c] / (H * W)`` at every position of map (n, c).

    Examples
    --------
    >>> global_avg_pool2d_backward(np.array([[4.0]]), np.zeros((1, 1, 2, 2)))[0, 0]
    array([[1., 1.],
           [1., 1.]])
    """
    x = as_image_batch(x, "x", unbatched=False)
    n, c, h, w = x.shape
    dout = check_dout(dout, (n, c), x.dtype)
    share = dout / (h * w)  # each of the H * W positions counts 1 / (H * W) in the mean
    return np.broadcast_to(share[:, :, None, None], x.shape).copy()


class GlobalAvgPool2D(Layer):
    """Average each feature map to one number: (N, C, H, W) -> (N, C), no parameters.

    The same as ``nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())`` in PyTorch.

    Examples
    --------
    >>> GlobalAvgPool2D().forward(np.ones((2, 16, 4, 4))).shape
    (2, 16)
    """

    def __init__(self) -> None:
        super().__init__()
        self._x: np.ndarray | None = None

    def __repr__(self) -> str:
        return "GlobalAvgPool2D()"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_image_batch(x, "x", unbatched=False)
        self._x = x
        return global_avg_pool2d(x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._need_forward("_x")
        return global_avg_pool2d_backward(dout, self._x)  # dx = dout / (H * W) everywhere

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) not in (3, 4):
            raise ValueError(f"input_shape must be (C, H, W) or (N, C, H, W), got {input_shape}")
        return tuple(input_shape[:-2])
