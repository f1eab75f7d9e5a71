"""Numerical gradients: the slow, obviously-correct check of every backward pass.

The derivative of ``f`` at ``x`` along one coordinate is about
``(f(x + h) - f(x - h)) / (2h)`` (central difference, error of order ``h**2``).
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from .layers import Layer

__all__ = ["numerical_gradient", "relative_error", "check_layer_gradients"]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    ``x`` is changed in place one entry at a time (and restored), so ``f`` may read it
    through a closure, e.g. a layer's own weight array.

    Parameters
    ----------
    f : callable
        Takes ``x`` and returns a float.
    x : ndarray of float
    h : float
        Step size.

    Returns
    -------
    ndarray, shape of ``x``

    Examples
    --------
    >>> x = np.array([1.0, 2.0])
    >>> np.round(numerical_gradient(lambda v: float(np.sum(v ** 2)), x), 6)
    array([2., 4.])
    """
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        raise TypeError("x must be a float ndarray (it is nudged in place); "
                        "use np.asarray(x, dtype=float)")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest difference between ``a`` and ``b``, relative to their largest magnitude.

    ``max|a - b| / max(max|a|, max|b|)``: about 1e-16 means equal to float64 precision,
    1e-7 is fine for a finite-difference check, 1e-2 means a bug.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)


def check_layer_gradients(layer: Layer, x: np.ndarray, seed: Optional[int] = 0,
                          h: float = 1e-6) -> dict[str, float]:
    """Compare a layer's ``backward`` with numerical gradients.

    Uses the loss ``sum(forward(x) * g)`` for a fixed random ``g``, whose gradient with
    respect to the output is exactly ``g``.

    Returns
    -------
    dict
        Relative error for ``"x"`` and for every parameter name.
    """
    x = np.array(x, dtype=np.float64)
    g = np.random.default_rng(seed).normal(size=layer.forward(x).shape)

    def loss(_: np.ndarray) -> float:
        return float(np.sum(layer.forward(x) * g))

    layer.forward(x)
    dx = layer.backward(g)
    analytic = {"x": dx, **{k: v.copy() for k, v in layer.grads.items()}}
    errors = {"x": relative_error(analytic["x"], numerical_gradient(loss, x, h))}
    for name, p in layer.params.items():
        errors[name] = relative_error(analytic[name], numerical_gradient(loss, p, h))
    return errors
