"""The output layer's activation and loss: softmax and cross-entropy.

Shapes::

    logits : (N, K)   one score per class for each of N examples
    labels : (N,)     integer class of each example, 0 <= label < K
"""

from __future__ import annotations

import numpy as np

from . import _validate as check

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
    z = _scores(logits)
    if z.size == 0:  # no examples (or no classes): an empty result, as in PyTorch
        return z.copy()
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``log(softmax(logits))`` computed stably (no log of a tiny number)."""
    z = _scores(logits)
    if z.size == 0:
        return z.copy()
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _scores(logits: object) -> np.ndarray:
    """Scores as a float array with at least one axis (the classes, last)."""
    return check.array(logits, "logits", min_ndim=1, layout="(..., K), K scores per example")


def check_labels(labels: object, n: int, n_classes: int) -> np.ndarray:
    """Return ``labels`` as an int array of shape (n,), or raise a clear error."""
    return check.labels(labels, "labels", n, n_classes)


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
        NaN or infinite logits give a NaN loss, as in PyTorch. An empty batch (N = 0) is an
        error here, where PyTorch returns nan: a mean over no examples has no value.
    dlogits : ndarray, shape (N, K)
        ``(softmax(logits) - onehot(labels)) / N``.

    Examples
    --------
    >>> loss, d = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    >>> round(loss, 4), d.shape
    (1.3863, (2, 4))
    """
    z = check.array(logits, "logits")
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (N, K), got {z.ndim} dimensions {z.shape}")
    n, k = z.shape
    if n == 0:
        raise ValueError(
            "logits must hold at least one example, got shape (0, K): the mean "
            "loss over no examples is undefined (PyTorch returns nan); skip "
            "empty batches"
        )
    if k == 0:
        raise ValueError(
            f"logits have shape {z.shape}, no classes; the last layer must output "
            "one score per class"
        )
    y = check.labels(labels, "labels", n, k)
    logp = log_softmax(z)
    rows = np.arange(n)
    loss = float(-logp[rows, y].mean())
    # d loss / d logits = softmax - onehot, averaged over the batch.
    dlogits = np.exp(logp)
    dlogits[rows, y] -= 1.0
    dlogits /= n
    return loss, dlogits
