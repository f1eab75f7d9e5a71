"""Bringing your own picture to the network: read an image file, and turn any picture into
an 8x8 digit the way the shipped digits were made.

The digits of :func:`cnnkit.load_digits` began as 32x32 black-and-white bitmaps; each 8x8
pixel counts the ink pixels in one 4x4 block (0..16), and :func:`cnnkit.load_digits` divides
by 16. :func:`to_digit` does the same to any grayscale picture: shrink it to 32x32, call a
pixel ink where it is darker than the middle (or brighter, for light ink on a dark
background), count per 4x4 block, divide by 16.
"""

from __future__ import annotations

import io

import numpy as np

from . import _validate as check
from ._validate import as_float_array

__all__ = ["read_image", "resize_area", "to_digit"]


def read_image(data: object, name: str = "the file") -> np.ndarray:
    """Decode an image file's bytes (PNG, JPEG, GIF, BMP, ...) into grayscale floats.

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        The file's content (as ``ipywidgets.FileUpload`` gives it).
    name : str
        The file's name, for the message when it is not an image.

    Returns
    -------
    image : ndarray of float64, shape (H, W), 0 = black, 1 = white

    Raises
    ------
    ValueError
        When the bytes are not an image Pillow can read, in words.

    Examples
    --------
    >>> try:
    ...     read_image(b"hello", "notes.txt")
    ... except ValueError as exc:
    ...     print(str(exc)[:39])
    notes.txt is not an image file that can
    """
    from PIL import Image, UnidentifiedImageError

    if not isinstance(name, str):
        raise TypeError(f"name={name!r} must be the file's name as a string, such as 'digit.png'")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"data is a {type(data).__name__}; give the file's bytes, e.g. open(path, 'rb').read()"
        )
    raw = bytes(data)
    try:
        with Image.open(io.BytesIO(raw)) as picture:
            gray = np.asarray(picture.convert("L"), dtype=np.float64) / 255.0
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValueError(
            f"{name} is not an image file that can be read ({len(raw)} bytes that "
            "are no PNG, JPEG, GIF or BMP picture); choose a picture file, such as "
            "a .png or .jpg"
        ) from None
    if gray.size == 0:
        raise ValueError(f"{name} is an empty picture; choose another one")
    return gray


def _area_matrix(n: int, m: int) -> np.ndarray:
    """(m, n): row i averages the input interval [i n/m, (i+1) n/m), a cut pixel by its part."""
    edges = np.arange(m + 1) * (n / m)
    pixel = np.arange(n)[None, :]
    overlap = np.clip(
        np.minimum(edges[1:, None], pixel + 1) - np.maximum(edges[:-1, None], pixel), 0.0, None
    )
    return overlap / overlap.sum(axis=1, keepdims=True)


#: The largest side :func:`resize_area` makes.
MAX_SIDE = 8192


def resize_area(image: object, height: int, width: int) -> np.ndarray:
    """Shrink (or grow) a 2-D image; each new pixel averages the area it covers.

    Examples
    --------
    >>> resize_area(np.ones((10, 7)), 32, 32).shape
    (32, 32)
    """
    image = as_float_array(image, "image")
    if image.ndim != 2:
        raise ValueError(f"image has shape {image.shape}; give a 2-D grayscale image (H, W)")
    # a matrix product would spread one NaN over its whole row and column (0 * nan = nan)
    image = check.array(image, "image", finite=True)
    if image.size == 0:
        raise ValueError(
            f"image has shape {image.shape}, no pixels; give a picture with at least one pixel"
        )
    why = "; a picture that large would not fit in memory"
    height = check.count(height, "height", MAX_SIDE, why)
    width = check.count(width, "width", MAX_SIDE, why)
    return _area_matrix(image.shape[0], height) @ image @ _area_matrix(image.shape[1], width).T


def to_digit(image: object, light_ink: bool | None = None) -> np.ndarray:
    """Turn a grayscale picture (0 black .. 1 white) into an 8x8 digit like the shipped ones.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    light_ink : bool, optional
        True when the ink is lighter than the paper. By default guessed: the ink is whatever
        covers less than half the picture.

    Returns
    -------
    digit : ndarray of float64, shape (1, 8, 8), values in {0, 1/16, ..., 1}

    Examples
    --------
    >>> d = to_digit(np.ones((40, 40)))   # blank white paper: no ink
    >>> d.shape, float(d.sum())
    ((1, 8, 8), 0.0)
    """
    if light_ink is not None:
        light_ink = check.flag(light_ink, "light_ink")
    image = check.array(image, "image", ndim=2, layout="(H, W)", finite=True)
    small = resize_area(image, 32, 32)
    dark = small < 0.5
    if light_ink is None:
        light_ink = bool(dark.mean() > 0.5)
    bitmap = ~dark if light_ink else dark
    counts = bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3))  # ink pixels in each 4x4 block
    return (counts / 16.0)[None]
