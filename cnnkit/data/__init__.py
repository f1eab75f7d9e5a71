"""Data shipped with cnnkit, loaded offline: the 8x8 handwritten digits and a sample photo."""

from __future__ import annotations

from importlib import resources

import numpy as np

from .. import _validate as check

__all__ = ["load_digits", "train_test_split", "sample_image"]


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The UCI "Optical Recognition of Handwritten Digits" images (see ``DIGITS.md``).

    Returns
    -------
    images : ndarray of float64, shape (1797, 1, 8, 8)
        Pixel values scaled from the original counts 0..16 into [0, 1].
    labels : ndarray of int64, shape (1797,)
        The digit 0..9 each image shows.

    Examples
    --------
    >>> images, labels = load_digits()
    >>> images.shape, labels.shape
    ((1797, 1, 8, 8), (1797,))
    """
    with resources.files(__package__).joinpath("digits.npz").open("rb") as handle:
        data = np.load(handle)
        images, labels = data["images"], data["labels"]
    return (images[:, None].astype(np.float64) / 16.0), labels.astype(np.int64)


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.2, seed: int = 0, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split into a training and a held-out test set, seeded.

    With ``stratify=True`` every class is split in the same proportion, so the test set
    has as many of each digit, relatively, as the whole data set.

    Parameters
    ----------
    X : array, shape (N, ...)
        Examples (any dtype; they are indexed, not computed with).
    y : array, shape (N,)
        One label per example.
    test_size : float
        The share of each class (or of all examples) held out, strictly between 0 and 1.
    seed : int or None
        A whole number >= 0 (None: a different split every run).
    stratify : bool

    Returns
    -------
    X_train, X_test, y_train, y_test
        New arrays; ``X`` and ``y`` are not changed. Both parts must end up non-empty.

    Examples
    --------
    >>> X, y = load_digits()
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    >>> len(X_train), len(X_test)
    (1438, 359)
    """
    X, y = _examples(X, "X"), _examples(y, "y")
    if y.ndim != 1:
        raise ValueError(
            f"y must have one label per example, shape ({len(y)},), got shape {y.shape}"
        )
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)}; they must match")
    test_size = check.fraction(test_size, "test_size", "0.2")
    seed = check.seed(seed)
    stratify = check.flag(stratify, "stratify")
    rng = np.random.default_rng(seed)
    if stratify:
        test = []
        for label in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == label))
            test.append(members[: int(round(test_size * len(members)))])
        test_idx = np.sort(np.concatenate(test))
    else:
        test_idx = np.sort(rng.permutation(len(y))[: int(round(test_size * len(y)))])
    mask = np.zeros(len(y), dtype=bool)
    mask[test_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~mask))
    test_idx = rng.permutation(test_idx)
    if len(train_idx) == 0 or len(test_idx) == 0:
        part = "test" if len(test_idx) == 0 else "training"
        raise ValueError(
            f"test_size={test_size!r} leaves the {part} set of these {len(y)} "
            "examples empty; use more examples or a test_size nearer 0.5"
        )
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


def _examples(values: object, name: str) -> np.ndarray:
    """An array with a first axis of examples (any dtype)."""
    arr = np.asarray(values)
    if arr.ndim == 0:
        raise ValueError(
            f"{name}={values!r} must be an array of examples (one per row), not a single value"
        )
    if len(arr) == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); there is nothing to split")
    return arr


def sample_image(color: bool = False, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """The photo of Grace Hopper that ships with matplotlib, as floats in [0, 1].

    Parameters
    ----------
    color : bool
        False (default): grayscale, shape (H, W). True: RGB, shape (H, W, 3).
    size : int or (int, int), optional
        None (default): the full photo, 600 x 512. An int: the **longer side** (the height)
        becomes exactly ``size`` pixels and the width shrinks by the same factor, rounded to
        the nearest pixel (a half rounds up): ``size=160`` gives 160 x 137. A pair
        ``(height, width)``: exactly that shape. Each new pixel is the average of the part
        of the photo it covers.

    Examples
    --------
    >>> sample_image().shape
    (600, 512)
    >>> sample_image(size=160).shape
    (160, 137)
    >>> sample_image(color=True, size=(32, 40)).shape
    (32, 40, 3)
    """
    color = check.flag(color, "color")
    if size is not None:
        size = _size(size)
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as handle:
        import matplotlib.image as mpimg

        rgb = mpimg.imread(handle, format="jpg").astype(np.float64) / 255.0
    if size is not None:
        h, w = rgb.shape[:2]
        if isinstance(size, tuple):
            new_h, new_w = size
        else:
            scale = size / max(h, w)
            new_h = max(1, int(np.floor(h * scale + 0.5)))
            new_w = max(1, int(np.floor(w * scale + 0.5)))
        if (new_h, new_w) != (h, w):
            rows, cols = _area_weights(h, new_h), _area_weights(w, new_w)
            rgb = (rows @ rgb.reshape(h, w * 3)).reshape(new_h, w, 3)  # resample the rows,
            rgb = (rgb.transpose(0, 2, 1) @ cols.T).transpose(0, 2, 1)  # then the columns
            rgb = np.clip(rgb, 0.0, 1.0)
    if color:
        return rgb
    # Luminance weights of ITU-R BT.601, the usual RGB-to-gray conversion.
    return rgb @ np.array([0.299, 0.587, 0.114])


#: The largest side :func:`sample_image` makes (the photo is 600 x 512).
MAX_SIDE = 4096


def _size(size: object) -> int | tuple[int, int]:
    """An int (the longer side) or a (height, width) pair, each side 1..MAX_SIDE."""
    why = "; the photo is 600 x 512, and a larger picture only repeats its pixels"
    if isinstance(size, (tuple, list, np.ndarray)):
        if isinstance(size, np.ndarray) and size.ndim != 1 or len(size) != 2:
            raise ValueError(
                f"size={size!r} must be one int (the longer side) or a pair (height, width)"
            )
        h, w = check.pair(size, "size")
        if max(h, w) > MAX_SIDE:
            raise ValueError(f"size={(h, w)} is too large: each side at most {MAX_SIDE:,}{why}")
        return h, w
    return check.count(size, "size", MAX_SIDE, why)


def _area_weights(n: int, m: int) -> np.ndarray:
    """(m, n) matrix that resamples n pixels to m: row i averages the input interval
    [i * n/m, (i + 1) * n/m), counting a pixel cut by an edge by the part that lies inside."""
    edges = np.arange(m + 1) * (n / m)
    starts, stops = edges[:-1, None], edges[1:, None]
    pixel = np.arange(n)[None, :]
    overlap = np.clip(np.minimum(stops, pixel + 1) - np.maximum(starts, pixel), 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)
