"""The output layer's activation and loss: softmax and cross-entropy.

Shapes::

    logits : (N, K)   one score per class for each of N examples
    labels : (N,)     integer class of each example, 0 <= label < K
"""
from __future__ import annotations

import numpy as np

from ._validate import as_float_array

__all__ = ["softmax", "log_softmax", "softmax_cross_entropy", "check_labels"]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Turn scores into probabilities over the last axis (each row sums to 1).

    Subtracting the row maximum first changes nothing mathematically but keeps ``exp`` from
    overflowing for large scores.

    Examples
    --------
    >>> softmax(np.array([[1.0, 1.0]]))
    array([[0.5, 0.5]])
    """
    z = as_float_array(logits, "logits")
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``log(softmax(logits))`` computed stably (no log of a tiny number)."""
    z = as_float_array(logits, "logits")
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def check_labels(labels: object, n: int, n_classes: int) -> np.ndarray:
    """Return ``labels`` as an int array of shape (n,), or raise a clear error."""
    arr = np.asarray(labels)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and arr.size and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(
                f"labels must be whole class numbers (ints), got dtype {arr.dtype}; "
                "convert them with labels.astype(int)"
            )
    if arr.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), one class per example, got {arr.shape}")
    if n and (arr.min() < 0 or arr.max() >= n_classes):
        bad = arr[(arr < 0) | (arr >= n_classes)][0]
        raise ValueError(
            f"labels contain {int(bad)}, outside 0..{n_classes - 1}; the logits have only "
            f"{n_classes} classes"
        )
    return arr.astype(np.int64, copy=False)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    Parameters
    ----------
    logits : ndarray, shape (N, K)
    labels : ndarray of int, shape (N,)

    Returns
    -------
    loss : float
        ``mean(-log softmax(logits)[n, labels[n]])``, as ``torch.nn.functional.cross_entropy``.
    dlogits : ndarray, shape (N, K)
        ``(softmax(logits) - onehot(labels)) / N``.

    Examples
    --------
    >>> loss, d = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    >>> round(loss, 4), d.shape
    (1.3863, (2, 4))
    """
    z = as_float_array(logits, "logits")
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (N, K), got {z.ndim} dimensions {z.shape}")
    n, k = z.shape
    if n == 0:
        raise ValueError("logits must hold at least one example, got shape (0, K)")
    y = check_labels(labels, n, k)
    logp = log_softmax(z)
    rows = np.arange(n)
    loss = float(-logp[rows, y].mean())
    # d loss / d logits = softmax - onehot, averaged over the batch.
    dlogits = np.exp(logp)
    dlogits[rows, y] -= 1.0
    dlogits /= n
    return loss, dlogits
