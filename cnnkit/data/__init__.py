"""Data shipped with cnnkit, loaded offline: the 8x8 handwritten digits and a sample photo."""
from __future__ import annotations

from importlib import resources
from typing import Optional, Union

import numpy as np

from .._validate import positive_int

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

    Returns
    -------
    X_train, X_test, y_train, y_test

    Examples
    --------
    >>> X, y = load_digits()
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    >>> len(X_train), len(X_test)
    (1438, 359)
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)}; they must match")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size={test_size} must be a fraction between 0 and 1, e.g. 0.2")
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
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


def sample_image(color: bool = False,
                 size: Optional[Union[int, tuple[int, int]]] = None) -> np.ndarray:
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
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as handle:
        import matplotlib.image as mpimg

        rgb = mpimg.imread(handle, format="jpg").astype(np.float64) / 255.0
    if size is not None:
        h, w = rgb.shape[:2]
        if isinstance(size, (tuple, list)):
            if len(size) != 2:
                raise ValueError(f"size={size!r} must be one int (the longer side) or a pair "
                                 "(height, width)")
            new_h, new_w = positive_int(size[0], "size[0]"), positive_int(size[1], "size[1]")
        else:
            longer = positive_int(size, "size")
            scale = longer / max(h, w)
            new_h = max(1, int(np.floor(h * scale + 0.5)))
            new_w = max(1, int(np.floor(w * scale + 0.5)))
        if (new_h, new_w) != (h, w):
            rows, cols = _area_weights(h, new_h), _area_weights(w, new_w)
            rgb = (rows @ rgb.reshape(h, w * 3)).reshape(new_h, w, 3)    # resample the rows,
            rgb = (rgb.transpose(0, 2, 1) @ cols.T).transpose(0, 2, 1)   # then the columns
            rgb = np.clip(rgb, 0.0, 1.0)
    if color:
        return rgb
    # Luminance weights of ITU-R BT.601, the usual RGB-to-gray conversion.
    return rgb @ np.array([0.299, 0.587, 0.114])


def _area_weights(n: int, m: int) -> np.ndarray:
    """(m, n) matrix that resamples n pixels to m: row i averages the input interval
    [i * n/m, (i + 1) * n/m), counting a pixel cut by an edge by the part that lies inside."""
    edges = np.arange(m + 1) * (n / m)
    starts, stops = edges[:-1, None], edges[1:, None]
    pixel = np.arange(n)[None, :]
    overlap = np.clip(np.minimum(stops, pixel + 1) - np.maximum(starts, pixel), 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)
