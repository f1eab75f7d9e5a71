"""Numerical gradients: the slow, obviously-correct check of every backward pass.

The derivative of ``f`` at ``x`` along one coordinate is about
``(f(x + h) - f(x - h)) / (2h)`` (central difference, error of order ``h**2``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _validate as check
from .layers import Layer

__all__ = ["numerical_gradient", "relative_error", "check_layer_gradients"]


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    ``x`` is changed in place one entry at a time (and restored), so ``f`` may read it
    through a closure, e.g. a layer's own weight array.

    Parameters
    ----------
    f : callable
        Takes ``x`` and returns a float.
    x : ndarray of float32 or float64, writable
        float16 is refused: with about three significant digits, ``x + h`` and ``x - h``
        round to the same few values and the difference quotient is mostly rounding error
        (or 0). Pass ``x.astype(np.float64)`` instead.
    h : float
        Step size, > 0. A step too small to change an entry of ``x`` in its dtype is an
        error, not a silent zero.

    Returns
    -------
    ndarray, shape of ``x``

    Examples
    --------
    >>> x = np.array([1.0, 2.0])
    >>> np.round(numerical_gradient(lambda v: float(np.sum(v ** 2)), x), 6)
    array([2., 4.])
    """
    if not callable(f):
        raise TypeError(f"f={f!r} cannot be called; pass a function of x that returns a float")
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        raise TypeError(
            f"x must be a float ndarray (it is nudged in place), got "
            f"{type(x).__name__}{_dtype_of(x)}; use np.asarray(x, dtype=float)"
        )
    if x.dtype == np.float16:
        raise TypeError(
            "x has dtype float16, too coarse for a difference quotient (x + h and "
            "x - h round to the same value); use x.astype(np.float64)"
        )
    if not x.flags.writeable:
        raise ValueError(
            "x is read-only, but it is nudged in place; pass a writable copy, x.copy()"
        )
    h = check.positive_number(h, "h", "1e-6")
    grad = np.zeros_like(x)
    if x.size == 0:
        return grad
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        if x[i] == old or (np.isfinite(old) and not np.isfinite(x[i])):
            lost = x[i] == old
            x[i] = old
            raise ValueError(
                f"h={h!r} is too {'small' if lost else 'large'} for "
                f"x[{i}]={old!r} in {x.dtype}; use "
                f"{'a larger h or x.astype(np.float64)' if lost else 'h=1e-6'}"
            )
        try:
            f_plus = _value(f, x)
            x[i] = old - h
            f_minus = _value(f, x)
        finally:
            x[i] = old  # restored even when f fails
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _dtype_of(x: object) -> str:
    return f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""


def _value(f: Callable[[np.ndarray], float], x: np.ndarray) -> float:
    """``f(x)`` as a float, or a TypeError saying what ``f`` returned instead."""
    out = f(x)
    value = np.asarray(out)
    if value.size != 1 or value.dtype.kind not in "biuf":
        raise TypeError(
            f"f must return one real number (the loss), got {type(out).__name__}"
            f"{' of shape ' + str(value.shape) if value.size != 1 else ''}"
            f"{_dtype_of(value) if value.size == 1 else ''}"
        )
    return float(value.reshape(()))


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest difference between ``a`` and ``b``, relative to their largest magnitude.

    ``max|a - b| / max(max|a|, max|b|)``: about 1e-16 means equal to float64 precision,
    1e-7 is fine for a finite-difference check, 1e-2 means a bug. Complex inputs are
    compared by the modulus of their difference (the imaginary parts count); a NaN in either
    array gives NaN (no agreement can be claimed).
    """
    a, b = _numbers(a, "a"), _numbers(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    # np.abs is the modulus for complex numbers, so the imaginary parts count too.
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)


def _numbers(values: object, name: str) -> np.ndarray:
    """Real or complex numbers as an array in double precision (complex stays complex)."""
    try:
        arr = np.asarray(values)
    except Exception as exc:
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(
            f"{name} must be an array of numbers, got dtype {arr.dtype}; convert "
            f"it with np.asarray({name}, dtype=float)"
        )
    return arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64)


def check_layer_gradients(
    layer: Layer, x: np.ndarray, seed: int | None = 0, h: float = 1e-6
) -> dict[str, float]:
    """Compare a layer's ``backward`` with numerical gradients.

    Uses the loss ``sum(forward(x) * g)`` for a fixed random ``g``, whose gradient with
    respect to the output is exactly ``g``.

    Returns
    -------
    dict
        Relative error for ``"x"`` and for every parameter name.
    """
    if not isinstance(layer, Layer):
        raise TypeError(
            f"layer={layer!r} is not a cnnkit layer; pass one such as Conv2D(1, 2, 3, rng=0)"
        )
    x = np.array(check.array(x, "x", min_ndim=1), dtype=np.float64)
    h = check.positive_number(h, "h", "1e-6")
    g = check.as_rng(check.seed(seed)).normal(size=layer.forward(x).shape)

    def loss(_: np.ndarray) -> float:
        return float(np.sum(layer.forward(x) * g))

    layer.forward(x)
    dx = layer.backward(g)
    analytic = {"x": dx, **{k: v.copy() for k, v in layer.grads.items()}}
    errors = {"x": relative_error(analytic["x"], numerical_gradient(loss, x, h))}
    for name, p in layer.params.items():
        errors[name] = relative_error(analytic[name], numerical_gradient(loss, p, h))
    return errors
