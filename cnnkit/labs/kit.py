"""Small numpy helpers the catalogues use to compute what a mistaken function returns.

They behave the way a learner's loops would: output sizes from the floor rule, windows
read by slicing (which silently clips at the border), and a ValueError where np.zeros would
get a negative size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["pair", "pad4", "correlate", "ints"]


def pair(v: Any) -> tuple[int, int]:
    """An int or an (h, w) pair, as a pair."""
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


def pad4(x: np.ndarray, top: int, bottom: int, left: int, right: int) -> np.ndarray:
    """Zeros around the last two axes of an (N, C, H, W) array."""
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))


def correlate(xp: np.ndarray, weight: np.ndarray, stride: Any) -> np.ndarray:
    """Cross-correlation of an already padded input: (N, C, H, W) -> (N, F, OH, OW)."""
    sh, sw = pair(stride)
    n, _, h, w = xp.shape
    f, _, kh, kw = weight.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    if oh < 0 or ow < 0:
        raise ValueError("negative dimensions are not allowed")
    out = np.zeros((n, f, oh, ow))
    if oh == 0 or ow == 0:
        return out
    for a in range(kh):
        for b in range(kw):
            under = xp[:, :, a : a + sh * (oh - 1) + 1 : sh, b : b + sw * (ow - 1) + 1 : sw]
            out += np.einsum("ncij,fc->nfij", under, weight[:, :, a, b])
    return out


def ints(
    rng: np.random.Generator, shape: tuple[int, ...], low: int, high: int, dtype: Any = np.float64
) -> np.ndarray:
    """Whole numbers in [low, high] as floats: easy to read, exact to add up, often tied."""
    return rng.integers(low, high + 1, size=shape).astype(dtype)
