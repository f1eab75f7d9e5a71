"""Argument checks shared by the public functions.

Every public entry point of cnnkit validates its arguments here, so a learner who passes a
bad value gets a ``ValueError`` or ``TypeError`` naming the argument, its value and a way
out, instead of a numpy error from deep inside a computation.
"""

from __future__ import annotations

import numbers

import numpy as np

IntPair = int | tuple[int, int]


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
    # The common case first, checked without the slower isinstance tests (a layer passes
    # its own (h, w) tuple on every call; this saves about 0.5 us a call).
    if type(value) is tuple and len(value) == 2:
        h, w = value
        if type(h) is int and type(w) is int and min(h, w) >= (0 if allow_zero else 1):
            return value
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
            f"{name} must have {ndim} dimensions {layout}, got {x.ndim} with shape {x.shape}{hint}"
        )


def result_dtype(*arrays: np.ndarray) -> np.dtype:
    """The floating dtype an operation on ``arrays`` returns (float32 stays float32)."""
    return np.result_type(*[a.dtype for a in arrays], np.float32)


# Arguments of the model, training, data and gradient-check functions. One checker per kind
# of argument: an entry point calls the checker for each argument it takes, so a new
# function gets the same checks and the same wording.


def count(value: object, name: str, maximum: int | None = None, why: str = "") -> int:
    """A whole number >= 1 (a size, a number of epochs): bools, floats (even 4.0), strings
    and numbers above ``maximum`` are refused, never truncated or wrapped around."""
    n = positive_int(value, name)
    if maximum is not None and n > maximum:
        raise ValueError(f"{name}={n} is too large: at most {maximum:,}{why}")
    return n


def seed(value: object, name: str = "seed") -> int | None:
    """A seed for ``np.random.default_rng``: None (fresh randomness) or a whole number >= 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name}={value!r} must be a whole number such as 0 or 42 (or None "
            f"for a different result every run), not {type(value).__name__}"
        )
    if value < 0:
        raise ValueError(f"{name}={_show(value)} must not be negative; use a seed such as 0")
    return int(value)


def as_rng(value: object, name: str = "rng") -> np.random.Generator:
    """A Generator from a seed (see :func:`seed`) or an existing ``np.random.Generator``."""
    if isinstance(value, np.random.Generator):
        return value
    return np.random.default_rng(seed(value, name))


#: The floating dtypes every operation keeps (float16 is too coarse for gradients).
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def float_dtype(value: object, name: str = "dtype") -> np.dtype:
    """``np.float32`` or ``np.float64`` (as a type, a dtype or a name such as 'float32')."""
    shown = value.__name__ if isinstance(value, type) else repr(value)
    if value is None or isinstance(value, bool):
        raise TypeError(
            f"{name}={shown} is not a dtype; use np.float32 or np.float64 (the default)"
        )
    try:
        dtype = np.dtype(value)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(
            f"{name}={shown} is not a numpy dtype; use np.float32 or np.float64"
        ) from None
    if dtype not in FLOAT_DTYPES:
        why = (
            "whole numbers cannot hold small weights such as 0.01"
            if dtype.kind in "biu"
            else "every cnnkit operation computes in one of these two"
        )
        raise TypeError(f"{name}={shown} must be np.float32 or np.float64, not {dtype}; {why}")
    return dtype


def shape(value: object, name: str, example: str) -> tuple[int, ...]:
    """A shape: a tuple (or list) of whole numbers >= 1, such as ``(1, 8, 8)``."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = tuple(value.tolist())
    if not isinstance(value, (tuple, list)):
        hint = f"; for one axis write ({value!r},)" if isinstance(value, numbers.Integral) else ""
        raise TypeError(
            f"{name}={value!r} must be a tuple of sizes such as {example}, "
            f"not {type(value).__name__}{hint}"
        )
    if len(value) == 0:
        raise ValueError(f"{name}=() is empty; give the size of every axis, such as {example}")
    whole = tuple(value)
    return tuple(positive_int(v, name, whole) for v in whole)


def nonnegative_number(value: object, name: str, example: str) -> float:
    """A finite real number >= 0 (such as a weight decay)."""
    real = number(value, name, example)
    if not np.isfinite(real) or real < 0:
        raise ValueError(f"{name}={value!r} must be a finite number >= 0, such as {example}")
    return real


def fraction(value: object, name: str, example: str) -> float:
    """A real number strictly between 0 and 1 (such as a test-set share)."""
    real = number(value, name, example)
    if not 0.0 < real < 1.0:  # also False for nan
        raise ValueError(f"{name}={value!r} must be a fraction between 0 and 1, such as {example}")
    return real


def flag(value: object, name: str) -> bool:
    """True or False (numpy bools too); no truthy strings or numbers."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False, not {type(value).__name__}")
    return bool(value)


def callable_or_none(value: object, name: str, example: str) -> None:
    """None or something that can be called, e.g. a function."""
    if value is not None and not callable(value):
        raise TypeError(
            f"{name}={value!r} cannot be called; pass a function such as {example}, or None"
        )


def array(
    x: object,
    name: str,
    *,
    min_ndim: int = 0,
    ndim: int | None = None,
    layout: str = "",
    finite: bool = False,
    nonempty: bool = False,
) -> np.ndarray:
    """A floating array (see :func:`as_float_array`) with the dimensions a function needs.

    ``finite=True`` refuses NaN and infinity, ``nonempty=True`` an array with no examples.
    """
    arr = as_float_array(x, name)
    if ndim is not None:
        check_ndim(arr, name, ndim, layout)
    elif arr.ndim < min_ndim:
        plural = "s" if min_ndim != 1 else ""
        raise ValueError(
            f"{name} must have at least {min_ndim} dimension{plural} {layout}, got "
            f"{arr.ndim} with shape {arr.shape}"
        )
    if nonempty and (arr.ndim == 0 or len(arr) == 0):
        raise ValueError(f"{name} is empty (shape {arr.shape}); it needs at least one example")
    if finite and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))
        first = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"{name} contains {len(bad)} NaN or infinite values (the first at "
            f"index {first}, {arr[first]}); remove or replace them, e.g. with "
            f"np.nan_to_num({name})"
        )
    return arr


def labels(y: object, name: str, n: int, n_classes: int | None = None) -> np.ndarray:
    """Class numbers: an int64 array of shape (n,) with every entry in 0..n_classes-1.

    Floats that are whole numbers (3.0) are accepted; bools, fractions, NaN, strings and
    one-hot rows are refused with a message saying how to convert them.
    """
    try:
        arr = np.asarray(y)
    except Exception as exc:
        raise TypeError(f"{name} must be an array of class numbers: {exc}") from None
    if arr.ndim == 2 and arr.shape[0] == n and arr.shape[1] > 1:
        raise ValueError(
            f"{name} has shape {arr.shape}: one row per example looks like one-hot "
            f"labels; pass class numbers instead, {name}.argmax(axis=1)"
        )
    if arr.shape != (n,):
        hint = f"; flatten it with {name}.ravel()" if arr.size == n and arr.ndim > 1 else ""
        raise ValueError(
            f"{name} must have shape ({n},), one class per example, got shape {arr.shape}{hint}"
        )
    kind = arr.dtype.kind
    whole = kind == "f" and bool(np.all(np.isfinite(arr))) and bool(np.all(arr == np.round(arr)))
    if kind not in "iu" and not whole:
        raise TypeError(
            f"{name} must be whole class numbers (ints), got dtype {arr.dtype}; "
            f"convert them with {name}.astype(int)"
        )
    if n:
        limit = 2**63 if n_classes is None else n_classes
        outside = (arr < 0) | (arr >= limit)
        if outside.any():
            bad = int(arr[outside][0])
            if n_classes is None:
                raise ValueError(
                    f"{name} has a label {bad}, which is not a class number; "
                    "classes are numbered 0, 1, 2, ..."
                )
            raise ValueError(
                f"{name} has a label {bad} outside 0..{n_classes - 1}; there are "
                f"only {n_classes} classes"
            )
    return arr.astype(np.int64)


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
            f"{name} must have shape {layouts}, got {x.ndim} dimensions with shape {x.shape}{hint}"
        )
    if 0 in x.shape[-3:]:
        raise ValueError(
            f"{name} with shape {x.shape} has an empty channel, height or width axis; "
            "only the batch axis N may be 0"
        )
    return x if x.ndim == 4 else x.reshape((1,) * (4 - x.ndim) + x.shape)


def restore_ndim(a: np.ndarray, ndim: int) -> np.ndarray:
    """Drop the leading axes :func:`as_image_batch` added to a ``ndim``-D input."""
    return a.reshape(a.shape[4 - ndim :]) if ndim < 4 else a


def check_dout(
    dout: object, expected: tuple[int, ...], dtype: np.dtype | None = None, name: str = "dout"
) -> np.ndarray:
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


#: More weights than this in one layer (8 GB as float64) is a typing mistake, not a network.
MAX_PARAMS = 10**9


def weight_shape(shape: tuple[int, ...], arguments: str) -> tuple[int, ...]:
    """Refuse a weight array too large to allocate, naming the arguments that set its size
    (instead of numpy's MemoryError after a long wait)."""
    n = 1
    for s in shape:
        n *= s
    if n > MAX_PARAMS:
        raise ValueError(
            f"{arguments} make a weight of shape {shape}, {n:,} numbers, more than "
            f"{MAX_PARAMS:,}; use fewer channels or features"
        )
    return shape
