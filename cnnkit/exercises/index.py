"""Exercises of the start notebook (00): first steps with the digits data set.

The expected answers are computed from the data when checked, never written down here.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ._core import as_whole_number, exercise

__all__ = ["check_number_of_images", "check_pixels_per_image", "check_most_common_digit"]


@lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from ..data import load_digits

    return load_digits()


@exercise(
    "00.1",
    expects="one whole number, such as 100",
    question="How many images does the digits data set hold? (Hint: `len` or `.shape`.)",
    solution="""
images, labels = cnnkit.load_digits()
answer = len(images)          # the first axis counts the images (N)
""",
)
def check_number_of_images(answer: object) -> tuple[bool, str]:
    """How many images does the digits data set hold?"""
    images, _ = _digits()
    value = as_whole_number(answer, "the number of images")
    if value == len(images):
        return True, f"the data set holds {len(images):,} images."
    if value == images[0].size:
        return False, "that is the number of pixels in one image; count the images instead."
    return False, (
        "load the data with cnnkit.load_digits() and look at len(images) or images.shape[0]."
    )


@exercise(
    "00.2",
    expects="one whole number, such as 100",
    question="How many pixel values make up one image?",
    solution="""
images, labels = cnnkit.load_digits()
c, h, w = images.shape[1:]    # the shape of one image: (C, H, W)
answer = c * h * w            # or images[0].size
""",
)
def check_pixels_per_image(answer: object) -> tuple[bool, str]:
    """How many pixel values does one digit image have?"""
    images, _ = _digits()
    value = as_whole_number(answer, "the number of pixel values")
    if value == images[0].size:
        return True, f"{images.shape[2]} x {images.shape[3]} = {images[0].size} pixels per image."
    if value == images.shape[2]:
        return False, "that is the number of rows; multiply height by width."
    return False, "images.shape is (N, C, H, W); one image has C x H x W values."


@exercise(
    "00.3",
    expects="one digit, 0 to 9",
    question="""Which digit has the most images in the data set?
(Hint: `np.bincount(labels)` counts how often each digit appears.)""",
    solution="""
images, labels = cnnkit.load_digits()
counts = np.bincount(labels)  # how many images of each digit 0..9
answer = int(np.argmax(counts))
""",
)
def check_most_common_digit(answer: object) -> tuple[bool, str]:
    """Which digit (0..9) has the most images in the data set?"""
    _, labels = _digits()
    counts = np.bincount(labels)
    value = as_whole_number(answer, "the digit")
    best = int(np.argmax(counts))
    if value == best:
        return True, (
            f"{best} appears {int(counts[best])} times; the rarest digit appears "
            f"{int(counts.min())} times."
        )
    if not 0 <= value <= 9:
        return False, "the answer is a digit, 0 to 9."
    return False, (
        f"{value} appears {int(counts[value])} times, but another digit appears more "
        "often; np.bincount(labels) counts each digit."
    )
