"""Argument checks shared by the public functions.

Every public entry point of cnnkit validates its arguments here, so a learner who passes a
bad value gets a ``ValueError`` or ``TypeError`` naming the argument, its value and a way
out, instead of a numpy error from deep inside a computation.
"""
from __future__ import annotations

import numbers
from typing import Union

import numpy as np

IntPair = Union[int, tuple[int, int]]


def positive_int(value: object, name: str) -> int:
    """Return ``value`` as an int, or raise if it is not a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name}={value!r} must be a whole number (an int such as 1, 2 or 3), "
            f"not {type(value).__name__}"
        )
    if value < 1:
        raise ValueError(f"{name}={value} must be at least 1")
    return int(value)


def nonnegative_int(value: object, name: str) -> int:
    """Return ``value`` as an int, or raise if it is not a whole number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name}={value!r} must be a whole number (an int such as 0, 1 or 2), "
            f"not {type(value).__name__}"
        )
    if value < 0:
        raise ValueError(f"{name}={value} must not be negative; use 0 for no padding")
    return int(value)


def pair(value: object, name: str, *, allow_zero: bool = False) -> tuple[int, int]:
    """Read an int or an (h, w) pair of ints, as PyTorch does.

    Returns
    -------
    tuple of int
        ``(h, w)``; an int ``v`` gives ``(v, v)``.
    """
    check = nonnegative_int if allow_zero else positive_int
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(
                f"{name}={value!r} must be one int or a pair (h, w) of two ints, "
                f"got {len(value)} values"
            )
        return check(value[0], name), check(value[1], name)
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return pair(tuple(value.tolist()), name, allow_zero=allow_zero)
    v = check(value, name)
    return v, v


def as_float_array(x: object, name: str) -> np.ndarray:
    """Return ``x`` as a floating ndarray, keeping float32/float64, else float64."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy's own message is kept below
        raise TypeError(f"{name} must be an array of numbers: {exc}") from exc
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise TypeError(
            f"{name} must be an array of numbers, got dtype {arr.dtype}; "
            "convert it with np.asarray(..., dtype=float)"
        )
    return arr


def check_ndim(x: np.ndarray, name: str, ndim: int, layout: str) -> None:
    """Raise if ``x`` does not have ``ndim`` dimensions (``layout`` describes them)."""
    if x.ndim != ndim:
        hint = ""
        if ndim == 4 and x.ndim == 3:
            hint = f"; for one image add a batch axis with {name}[None]"
        elif ndim == 4 and x.ndim == 2:
            hint = f"; for one grayscale image use {name}[None, None]"
        raise ValueError(
            f"{name} must have {ndim} dimensions {layout}, got {x.ndim} with shape "
            f"{x.shape}{hint}"
        )


def result_dtype(*arrays: np.ndarray) -> np.dtype:
    """The floating dtype an operation on ``arrays`` returns (float32 stays float32)."""
    return np.result_type(*[a.dtype for a in arrays], np.float32)
