"""Data augmentation by small shifts: move images a pixel or two, filling with zeros.

A handwritten digit moved one pixel to the right is still the same digit. Training on
randomly shifted copies (new shifts every epoch) shows a network many more images than the
data set holds, and teaches it that position does not matter. Shapes::

    X   : (N, C, H, W)   (a 2-D image (H, W) is accepted by :func:`shift_images`)
    out : same shape as X; pixels shifted in from outside the image are 0

``shift_images(X, dy, dx)`` moves the content ``dy`` rows down and ``dx`` columns right
(negative values move it up and left): ``out[..., i, j] = X[..., i - dy, j - dx]``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _validate as check
from ._validate import as_float_array, nonnegative_int, positive_int
from .progress import ProgressBar
from .train import MAX_EPOCHS, History, _check_data, _check_model, _check_optimizer, fit

__all__ = ["shift_images", "shift_images_naive", "random_shifts", "fit_augmented"]


def _whole(value: object, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}={value!r} must be a whole number of pixels, such as 1 or -1")
    return int(value)


def _images(X: object, name: str = "X") -> np.ndarray:
    X = as_float_array(X, name)
    if X.ndim != 4:
        raise ValueError(
            f"{name} must have shape (N, C, H, W), got shape {X.shape}; "
            "for one 2-D image use X[None, None]"
        )
    return X


def shift_images(X: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Move every image ``dy`` pixels down and ``dx`` pixels right, filling with zeros.

    Parameters
    ----------
    X : ndarray, shape (N, C, H, W) or (H, W)
    dy, dx : int
        Pixels to move down and right; negative values move up and left. A shift as large
        as the image leaves only zeros.

    Returns
    -------
    ndarray, same shape and dtype as ``X``

    Examples
    --------
    >>> shift_images(np.eye(3), 0, 1)
    array([[0., 1., 0.],
           [0., 0., 1.],
           [0., 0., 0.]])
    """
    X = as_float_array(X, "X")
    if X.ndim not in (2, 4):
        raise ValueError(f"X must have shape (N, C, H, W) or (H, W), got shape {X.shape}")
    dy, dx = _whole(dy, "dy"), _whole(dx, "dx")
    h, w = X.shape[-2:]
    out = np.zeros_like(X)
    if abs(dy) >= h or abs(dx) >= w:
        return out
    # rows i of out take rows i - dy of X: the overlap of both ranges
    out[..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = X[
        ..., max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def shift_images_naive(X: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """:func:`shift_images` written as loops over output pixels (for reading)."""
    X = as_float_array(X, "X")
    if X.ndim not in (2, 4):
        raise ValueError(f"X must have shape (N, C, H, W) or (H, W), got shape {X.shape}")
    dy, dx = _whole(dy, "dy"), _whole(dx, "dx")
    h, w = X.shape[-2:]
    out = np.zeros_like(X)
    for i in range(h):
        for j in range(w):
            if 0 <= i - dy < h and 0 <= j - dx < w:
                out[..., i, j] = X[..., i - dy, j - dx]  # the pixel that moved here
    return out


def random_shifts(X: np.ndarray, max_shift: int = 1, seed: int = 0) -> np.ndarray:
    """Each image moved by its own random (dy, dx), both drawn from -max_shift..max_shift.

    Parameters
    ----------
    X : ndarray, shape (N, C, H, W)
    max_shift : int
        Largest shift in pixels, in each direction (0 returns a copy).
    seed : int
        Seeds the random shifts, so the same call gives the same images.

    Returns
    -------
    ndarray, shape of ``X``
    """
    X = _images(X)
    m = nonnegative_int(max_shift, "max_shift")
    if m >= 2**62:
        raise ValueError(
            f"max_shift={m} is too large; a shift of the image's size already leaves only zeros"
        )
    rng = check.as_rng(seed, "seed")
    shifts = rng.integers(-m, m + 1, size=(len(X), 2))
    out = np.empty_like(X)
    # one whole-array shift for each move that was drawn, on the images that drew it
    for dy, dx in np.unique(shifts, axis=0).tolist():
        chosen = (shifts[:, 0] == dy) & (shifts[:, 1] == dx)
        out[chosen] = shift_images(X[chosen], dy, dx)
    return out


def fit_augmented(
    model,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
    batch_size: int,
    optimizer,
    max_shift: int = 1,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    seed: int = 0,
    progress: str | bool | None = "auto",
    callback: Callable[[History], None] | None = None,
    anneal: bool = False,
) -> History:
    """:func:`cnnkit.fit`, with every training image freshly shifted at every epoch.

    Each epoch draws new random shifts (:func:`random_shifts`, seeded from ``seed`` and the
    epoch) and trains one epoch on them; the test images are never shifted. With
    ``max_shift=0`` it trains on the images as they are. With ``anneal=True`` the learning
    rate falls in equal steps from ``optimizer.lr`` at the first epoch to ``optimizer.lr /
    epochs`` at the last (smaller steps at the end settle the weights); the optimizer's
    ``lr`` is restored afterwards.

    Returns
    -------
    History
        One entry per epoch, as :func:`cnnkit.fit` returns. The training numbers are
        measured on that epoch's shifted images.
    """
    # everything checked before the first step, as fit does, so a bad call changes nothing
    model = _check_model(model)
    X = _images(X)
    X, y = _check_data(model, X, y)
    if (X_val is None) != (y_val is None):
        raise ValueError("pass both X_val and y_val, or neither")
    if X_val is not None:
        X_val, y_val = _check_data(model, X_val, y_val, "X_val", "y_val")
    epochs = check.count(
        epochs,
        "epochs",
        maximum=MAX_EPOCHS,
        why=" in one call (it would run for days); call it again to go on",
    )
    batch_size = positive_int(batch_size, "batch_size")
    _check_optimizer(optimizer, model)
    max_shift = nonnegative_int(max_shift, "max_shift")
    if check.seed(seed) is None:
        raise TypeError(
            "seed=None: fit_augmented needs a whole number >= 0, such as 0, so "
            "that every epoch draws its own shifts"
        )
    anneal = check.flag(anneal, "anneal")
    check.callable_or_none(callback, "callback", "keeper = BestWeights(model)")
    history = History()
    bar = ProgressBar(epochs * -(-len(X) // batch_size), progress)
    start_lr = optimizer.lr
    for epoch in range(epochs):
        if anneal:
            optimizer.lr = start_lr * (epochs - epoch) / epochs
        shifted = random_shifts(X, max_shift, seed=10_000 * seed + epoch)
        one = fit(
            model,
            shifted,
            y,
            1,
            batch_size,
            optimizer,
            X_val,
            y_val,
            seed=10_000 * seed + epoch,
            progress="off",
        )
        for name in ("train_loss", "train_acc", "val_loss", "val_acc", "seconds"):
            getattr(history, name).extend(getattr(one, name))
        history.iterations += one.iterations
        text = f"epoch {epoch + 1}/{epochs} loss {history.train_loss[-1]:.3f}"
        if history.val_acc:
            text += f" val acc {history.val_acc[-1]:.1%}"
        bar.update(one.iterations, text, force=True)
        if callback is not None:
            callback(history)
    optimizer.lr = start_lr
    bar.close(text)
    return history
