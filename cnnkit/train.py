"""Training: minibatches, forward, loss, backward, update, repeated for some epochs.

One *iteration* is one minibatch: forward pass, loss, backward pass, weight update. One
*epoch* is as many iterations as it takes to see every training example once.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

import numpy as np

from ._validate import as_float_array, positive_int
from .losses import softmax, softmax_cross_entropy
from .model import Sequential
from .progress import ProgressBar

__all__ = ["History", "fit", "evaluate", "predict", "predict_proba"]


@dataclass
class History:
    """Per-epoch numbers recorded by :func:`fit` (lists, one entry per epoch)."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    iterations: int = 0

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    def __repr__(self) -> str:
        if not self.epochs:
            return "History(no epochs yet)"
        text = (f"History({self.epochs} epochs, {self.iterations} iterations: "
                f"train loss {self.train_loss[-1]:.4f}, acc {self.train_acc[-1]:.2%}")
        if self.val_loss:
            text += f"; validation loss {self.val_loss[-1]:.4f}, acc {self.val_acc[-1]:.2%}"
        return text + ")"


def _check_data(X, y, name: str, label_name: str = "y"):
    X = as_float_array(X, name)
    y = np.asarray(y)
    if X.ndim == 0:
        raise ValueError(f"{name} must be an array of examples, got a single number {X!r}")
    if y.shape != (len(X),):
        raise ValueError(f"{name} has {len(X)} examples but {label_name} has shape {y.shape}; "
                         f"{label_name} must have one label per example, shape ({len(X)},)")
    if len(X) == 0:
        raise ValueError(f"{name} is empty")
    return X, y


def _batches(n: int, batch_size: int, order: Optional[np.ndarray] = None):
    idx = np.arange(n) if order is None else order
    for start in range(0, n, batch_size):
        yield idx[start : start + batch_size]


def predict_proba(model: Sequential, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Softmax probabilities, shape (N, K), computed in batches."""
    X = as_float_array(X, "X")
    return np.concatenate([softmax(model.forward(X[b])) for b in _batches(len(X), batch_size)])


def predict(model: Sequential, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """The most likely class of each example, shape (N,)."""
    X = as_float_array(X, "X")
    return np.concatenate([model.forward(X[b]).argmax(axis=1)
                           for b in _batches(len(X), batch_size)])


def evaluate(model: Sequential, X: np.ndarray, y: np.ndarray,
             batch_size: int = 512) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy (a fraction in [0, 1]) on ``X``, ``y``."""
    X, y = _check_data(X, y, "X")
    total_loss, correct = 0.0, 0
    for b in _batches(len(X), batch_size):
        logits = model.forward(X[b])
        loss, _ = softmax_cross_entropy(logits, y[b])
        total_loss += loss * len(b)
        correct += int((logits.argmax(axis=1) == y[b]).sum())
    return total_loss / len(X), correct / len(X)


def fit(
    model: Sequential,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
    batch_size: int,
    optimizer,
    X_val: Optional[np.ndarray] = None,
    y_val: Optional[np.ndarray] = None,
    seed: int = 0,
    progress: Union[str, bool, None] = "auto",
    callback: Optional[Callable[[History], None]] = None,
) -> History:
    """Train ``model`` with minibatch gradient descent.

    Each epoch shuffles the training set (seeded, so runs repeat exactly), then for every
    minibatch: forward pass, softmax cross-entropy loss, backward pass, ``optimizer.step()``.

    Parameters
    ----------
    model : Sequential
        Ends in a layer that outputs one score per class, shape (N, K).
    X : ndarray, shape (N, C, H, W)
    y : ndarray of int, shape (N,)
    epochs, batch_size : int
    optimizer : SGD (anything with ``step()``)
    X_val, y_val : ndarray, optional
        Evaluated after every epoch.
    seed : int
        Seed of the shuffling.
    progress : {"auto", "notebook", "text", "off"} or bool
        Progress bar: a widget in Jupyter, a line on a terminal, off otherwise.
    callback : callable, optional
        Called as ``callback(history)`` after every epoch (for live plots).

    Returns
    -------
    History
    """
    X, y = _check_data(X, y, "X")
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    if not hasattr(optimizer, "step"):
        raise TypeError(f"optimizer={optimizer!r} has no step(); pass SGD(model.params(), lr=...)")
    if (X_val is None) != (y_val is None):
        raise ValueError("pass both X_val and y_val, or neither")
    if X_val is not None:
        X_val, y_val = _check_data(X_val, y_val, "X_val", "y_val")
    rng = np.random.default_rng(seed)
    history = History()
    per_epoch = -(-len(X) // batch_size)
    bar = ProgressBar(epochs * per_epoch, progress)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        total_loss, correct = 0.0, 0
        for b in _batches(len(X), batch_size, rng.permutation(len(X))):
            logits = model.forward(X[b])  # 1. forward pass
            loss, dlogits = softmax_cross_entropy(logits, y[b])  # 2. loss and its gradient
            model.backward(dlogits)  # 3. backward pass: every layer's grads
            optimizer.step()  # 4. update the weights
            history.iterations += 1
            total_loss += loss * len(b)
            correct += int((logits.argmax(axis=1) == y[b]).sum())
            bar.update(1, f"epoch {epoch}/{epochs} loss {loss:.3f}")
        history.train_loss.append(total_loss / len(X))
        history.train_acc.append(correct / len(X))
        text = f"epoch {epoch}/{epochs} loss {history.train_loss[-1]:.3f}"
        if X_val is not None:
            val_loss, val_acc = evaluate(model, X_val, y_val)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
            text += f" val acc {val_acc:.1%}"
        history.seconds.append(time.perf_counter() - start)
        bar.update(0, text, force=True)
        if callback is not None:
            callback(history)
    bar.close(text)
    return history
