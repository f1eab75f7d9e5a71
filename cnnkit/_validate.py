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


def _show(value: object) -> str:
    """A value as the learner typed it: ``2`` (also for numpy ints), ``'2'``, ``(1, 0)``."""
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    return repr(value)


def _subject(value: object, name: str, whole: object) -> str:
    """How a message names the bad value: ``stride=0``, or ``stride=(1, 0) contains 0, which``."""
    if whole is None:
        return f"{name}={_show(value)}"
    return f"{name}={_show(whole)} contains {_show(value)}, which"


def positive_int(value: object, name: str, whole: object = None) -> int:
    """Return ``value`` as an int, or raise if it is not a whole number >= 1.

    ``whole`` is the (h, w) pair ``value`` came from, if any, so the message can quote it.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{_subject(value, name, whole)} must be a whole number (an int such as 1, 2 or 3), "
            f"not {type(value).__name__}"
        )
    if value < 1:
        raise ValueError(f"{_subject(value, name, whole)} must be at least 1")
    return int(value)


def nonnegative_int(value: object, name: str, whole: object = None) -> int:
    """Return ``value`` as an int, or raise if it is not a whole number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{_subject(value, name, whole)} must be a whole number (an int such as 0, 1 or 2), "
            f"not {type(value).__name__}"
        )
    if value < 0:
        raise ValueError(
            f"{_subject(value, name, whole)} must not be negative; use 0 for no padding"
        )
    return int(value)


def positive_number(value: object, name: str, example: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number > 0."""
    real = number(value, name, example)
    if not np.isfinite(real) or real <= 0:
        raise ValueError(f"{name}={value!r} must be a positive number, such as {example}")
    return real


def number(value: object, name: str, example: str) -> float:
    """Return ``value`` as a float, or raise a TypeError if it is not a real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name}={value!r} must be a number, such as {example}, not {type(value).__name__}"
        )
    return float(value)


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
        whole = tuple(value)
        return check(value[0], name, whole), check(value[1], name, whole)
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


#: The input layouts the convolution and pooling functions accept, by number of dimensions.
IMAGE_LAYOUTS = {4: "(N, C, H, W)", 3: "(C, H, W)", 2: "(H, W)"}


def as_image_batch(x: object, name: str = "x", unbatched: bool = True) -> np.ndarray:
    """Return ``x`` as a floating (N, C, H, W) batch: the one input-shape check of cnnkit.

    With ``unbatched=True`` a 3-D ``x`` (C, H, W) is one image and a 2-D ``x`` (H, W) one
    grayscale image; they get the missing axes in front (undo with :func:`restore_ndim`).
    The batch may be empty (N = 0); every other axis must have at least one pixel.
    """
    x = as_float_array(x, name)
    allowed = (4, 3, 2) if unbatched else (4,)
    if x.ndim not in allowed:
        layouts = " or ".join(IMAGE_LAYOUTS[d] for d in allowed)
        hint = ""
        if not unbatched and x.ndim == 3:
            hint = f"; for one image add a batch axis with {name}[None]"
        elif not unbatched and x.ndim == 2:
            hint = f"; for one grayscale image use {name}[None, None]"
        raise ValueError(
            f"{name} must have shape {layouts}, got {x.ndim} dimensions with shape "
            f"{x.shape}{hint}"
        )
    if 0 in x.shape[-3:]:
        raise ValueError(
            f"{name} with shape {x.shape} has an empty channel, height or width axis; "
            "only the batch axis N may be 0"
        )
    return x.reshape((1,) * (4 - x.ndim) + x.shape)


def restore_ndim(a: np.ndarray, ndim: int) -> np.ndarray:
    """Drop the leading axes :func:`as_image_batch` added to a ``ndim``-D input."""
    return a.reshape(a.shape[4 - ndim :]) if ndim < 4 else a


def check_dout(dout: object, expected: tuple[int, ...], dtype: np.dtype | None = None,
               name: str = "dout") -> np.ndarray:
    """Return ``dout`` as a ``dtype`` array (its own float dtype if None), or raise if its
    shape is not ``expected``.

    The one gradient-shape check of cnnkit: every backward pass calls it before it
    computes or stores anything, so a mismatched gradient is never broadcast or reshaped.
    """
    dout = as_float_array(dout, name)
    if dout.shape != tuple(expected):
        raise ValueError(
            f"{name} must have the shape of the forward pass's output, {tuple(expected)}, "
            f"got shape {dout.shape}; pass the gradient of the loss with respect to that output"
        )
    return dout if dtype is None else dout.astype(dtype, copy=False)
