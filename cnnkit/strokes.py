"""A generated data set where first-layer kernels have something to find: bars at four angles.

The 8x8 digits are too small for 3x3 kernels to show much structure. Here every image is a
larger square (16x16 by default) with one bright bar on a dark, slightly noisy background,
and the label is the bar's direction: 0, 45, 90 or 135 degrees. A network with 5x5 kernels
that learns to tell the directions apart has a reason to grow oriented detectors in its first
layer, which :mod:`cnnkit.interpret` measures against the classic edge kernels.
"""

from __future__ import annotations

import numpy as np

from . import _validate as check
from ._validate import positive_int
from .layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from .model import Sequential

__all__ = ["BAR_ANGLES", "bars_cnn", "make_bars", "small_digits_cnn"]

#: The bar directions, in degrees (0 = horizontal, 90 = vertical); label i is BAR_ANGLES[i].
BAR_ANGLES = (0, 45, 90, 135)

#: More pixels than this (8 GB as float64) in one call to :func:`make_bars` is a mistake.
MAX_PIXELS = 10**9


def _whole_seed(value: object, function: str) -> int:
    seed = check.seed(value)
    if seed is None:
        raise TypeError(
            f"seed=None: {function} needs a whole number >= 0, such as 0, so that "
            "its layers get seeds seed, seed + 1, ..."
        )
    return seed


def make_bars(
    n: int = 800, size: int = 16, seed: int = 0, noise: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` seeded images of one bar each, labelled by its direction.

    Each bar has a random centre (within the middle half), length (half to three quarters
    of the side) and brightness (0.6 to 1); its edges are soft (a pixel's ink falls off
    linearly over one pixel from the bar's middle line). Gaussian noise of standard
    deviation ``noise`` is added and the result clipped to [0, 1].

    Returns
    -------
    images : ndarray of float64, shape (n, 1, size, size), values in [0, 1]
    labels : ndarray of int64, shape (n,), index into :data:`BAR_ANGLES`

    Examples
    --------
    >>> images, labels = make_bars(10, 16, seed=0)
    >>> images.shape, labels.shape
    ((10, 1, 16, 16), (10,))
    """
    n, size = positive_int(n, "n"), check.count(size, "size", 1024)
    if size < 8:
        raise ValueError(f"size={size} is too small for a bar to have a direction; use 8 or more")
    if n * size * size > MAX_PIXELS:
        raise ValueError(
            f"n={n} images of {size}x{size} pixels are {n * size * size:,} numbers, "
            f"more than {MAX_PIXELS:,}; ask for fewer or smaller images"
        )
    noise = check.nonnegative_number(noise, "noise", "0.1")
    rng = check.as_rng(seed, "seed")
    labels = np.arange(n) % len(BAR_ANGLES)
    rng.shuffle(labels)
    theta = np.deg2rad(np.asarray(BAR_ANGLES, dtype=float)[labels])[:, None, None]
    centre = (size - 1) / 2 + rng.uniform(-size / 4, size / 4, (2, n, 1, 1))
    half = rng.uniform(size / 4, 3 * size / 8, (n, 1, 1))
    bright = rng.uniform(0.6, 1.0, (n, 1, 1))
    yy, xx = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    dy, dx = yy[None] - centre[0], xx[None] - centre[1]
    along = dx * np.cos(theta) - dy * np.sin(theta)  # 0 degrees = horizontal, y points down
    across = dx * np.sin(theta) + dy * np.cos(theta)
    ink = np.clip(1.0 - np.abs(across), 0, 1) * np.clip(half + 0.5 - np.abs(along), 0, 1)
    images = np.clip(bright * ink + noise * rng.standard_normal(ink.shape), 0.0, 1.0)
    return images[:, None], labels.astype(np.int64)


def bars_cnn(seed: int = 0, n_kernels: int = 8, kernel_size: int = 5, size: int = 16) -> Sequential:
    """A small network for :func:`make_bars`: one conv layer with large kernels, then Dense.

    ``(1, 16, 16) -conv 5x5-> (8, 12, 12) -relu-> -pool 4-> (8, 3, 3) -> 72 -dense-> 4``

    Examples
    --------
    >>> bars_cnn().summary((1, 16, 16)).rows[-1].output_shape
    (4,)
    """
    seed = _whole_seed(seed, "bars_cnn")
    n_kernels = check.count(n_kernels, "n_kernels", 4096)
    kernel_size = positive_int(kernel_size, "kernel_size")
    size = check.count(size, "size", 4096)
    side = (size - kernel_size + 1) // 4
    if side < 1:
        raise ValueError(
            f"kernel_size={kernel_size} leaves nothing to pool on a {size}x{size} "
            "image; use a smaller kernel"
        )
    return Sequential(
        Conv2D(1, n_kernels, kernel_size, rng=seed),
        ReLU(),
        MaxPool2D(4),
        Flatten(),
        Dense(n_kernels * side * side, len(BAR_ANGLES), rng=seed + 1),
    )


def small_digits_cnn(seed: int = 0) -> Sequential:
    """A digits network small enough to train in a few seconds on a busy machine.

    ``(1, 8, 8) -conv 3x3 pad 1-> (8, 8, 8) -relu, pool-> (8, 4, 4) -conv 3x3 pad 1->
    (16, 4, 4) -relu, pool-> (16, 2, 2) -> 64 -dense-> 10``

    Examples
    --------
    >>> small_digits_cnn().summary((1, 8, 8)).rows[-1].output_shape
    (10,)
    """
    seed = _whole_seed(seed, "small_digits_cnn")
    return Sequential(
        Conv2D(1, 8, 3, padding=1, rng=seed),
        ReLU(),
        MaxPool2D(2),
        Conv2D(8, 16, 3, padding=1, rng=seed + 1),
        ReLU(),
        MaxPool2D(2),
        Flatten(),
        Dense(64, 10, rng=seed + 2),
    )
